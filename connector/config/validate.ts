/**
 * Validation of a raw configuration object: JSON Schema (ajv, every error at once, unknown keys rejected)
 * plus cross-field rules the schema cannot express. Problems carry friendly messages naming the setting.
 */
import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject } from "ajv";
import { pathText } from "./env.ts";
import { type PinnedSetting, pinnedHostProblem, urlShapeProblem } from "./hosts.ts";
import type { AuthMethod, AuthSettings, ConfigProblem } from "./types.ts";

/** The configuration JSON Schema (kept in the repo next to this file). */
export const CONFIG_SCHEMA: Record<string, unknown> = JSON.parse(
  readFileSync(new URL("./config.schema.json", import.meta.url), "utf8"),
) as Record<string, unknown>;

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validateSchema = ajv.compile(CONFIG_SCHEMA);

const AUTH_METHODS: readonly [keyof AuthSettings, AuthMethod][] = [
  ["certificatePath", "certificate"],
  ["certificatePem", "certificate"],
  ["clientSecret", "secret"],
  ["managedIdentity", "managedIdentity"],
  ["workloadIdentity", "workloadIdentity"],
  ["azureCli", "azureCli"],
  ["defaultCredential", "defaultCredential"],
];

/** Keys whose values are secrets (redacted in output, trigger the file-permission warning). */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  "clientSecret",
  "certificatePem",
  "certificatePassword",
  "connectionString",
]);

/** The method an auth block selects, or the problem with it. */
export function authMethodOf(auth: AuthSettings): { method: AuthMethod } | { error: string } {
  const set = AUTH_METHODS.filter(([k]) => auth[k] !== undefined && auth[k] !== false).map(([k]) => k);
  if (set.length === 0) {
    return {
      error:
        "no authentication method: set exactly one of certificatePath, certificatePem, clientSecret, managedIdentity, workloadIdentity",
    };
  }
  if (set.length > 1) return { error: `${set.join(" and ")} are all set; configure exactly one method` };
  const method = AUTH_METHODS.find(([k]) => k === set[0])![1];
  return { method };
}

function ajvMessage(e: ErrorObject): { path: string; message: string } {
  const path = e.instancePath
    .split("/")
    .slice(1)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, "/").replace(/~0/g, "~")));
  const at = path.length ? pathText(path) : "(top level)";
  const p = e.params as Record<string, unknown>;
  const last = path[path.length - 1];
  switch (e.keyword) {
    case "additionalProperties":
      return {
        path: path.length ? `${at}.${p.additionalProperty}` : String(p.additionalProperty),
        message: "unknown setting (check the spelling; see docs/configuration.md)",
      };
    case "required":
      return { path: path.length ? `${at}.${p.missingProperty}` : String(p.missingProperty), message: "is required" };
    case "enum":
      return { path: at, message: `must be one of ${(p.allowedValues as unknown[]).join(", ")}` };
    case "pattern":
      if (last === "dcrImmutableId") {
        return {
          path: at,
          message:
            "must be the DCR's immutable id: 'dcr-' and 32 lowercase hex digits (properties.immutableId, not its name or resource id)",
        };
      }
      if (last === "audit" || last === "health") {
        return { path: at, message: "must be a DCR input stream name starting with 'Custom-'" };
      }
      if (last === "tenantId") {
        // A domain (contoso.onmicrosoft.com) is refused: the API URL and the token authority need the GUID.
        return {
          path: at,
          message:
            "must be a GUID: the tenant id, not a domain (https://login.microsoftonline.com/<domain>/v2.0/.well-known/openid-configuration shows it in 'issuer')",
        };
      }
      if (/publisherId|clientId/.test(String(last))) return { path: at, message: "must be a GUID" };
      return { path: at, message: `has an invalid format (${e.message})` };
    default:
      return { path: at, message: e.message ?? "is invalid" };
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

/** Every string value in an object with its path. */
function* strings(v: unknown, path: (string | number)[] = []): Generator<[string, (string | number)[]]> {
  if (typeof v === "string") yield [v, path];
  else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) yield* strings(v[i], [...path, i]);
  else if (isObj(v)) for (const [k, x] of Object.entries(v)) yield* strings(x, [...path, k]);
}

function checkEndpoint(endpoint: unknown): string | null {
  if (typeof endpoint !== "string") return null;
  const shape = urlShapeProblem(endpoint, { origin: false });
  if (shape)
    return shape === "must be an https URL" ? "must use https (the Azure SDK refuses bearer tokens over http)" : shape;
  const host = new URL(endpoint).hostname.toLowerCase();
  if (host.includes(".metrics.ingest.")) {
    return "is the DCE's metrics ingestion endpoint; use its logs ingestion endpoint (host '…-1.ingest.monitor.azure.com')";
  }
  return null;
}

function checkUrl(v: unknown, origin = false): string | null {
  if (typeof v !== "string") return null;
  return urlShapeProblem(v, { origin }) ?? null;
}

/** A host outside the cloud's documented domains, unless the configuration opts in to custom hosts. */
function checkPinned(
  v: unknown,
  setting: PinnedSetting,
  cloud: unknown,
  fallback: string,
  allow: boolean,
): string | null {
  if (allow || typeof v !== "string") return null;
  return pinnedHostProblem(setting, v, typeof cloud === "string" ? cloud : fallback) ?? null;
}

