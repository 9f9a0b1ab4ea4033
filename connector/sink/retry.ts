/** Retry timing of the sink (outer retries; the SDK's internal retries are off, see client.ts). */

export interface SinkRetryOptions {
  /** First backoff for transient failures without Retry-After (default 1 s). */
  initialDelayMs?: number;
  /** Cap of the exponential backoff (default 60 s). */
  maxDelayMs?: number;
  /** Cap applied to a service-provided Retry-After (default 5 min). */
  maxRetryAfterMs?: number;
  /** Total time one batch may spend retrying transient failures before `send` rejects (default 10 min). */
  maxRetryTimeMs?: number;
  /** Attempts per batch for transient failures (default 30). */
  maxAttempts?: number;
  /** First wait after a 403 (default 30 s): role assignments take up to 30 min to propagate. */
  forbiddenInitialDelayMs?: number;
  /** Cap of the 403 backoff (default 5 min). */
  forbiddenMaxDelayMs?: number;
  /** Total time the sink keeps retrying 403 before rejecting (default 10 min; raise to 35 min right after deployment). */
  forbiddenMaxTimeMs?: number;
  /** Consecutive single-row 400 rejections, with nothing accepted yet, after which `send` rejects (default 100). */
  maxConsecutiveRejections?: number;
}

export type ResolvedRetry = Required<SinkRetryOptions>;

export function resolveRetry(o: SinkRetryOptions = {}): ResolvedRetry {
  const r: ResolvedRetry = {
    initialDelayMs: o.initialDelayMs ?? 1_000,
    maxDelayMs: o.maxDelayMs ?? 60_000,
    maxRetryAfterMs: o.maxRetryAfterMs ?? 300_000,
    maxRetryTimeMs: o.maxRetryTimeMs ?? 600_000,
    maxAttempts: o.maxAttempts ?? 30,
    forbiddenInitialDelayMs: o.forbiddenInitialDelayMs ?? 30_000,
    forbiddenMaxDelayMs: o.forbiddenMaxDelayMs ?? 300_000,
    forbiddenMaxTimeMs: o.forbiddenMaxTimeMs ?? 600_000,
    maxConsecutiveRejections: o.maxConsecutiveRejections ?? 100,
  };
  for (const [k, v] of Object.entries(r)) {
    if (!Number.isFinite(v) || v < 0) throw new Error(`retry.${k} must be a non-negative number, got ${v}`);
  }
  return r;
}

/** Exponential backoff with 50–100 % jitter (as core-rest-pipeline does), attempt counted from 1. */
export function backoffMs(attempt: number, initial: number, max: number, random: () => number = Math.random): number {
  const exp = Math.min(max, initial * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp * (0.5 + random() * 0.5));
}

export { abortableSleep } from "../util/sleep.ts";
