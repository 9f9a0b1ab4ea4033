/**
 * Azure-hosted credentials via `@azure/identity` (managed identity, workload identity) and the adapter that
 * turns any `TokenProvider` into an `@azure/identity` `TokenCredential`, so the sink's Azure SDK clients use
 * the same credential object and cache as the source.
 */
import {
  type AccessToken,
  ManagedIdentityCredential,
  type TokenCredential,
  WorkloadIdentityCredential,
} from "@azure/identity";
import type { Logger } from "../log.ts";
import { CachingTokenProvider } from "./cache.ts";
import type { TokenProvider } from "./types.ts";

export interface ManagedIdentityOptions {
  /** Client id of a user-assigned identity; omit for the system-assigned identity. */
  clientId?: string;
  refreshMarginMs?: number;
  now?: () => number;
  logger?: Logger;
}

/** Managed identity (App Service, Functions, VMs, Container Apps). */
export function createManagedIdentityProvider(options: ManagedIdentityOptions = {}): CachingTokenProvider {
  const credential = options.clientId
    ? new ManagedIdentityCredential({ clientId: options.clientId })
    : new ManagedIdentityCredential();
  const which = options.clientId ? `user-assigned ${options.clientId}` : "system-assigned";
  return fromTokenCredential(`managed identity (${which})`, credential, options);
}

export interface WorkloadIdentityOptions {
  /** Defaults to AZURE_TENANT_ID (read by @azure/identity). */
  tenantId?: string;
  /** Defaults to AZURE_CLIENT_ID. */
  clientId?: string;
  /** Defaults to AZURE_FEDERATED_TOKEN_FILE. */
  tokenFilePath?: string;
  /** Authority host; the emulator's origin in tests. */
  authorityHost?: string;
  /** Extra CA certificates for the authority. */
  ca?: string | string[];
  refreshMarginMs?: number;
  now?: () => number;
  logger?: Logger;
}

/** Workload identity federation (AKS, GitHub Actions OIDC): a federated token file instead of a secret. */
export function createWorkloadIdentityProvider(options: WorkloadIdentityOptions = {}): CachingTokenProvider {
  const credential = new WorkloadIdentityCredential({
    tenantId: options.tenantId,
    clientId: options.clientId,
    tokenFilePath: options.tokenFilePath,
    ...(options.authorityHost
      ? { authorityHost: options.authorityHost, disableInstanceDiscovery: !isMicrosoftHost(options.authorityHost) }
      : {}),
    ...(options.ca ? { tlsOptions: { ca: options.ca } } : {}),
  });
  return fromTokenCredential(
    `workload identity for client ${options.clientId ?? "(AZURE_CLIENT_ID)"}`,
    credential,
    options,
  );
}

/**
 * Wraps an `@azure/identity` credential. Its own cache cannot be bypassed, so `forceRefresh` only bypasses ours;
 * a revoked token then fails until the identity library's cache expires it.
 */
export function fromTokenCredential(
  description: string,
  credential: TokenCredential,
  options: { refreshMarginMs?: number; now?: () => number; logger?: Logger } = {},
): CachingTokenProvider {
  return new CachingTokenProvider(
    description,
    async (scope, _force, signal) => {
      const token = await credential.getToken(scope, { abortSignal: signal });
      if (!token) throw new Error(`${description} returned no token for ${scope}`);
      return { token: token.token, expiresOnTimestamp: token.expiresOnTimestamp };
    },
    options,
  );
}

/**
 * Adapts a provider to `TokenCredential` (the sink passes it to `LogsIngestionClient`). Only the first scope is
 * used: Azure SDK clients request one `.default` scope at a time.
 */
export function toTokenCredential(provider: TokenProvider): TokenCredential {
  return {
    async getToken(scopes, options): Promise<AccessToken | null> {
      const scope = Array.isArray(scopes) ? scopes[0] : scopes;
      if (!scope) throw new Error("getToken called without a scope");
      const t = await provider.getToken(scope, { signal: options?.abortSignal as AbortSignal | undefined });
      return { token: t.token, expiresOnTimestamp: t.expiresOnTimestamp };
    },
  };
}

function isMicrosoftHost(authorityHost: string): boolean {
  return /(^|\.)(microsoftonline\.(com|us)|windows\.net|chinacloudapi\.cn|microsoftonline\.cn)$/.test(
    new URL(authorityHost).hostname,
  );
}
