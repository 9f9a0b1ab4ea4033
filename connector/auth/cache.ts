/**
 * Token caching in front of any token source: one token per scope, refreshed before it expires, concurrent
 * callers share one in-flight request, and a failed refresh falls back to the still-valid old token.
 */
import type { Logger } from "../log.ts";
import { registerSecret, silentLogger } from "../log.ts";
import type { AccessTokenResult, GetTokenOptions, TokenProvider } from "./types.ts";

/** The uncached source: `forceRefresh` asks it to bypass its own cache (MSAL `skipCache`). */
export type TokenSource = (scope: string, forceRefresh: boolean, signal?: AbortSignal) => Promise<AccessTokenResult>;

export interface CachingOptions {
  /** Refresh this long before expiry. Default 5 minutes (never more than half the token's lifetime). */
  refreshMarginMs?: number;
  now?: () => number;
  logger?: Logger;
}

interface Entry {
  value: AccessTokenResult;
  refreshAt: number;
}

/** A `TokenProvider` with per-scope caching and early refresh. */
export class CachingTokenProvider implements TokenProvider {
  readonly description: string;
  private readonly source: TokenSource;
  private readonly margin: number;
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly cache = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<AccessTokenResult>>();
  /** Number of calls that reached the source (tests and health). */
  fetches = 0;

  constructor(description: string, source: TokenSource, options: CachingOptions = {}) {
    this.description = description;
    this.source = source;
    this.margin = options.refreshMarginMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLogger;
  }

  async getToken(scope: string, options: GetTokenOptions = {}): Promise<AccessTokenResult> {
    const entry = this.cache.get(scope);
    const now = this.now();
    if (!options.forceRefresh && entry && now < entry.refreshAt) return entry.value;
    let request = this.inflight.get(scope);
    if (!request) {
      // A cached entry that is due means the source's own cache may still hold the same token: bypass it.
      const force = options.forceRefresh === true || entry !== undefined;
      request = this.fetch(scope, force, entry, options.signal).finally(() => this.inflight.delete(scope));
      this.inflight.set(scope, request);
    }
    return options.signal ? untilAborted(request, options.signal) : request;
  }

  /** Drops every cached token (e.g. after a credential rotation). */
  clear(): void {
    this.cache.clear();
  }

  private async fetch(
    scope: string,
    force: boolean,
    old: Entry | undefined,
    signal?: AbortSignal,
  ): Promise<AccessTokenResult> {
    const obtainedAt = this.now();
    let value: AccessTokenResult;
    try {
      this.fetches++;
      value = await this.source(scope, force, signal);
    } catch (err) {
      if (old && old.value.expiresOnTimestamp - this.now() > 30_000) {
        this.logger.warn("token refresh failed; using the cached token until it expires", {
          credential: this.description,
          scope,
          expiresInMs: old.value.expiresOnTimestamp - this.now(),
          error: err,
        });
        return old.value;
      }
      throw err;
    }
    registerSecret(value.token);
    const lifetime = Math.max(0, value.expiresOnTimestamp - obtainedAt);
    const refreshAt = value.expiresOnTimestamp - Math.min(this.margin, lifetime / 2);
    this.cache.set(scope, { value, refreshAt });
    this.logger.debug("token acquired", { credential: this.description, scope, expiresInMs: lifetime });
    return value;
  }
}

/**
 * The request's result, or the signal's reason as soon as it aborts: MSAL takes no abort signal, and a hanging
 * authority must not hold a stopping run for the network timeout (30 s). The request itself finishes in the
 * background and fills the cache for whoever asks next.
 */
function untilAborted<T>(request: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    request.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}