/**
 * Validates a raw configuration (after environment overrides). Returns every problem found; the object is
 * usable only when no problem has severity `error`.
 */
export function validateRawConfig(raw: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const err = (path: string, message: string) => problems.push({ severity: "error", path, message });
  if (!validateSchema(raw)) {
    const seen = new Set<string>();
    for (const e of validateSchema.errors ?? []) {
      const m = ajvMessage(e);
      const key = `${m.path}|${m.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        err(m.path, m.message);
      }
    }
  }
  if (!isObj(raw)) return problems;

  for (const [value, path] of strings(raw)) {
    if (/^@Microsoft\.KeyVault\(/i.test(value.trim())) {
      err(
        pathText(path),
        "is an unresolved Key Vault reference: grant the app's identity 'Key Vault Secrets User' on the vault (and set keyVaultReferenceIdentity for a user-assigned identity), or check the secret URI",
      );
    }
  }

  const allowCustom = raw.allowCustomHosts === true;
  const tenants = Array.isArray(raw.tenants) ? raw.tenants : [];
  const ids = new Map<string, number>();
  tenants.forEach((t, i) => {
    if (!isObj(t)) return;
    const id = typeof t.tenantId === "string" ? t.tenantId.toLowerCase() : undefined;
    if (id) {
      if (ids.has(id)) err(`tenants[${i}].tenantId`, `duplicates tenants[${ids.get(id)}]; list each tenant once`);
      else ids.set(id, i);
    }
    if (isObj(t.auth)) checkAuth(t.auth, `tenants[${i}].auth`, "tenant");
    for (const k of ["apiRoot", "authorityHost"] as const) {
      // Origins only: `run` refuses a path (https://h/api/v1.0) when it builds the client.
      const p = checkUrl(t[k], true) ?? checkPinned(t[k], k, t.cloud, "commercial", allowCustom);
      if (p) err(`tenants[${i}].${k}`, p);
    }
  });

  const ing = raw.ingestion;
  if (isObj(ing)) {
    const p =
      checkEndpoint(ing.endpoint) ?? checkPinned(ing.endpoint, "ingestion.endpoint", ing.cloud, "public", allowCustom);
    if (p) err("ingestion.endpoint", p);
    const a =
      checkUrl(ing.authorityHost, true) ??
      checkPinned(ing.authorityHost, "ingestion.authorityHost", ing.cloud, "public", allowCustom);
    if (a) err("ingestion.authorityHost", a);
    if (isObj(ing.auth)) checkAuth(ing.auth, "ingestion.auth", "ingestion");
    else if (tenants.length > 1) {
      problems.push({
        severity: "warning",
        path: "ingestion.auth",
        message:
          "not set: the first tenant's identity is used for ingestion; with several tenants set ingestion.auth to your own (workspace) identity",
      });
    }
  }

  const c = raw.collection;
  if (isObj(c)) {
    const w = typeof c.windowHours === "number" ? c.windowHours : 1;
    const o = typeof c.overlapHours === "number" ? c.overlapHours : 2;
    if (w + o > 24) {
      err(
        "collection.windowHours",
        `windowHours (${w}) + overlapHours (${o}) must be at most 24 (the API's list limit)`,
      );
    }
    if (typeof c.windowHours === "number" && c.windowHours * 3600 < 60) {
      err("collection.windowHours", "must be at least one minute (1/60 h)");
    }
  }

  const s = raw.state;
  if (isObj(s)) {
    if (s.dir !== undefined && s.azure !== undefined) err("state", "set either dir or azure, not both");
    if (isObj(s.azure)) {
      const hasUrl = s.azure.accountUrl !== undefined;
      const hasCs = s.azure.connectionString !== undefined;
      if (hasUrl === hasCs) err("state.azure", "set exactly one of accountUrl and connectionString");
      const u = checkUrl(s.azure.accountUrl);
      if (u) err("state.azure.accountUrl", u);
    }
  }
  return problems;

  function checkAuth(auth: Record<string, unknown>, at: string, kind: "tenant" | "ingestion") {
    const m = authMethodOf(auth as AuthSettings);
    if ("error" in m) {
      err(at, m.error);
      return;
    }
    if ((m.method === "certificate" || m.method === "secret") && auth.clientId === undefined) {
      err(`${at}.clientId`, `is required for ${m.method} authentication`);
    }
    if (kind === "tenant" && (m.method === "azureCli" || m.method === "defaultCredential")) {
      err(at, `${m.method} is only supported for ingestion.auth; use a certificate, secret or managed identity`);
    }
    if (auth.privateKeyPath !== undefined && auth.certificatePath === undefined) {
      err(`${at}.privateKeyPath`, "only applies together with certificatePath");
    }
    if (auth.tokenFilePath !== undefined && m.method !== "workloadIdentity") {
      err(`${at}.tokenFilePath`, "only applies to workloadIdentity");
    }
    if (kind === "tenant" && auth.tenantId !== undefined) {
      err(`${at}.tenantId`, "is not used for a tenant's auth (the tenant's own tenantId is used); remove it");
    }
  }
}
