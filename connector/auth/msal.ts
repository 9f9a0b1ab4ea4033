/**
 * Client-credentials token providers on `@azure/msal-node` `ConfidentialClientApplication`: client certificate
 * (preferred), client secret, or an external client assertion (e.g. a Key Vault-signed JWT). One MSAL instance
 * per provider so its in-memory app-token cache is reused.
 */
import { ConfidentialClientApplication, type Configuration } from "@azure/msal-node";
import type { Logger } from "../log.ts";
import { registerSecret, silentLogger } from "../log.ts";
import { CachingTokenProvider } from "./cache.ts";
import type { ClientCertificate } from "./certificate.ts";
import { createMsalNetworkClient, networkCause } from "./network.ts";

/** Hosts of Microsoft's own authorities: MSAL may run instance discovery against these. */
const MICROSOFT_AUTHORITY_HOSTS = new Set([
  "login.microsoftonline.com",
  "login.windows.net",
  "login.microsoftonline.us",
  "login.partner.microsoftonline.cn",
  "login.chinacloudapi.cn",
]);

export type ClientCredential =
  | { kind: "secret"; clientSecret: string }
  | { kind: "certificate"; certificate: ClientCertificate; sendCertificateChain?: boolean }
  | { kind: "assertion"; getAssertion: () => Promise<string> };

export interface MsalProviderOptions {
  tenantId: string;
  clientId: string;
  /** Authority host, e.g. `https://login.microsoftonline.com` or an emulator origin. */
  authorityHost: string;
  credential: ClientCredential;
  /** Extra CA certificates trusted for the authority (emulator, TLS-inspecting proxy). */
  ca?: string | string[];
  refreshMarginMs?: number;
  now?: () => number;
  logger?: Logger;
}

/** A caching provider backed by MSAL's client-credentials flow. */
export function createMsalTokenProvider(
  options: MsalProviderOptions,
): CachingTokenProvider & { close(): Promise<void> } {
  const authorityUrl = new URL(options.authorityHost);
  const logger = options.logger ?? silentLogger;
  // Always our network client (the system roots, plus the extra CA when given): it records why a request failed,
  // which MSAL reports only as `endpoints_resolution_error: See aka.ms/msal.js.errors`.
  const network = createMsalNetworkClient(options.ca ? { ca: options.ca } : {});
  const auth: Configuration["auth"] = {
    clientId: options.clientId,
    authority: `${authorityUrl.origin}/${options.tenantId}`,
  };
  // A non-Microsoft authority host (emulator, ADFS-like proxy) must be declared known, otherwise MSAL asks
  // login.microsoftonline.com for instance discovery, which both leaks the host and fails offline.
  if (!MICROSOFT_AUTHORITY_HOSTS.has(authorityUrl.hostname)) auth.knownAuthorities = [authorityUrl.host];
  const cred = options.credential;
  if (cred.kind === "secret") {
    registerSecret(cred.clientSecret);
    auth.clientSecret = cred.clientSecret;
  } else if (cred.kind === "certificate") {
    auth.clientCertificate = {
      thumbprintSha256: cred.certificate.thumbprintSha256,
      privateKey: cred.certificate.privateKey,
      ...(cred.sendCertificateChain ? { x5c: cred.certificate.chainPem } : {}),
    };
  } else {
    auth.clientAssertion = async () => {
      const assertion = await cred.getAssertion();
      registerSecret(assertion);
      return assertion;
    };
  }
  const app = new ConfidentialClientApplication({
    auth,
    system: {
      networkClient: network,
      loggerOptions: {
        piiLoggingEnabled: false,
        // MSAL's own messages go to debug; errors surface as rejected promises.
        loggerCallback: (_level, message) => logger.debug("msal", { message }),
      },
    },
  });
  const description = `msal ${cred.kind} credential for client ${options.clientId} in tenant ${options.tenantId}`;
  const provider = new CachingTokenProvider(
    description,
    async (scope, forceRefresh) => {
      network.lastError = undefined;
      let result: Awaited<ReturnType<typeof app.acquireTokenByClientCredential>>;
      try {
        result = await app.acquireTokenByClientCredential({ scopes: [scope], skipCache: forceRefresh });
      } catch (err) {
        const cause = networkCause(network.lastError, authorityUrl.origin);
        if (cause) throw new Error(`token request failed: ${cause}`, { cause: err });
        throw err;
      }
      if (!result?.accessToken) throw new Error(`no token for ${scope} from ${authorityUrl.origin}`);
      const expires = result.expiresOn?.getTime() ?? Date.now() + 3_000_000;
      return { token: result.accessToken, expiresOnTimestamp: expires };
    },
    { refreshMarginMs: options.refreshMarginMs, now: options.now, logger },
  );
  return Object.assign(provider, { close: async () => network.close() });
}
