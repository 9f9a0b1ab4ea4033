/**
 * Request budget and retry timing. The API's baseline quota is 2,000 requests per minute per tenant, shared by
 * every stream of that tenant (o365-management-api.md §4), so one token bucket per tenant gates every request:
 * list pages, blob GETs and subscription calls alike.
 */

import { abortableSleep } from "../util/sleep.ts";

/** Injectable time sources (tests use fake ones). */
export interface Timers {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Real timers: wall clock and an abortable `setTimeout`. */
export const realTimers: Timers = {
  now: () => Date.now(),
  sleep: abortableSleep,
};

/** Options of a token bucket. */
export interface TokenBucketOptions {
  /** Sustained rate. Default 2,000 (the documented per-tenant baseline). */
  requestsPerMinute?: number;
  /** Requests allowed back to back before the rate applies. Default: 2 seconds' worth, at least 1. */
  burst?: number;
  timers?: Timers;
}

/**
 * A FIFO token bucket. `take()` resolves when a request may be sent. `pause(ms)` empties the bucket and blocks
 * it for `ms` (used after AF429 so every concurrent request of the tenant slows down, not just the throttled one).
 */
export class TokenBucket {
  readonly perMs: number;
  readonly burst: number;
  private readonly timers: Timers;
  private tokens: number;
  private last: number;
  private blockedUntil = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(options: TokenBucketOptions = {}) {
    const perMinute = options.requestsPerMinute ?? 2000;
    if (!(perMinute > 0)) throw new RangeError("requestsPerMinute must be positive");
    this.perMs = perMinute / 60_000;
    this.burst = Math.max(1, options.burst ?? Math.floor(perMinute / 30));
    this.timers = options.timers ?? realTimers;
    this.tokens = this.burst;
    this.last = this.timers.now();
  }

  /** Waits for one token (FIFO among waiters). */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.acquire(signal));
    // A waiter that aborts must not block the ones behind it.
    this.queue = turn.catch(() => {});
    return turn;
  }

  /** Empties the bucket and blocks it for `ms`. */
  pause(ms: number): void {
    this.refill();
    this.tokens = Math.min(this.tokens, 0);
    this.blockedUntil = Math.max(this.blockedUntil, this.timers.now() + ms);
  }

  private refill(): void {
    const now = this.timers.now();
    const from = Math.max(this.last, this.blockedUntil);
    if (now > from) this.tokens = Math.min(this.burst, this.tokens + (now - from) * this.perMs);
    this.last = Math.max(this.last, now);
  }

  private async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      this.refill();
      const now = this.timers.now();
      if (now >= this.blockedUntil && this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      const waitBlocked = Math.max(0, this.blockedUntil - now);
      const waitToken = this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.perMs);
      await this.timers.sleep(Math.max(1, waitBlocked + waitToken), signal);
    }
  }
}

const buckets = new Map<string, TokenBucket>();

/**
 * The process-wide bucket of a tenant, so every client (and every content type) of that tenant shares one
 * budget. The first caller's options win; pass an explicit bucket to a client to opt out.
 */
export function sharedTokenBucket(tenantId: string, options: TokenBucketOptions = {}): TokenBucket {
  const key = tenantId.toLowerCase();
  let bucket = buckets.get(key);
  if (!bucket) {
    bucket = new TokenBucket(options);
    buckets.set(key, bucket);
  }
  return bucket;
}

/** Retry timing: exponential backoff with full jitter, capped. */
export interface BackoffOptions {
  /** First retry's upper bound. Default 500 ms. */
  baseMs?: number;
  /** Cap of one wait. Default 60 s. */
  maxMs?: number;
  random?: () => number;
}

/** Full-jitter delay for retry number `attempt` (0-based): uniform in [0, min(max, base * 2^attempt)]. */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 500;
  const max = options.maxMs ?? 60_000;
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 30));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds from `nowMs`; undefined when absent/invalid. */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
