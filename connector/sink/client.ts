/**
 * Builds the `LogsIngestionClient` the sink drives, with request/byte counting and the TLS trust the
 * local emulator needs. The SDK's own retries are off by default: the sink retries every failure itself
 * (honouring Retry-After with an injectable clock, bounded in total time), so one `upload()` call is
 * exactly one HTTP request and the counters are exact.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { Agent } from "node:https";
import { createSecureContext, rootCertificates } from "node:tls";
import type { TokenCredential } from "@azure/core-auth";
import { KnownMonitorAudience, LogsIngestionClient, type LogsIngestionClientOptions } from "@azure/monitor-ingestion";
import { VERSION } from "../version.ts";
import { usePreparedBodies } from "./wire.ts";

/** Counters of one `send` call, updated by the pipeline for every HTTP attempt. */
export interface RequestCounters {
  requests: number;
  bytes: number;
}

const currentCounters = new AsyncLocalStorage<RequestCounters[]>();

/** Runs `fn` so that every HTTP request it causes is counted in `counters`. */
export function withCounters<T>(counters: RequestCounters[], fn: () => Promise<T>): Promise<T> {
  return currentCounters.run(counters, fn);
}

function bodyBytes(body: unknown): number {
  if (typeof body === "string") return Buffer.byteLength(body, "utf8");
  if (body instanceof Uint8Array) return body.byteLength;
  return 0;
}

export interface IngestionClientOptions {
  endpoint: string;
  credential: TokenCredential;
  /** `KnownMonitorAudience` value of the cloud (public, US Government, China). */
  audience?: string;
  /** PEM CA certificate(s) to trust in addition to the system roots (emulator, TLS-inspecting proxies). */
  ca?: string | Buffer;
  /** Retries inside the SDK pipeline (default 0: the sink retries itself). */
  sdkMaxRetries?: number;
  /** Extra SDK options (proxyOptions, userAgentOptions...). */
  clientOptions?: LogsIngestionClientOptions;
}

/**
 * A client whose HTTP attempts are counted into the counters of the surrounding `withCounters` call,
 * and the agent it uses when a CA was given (destroy it on close to release keep-alive sockets).
 */
export function createIngestionClient(opts: IngestionClientOptions): { client: LogsIngestionClient; agent?: Agent } {
  // Node's `ca` replaces the default roots; keep them so an extra CA (proxy) does not break public endpoints.
  // Given as a secure context built once, not as `ca`: the agent's pool key (`getName`) concatenates a `ca`
  // option into a ~220 KB string on every request (0.5 ms each, measured in the end-to-end profile).
  const agent = opts.ca
    ? new Agent({ secureContext: createSecureContext({ ca: [...rootCertificates, String(opts.ca)] }), keepAlive: true })
    : undefined;
  const client = new LogsIngestionClient(opts.endpoint, opts.credential, {
    ...opts.clientOptions,
    audience: opts.audience ?? KnownMonitorAudience.AzurePublicCloud,
    retryOptions: { maxRetries: opts.sdkMaxRetries ?? 0 },
    userAgentOptions: { userAgentPrefix: `exo-audit/${VERSION}` },
    ...(agent ? { agent } : {}),
  });
  usePreparedBodies(client);
  // In the Sign phase, after the bearer policy: sees each real attempt with its final (gzipped) body.
  client.pipeline.addPolicy(
    {
      name: "exoAuditRequestCounter",
      sendRequest: (request, next) => {
        const size = bodyBytes(request.body);
        for (const c of currentCounters.getStore() ?? []) {
          c.requests++;
          c.bytes += size;
        }
        return next(request);
      },
    },
    { phase: "Sign" },
  );
  return agent ? { client, agent } : { client };
}
