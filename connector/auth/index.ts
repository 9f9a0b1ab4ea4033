/**
 * Token providers for the Management Activity API and Azure Monitor. `createTokenProvider` builds one from
 * configuration; every provider caches per scope and refreshes 5 minutes before expiry. Tokens and secrets are
 * registered with the logger's redaction and never logged.
 */
import type { Logger } from "../log.ts";
import { resolveCloud } from "../source/clouds.ts";
import type { CachingTokenProvider } from "./cache.ts";
import { loadClientCertificate, parseClientCertificate } from "./certificate.ts";
import { createManagedIdentityProvider, createWorkloadIdentityProvider } from "./identity.ts";
import { createMsalTokenProvider } from "./msal.ts";
import type { TokenProvider } from "./types.ts";

export { CachingTokenProvider, type TokenSource } from "./cache.ts";
export { type ClientCertificate, loadClientCertificate, parseClientCertificate } from "./certificate.ts";
export {
  createManagedIdentityProvider,
  createWorkloadIdentityProvider,
  fromTokenCredential,
  toTokenCredential,
} from "./identity.ts";
export { type ClientCredential, createMsalTokenProvider } from "./msal.ts";
export { createMsalNetworkClient } from "./network.ts";
export type { AccessTokenResult, GetTokenOptions, TokenProvider } from "./types.ts";

/** Settings shared by every method. */
interface CommonAuth {
  /** Cloud whose authority host is used (default commercial). */
  cloud?: string;
  /** Override of the authority host (emulator). */
  authorityHost?: string;
  /** Extra CA certificates (PEM) trusted for the authority. */
  ca?: string | string[];
  refreshMarginMs?: number;
  now?: () => number;
  logger?: Logger;
}

/** Authentication configuration, one variant per method. */
export type AuthConfig = CommonAuth &
  (
    | {
        method: "certificate";
        tenantId: string;
        clientId: string;
        /** PEM file with certificate and key (or the certificate only, with `privateKeyPath`). */
        certificatePath?: string;
        privateKeyPath?: string;
        /** PEM text instead of files (e.g. from Key Vault). */
        certificatePem?: string;
        privateKeyPem?: string;
        passphrase?: string;
        /** Send x5c for subject-name/issuer authentication. */
        sendCertificateChain?: boolean;
      }
    | { method: "secret"; tenantId: string; clientId: string; clientSecret: string }
    | { method: "managedIdentity"; clientId?: string }
    | { method: "workloadIdentity"; tenantId?: string; clientId?: string; tokenFilePath?: string }
  );

/** A provider that may hold network resources. */
export type ClosableTokenProvider = TokenProvider & { close(): Promise<void> };

/** Builds the provider for `config`. Throws a clear error on incomplete configuration. */
export async function createTokenProvider(config: AuthConfig): Promise<ClosableTokenProvider> {
  const authorityHost = resolveCloud({ cloud: config.cloud, authorityHost: config.authorityHost }).authorityHost;
  const common = { refreshMarginMs: config.refreshMarginMs, now: config.now, logger: config.logger };
  switch (config.method) {
    case "certificate": {
      requireFields(config, ["tenantId", "clientId"]);
      const certificate = config.certificatePem
        ? parseClientCertificate({
            pem: config.certificatePem,
            privateKeyPem: config.privateKeyPem,
            passphrase: config.passphrase,
          })
        : config.certificatePath
          ? await loadClientCertificate({
              certificatePath: config.certificatePath,
              privateKeyPath: config.privateKeyPath,
              passphrase: config.passphrase,
            })
          : fail("certificate authentication needs certificatePath or certificatePem");
      if (certificate.notAfter.getTime() < Date.now()) {
        throw new Error(`client certificate ${certificate.subject} expired on ${certificate.notAfter.toISOString()}`);
      }
      return createMsalTokenProvider({
        ...common,
        tenantId: config.tenantId,
        clientId: config.clientId,
        authorityHost,
        ca: config.ca,
        credential: { kind: "certificate", certificate, sendCertificateChain: config.sendCertificateChain },
      });
    }
    case "secret":
      requireFields(config, ["tenantId", "clientId", "clientSecret"]);
      return createMsalTokenProvider({
        ...common,
        tenantId: config.tenantId,
        clientId: config.clientId,
        authorityHost,
        ca: config.ca,
        credential: { kind: "secret", clientSecret: config.clientSecret },
      });
    case "managedIdentity":
      return withNoopClose(createManagedIdentityProvider({ ...common, clientId: config.clientId }));
    case "workloadIdentity":
      return withNoopClose(
        createWorkloadIdentityProvider({
          ...common,
          tenantId: config.tenantId,
          clientId: config.clientId,
          tokenFilePath: config.tokenFilePath,
          authorityHost,
          ca: config.ca,
        }),
      );
    default:
      return fail(
        `unknown auth method "${(config as { method?: string }).method}": expected certificate, secret, managedIdentity or workloadIdentity`,
      );
  }
}

function withNoopClose(p: CachingTokenProvider): ClosableTokenProvider {
  return Object.assign(p, { close: async () => {} });
}

function requireFields(config: object, fields: string[]): void {
  const record = config as Record<string, unknown>;
  const missing = fields.filter((f) => typeof record[f] !== "string" || record[f] === "");
  if (missing.length) throw new Error(`auth method "${record.method}" needs ${missing.join(", ")}`);
}

function fail(message: string): never {
  throw new Error(message);
}
