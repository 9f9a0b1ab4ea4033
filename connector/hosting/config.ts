/**
 * Configuration of a hosted run: the same file / environment loading as connector/config/load.ts, plus the
 * hosting app settings (settings.ts) and Key Vault references resolved with the managed identity
 * (key-vault.ts) before validation, so a reference the platform could not resolve is either fixed here or
 * reported with its setting name. `run` (CLI, Container Apps Job) and the Functions timer both load through it.
 */
import { dirname } from "node:path";
import type { TokenCredential } from "@azure/core-auth";
import { formatProblems, loadConfigForCommand } from "../config/cli.ts";
import { applyEnv, unknownVariables } from "../config/env.ts";
import { configFilePath, loadConfig, parseConfigYaml, readConfigFile, withDefaults } from "../config/load.ts";
import { type Config, ConfigError, type ConfigProblem } from "../config/types.ts";
import { validateRawConfig } from "../config/validate.ts";
import {
  certificatePemFrom,
  isKeyVaultReference,
  keyVaultSecretFetcher,
  resolveKeyVaultReferences,
  type SecretFetcher,
} from "./key-vault.ts";
import { applyHostedSettings, certificateSetting, isHostedEnvironment } from "./settings.ts";

export interface HostedConfigOptions {
  /** Config file; default EXO_AUDIT_CONFIG, then ./exo-audit.yaml when it exists, then EXO_AUDIT_CONFIG_YAML. */
  file?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Reads Key Vault secrets (tests); default @azure/keyvault-secrets with {@link hostCredential}. */
  fetchSecret?: SecretFetcher;
}

export interface HostedConfig {
  config?: Config;
  problems: ConfigProblem[];
  file?: string;
  /** Setting names that contributed (no values). */
  settingsUsed: string[];
  /** Paths whose Key Vault references this process resolved (the platform had not). */
  keyVaultResolved: string[];
}

/**
 * The credential of the host: the user-assigned managed identity named by AZURE_CLIENT_ID, else the
 * system-assigned one, else DefaultAzureCredential (developer machines).
 */
export async function hostCredential(env: Record<string, string | undefined>): Promise<TokenCredential> {
  const identity = await import("@azure/identity");
  const clientId = env.AZURE_CLIENT_ID?.trim();
  if (env.IDENTITY_ENDPOINT || env.MSI_ENDPOINT) {
    return new identity.ManagedIdentityCredential(clientId ? { clientId } : {});
  }
  return new identity.DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
}

function vaultSuffix(env: Record<string, string | undefined>): string | undefined {
  const url = env.EXO_AUDIT_KEY_VAULT_URL?.trim();
  if (!url) return undefined;
  try {
    const host = new URL(url).hostname;
    return host.slice(host.indexOf(".") + 1);
  } catch {
    return undefined;
  }
}

function hasReference(v: unknown): boolean {
  if (isKeyVaultReference(v)) return true;
  if (Array.isArray(v)) return v.some(hasReference);
  return !!v && typeof v === "object" && Object.values(v).some(hasReference);
}

/** Loads, applies settings, resolves Key Vault references, validates. Never throws for configuration problems. */
export async function loadHostedConfig(options: HostedConfigOptions = {}): Promise<HostedConfig> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const problems: ConfigProblem[] = [];
  let raw: Record<string, unknown> = {};
  const abs = configFilePath(options.file, env, cwd);
  if (abs) {
    raw = readConfigFile(abs, problems) ?? {};
  } else if (env.EXO_AUDIT_CONFIG_YAML?.trim()) {
    raw = parseConfigYaml(env.EXO_AUDIT_CONFIG_YAML, "EXO_AUDIT_CONFIG_YAML", problems) ?? {};
  }
  const settingsUsed = applyHostedSettings(raw, env);
  const envResult = applyEnv(raw, env);
  settingsUsed.push(...envResult.used);
  problems.push(...envResult.problems, ...unknownVariables(env));

  const result: HostedConfig = { problems, settingsUsed, keyVaultResolved: [] };
  if (abs) result.file = abs;
  if (problems.some((p) => p.severity === "error")) return result;

  const direct = env.EXO_AUDIT_CERTIFICATE?.trim();
  if (direct && !isKeyVaultReference(direct)) {
    // Resolved by the platform (Container Apps secret reference): still check it is usable PEM, not PKCS#12.
    try {
      certificatePemFrom({ value: direct }, "EXO_AUDIT_CERTIFICATE");
    } catch (err) {
      problems.push({
        severity: "error",
        path: "EXO_AUDIT_CERTIFICATE",
        message: (err as Error).message.replace(/^EXO_AUDIT_CERTIFICATE: /, ""),
      });
    }
  }
  if (hasReference(raw)) {
    const fetchSecret = options.fetchSecret ?? keyVaultSecretFetcher(await hostCredential(env));
    const suffix = vaultSuffix(env);
    const kv = await resolveKeyVaultReferences(raw, fetchSecret, suffix ? { vaultSuffix: suffix } : {});
    result.keyVaultResolved = kv.resolved;
    for (const e of kv.errors) problems.push({ severity: "error", ...e });
  }
  problems.push(...validateRawConfig(raw));
  if (env.EXO_AUDIT_TENANTS?.trim() && !certificateSetting(env) && !env.EXO_AUDIT_CERTIFICATE_PEM?.trim()) {
    problems.push({
      severity: "error",
      path: "EXO_AUDIT_TENANTS",
      message:
        "lists tenants but no API certificate is configured: set EXO_AUDIT_KEY_VAULT_URL and EXO_AUDIT_CERTIFICATE_NAME (or EXO_AUDIT_CERTIFICATE)",
    });
  }
  if (!problems.some((p) => p.severity === "error")) {
    result.config = withDefaults(raw, abs ? dirname(abs) : cwd, abs);
  }
  return result;
}

/** Loads or throws {@link ConfigError} listing every error. */
export async function loadHostedConfigOrThrow(options: HostedConfigOptions = {}): Promise<Config> {
  const loaded = await loadHostedConfig(options);
  if (!loaded.config) throw new ConfigError(loaded.problems);
  return loaded.config;
}

/**
 * For CLI commands (`run`): like connector/config/cli.ts `loadConfigForCommand`, but hosting-aware. Writes
 * problems to stderr and returns null on errors.
 */
export async function loadRunConfig(command: string, file: string | undefined): Promise<Config | null> {
  const env = process.env;
  if (!isHostedEnvironment(env) && !env.EXO_AUDIT_CONFIG_YAML?.trim()) {
    // Outside Azure and without references: exactly the local loader (file-permission warnings included).
    const plain = loadConfig(file ? { file } : {});
    if (!plain.problems.some((p) => /Key Vault reference/.test(p.message))) return loadConfigForCommand(command, file);
  }
  const loaded = await loadHostedConfig(file ? { file } : {});
  if (!loaded.config) {
    const n = loaded.problems.filter((p) => p.severity === "error").length;
    process.stderr.write(
      `exo-audit ${command}: the configuration has ${n} problem${n === 1 ? "" : "s"}${loaded.file ? ` (${loaded.file})` : ""}:\n${formatProblems(loaded.problems)}\n` +
        "Run 'exo-audit config check' to see the effective configuration; settings are described in docs/configuration.md and docs/hosting.md.\n",
    );
    return null;
  }
  const warnings = loaded.problems.filter((p) => p.severity === "warning");
  if (warnings.length > 0) process.stderr.write(`exo-audit ${command}: warnings:\n${formatProblems(warnings)}\n`);
  return loaded.config;
}
