/**
 * Pure listing-window arithmetic for the Management Activity API (`GET /subscriptions/content`).
 *
 * The API selects blobs by publication time (`startTime <= contentCreated < endTime`), rejects windows longer
 * than 24 h and starts more than 7 days back (AF20030 / AF20055), and publishes some blobs late. So the
 * connector lists small windows, re-lists a trailing overlap of already collected time, never lists into the
 * future and clamps to the retention with a safety margin. Everything here is a pure function of `now` so
 * it can be tested table-driven.
 */
import { adaptiveOverlapMs, type LatenessStats } from "./lateness.ts";

/** The API rejects list windows longer than 24 h (AF20030/AF20055; reference §3.1). */
export const MAX_QUERY_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Content can be listed and fetched for 7 days after publication (AF20051 afterwards; reference §5). */
export const MAX_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

const HOUR = 60 * 60 * 1000;
const MINUTE = 60 * 1000;

/** How windows are cut. All durations in milliseconds. */
export interface WindowPolicy {
  /** How far each step moves the window end (1 h keeps list responses small, as Splunk and Elastic do). */
  windowMs: number;
  /** Trailing time re-listed in every window so late-published blobs are still found (default 2 h). */
  overlapMs: number;
  /**
   * Kept between the listing start and the 7-day retention edge: the request takes time and the service
   * rejects starts older than retention (Elastic uses 5 min, Alert Logic 2.4 h; we use 10 min).
   */
  retentionMarginMs: number;
  /** A complete window advances only when its end is at least this old, so polls never spin on slivers. */
  minStepMs: number;
  /** How far back a cursor-less (first) run starts; clamped to the retention (default 7 days). */
  initialLookbackMs: number;
  /**
   * Largest step while catching up (the window end is more than two steps behind now). Listing one 1 h
   * window at a time makes a 7-day catch-up 168 sequential list-fetch-commit rounds, each paying the API's
   * latency; larger windows let the blob fetches of a whole day run concurrently. Default: the API's 24 h
   * list limit minus the overlap.
   */
  catchUpWindowMs: number;
}

/** Defaults, see the field comments of {@link WindowPolicy} for why. */
export const DEFAULT_WINDOW_POLICY: WindowPolicy = {
  windowMs: HOUR,
  overlapMs: 2 * HOUR,
  retentionMarginMs: 10 * MINUTE,
  minStepMs: MINUTE,
  initialLookbackMs: MAX_RETENTION_MS,
  catchUpWindowMs: MAX_QUERY_WINDOW_MS - 2 * HOUR,
};

/** A half-open listing window `[start, end)` in epoch milliseconds. */
export interface TimeWindow {
  start: number;
  end: number;
}

/**
 * Builds a policy from hours (configuration units) and checks it: one listed range is the overlap plus one
 * step, and that must fit in the API's 24 h maximum.
 * @throws RangeError naming the offending values.
 */
export function makeWindowPolicy(
  options: { windowHours?: number; overlapHours?: number; initialLookbackHours?: number } & Partial<WindowPolicy>,
): WindowPolicy {
  const p: WindowPolicy = { ...DEFAULT_WINDOW_POLICY };
  if (options.windowMs !== undefined) p.windowMs = options.windowMs;
  if (options.overlapMs !== undefined) p.overlapMs = options.overlapMs;
  if (options.retentionMarginMs !== undefined) p.retentionMarginMs = options.retentionMarginMs;
  if (options.minStepMs !== undefined) p.minStepMs = options.minStepMs;
  if (options.initialLookbackMs !== undefined) p.initialLookbackMs = options.initialLookbackMs;
  if (options.windowHours !== undefined) p.windowMs = options.windowHours * HOUR;
  if (options.overlapHours !== undefined) p.overlapMs = options.overlapHours * HOUR;
  if (options.initialLookbackHours !== undefined) p.initialLookbackMs = options.initialLookbackHours * HOUR;
  p.catchUpWindowMs = Math.max(p.windowMs, options.catchUpWindowMs ?? MAX_QUERY_WINDOW_MS - p.overlapMs);
  if (!(p.windowMs > 0)) throw new RangeError(`window must be longer than 0 (got ${p.windowMs} ms)`);
  if (!(p.overlapMs >= 0)) throw new RangeError(`overlap must not be negative (got ${p.overlapMs} ms)`);
  if (p.windowMs + p.overlapMs > MAX_QUERY_WINDOW_MS || p.catchUpWindowMs + p.overlapMs > MAX_QUERY_WINDOW_MS) {
    throw new RangeError(
      `window (${p.windowMs / HOUR} h) plus overlap (${p.overlapMs / HOUR} h) exceeds the API's 24 h list window`,
    );
  }
  return p;
}

