/**
 * Credentials from configuration: the Management Activity API token provider of each tenant and the Logs
 * Ingestion credential. Secrets are registered with the log redaction before anything can log them.
 */
import { readFileSync } from "node:fs";
import type { TokenCredential } from "@azure/core-auth";
import { type AuthConfig, createTokenProvider, toTokenCredential } from "../auth/index.ts";
import type { AuthSettings, Config, TenantConfig } from "../config/types.ts";
import { authMethodOf } from "../config/validate.ts";
import type { Logger } from "../log.ts";
import { registerSecret } from "../log.ts";
import { createIngestionCredential, type IngestionCredentialConfig } from "../sink/index.ts";

/** Reads an optional PEM file (extra CA). */
export const readCa = (file: string | undefined) => (file ? readFileSync(file, "utf8") : undefined);

/** Maps configured auth settings to the API token provider's configuration. */
export function apiAuthConfig(tenant: TenantConfig, logger: Logger): AuthConfig {
  const a = tenant.auth;
  const m = authMethodOf(a);
  if ("error" in m) throw new Error(`tenants ${tenant.tenantId} auth: ${m.error}`);
  const common = {
    cloud: tenant.cloud,
    ...(tenant.authorityHost ? { authorityHost: tenant.authorityHost } : {}),
    // The token endpoint's own CA when set: an authority and an API behind different CAs (emulators in
    // separate processes, a proxy for one of them) need not share one bundle.
    ...((tenant.authorityCaFile ?? tenant.caFile) ? { ca: readCa(tenant.authorityCaFile ?? tenant.caFile)! } : {}),
    logger,
  };
  switch (m.method) {
    case "certificate":
      return {
        ...common,
        method: "certificate",
        tenantId: tenant.tenantId,
        clientId: a.clientId!,
        ...(a.certificatePath ? { certificatePath: a.certificatePath } : {}),
        ...(a.privateKeyPath ? { privateKeyPath: a.privateKeyPath } : {}),
        ...(a.certificatePem ? { certificatePem: a.certificatePem } : {}),
        ...(a.certificatePassword ? { passphrase: a.certificatePassword } : {}),
        ...(a.sendCertificateChain ? { sendCertificateChain: true } : {}),
      };
    case "secret":
      return {
        ...common,
        method: "secret",
        tenantId: tenant.tenantId,
        clientId: a.clientId!,
        clientSecret: a.clientSecret!,
      };
    case "managedIdentity":
      return { ...common, method: "managedIdentity", ...(a.clientId ? { clientId: a.clientId } : {}) };
    case "workloadIdentity":
      return {
        ...common,
        method: "workloadIdentity",
        tenantId: tenant.tenantId,
        ...(a.clientId ? { clientId: a.clientId } : {}),
        ...(a.tokenFilePath ? { tokenFilePath: a.tokenFilePath } : {}),
      };
    default:
      throw new Error(`${m.method} cannot authenticate to the Management Activity API`);
  }
}

/** Maps configured auth settings to the ingestion credential's configuration. */
export function ingestionCredentialConfig(a: AuthSettings): IngestionCredentialConfig {
  const m = authMethodOf(a);
  if ("error" in m) throw new Error(`ingestion.auth: ${m.error}`);
  const tenantId = a.tenantId!;
  switch (m.method) {
    case "certificate": {
      // The Azure SDK wants certificate and key in one PEM; join separate files.
      const pem =
        a.certificatePem ??
        (a.privateKeyPath
          ? `${readFileSync(a.certificatePath!, "utf8")}\n${readFileSync(a.privateKeyPath, "utf8")}`
          : undefined);
      return {
        kind: "client-certificate",
        tenantId,
        clientId: a.clientId!,
        ...(pem ? { certificate: pem } : { certificatePath: a.certificatePath! }),
        ...(a.certificatePassword ? { certificatePassword: a.certificatePassword } : {}),
        ...(a.sendCertificateChain ? { sendCertificateChain: true } : {}),
      };
    }
    case "secret":
      return { kind: "client-secret", tenantId, clientId: a.clientId!, clientSecret: a.clientSecret! };
    case "managedIdentity":
      return { kind: "managed-identity", ...(a.clientId ? { clientId: a.clientId } : {}) };
    case "workloadIdentity":
      return {
        kind: "workload-identity",
        tenantId,
        ...(a.clientId ? { clientId: a.clientId } : {}),
        ...(a.tokenFilePath ? { tokenFilePath: a.tokenFilePath } : {}),
      };
    case "azureCli":
      return { kind: "cli", tenantId };
    case "defaultCredential":
      return { kind: "default", ...(a.clientId ? { managedIdentityClientId: a.clientId } : {}) };
  }
}

/**
 * The Logs Ingestion credential. Certificate, secret, managed and workload identity go through the same token
 * providers as the API client (MSAL; honours `authorityHost` and the extra CA of emulators and TLS-inspecting
 * proxies); the Azure CLI and DefaultAzureCredential through @azure/identity.
 */
export async function buildIngestionCredential(
  config: Config,
  logger: Logger,
  closers: (() => Promise<void>)[],
): Promise<TokenCredential> {
  const a = config.ingestion.auth;
  const m = authMethodOf(a);
  if ("error" in m) throw new Error(`ingestion.auth: ${m.error}`);
  const authorityHost =
    config.ingestion.authorityHost ??
    config.tenants[0]?.authorityHost ??
    (config.ingestion.cloud === "china" ? "https://login.chinacloudapi.cn" : undefined);
  if (m.method === "azureCli" || m.method === "defaultCredential") {
    return createIngestionCredential(ingestionCredentialConfig(a), {
      cloud: config.ingestion.cloud,
      ...(authorityHost ? { authorityHost } : {}),
    });
  }
  // The CA follows the authority: the first tenant's when its authority is reused, else ingestion.caFile (as
  // before, for an explicit ingestion.authorityHost). ingestion.authorityCaFile overrides both.
  const first = config.tenants[0];
  const caFile =
    config.ingestion.authorityCaFile ??
    (config.ingestion.authorityHost
      ? config.ingestion.caFile
      : (first?.authorityCaFile ?? first?.caFile ?? config.ingestion.caFile));
  const pseudoTenant: TenantConfig = {
    tenantId: a.tenantId!,
    name: "ingestion",
    cloud: config.ingestion.cloud === "usgov" ? "gcchigh" : "commercial",
    publisherId: a.tenantId!,
    contentTypes: [],
    auth: { ...a, tenantId: undefined },
    ...(authorityHost ? { authorityHost } : {}),
    ...(caFile ? { authorityCaFile: caFile } : {}),
  };
  const provider = await createTokenProvider(apiAuthConfig(pseudoTenant, logger));
  closers.push(() => provider.close());
  return toTokenCredential(provider);
}

export function registerConfigSecrets(config: Config): void {
  for (const a of [...config.tenants.map((t) => t.auth), config.ingestion.auth]) {
    registerSecret(a.clientSecret);
    registerSecret(a.certificatePassword);
    registerSecret(a.certificatePem);
  }
  registerSecret(config.state.azure?.connectionString);
}
