/**
 * Credentials for the Logs Ingestion API. One small factory covers the deployments we support: managed
 * identity (Functions / Container Apps), workload identity (AKS), environment variables, Azure CLI (local
 * runs), an explicit client secret or certificate, and the DefaultAzureCredential chain.
 */
import type { TokenCredential } from "@azure/core-auth";
import {
  AzureAuthorityHosts,
  AzureCliCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  EnvironmentCredential,
  ManagedIdentityCredential,
  type TokenCredentialOptions,
  WorkloadIdentityCredential,
} from "@azure/identity";
import { KnownMonitorAudience } from "@azure/monitor-ingestion";
import { registerSecret } from "../log.ts";

export type CloudName = "public" | "usgov" | "china";

export type IngestionCredentialConfig =
  | { kind: "default"; managedIdentityClientId?: string }
  | { kind: "managed-identity"; clientId?: string; resourceId?: string }
  | { kind: "workload-identity"; tenantId?: string; clientId?: string; tokenFilePath?: string }
  | { kind: "environment" }
  | { kind: "cli"; tenantId?: string }
  | { kind: "client-secret"; tenantId: string; clientId: string; clientSecret: string }
  | {
      kind: "client-certificate";
      tenantId: string;
      clientId: string;
      /** PEM file with both the certificate and its private key. */
      certificatePath?: string;
      /** PEM text with both the certificate and its private key. */
      certificate?: string;
      certificatePassword?: string;
      /** Send the x5c chain (subject name/issuer authentication). */
      sendCertificateChain?: boolean;
    };

/** Token audience of the Logs Ingestion API per cloud (the SDK appends `/.default`). */
export function ingestionAudience(cloud: CloudName = "public"): string {
  switch (cloud) {
    case "usgov":
      return KnownMonitorAudience.AzureGovernment;
    case "china":
      return KnownMonitorAudience.AzureChina;
    default:
      return KnownMonitorAudience.AzurePublicCloud;
  }
}

function authorityHost(cloud: CloudName): string {
  return cloud === "usgov"
    ? AzureAuthorityHosts.AzureGovernment
    : cloud === "china"
      ? AzureAuthorityHosts.AzureChina
      : AzureAuthorityHosts.AzurePublicCloud;
}

/**
 * Builds the `TokenCredential` for a configuration. Secrets are registered with the logger's redaction.
 * `authorityHost` overrides the cloud's Entra host (the local Entra emulator in tests); `credentialOptions`
 * reach the credential's HTTP pipeline (e.g. `agent` trusting a test CA, `disableInstanceDiscovery`).
 */
export function createIngestionCredential(
  cfg: IngestionCredentialConfig,
  opts: { cloud?: CloudName; authorityHost?: string; credentialOptions?: TokenCredentialOptions } = {},
): TokenCredential {
  const base = {
    ...opts.credentialOptions,
    authorityHost: opts.authorityHost ?? authorityHost(opts.cloud ?? "public"),
  };
  switch (cfg.kind) {
    case "default":
      return new DefaultAzureCredential({
        ...base,
        ...(cfg.managedIdentityClientId ? { managedIdentityClientId: cfg.managedIdentityClientId } : {}),
      });
    case "managed-identity":
      if (cfg.clientId && cfg.resourceId) throw new Error("managed identity: set clientId or resourceId, not both");
      if (cfg.resourceId)
        return new ManagedIdentityCredential({ ...opts.credentialOptions, resourceId: cfg.resourceId });
      return new ManagedIdentityCredential({
        ...opts.credentialOptions,
        ...(cfg.clientId ? { clientId: cfg.clientId } : {}),
      });
    case "workload-identity":
      return new WorkloadIdentityCredential({ ...base, ...cfg });
    case "environment":
      return new EnvironmentCredential(base);
    case "cli":
      return new AzureCliCredential(cfg.tenantId ? { tenantId: cfg.tenantId } : {});
    case "client-secret":
      registerSecret(cfg.clientSecret);
      return new ClientSecretCredential(cfg.tenantId, cfg.clientId, cfg.clientSecret, base);
    case "client-certificate": {
      registerSecret(cfg.certificatePassword);
      const options = { ...base, sendCertificateChain: cfg.sendCertificateChain ?? false };
      if (cfg.certificate) {
        registerSecret(cfg.certificate);
        return new ClientCertificateCredential(
          cfg.tenantId,
          cfg.clientId,
          { certificate: cfg.certificate, certificatePassword: cfg.certificatePassword },
          options,
        );
      }
      if (!cfg.certificatePath) throw new Error("client certificate: set certificatePath or certificate (PEM)");
      return new ClientCertificateCredential(
        cfg.tenantId,
        cfg.clientId,
        { certificatePath: cfg.certificatePath, certificatePassword: cfg.certificatePassword },
        options,
      );
    }
  }
}
