/**
 * Environment variables override single configuration values (env wins over the file). The table below is
 * the whole mapping; docs/configuration.md lists it and a test keeps both in sync. Variables addressing
 * `tenants[0]` create the first tenant when the file has none, so a single-tenant deployment can be configured
 * from the environment alone (Functions app settings, container env).
 *
 * | binding            | the file (or EXO_AUDIT_TENANTS) lists tenants | it lists none            |
 * | ------------------ | --------------------------------------------- | ------------------------ |
 * | `tenants[0]...`    | sets the first tenant's value                 | creates tenants[0]       |
 * | `everyTenant`      | sets the value on every tenant                | creates tenants[0]       |
 *
 * EXO_AUDIT_PUBLISHER_ID is `everyTenant`: an MSSP's PublisherIdentifier is its own tenant GUID for every
 * customer tenant (the throttling quota is counted per publisher), not only for the first one.
 */
import type { ConfigProblem } from "./types.ts";

type Kind = "string" | "int" | "number" | "bool" | "list";

/** One environment variable and the configuration path it sets. */
export interface EnvBinding {
  name: string;
  path: (string | number)[];
  kind: Kind;
  /** Set on every configured tenant (the path's part after `tenants[0]`), not only on the first. */
  everyTenant?: boolean;
}

const T0 = ["tenants", 0] as const;

/** Every supported variable. */
export const ENV_BINDINGS: readonly EnvBinding[] = [
  { name: "EXO_AUDIT_INSTANCE", path: ["instance"], kind: "string" },
  { name: "EXO_AUDIT_LOG_LEVEL", path: ["logLevel"], kind: "string" },
  { name: "EXO_AUDIT_ALLOW_CUSTOM_HOSTS", path: ["allowCustomHosts"], kind: "bool" },
  { name: "EXO_AUDIT_TENANT_ID", path: [...T0, "tenantId"], kind: "string" },
  { name: "EXO_AUDIT_CLOUD", path: [...T0, "cloud"], kind: "string" },
  { name: "EXO_AUDIT_PUBLISHER_ID", path: [...T0, "publisherId"], kind: "string", everyTenant: true },
  { name: "EXO_AUDIT_CONTENT_TYPES", path: [...T0, "contentTypes"], kind: "list" },
  { name: "EXO_AUDIT_CLIENT_ID", path: [...T0, "auth", "clientId"], kind: "string" },
  { name: "EXO_AUDIT_CERTIFICATE_PATH", path: [...T0, "auth", "certificatePath"], kind: "string" },
  { name: "EXO_AUDIT_PRIVATE_KEY_PATH", path: [...T0, "auth", "privateKeyPath"], kind: "string" },
  { name: "EXO_AUDIT_CERTIFICATE_PEM", path: [...T0, "auth", "certificatePem"], kind: "string" },
  { name: "EXO_AUDIT_CERTIFICATE_PASSWORD", path: [...T0, "auth", "certificatePassword"], kind: "string" },
  { name: "EXO_AUDIT_CLIENT_SECRET", path: [...T0, "auth", "clientSecret"], kind: "string" },
  { name: "EXO_AUDIT_MANAGED_IDENTITY", path: [...T0, "auth", "managedIdentity"], kind: "bool" },
  { name: "EXO_AUDIT_WORKLOAD_IDENTITY", path: [...T0, "auth", "workloadIdentity"], kind: "bool" },
  { name: "EXO_AUDIT_API_ROOT", path: [...T0, "apiRoot"], kind: "string" },
  { name: "EXO_AUDIT_AUTHORITY_HOST", path: [...T0, "authorityHost"], kind: "string" },
  { name: "EXO_AUDIT_CA_FILE", path: [...T0, "caFile"], kind: "string" },
  { name: "EXO_AUDIT_INGESTION_ENDPOINT", path: ["ingestion", "endpoint"], kind: "string" },
  { name: "EXO_AUDIT_DCR_IMMUTABLE_ID", path: ["ingestion", "dcrImmutableId"], kind: "string" },
  { name: "EXO_AUDIT_STREAM_AUDIT", path: ["ingestion", "streams", "audit"], kind: "string" },
  { name: "EXO_AUDIT_STREAM_HEALTH", path: ["ingestion", "streams", "health"], kind: "string" },
  { name: "EXO_AUDIT_INGESTION_CLOUD", path: ["ingestion", "cloud"], kind: "string" },
  { name: "EXO_AUDIT_INGESTION_CA_FILE", path: ["ingestion", "caFile"], kind: "string" },
  { name: "EXO_AUDIT_STATE_DIR", path: ["state", "dir"], kind: "string" },
  { name: "EXO_AUDIT_STATE_ACCOUNT_URL", path: ["state", "azure", "accountUrl"], kind: "string" },
  { name: "EXO_AUDIT_STATE_CONNECTION_STRING", path: ["state", "azure", "connectionString"], kind: "string" },
  { name: "EXO_AUDIT_STATE_CONTAINER", path: ["state", "azure", "container"], kind: "string" },
  { name: "EXO_AUDIT_POLL_INTERVAL_SEC", path: ["collection", "pollIntervalSec"], kind: "int" },
  { name: "EXO_AUDIT_WINDOW_HOURS", path: ["collection", "windowHours"], kind: "number" },
  { name: "EXO_AUDIT_OVERLAP_HOURS", path: ["collection", "overlapHours"], kind: "number" },
  { name: "EXO_AUDIT_INITIAL_LOOKBACK_HOURS", path: ["collection", "initialLookbackHours"], kind: "number" },
  { name: "EXO_AUDIT_CONCURRENCY", path: ["collection", "concurrency"], kind: "int" },
  { name: "EXO_AUDIT_REQUESTS_PER_MINUTE", path: ["collection", "requestsPerMinute"], kind: "int" },
  { name: "EXO_AUDIT_BATCH_ROWS", path: ["collection", "batchRows"], kind: "int" },
  { name: "EXO_AUDIT_TIME_BUDGET_SEC", path: ["collection", "timeBudgetSec"], kind: "int" },
  { name: "EXO_AUDIT_SUBJECTS", path: ["normalize", "subjects"], kind: "string" },
  { name: "EXO_AUDIT_KEEP_AUDIT_DATA", path: ["normalize", "keepAuditData"], kind: "bool" },
  { name: "EXO_AUDIT_DEAD_LETTER_DIR", path: ["deadLetter", "dir"], kind: "string" },
];

