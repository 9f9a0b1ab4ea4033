/**
 * Loading the configuration: YAML file (optional) → environment overrides → validation → defaults.
 * Parse the environment and files here only; library modules take the typed {@link Config}.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import { parseDocument } from "yaml";
import { EXCHANGE_AUDIT_TABLE, HEALTH_TABLE } from "../schema/table-schema.ts";
import { applyEnv, attributeToVariables, unknownVariables } from "./env.ts";
import type { AuthSettings, Config, ConfigProblem, TenantConfig } from "./types.ts";
import { ConfigError } from "./types.ts";
import { SECRET_KEYS, validateRawConfig } from "./validate.ts";

/** Default config file looked for in the working directory when neither --config nor EXO_AUDIT_CONFIG is set. */
export const DEFAULT_CONFIG_FILE = "exo-audit.yaml";

export interface LoadConfigOptions {
  /** Config file (--config); default EXO_AUDIT_CONFIG, then ./exo-audit.yaml when it exists. */
  file?: string;
  /** Environment (default process.env). */
  env?: Record<string, string | undefined>;
  /** Working directory for relative paths when there is no file (default process.cwd()). */
  cwd?: string;
}

export interface LoadedConfig {
  /** Present when there are no errors. */
  config?: Config;
  /** Every error and warning. */
  problems: ConfigProblem[];
  /** Absolute path of the file read, if any. */
  file?: string;
  /** Environment variables that overrode values. */
  envUsed: string[];
  /** The raw merged object before defaults (for `config check`). */
  raw: Record<string, unknown>;
}

/**
 * The configuration file to read, as an absolute path: `--config`, else `EXO_AUDIT_CONFIG`, else
 * `./exo-audit.yaml` when it exists; undefined when there is none (environment-only configuration).
 */
export function configFilePath(file: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  const chosen =
    file ?? env.EXO_AUDIT_CONFIG ?? (existsSync(resolve(cwd, DEFAULT_CONFIG_FILE)) ? DEFAULT_CONFIG_FILE : undefined);
  return chosen ? resolve(cwd, chosen) : undefined;
}

/** Loads and validates; never throws for configuration problems (they are returned). */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const problems: ConfigProblem[] = [];
  let raw: Record<string, unknown> = {};
  const abs = configFilePath(options.file, env, cwd);
  if (abs) {
    const parsed = readConfigFile(abs, problems);
    // An unreadable file or a YAML syntax error is the whole story: validating an empty object would add a
    // spurious "is required" for every key the file does set.
    if (!parsed) return { problems, envUsed: [], raw, file: abs };
    raw = parsed;
  }
  // Checked before the environment is applied: only secrets written in the file make its permissions matter.
  if (abs && containsSecret(raw)) problems.push(...permissionWarning(abs));
  const fromFile = structuredClone(raw);
  const envResult = applyEnv(raw, env);
  problems.push(...envResult.problems, ...unknownVariables(env));
  if (!abs && envResult.used.length === 0) {
    problems.push({
      severity: "error",
      path: "configuration",
      message: `none found: pass --config FILE, set EXO_AUDIT_CONFIG, create ./${DEFAULT_CONFIG_FILE} or set EXO_AUDIT_* variables (see docs/configuration.md)`,
    });
    return { problems, envUsed: [], raw };
  }
  problems.push(...attributeToVariables(validateRawConfig(raw), envResult.set, fromFile));
  const result: LoadedConfig = { problems, envUsed: envResult.used, raw };
  if (abs) result.file = abs;
  if (!problems.some((p) => p.severity === "error")) {
    result.config = withDefaults(raw, abs ? dirname(abs) : cwd, abs);
  }
  return result;
}

/** Loads and validates; throws {@link ConfigError} listing every error. Warnings are returned. */
export function loadConfigOrThrow(options: LoadConfigOptions = {}): { config: Config; warnings: ConfigProblem[] } {
  const loaded = loadConfig(options);
  if (!loaded.config) throw new ConfigError(loaded.problems);
  return { config: loaded.config, warnings: loaded.problems.filter((p) => p.severity === "warning") };
}

