/**
 * Hosting app settings → configuration. The ARM template (scripts/build/infra-hosting.ts) sets these names on
 * the Function App and the Container Apps Job; they complement the general `EXO_AUDIT_*` bindings of
 * connector/config/env.ts (which still apply, and win for the single values they name). docs/hosting.md lists
 * them; a test keeps the list and the doc in sync.
 */

/** One hosting setting and what it configures. */
export interface HostedSetting {
  name: string;
  description: string;
}

/** Every hosting-only setting. */
export const HOSTED_SETTINGS: readonly HostedSetting[] = [
  {
    name: "EXO_AUDIT_CONFIG_YAML",
    description: "The whole YAML configuration inline (many tenants without a file in the package).",
  },
  {
    name: "EXO_AUDIT_TENANTS",
    description:
      "Comma-separated tenant ids collected with one multi-tenant app registration (EXO_AUDIT_CLIENT_ID and the certificate).",
  },
  {
    name: "EXO_AUDIT_CLIENT_ID",
    description: "Application (client) id of the Management Activity API app registration.",
  },
  {
    name: "EXO_AUDIT_KEY_VAULT_URL",
    description: "Vault holding the API certificate (https://<vault>.vault.azure.net), read with the managed identity.",
  },
  {
    name: "EXO_AUDIT_CERTIFICATE_NAME",
    description: "Name of the Key Vault certificate (its secret, PEM content type) used for the API.",
  },
  {
    name: "EXO_AUDIT_CERTIFICATE",
    description:
      "The certificate PEM itself (Container Apps secret reference to Key Vault); a literal @Microsoft.KeyVault(...) is resolved by the connector.",
  },
  {
    name: "EXO_AUDIT_DCR_ENDPOINT",
    description: "Logs ingestion endpoint (DCE or DCR endpoint); same as EXO_AUDIT_INGESTION_ENDPOINT.",
  },
  {
    name: "EXO_AUDIT_STATE_BLOB_URL",
    description: "State container URL (https://<account>.blob.core.windows.net/<container>), managed identity access.",
  },
  {
    name: "EXO_AUDIT_LEASE_SECONDS",
    description:
      "Lease duration per (tenant, content type), 15..60 (default 30): how fast a crashed instance's work is taken over.",
  },
  {
    name: "AZURE_CLIENT_ID",
    description:
      "Client id of the user-assigned managed identity: Logs Ingestion, state storage and Key Vault (unless ingestion.auth is configured).",
  },
];

/** Settings written by the ARM template that the connector does not need (kept for the Functions host). */
export const IGNORED_SETTINGS = ["EXO_AUDIT_STATE_TABLE_URL", "EXO_AUDIT_STATE_TABLE", "EXO_AUDIT_SCHEDULE"];

/** Platform variables naming the deployment (Container Apps job or app, Function App), first found wins. */
export const PLATFORM_NAMES = ["CONTAINER_APP_JOB_NAME", "CONTAINER_APP_NAME", "WEBSITE_SITE_NAME"];

type Env = Record<string, string | undefined>;
type Raw = Record<string, unknown>;

const obj = (parent: Raw, key: string): Raw => {
  const v = parent[key];
  if (v && typeof v === "object" && !Array.isArray(v)) return v as Raw;
  const created: Raw = {};
  parent[key] = created;
  return created;
};

const val = (env: Env, name: string): string | undefined => {
  const v = env[name]?.trim();
  return v ? v : undefined;
};

/** True when the environment carries any hosting setting (then the hosted defaults below apply). */
export function isHostedEnvironment(env: Env): boolean {
  return ["EXO_AUDIT_TENANTS", "EXO_AUDIT_DCR_ENDPOINT", "EXO_AUDIT_STATE_BLOB_URL", "EXO_AUDIT_KEY_VAULT_URL"].some(
    (n) => val(env, n) !== undefined,
  );
}

/**
 * The API certificate setting, as a value the Key Vault resolver understands: the PEM given directly, or a
 * Key Vault reference built from EXO_AUDIT_KEY_VAULT_URL + EXO_AUDIT_CERTIFICATE_NAME.
 */
export function certificateSetting(env: Env): string | undefined {
  const direct = val(env, "EXO_AUDIT_CERTIFICATE");
  if (direct) return direct;
  const vault = val(env, "EXO_AUDIT_KEY_VAULT_URL");
  const name = val(env, "EXO_AUDIT_CERTIFICATE_NAME");
  if (vault && name) return `@Microsoft.KeyVault(SecretUri=${vault.replace(/\/+$/, "")}/secrets/${name})`;
  return undefined;
}

