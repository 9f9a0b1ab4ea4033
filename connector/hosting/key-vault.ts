/**
 * Key Vault references in hosted settings. App Service / Functions resolve `@Microsoft.KeyVault(...)` app
 * settings themselves and Container Apps resolve Key Vault secret references into env vars; when the platform
 * cannot (missing role, `keyVaultReferenceIdentity` not set for a user-assigned identity, secret disabled) it
 * leaves the literal reference in the value. We then resolve it ourselves with the app's managed identity
 * (@azure/keyvault-secrets) and, if that fails too, stop with an error naming the setting and the fix.
 * The same syntax works inside a YAML configuration (one certificate per tenant), which no platform resolves.
 *
 * Reference syntax (https://learn.microsoft.com/azure/app-service/app-service-key-vault-references):
 *   @Microsoft.KeyVault(SecretUri=https://<vault>.vault.azure.net/secrets/<name>[/<version>])
 *   @Microsoft.KeyVault(VaultName=<vault>;SecretName=<name>[;SecretVersion=<version>])
 */
import type { TokenCredential } from "@azure/core-auth";
import type { SecretClientOptions } from "@azure/keyvault-secrets";
import { registerSecret } from "../log.ts";

/** A parsed Key Vault reference. */
export interface KeyVaultReference {
  vaultUrl: string;
  name: string;
  version?: string;
}

/** A secret as Key Vault returns it. */
export interface KeyVaultSecret {
  value: string;
  /** `application/x-pem-file` or `application/x-pkcs12` for the secret behind a Key Vault certificate. */
  contentType?: string;
}

/** Reads one secret; the default uses @azure/keyvault-secrets with the given credential. */
export type SecretFetcher = (ref: KeyVaultReference) => Promise<KeyVaultSecret>;

const REFERENCE = /^\s*@Microsoft\.KeyVault\((.*)\)\s*$/is;

/** True when a value is (still) a literal `@Microsoft.KeyVault(...)` reference. */
export function isKeyVaultReference(value: unknown): value is string {
  return typeof value === "string" && REFERENCE.test(value);
}

/**
 * Parses a reference. `vaultSuffix` completes `VaultName=` references (default `vault.azure.net`; sovereign
 * clouds use e.g. `vault.usgovcloudapi.net`).
 */
export function parseKeyVaultReference(value: string, vaultSuffix = "vault.azure.net"): KeyVaultReference {
  const m = REFERENCE.exec(value);
  if (!m) throw new Error("not a @Microsoft.KeyVault(...) reference");
  const body = m[1]!.trim();
  const parts = new Map<string, string>();
  for (const p of body.split(";")) {
    const eq = p.indexOf("=");
    if (eq > 0) parts.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim());
  }
  const uri = parts.get("secreturi");
  if (uri) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new Error(`SecretUri '${uri}' is not a URL`);
    }
    const seg = url.pathname.split("/").filter(Boolean);
    if (url.protocol !== "https:" || seg[0] !== "secrets" || !seg[1] || seg.length > 3) {
      throw new Error(`SecretUri '${uri}' must look like https://<vault>.vault.azure.net/secrets/<name>[/<version>]`);
    }
    return { vaultUrl: url.origin, name: seg[1], ...(seg[2] ? { version: seg[2] } : {}) };
  }
  const vault = parts.get("vaultname");
  const name = parts.get("secretname");
  if (vault && name) {
    const version = parts.get("secretversion");
    return { vaultUrl: `https://${vault}.${vaultSuffix}`, name, ...(version ? { version } : {}) };
  }
  throw new Error("a Key Vault reference needs SecretUri=... or VaultName=...;SecretName=...");
}

/** The default fetcher: @azure/keyvault-secrets (loaded only when a reference is actually resolved). */
export function keyVaultSecretFetcher(
  credential: TokenCredential,
  /** SDK client options (proxy, agent with an extra CA, challenge verification for private endpoints). */
  clientOptions: SecretClientOptions = {},
): SecretFetcher {
  const clients = new Map<string, import("@azure/keyvault-secrets").SecretClient>();
  return async (ref) => {
    const { SecretClient } = await import("@azure/keyvault-secrets");
    let client = clients.get(ref.vaultUrl);
    if (!client) {
      client = new SecretClient(ref.vaultUrl, credential, clientOptions);
      clients.set(ref.vaultUrl, client);
    }
    const secret = await client.getSecret(ref.name, ref.version ? { version: ref.version } : {});
    if (secret.value === undefined) throw new Error("the secret has no value (disabled?)");
    return {
      value: secret.value,
      ...(secret.properties.contentType ? { contentType: secret.properties.contentType } : {}),
    };
  };
}