/** Oldest listing start the API still accepts at `now`, with the safety margin. */
export function retentionFloor(now: number, policy: WindowPolicy): number {
  return Math.ceil((now - MAX_RETENTION_MS + policy.retentionMarginMs) / 1000) * 1000;
}

/**
 * Whole seconds: the API's time format has no fractions (the source truncates them), and a stored window start
 * must be exactly what is sent again when re-listing (partial-blob quirk), so every boundary is second-aligned.
 */
export function toSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/**
 * Length of the next step from `end` towards `horizon`: one regular step when close to the horizon, up to
 * `catchUpWindowMs` when far behind (see {@link WindowPolicy.catchUpWindowMs}).
 */
export function stepLength(end: number, horizon: number, policy: WindowPolicy): number {
  const behind = horizon - end;
  return behind > 2 * policy.windowMs ? Math.min(policy.catchUpWindowMs, behind - policy.windowMs) : policy.windowMs;
}

/** The first window of a cursor-less run: `initialLookback` back (clamped to retention), one step long. */
export function initialWindow(nowMs: number, policy: WindowPolicy): TimeWindow {
  const now = toSecond(nowMs);
  const start = Math.max(toSecond(now - policy.initialLookbackMs), retentionFloor(now, policy));
  return { start, end: toSecond(Math.min(start + stepLength(start, now, policy), now)) };
}

/** Outcome of {@link clampWindow}. */
export interface ClampResult {
  /** The window to list now, or null when nothing can be listed yet (the window starts in the future). */
  window: TimeWindow | null;
  /** Set when the stored start was older than the retention: blobs published here may be lost. */
  lost?: TimeWindow;
}

/**
 * Makes a stored window listable at `now`: a start older than the retention moves up to the retention floor
 * (reporting the range that can no longer be listed), and the end never lies in the future. Otherwise the
 * stored start is kept exactly: re-listing with a different start can return a partial blob (reference §0.3).
 */
export function clampWindow(stored: TimeWindow, nowMs: number, policy: WindowPolicy): ClampResult {
  const now = toSecond(nowMs);
  const floor = retentionFloor(now, policy);
  let { start, end } = stored;
  let lost: TimeWindow | undefined;
  if (start < floor) {
    lost = { start, end: floor };
    start = floor;
    if (end < start + policy.windowMs) end = toSecond(start + policy.windowMs);
  }
  end = Math.min(end, now, start + MAX_QUERY_WINDOW_MS);
  const window = end > start ? { start, end } : null;
  return lost ? { window, lost } : { window };
}

/**
 * The window after a fully collected one, or null when collection has caught up.
 *
 * The next window re-lists `overlap` before the old end (late-published blobs) and moves the end by one step,
 * never past `now` (or `stopAt`, for backfills). A live window only advances when its end is at least
 * `minStep` old; a backfill advances until its end reaches `stopAt`.
 */
export function nextWindow(
  current: TimeWindow,
  nowMs: number,
  policy: WindowPolicy,
  stopAt?: number,
): TimeWindow | null {
  const now = toSecond(nowMs);
  const horizon = stopAt === undefined ? now : Math.min(stopAt, now);
  if (stopAt === undefined ? current.end > now - policy.minStepMs : current.end >= horizon) return null;
  const end = toSecond(Math.min(current.end + stepLength(current.end, horizon, policy), horizon));
  const start = Math.max(toSecond(current.end - policy.overlapMs), current.start, retentionFloor(now, policy));
  if (end <= start) return null;
  return { start, end };
}

/** Splits `[from, to)` into consecutive windows of at most `stepMs` (used for progress estimates). */
export function countSteps(from: number, to: number, stepMs: number): number {
  return to <= from ? 0 : Math.ceil((to - from) / stepMs);
}

/**
 * The policy of live collection: the overlap follows the observed lateness (lateness.ts), never below the
 * configured overlap and never above what one 24 h listing can hold with a step; the catch-up step shrinks
 * accordingly so overlap + step stays within the API's 24 h.
 */
export function livePolicy(policy: WindowPolicy, lateness: LatenessStats | undefined): WindowPolicy {
  const overlapMs = adaptiveOverlapMs(lateness, policy.overlapMs, MAX_QUERY_WINDOW_MS - policy.windowMs);
  if (overlapMs === policy.overlapMs) return policy;
  return { ...policy, overlapMs, catchUpWindowMs: Math.max(policy.windowMs, MAX_QUERY_WINDOW_MS - overlapMs) };
}
