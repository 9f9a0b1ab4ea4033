/**
 * Environment variables override single configuration values (env wins over the file). The table below is
 * the whole mapping; docs/configuration.md lists it and a test keeps both in sync. Variables addressing
 * `tenants[0]` create the first tenant when the file has none, so a single-tenant deployment can be configured
 * from the environment alone (Functions app settings, container env).
 */
import type { ConfigProblem } from "./types.ts";

type Kind = "string" | "int" | "number" | "bool" | "list";

/** One environment variable and the configuration path it sets. */
export interface EnvBinding {
  name: string;
  path: (string | number)[];
  kind: Kind;
}

const T0 = ["tenants", 0] as const;

/** Every supported variable. */
export const ENV_BINDINGS: readonly EnvBinding[] = [
  { name: "EXO_AUDIT_INSTANCE", path: ["instance"], kind: "string" },
  { name: "EXO_AUDIT_LOG_LEVEL", path: ["logLevel"], kind: "string" },
  { name: "EXO_AUDIT_ALLOW_CUSTOM_HOSTS", path: ["allowCustomHosts"], kind: "bool" },
  { name: "EXO_AUDIT_TENANT_ID", path: [...T0, "tenantId"], kind: "string" },
  { name: "EXO_AUDIT_CLOUD", path: [...T0, "cloud"], kind: "string" },
  { name: "EXO_AUDIT_PUBLISHER_ID", path: [...T0, "publisherId"], kind: "string" },
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
): { used: string[]; problems: ConfigProblem[] } {
  const used: string[] = [];
  const problems: ConfigProblem[] = [];
  for (const b of ENV_BINDINGS) {
    const text = env[b.name];
    if (text === undefined || text === "") continue;
    const conv = convert(b.kind, text);
    if ("error" in conv) {
      problems.push({ severity: "error", path: b.name, message: conv.error });
      continue;
    }
    setPath(raw, b.path, conv.value);
    used.push(b.name);
  }
  return { used, problems };
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