/**
 * Checks that a secret meant as a client certificate is PEM holding certificate and key. A Key Vault
 * certificate created with the portal's default policy is PKCS#12 (base64 PFX), which Node cannot read
 * without a PKCS#12 parser; the error says how to store it as PEM instead.
 */
export function certificatePemFrom(secret: KeyVaultSecret, where: string): string {
  const value = secret.value.trim();
  if (value.includes("-----BEGIN")) {
    if (!/-----BEGIN CERTIFICATE-----/.test(value) || !/PRIVATE KEY-----/.test(value)) {
      throw new Error(
        `${where}: the PEM must hold both the certificate and its private key (export the Key Vault certificate's secret, not the certificate object)`,
      );
    }
    return value;
  }
  const pkcs12 =
    secret.contentType === "application/x-pkcs12" ||
    (/^[A-Za-z0-9+/=\s]+$/.test(value) && Buffer.from(value, "base64")[0] === 0x30);
  if (pkcs12) {
    throw new Error(
      `${where}: the certificate is stored as PKCS#12 (PFX); store it as PEM instead: create or import the Key Vault certificate with the policy secretProperties.contentType 'application/x-pem-file' (see docs/hosting.md)`,
    );
  }
  throw new Error(`${where}: the value is neither a PEM certificate with key nor a PKCS#12 certificate`);
}

/** Keys whose values are client certificates (checked with {@link certificatePemFrom}). */
const CERTIFICATE_KEYS = new Set(["certificatePem"]);

/**
 * Replaces every Key Vault reference among the string values of `raw` (mutated in place) by the secret's
 * value. Errors name the setting (`tenants[1].auth.certificatePem`) and are collected, so one run reports every
 * unresolvable reference at once. Each distinct reference is fetched once.
 */
export async function resolveKeyVaultReferences(
  raw: Record<string, unknown>,
  fetch: SecretFetcher,
  options: { vaultSuffix?: string; origin?: (path: string) => string } = {},
): Promise<{ resolved: string[]; errors: { path: string; message: string }[] }> {
  const resolved: string[] = [];
  const errors: { path: string; message: string }[] = [];
  const cache = new Map<string, Promise<KeyVaultSecret>>();
  const visit = async (obj: Record<string, unknown> | unknown[], path: string): Promise<void> => {
    const entries: [string | number, unknown][] = Array.isArray(obj) ? obj.map((v, i) => [i, v]) : Object.entries(obj);
    for (const [k, v] of entries) {
      const at = typeof k === "number" ? `${path}[${k}]` : path ? `${path}.${k}` : k;
      if (v && typeof v === "object") {
        await visit(v as Record<string, unknown>, at);
        continue;
      }
      if (!isKeyVaultReference(v)) continue;
      const where = options.origin?.(at) ?? at;
      try {
        const ref = parseKeyVaultReference(v, options.vaultSuffix);
        const key = `${ref.vaultUrl}/${ref.name}/${ref.version ?? ""}`;
        let pending = cache.get(key);
        if (!pending) {
          pending = fetch(ref);
          cache.set(key, pending);
        }
        const secret = await pending;
        registerSecret(secret.value);
        const value =
          typeof k === "string" && CERTIFICATE_KEYS.has(k) ? certificatePemFrom(secret, where) : secret.value;
        (obj as Record<string | number, unknown>)[k] = value;
        resolved.push(at);
      } catch (err) {
        errors.push({
          path: where,
          message: `is an unresolved Key Vault reference and resolving it with the managed identity failed: ${(err as Error).message}. Grant the identity 'Key Vault Secrets User' on the vault (and set keyVaultReferenceIdentity for a user-assigned identity)`,
        });
      }
    }
  };
  await visit(raw, "");
  return { resolved, errors };
}