/** Reads and parses a configuration file; unreadable files and syntax errors are added to `problems`. */
export function readConfigFile(path: string, problems: ConfigProblem[]): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as { code?: string }).code;
    problems.push({
      severity: "error",
      path,
      message: code === "ENOENT" ? "config file not found" : `cannot read config file (${code ?? String(err)})`,
    });
    return undefined;
  }
  return parseConfigYaml(text, path, problems);
}

/**
 * Parses configuration YAML text (from a file, or inline from an app setting) into a mapping; syntax errors
 * are added to `problems` with `where:line:col`.
 */
export function parseConfigYaml(
  text: string,
  where: string,
  problems: ConfigProblem[],
): Record<string, unknown> | undefined {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  for (const e of doc.errors) {
    const line = e.linePos?.[0];
    problems.push({
      severity: "error",
      path: line ? `${where}:${line.line}:${line.col}` : where,
      message: e.message.split("\n")[0] ?? "YAML syntax error",
    });
  }
  if (doc.errors.length > 0) return undefined;
  const value = doc.toJS() as unknown;
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    problems.push({ severity: "error", path: where, message: "the configuration must be a YAML mapping (key: value)" });
    return undefined;
  }
  return value as Record<string, unknown>;
}

function containsSecret(raw: unknown): boolean {
  const walk = (v: unknown): boolean =>
    Array.isArray(v)
      ? v.some(walk)
      : !!v &&
        typeof v === "object" &&
        Object.entries(v).some(([k, x]) => (SECRET_KEYS.has(k) && typeof x === "string" && x !== "") || walk(x));
  return walk(raw);
}

function permissionWarning(path: string): ConfigProblem[] {
  if (process.platform === "win32") return [];
  try {
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) {
      return [
        {
          severity: "warning",
          path,
          message: `contains a secret and is readable by others (mode ${mode.toString(8)}); run 'chmod 600 ${path}' or move the secret to an environment variable or Key Vault`,
        },
      ];
    }
  } catch {
    // Unreadable files were reported already.
  }
  return [];
}

const num = (v: unknown, d: number) => (typeof v === "number" ? v : d);
const str = <T extends string>(v: unknown, d: T) => (typeof v === "string" ? (v as T) : d);

