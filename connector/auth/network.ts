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
    const res = await request(url, {
      method,
      dispatcher: agent,
      headers: opts?.headers,
      body: opts?.body,
      signal: AbortSignal.timeout(timeoutMs ?? timeout),
    });
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

  return {
    sendGetRequestAsync: <T>(url: string, opts?: NetworkRequestOptions, timeoutMs?: number) =>
      send<T>("GET", url, opts, timeoutMs),
    sendPostRequestAsync: <T>(url: string, opts?: NetworkRequestOptions) => send<T>("POST", url, opts),
    close: () => agent.close(),
  };
}