/**
 * `EXO_AUDIT_*` variables read elsewhere (the configuration file's location, and the hosting layer's app
 * settings in connector/hosting/settings.ts): known, so never reported as misspelled.
 */
export const OTHER_VARIABLES: readonly string[] = [
  "EXO_AUDIT_CONFIG",
  "EXO_AUDIT_CONFIG_YAML",
  "EXO_AUDIT_TENANTS",
  "EXO_AUDIT_KEY_VAULT_URL",
  "EXO_AUDIT_CERTIFICATE_NAME",
  "EXO_AUDIT_CERTIFICATE",
  "EXO_AUDIT_DCR_ENDPOINT",
  "EXO_AUDIT_STATE_BLOB_URL",
  "EXO_AUDIT_LEASE_SECONDS",
  "EXO_AUDIT_STATE_TABLE_URL",
  "EXO_AUDIT_STATE_TABLE",
  "EXO_AUDIT_SCHEDULE",
];

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The known variable an unknown one most likely meant: same letters without `_`, a prefix, or a near spelling. */
export function closestVariable(name: string): string | undefined {
  const known = [...ENV_BINDINGS.map((b) => b.name), ...OTHER_VARIABLES];
  const bare = (s: string) => s.replace(/_/g, "");
  const same = known.find((k) => bare(k) === bare(name));
  if (same) return same;
  const prefix = known.filter((k) => k.startsWith(`${name}_`) || name.startsWith(`${k}_`));
  if (prefix.length === 1) return prefix[0];
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor((name.length - "EXO_AUDIT_".length) / 3));
  for (const k of known) {
    const d = editDistance(name, k);
    if (d <= bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

/** A warning for every set `EXO_AUDIT_*` variable nothing reads (a misspelling is otherwise silently ignored). */
export function unknownVariables(env: Record<string, string | undefined>): ConfigProblem[] {
  const known = new Set([...ENV_BINDINGS.map((b) => b.name), ...OTHER_VARIABLES]);
  const out: ConfigProblem[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith("EXO_AUDIT_") || known.has(name)) continue;
    const guess = closestVariable(name);
    out.push({
      severity: "warning",
      path: name,
      message: `is not a setting and is ignored${guess ? `; did you mean ${guess}?` : ""} ('exo-audit config env' lists them)`,
    });
  }
  return out;
}

/** `tenants[0].auth.clientId` style rendering of a path. */
export function pathText(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

function convert(kind: Kind, raw: string): { value: unknown } | { error: string } {
  const v = raw.trim();
  switch (kind) {
    case "string":
      return { value: raw };
    case "list":
      return {
        value: v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      };
    case "bool":
      if (/^(true|1|yes)$/i.test(v)) return { value: true };
      if (/^(false|0|no)$/i.test(v)) return { value: false };
      return { error: `'${raw}' is not a boolean (use true or false)` };
    case "int":
      return /^-?\d+$/.test(v) ? { value: Number(v) } : { error: `'${raw}' is not a whole number` };
    case "number":
      return v !== "" && Number.isFinite(Number(v)) ? { value: Number(v) } : { error: `'${raw}' is not a number` };
  }
}

/**
 * Applies the environment to a raw configuration object (mutated and returned). Empty variables are ignored.
 * Returns the variables used, and a problem for every value that cannot be converted.
 */
export function applyEnv(
  raw: Record<string, unknown>,
  env: Record<string, string | undefined>,
): { used: string[]; problems: ConfigProblem[]; set: { name: string; path: string; overrode: boolean }[] } {
  const used: string[] = [];
  const problems: ConfigProblem[] = [];
  const set: { name: string; path: string; overrode: boolean }[] = [];
  for (const b of ENV_BINDINGS) {
    const text = env[b.name];
    if (text === undefined || text === "") continue;
    const conv = convert(b.kind, text);
    if ("error" in conv) {
      problems.push({ severity: "error", path: b.name, message: conv.error });
      continue;
    }
    set.push({ name: b.name, path: pathText(b.path), overrode: getPath(raw, b.path) !== undefined });
    const tenants = raw.tenants;
    if (b.everyTenant && Array.isArray(tenants) && tenants.length > 0) {
      for (let i = 0; i < tenants.length; i++) setPath(raw, ["tenants", i, ...b.path.slice(2)], conv.value);
    } else {
      setPath(raw, b.path, conv.value);
    }
    used.push(b.name);
  }
  return { used, problems, set };
}

function getPath(obj: unknown, path: readonly (string | number)[]): unknown {
  let cur = obj;
  for (const k of path) {
    if (!cur || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

/** `tenants[0].auth` → `["tenants", 0, "auth"]`. */
function parsePath(text: string): (string | number)[] {
  return text
    .split(/\.|(?=\[)/)
    .filter(Boolean)
    .map((p) => (/^\[\d+\]$/.test(p) ? Number(p.slice(1, -1)) : p));
}

/**
 * Names the variables behind a problem: one whose path is the problem's or lies below it (an auth block with two
 * methods, one from the file and one from the environment), and the keys the file set there, so the operator
 * knows which side to change. `file` is the configuration as read, before the environment was applied.
 */
export function attributeToVariables(
  problems: ConfigProblem[],
  set: readonly { name: string; path: string; overrode: boolean }[],
  file: unknown,
): ConfigProblem[] {
  return problems.map((p) => {
    const from = set.filter((s) => s.path === p.path || s.path.startsWith(`${p.path}.`));
    if (from.length === 0) return p;
    const names = from.map((s) => `${s.name} sets ${s.path}${s.overrode ? ", replacing the file's value" : ""}`);
    const inFile = getPath(file, parsePath(p.path));
    const fileKeys =
      inFile && typeof inFile === "object" && !Array.isArray(inFile)
        ? Object.keys(inFile)
            .map((k) => `${p.path}.${k}`)
            .filter((k) => !from.some((s) => s.path === k))
        : [];
    const fileSide = fileKeys.length > 0 ? `; the file sets ${fileKeys.join(", ")}` : "";
    return { ...p, message: `${p.message} (${names.join("; ")}${fileSide})` };
  });
}

function setPath(obj: Record<string, unknown>, path: readonly (string | number)[], value: unknown): void {
  let cur: Record<string | number, unknown> | unknown[] = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!;
    const nextIsIndex = typeof path[i + 1] === "number";
    const existing = (cur as Record<string | number, unknown>)[k];
    if (existing === undefined || existing === null || typeof existing !== "object") {
      (cur as Record<string | number, unknown>)[k] = nextIsIndex ? [] : {};
    }
    cur = (cur as Record<string | number, unknown>)[k] as Record<string, unknown>;
    if (nextIsIndex && Array.isArray(cur) && cur[path[i + 1] as number] === undefined) {
      cur[path[i + 1] as number] = {};
    }
  }
  (cur as Record<string | number, unknown>)[path[path.length - 1]!] = value;
}