/** Fills every default and resolves relative paths against `baseDir` (the config file's folder). */
export function withDefaults(raw: Record<string, unknown>, baseDir: string, file?: string): Config {
  const o = (v: unknown) => (v && typeof v === "object" ? (v as Record<string, unknown>) : {});
  const path = (v: unknown) => (typeof v === "string" ? resolve(baseDir, v) : undefined);
  const tenants: TenantConfig[] = (raw.tenants as Record<string, unknown>[]).map((t) => {
    const auth = { ...(t.auth as AuthSettings) };
    for (const k of ["certificatePath", "privateKeyPath", "tokenFilePath"] as const) {
      if (auth[k]) auth[k] = path(auth[k]);
    }
    const tenant: TenantConfig = {
      tenantId: String(t.tenantId).toLowerCase(),
      name: str(t.name, String(t.tenantId)),
      cloud: str(t.cloud, "commercial"),
      publisherId: String(t.publisherId ?? t.tenantId).toLowerCase(),
      contentTypes: (t.contentTypes as string[] | undefined) ?? ["Audit.Exchange"],
      auth,
    };
    if (typeof t.apiRoot === "string") tenant.apiRoot = t.apiRoot;
    if (typeof t.authorityHost === "string") tenant.authorityHost = t.authorityHost;
    if (typeof t.caFile === "string") tenant.caFile = path(t.caFile)!;
    if (typeof t.authorityCaFile === "string") tenant.authorityCaFile = path(t.authorityCaFile)!;
    return tenant;
  });
  const ing = o(raw.ingestion);
  const streams = o(ing.streams);
  const first = tenants[0]!;
  let ingestionAuth: AuthSettings;
  if (ing.auth) {
    ingestionAuth = { ...(ing.auth as AuthSettings) };
    for (const k of ["certificatePath", "privateKeyPath", "tokenFilePath"] as const) {
      if (ingestionAuth[k]) ingestionAuth[k] = path(ingestionAuth[k]);
    }
    ingestionAuth.tenantId ??= first.tenantId;
  } else {
    ingestionAuth = { ...first.auth, tenantId: first.tenantId };
  }
  const state = o(raw.state);
  const azure = state.azure ? o(state.azure) : undefined;
  const stateDir = path(state.dir) ?? resolve(baseDir, "exo-audit-state");
  const coll = o(raw.collection);
  const norm = o(raw.normalize);
  const config: Config = {
    instance: str(raw.instance, hostname()),
    ...(raw.allowCustomHosts === true ? { allowCustomHosts: true } : {}),
    logLevel: str(raw.logLevel, "info"),
    tenants,
    ingestion: {
      endpoint: String(ing.endpoint).replace(/\/+$/, ""),
      dcrImmutableId: String(ing.dcrImmutableId),
      streams: {
        audit: str(streams.audit, EXCHANGE_AUDIT_TABLE.streamName),
        health: str(streams.health, HEALTH_TABLE.streamName),
      },
      cloud: str(ing.cloud, first.cloud === "gcchigh" || first.cloud === "dod" ? "usgov" : "public"),
      auth: ingestionAuth,
      maxConcurrency: num(ing.maxConcurrency, 4),
    },
    state: {
      dir: stateDir,
      dedupRetentionDays: num(state.dedupRetentionDays, 8),
      dedupMaxIds: num(state.dedupMaxIds, 5_000_000),
    },
    collection: {
      pollIntervalSec: num(coll.pollIntervalSec, 300),
      windowHours: num(coll.windowHours, 1),
      overlapHours: num(coll.overlapHours, 2),
      initialLookbackHours: num(coll.initialLookbackHours, 168),
      concurrency: num(coll.concurrency, 4),
      requestsPerMinute: num(coll.requestsPerMinute, 2000),
      batchRows: num(coll.batchRows, 500),
      sweeps: Array.isArray(coll.sweeps)
        ? (coll.sweeps as Record<string, unknown>[]).map((x) => ({
            everyMinutes: num(x?.everyMinutes, 60),
            horizonHours: num(x?.horizonHours, 24),
          }))
        : [
            { everyMinutes: 60, horizonHours: 24 },
            { everyMinutes: 1440, horizonHours: 168 },
          ],
      healthIntervalSec: num(coll.healthIntervalSec, 900),
    },
    normalize: {
      subjects: str(norm.subjects, "keep"),
      keepAuditData: typeof norm.keepAuditData === "boolean" ? norm.keepAuditData : true,
    },
    deadLetter: {},
  };
  const deadLetterDir = path(o(raw.deadLetter).dir) ?? (azure ? undefined : resolve(stateDir, "dead-letters"));
  if (deadLetterDir) config.deadLetter.dir = deadLetterDir;
  if (typeof ing.authorityHost === "string") config.ingestion.authorityHost = ing.authorityHost;
  if (typeof ing.caFile === "string") config.ingestion.caFile = path(ing.caFile)!;
  if (typeof ing.authorityCaFile === "string") config.ingestion.authorityCaFile = path(ing.authorityCaFile)!;
  if (typeof coll.timeBudgetSec === "number") config.collection.timeBudgetSec = coll.timeBudgetSec;
  if (azure) {
    config.state.azure = {
      container: str(azure.container, "exo-audit-state"),
      leaseSeconds: num(azure.leaseSeconds, 30),
    };
    if (typeof azure.accountUrl === "string") config.state.azure.accountUrl = azure.accountUrl;
    if (typeof azure.connectionString === "string") config.state.azure.connectionString = azure.connectionString;
  }
  if (file) config.source = file;
  return config;
}