/**
 * Applies the hosting settings to a raw configuration (mutated). Values already in the file win over the
 * hosted defaults (tenant list, ingestion identity), except where the setting names one value exactly.
 * Returns the setting names used.
 */
export function applyHostedSettings(raw: Raw, env: Env): string[] {
  const used: string[] = [];
  const use = (name: string) => {
    const v = val(env, name);
    if (v !== undefined) used.push(name);
    return v;
  };
  const clientId = val(env, "EXO_AUDIT_CLIENT_ID");
  const certificate = certificateSetting(env);
  if (certificate)
    used.push(val(env, "EXO_AUDIT_CERTIFICATE") ? "EXO_AUDIT_CERTIFICATE" : "EXO_AUDIT_CERTIFICATE_NAME");

  const tenantList = use("EXO_AUDIT_TENANTS");
  const hasTenants = Array.isArray(raw.tenants) && raw.tenants.length > 0;
  if (tenantList && !hasTenants) {
    // One multi-tenant app registration consented in every tenant: same client id and certificate everywhere.
    raw.tenants = tenantList
      .split(/[\s,;]+/)
      .filter(Boolean)
      .map((tenantId) => ({
        tenantId,
        auth: {
          ...(clientId ? { clientId } : {}),
          ...(certificate ? { certificatePem: certificate } : {}),
        },
      }));
  } else if (certificate && hasTenants) {
    // A file listing tenants without credentials gets the hosted certificate.
    for (const t of raw.tenants as Raw[]) {
      const auth = obj(t, "auth");
      const hasMethod = [
        "certificatePath",
        "certificatePem",
        "clientSecret",
        "managedIdentity",
        "workloadIdentity",
      ].some((k) => auth[k] !== undefined);
      if (!hasMethod) {
        auth.certificatePem = certificate;
        if (clientId && auth.clientId === undefined) auth.clientId = clientId;
      }
    }
  } else if (certificate && !val(env, "EXO_AUDIT_CERTIFICATE_PEM")) {
    // Single tenant from EXO_AUDIT_TENANT_ID: the general binding creates tenants[0]; give it the certificate.
    raw.tenants = [{ auth: { certificatePem: certificate } }];
  }

  const endpoint = use("EXO_AUDIT_DCR_ENDPOINT");
  if (endpoint && !val(env, "EXO_AUDIT_INGESTION_ENDPOINT")) obj(raw, "ingestion").endpoint = endpoint;

  const blobUrl = use("EXO_AUDIT_STATE_BLOB_URL");
  if (blobUrl) {
    let url: URL | undefined;
    try {
      url = new URL(blobUrl);
    } catch {
      // Left to validation below: an invalid accountUrl is reported with its setting name.
    }
    const state = obj(raw, "state");
    delete state.dir;
    const azure = obj(state, "azure");
    const container = url?.pathname.split("/").filter(Boolean)[0];
    azure.accountUrl = url ? url.origin : blobUrl;
    if (container) azure.container = container;
    delete azure.connectionString;
  }
  const leaseSeconds = use("EXO_AUDIT_LEASE_SECONDS");
  if (leaseSeconds) {
    const state = obj(raw, "state");
    obj(state, "azure").leaseSeconds = /^\d+$/.test(leaseSeconds) ? Number(leaseSeconds) : leaseSeconds;
  }

  // Health rows and the "collection stalled" rule group by Instance: use the deployment's stable name, not the
  // host name, which changes with every Container Apps replica and Functions worker (false "no heartbeat").
  if (raw.instance === undefined && !val(env, "EXO_AUDIT_INSTANCE")) {
    const stable = PLATFORM_NAMES.map((n) => val(env, n)).find((v) => v !== undefined);
    if (stable) raw.instance = stable;
  }

  const identity = val(env, "AZURE_CLIENT_ID");
  const ingestion = obj(raw, "ingestion");
  if (identity && isHostedEnvironment(env) && ingestion.auth === undefined) {
    // The user-assigned identity writes to the DCR and to state storage; the API certificate is only for O365.
    ingestion.auth = { managedIdentity: true, clientId: identity };
    used.push("AZURE_CLIENT_ID");
  }
  if (Object.keys(ingestion).length === 0) delete raw.ingestion;
  return used;
}
