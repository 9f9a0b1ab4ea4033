/**
 * An MSAL network client over undici that trusts extra CA certificates. MSAL's default client only trusts the
 * system store; the emulated authority (and TLS-inspecting proxies) use their own CA, which must be trusted
 * explicitly rather than by disabling verification.
 */
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from "@azure/msal-node";
import { Agent, request } from "undici";

/** Creates the network module. `ca` is PEM text (one or several certificates). */
export function createMsalNetworkClient(
  options: { ca?: string | string[]; timeoutMs?: number } = {},
): INetworkModule & {
  close(): Promise<void>;
  /** The last request that failed without a response (MSAL replaces it with `endpoints_resolution_error`). */
  lastError: unknown;
} {
  const timeout = options.timeoutMs ?? 30_000;
  const agent = new Agent({
    connections: 4,
    keepAliveTimeout: 10_000,
    headersTimeout: timeout,
    bodyTimeout: timeout,
    connect: options.ca ? { ca: options.ca } : {},
  });

  async function send<T>(
    method: "GET" | "POST",
    url: string,
    opts?: NetworkRequestOptions,
    timeoutMs?: number,
  ): Promise<NetworkResponse<T>> {
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(url, {
        method,
        dispatcher: agent,
        headers: opts?.headers,
        body: opts?.body,
        signal: AbortSignal.timeout(timeoutMs ?? timeout),
      });
    } catch (err) {
      client.lastError = err;
      throw err;
    }
    const text = await res.body.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      // MSAL inspects `body.error`; a non-JSON body (gateway page) becomes a generic server error.
      body = { error: "invalid_response", error_description: `non-JSON response with HTTP ${res.statusCode}` };
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) {
      if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
    }
    return { headers, body: body as T, status: res.statusCode };
  }

  const client = {
    lastError: undefined as unknown,
    sendGetRequestAsync: <T>(url: string, opts?: NetworkRequestOptions, timeoutMs?: number) =>
      send<T>("GET", url, opts, timeoutMs),
    sendPostRequestAsync: <T>(url: string, opts?: NetworkRequestOptions) => send<T>("POST", url, opts),
    // destroy, not close: close waits for a request in flight, and a black-holed authority holds one for 30 s.
    close: () => agent.destroy(),
  };
  return client;
}

/**
 * The real cause behind MSAL's `endpoints_resolution_error: See aka.ms/…`: the authority could not be reached
 * (refused, DNS, timeout) or its certificate is not trusted. Undefined when there is no recorded network error.
 */
export function networkCause(err: unknown, authority: string): string | undefined {
  if (!err) return undefined;
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const code = String(e.cause?.code ?? e.code ?? "");
  const message = String(e.cause?.message ?? e.message ?? err);
  const tls = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|TLS|SSL/i.test(`${code} ${message}`);
  return tls
    ? `the certificate of ${authority} is not trusted (${code || message}): set the token endpoint's CA (authorityCaFile) or fix the host`
    : `cannot reach ${authority} (${[code, message].filter(Boolean).join(": ")})`;
}
