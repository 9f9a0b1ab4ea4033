/**
 * HTTP mechanics of the Management Activity API client: one keep-alive undici pool for the API origin, the
 * tenant token bucket in front of every request, host validation before a token is attached, PublisherIdentifier
 * on every URL, retries classified by AF code, 401 → one forced token refresh, and clock-skew learning from `Date`.
 * No domain decisions live here (see index.ts).
 */
import type { IncomingHttpHeaders } from "node:http";
import { Pool } from "undici";
import type { TokenProvider } from "../auth/types.ts";
import type { Logger } from "../log.ts";
import { registerSecret } from "../log.ts";
import { classifyError, parseErrorBody } from "./af-codes.ts";
import { ManagementApiError, safeUrl, UntrustedUriError } from "./errors.ts";
import type { BackoffOptions, Timers, TokenBucket } from "./rate-limit.ts";
import { backoffDelay, parseRetryAfter } from "./rate-limit.ts";
import type { ClockSkew } from "./time.ts";

/** Counters shared by the transport and the client. */
export interface MutableStats {
  requests: number;
  retries: number;
  throttled: number;
  blobsFetched: number;
  recordsRead: number;
  tokenRefreshes: number;
  refusedUris: number;
  resubscribes: number;
}

export interface TransportOptions {
  apiRoot: string;
  tokenScope: string;
  tokens: TokenProvider;
  publisherId: string;
  ca?: string | string[];
  connections: number;
  bucket: TokenBucket;
  timers: Timers;
  maxRetries: number;
  backoff: BackoffOptions;
  throttleBackoff: BackoffOptions;
  requestTimeoutMs: number;
  logger: Logger;
  skew: ClockSkew;
  stats: MutableStats;
}

/** A successful response whose body the caller consumes. */
export interface ApiResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: AsyncIterable<Uint8Array> & { dump?: () => Promise<void>; destroy?: (err?: Error) => void };
}

const ERROR_BODY_LIMIT = 64 * 1024;
const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** The transport of one client. */
export class ApiTransport {
  private readonly o: TransportOptions;
  private readonly pool: Pool;
  private readonly origin: string;
  private lastToken = "";

  constructor(options: TransportOptions) {
    this.o = options;
    this.origin = new URL(options.apiRoot).origin;
    this.pool = new Pool(this.origin, {
      connections: options.connections,
      keepAliveTimeout: 30_000,
      headersTimeout: options.requestTimeoutMs,
      bodyTimeout: options.requestTimeoutMs,
      connect: options.ca ? { ca: options.ca } : {},
    });
  }

  /**
   * Throws `UntrustedUriError` unless `url` is https on the configured API origin. Called for every URL that
   * came from a response (contentUri, NextPageUri) before anything is sent, so the token cannot leak.
   */
  trusted(url: string, kind: string): URL {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (parsed?.protocol !== "https:" || parsed.origin !== this.origin || parsed.username || parsed.password) {
      this.o.stats.refusedUris++;
      const err = new UntrustedUriError(kind, url, this.origin);
      this.o.logger.error("refused a URL outside the API root; the token was not sent", {
        kind,
        refusedOrigin: err.refusedOrigin,
        apiRoot: this.origin,
      });
      throw err;
    }
    return parsed;
  }

  /** An API URL below the root (`/api/v1.0/{tenant}/activity/feed/...`). */
  apiUrl(pathAndQuery: string): URL {
    return new URL(pathAndQuery, this.origin);
  }

  /**
   * Sends a request with retries. Returns the first 2xx response (body unread); throws `ManagementApiError`
   * for fatal reactions, when retries are exhausted, or for reactions the caller must handle (resubscribe,
   * window, relist, expired, missing).
   */
  async send(
    method: "GET" | "POST",
    input: URL,
    init: { body?: string; signal?: AbortSignal } = {},
  ): Promise<ApiResponse> {
    const url = withPublisherId(this.trusted(input.href, "request"), this.o.publisherId);
    const { timers, stats, logger } = this.o;
    let refreshed = false;
    let forceRefresh = false;
    for (let attempt = 0; ; attempt++) {
      await this.o.bucket.take(init.signal);
      const token = await this.o.tokens.getToken(this.o.tokenScope, { forceRefresh, signal: init.signal });
      forceRefresh = false;
      if (token.token !== this.lastToken) {
        // Providers from elsewhere may not register their tokens for log redaction; do it once per token.
        registerSecret(token.token);
        this.lastToken = token.token;
      }
      stats.requests++;
      const sentAt = timers.now();
      let res: Awaited<ReturnType<Pool["request"]>>;
      try {
        res = await this.pool.request({
          method,
          path: url.pathname + url.search,
          headers: {
            authorization: `Bearer ${token.token}`,
            accept: "application/json",
            ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
          },
          body: init.body,
          signal: init.signal,
        });
      } catch (err) {
        if (init.signal?.aborted) throw err;
        if (attempt >= this.o.maxRetries) {
          throw new ManagementApiError({
            status: 0,
            reaction: "retry",
            method,
            url,
            message: errorText(err),
            cause: err,
          });
        }
        stats.retries++;
        const delay = backoffDelay(attempt, this.o.backoff);
        logger.warn("API request failed without a response; retrying", {
          method,
          url: safeUrl(url),
          error: errorText(err),
          delayMs: delay,
        });
        await timers.sleep(delay, init.signal);
        continue;
      }
      const dateHeader = headerValue(res.headers, "date");
      this.o.skew.observe(dateHeader, sentAt, timers.now());
      if (res.statusCode >= 200 && res.statusCode < 300) {
        return { status: res.statusCode, headers: res.headers, body: res.body };
      }
      const text = await readLimited(res.body, ERROR_BODY_LIMIT);
      const parsed = parseErrorBody(text);
      if (res.statusCode === 401 && !refreshed) {
        // Token expired or revoked early: refresh once, bypassing every cache, then retry at once.
        refreshed = true;
        forceRefresh = true;
        stats.tokenRefreshes++;
        stats.retries++;
        logger.info("API answered 401; refreshing the token once", { method, url: safeUrl(url) });
        continue;
      }
      const reaction = res.statusCode === 401 ? "fatal" : classifyError(res.statusCode, parsed.code);
      const error = new ManagementApiError({
        status: res.statusCode,
        afCode: parsed.code,
        reaction,
        method,
        url,
        message: parsed.message,
        serverDate: dateHeader,
      });
      if ((reaction !== "retry" && reaction !== "throttle") || attempt >= this.o.maxRetries) throw error;
      stats.retries++;
      const parsedRetryAfter = parseRetryAfter(headerValue(res.headers, "retry-after"), timers.now());
      // A hostile or broken Retry-After must not park the collector for hours.
      const retryAfter = parsedRetryAfter === undefined ? undefined : Math.min(parsedRetryAfter, MAX_RETRY_AFTER_MS);
      if (reaction === "throttle") {
        stats.throttled++;
        const delay = retryAfter ?? backoffDelay(attempt, this.o.throttleBackoff);
        // Slow the whole tenant down, not only this request (AF429 is a tenant-wide quota).
        this.o.bucket.pause(delay);
        if (/PublisherId=0{8}-/.test(parsed.message ?? "")) {
          logger.warn("throttled with an all-zero PublisherId: the PublisherIdentifier did not reach the API");
        }
        logger.warn("API throttled the tenant; backing off", {
          status: res.statusCode,
          afCode: parsed.code,
          delayMs: delay,
        });
        continue;
      }
      const delay = retryAfter ?? backoffDelay(attempt, this.o.backoff);
      logger.warn("API request failed; retrying", {
        status: res.statusCode,
        afCode: parsed.code,
        url: safeUrl(url),
        delayMs: delay,
      });
      await timers.sleep(delay, init.signal);
    }
  }

  /** Sends a request and parses the whole JSON body; a truncated body is retried like a 5xx. */
  async sendJson<T>(
    method: "GET" | "POST",
    url: URL,
    init: { body?: string; signal?: AbortSignal } = {},
  ): Promise<{ value: T; headers: IncomingHttpHeaders }> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.send(method, url, init);
      let text: string;
      try {
        text = await readAll(res.body);
        return { value: (text.trim() ? JSON.parse(text) : null) as T, headers: res.headers };
      } catch (err) {
        if (init.signal?.aborted || attempt >= this.o.maxRetries) {
          throw new ManagementApiError({
            status: res.status,
            reaction: "retry",
            method,
            url,
            message: `unreadable body: ${errorText(err)}`,
            cause: err,
          });
        }
        this.o.stats.retries++;
        await this.o.timers.sleep(backoffDelay(attempt, this.o.backoff), init.signal);
      }
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/** Adds `PublisherIdentifier` unless the URL already carries it (any casing): throttling quota is per publisher. */
export function withPublisherId(url: URL, publisherId: string): URL {
  const out = new URL(url.href);
  for (const key of out.searchParams.keys()) {
    if (key.toLowerCase() === "publisheridentifier") return out;
  }
  out.searchParams.set("PublisherIdentifier", publisherId);
  return out;
}

/** A header by name, case-insensitively (undici lowercases names; this also accepts other header maps). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === lower) return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

async function readAll(body: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString("utf8");
}

async function readLimited(body: ApiResponse["body"], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const c of body) {
      chunks.push(Buffer.from(c));
      size += c.length;
      if (size >= limit) {
        body.destroy?.();
        break;
      }
    }
  } catch {
    // A broken error body still leaves us the status code.
  }
  return Buffer.concat(chunks).toString("utf8").slice(0, limit);
}

function errorText(err: unknown): string {
  const e = err as { code?: string; message?: string } | undefined;
  return [e?.code, e?.message].filter(Boolean).join(": ") || String(err);
}
