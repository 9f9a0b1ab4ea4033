/**
 * Pure planning of the reconciliation sweeps: on a slower cadence than the polls, list a whole past range
 * once and collect the blobs neither the cursor nor an earlier sweep saw (recovered late content).
 *
 * | Situation                                         | Plan                                                |
 * |---------------------------------------------------|-----------------------------------------------------|
 * | no sweep state yet (first run, or an upgrade)     | start the clocks now; sweep nothing older than the cursor's start (blobs before it were never remembered) |
 * | several sweeps due                                 | run the one with the longest horizon; it counts for every sweep with a shorter or equal horizon |
 * | range                                             | [max(now - horizon, retention floor, since), cursor window start): the cursor covers the rest |
 * | range longer than 24 h                             | listed in consecutive windows of at most 24 h (AF20030/AF20055) |
 * | content published more than 7 days late           | beyond every horizon: the API expired it (gap)      |
 */
import { MAX_QUERY_WINDOW_MS, type TimeWindow, toSecond } from "./windows.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** One sweep cadence: every `intervalMs`, list the last `horizonMs`. */
export interface SweepSchedule {
  intervalMs: number;
  horizonMs: number;
}

/** Defaults: hourly over the last 24 h, daily over the API's 7 days. */
export const DEFAULT_SWEEPS: readonly SweepSchedule[] = [
  { intervalMs: HOUR, horizonMs: 24 * HOUR },
  { intervalMs: 24 * HOUR, horizonMs: 7 * 24 * HOUR },
];

/** Sweep bookkeeping stored in the cursor. */
export interface SweepState {
  /** Blobs published before this time were collected before sweeps existed and were never remembered. */
  since: string;
  /** Last completed sweep per schedule name (ISO). */
  last: Record<string, string>;
}

/** Stable name of a schedule, e.g. `24h/60m`. */
export function sweepName(s: SweepSchedule): string {
  return `${s.horizonMs / HOUR}h/${s.intervalMs / MINUTE}m`;
}

/** A fresh state: clocks start at `now`, nothing older than `since` is swept. */
export function startSweeps(schedules: readonly SweepSchedule[], now: number, since: number): SweepState {
  return {
    since: new Date(since).toISOString(),
    last: Object.fromEntries(schedules.map((s) => [sweepName(s), new Date(now).toISOString()])),
  };
}

/** The sweep to run now (longest horizon among the due ones), or null. */
export function dueSweep(state: SweepState, schedules: readonly SweepSchedule[], now: number): SweepSchedule | null {
  let pick: SweepSchedule | null = null;
  for (const s of schedules) {
    const last = state.last[sweepName(s)];
    const due = last === undefined || now - Date.parse(last) >= s.intervalMs;
    if (due && (!pick || s.horizonMs > pick.horizonMs)) pick = s;
  }
  return pick;
}

/** The windows a sweep lists: `[max(now - horizon, floor, since), until)` cut into pieces of at most 24 h. */
export function sweepWindows(
  sweep: SweepSchedule,
  state: SweepState,
  now: number,
  retentionFloor: number,
  until: number,
): TimeWindow[] {
  const from = toSecond(Math.max(now - sweep.horizonMs, retentionFloor, Date.parse(state.since)));
  const to = toSecond(until);
  const out: TimeWindow[] = [];
  for (let start = from; start < to; start += MAX_QUERY_WINDOW_MS) {
    out.push({ start, end: Math.min(to, start + MAX_QUERY_WINDOW_MS) });
  }
  return out;
}

/** State after `swept` completed at `now`: it counts for every schedule with a horizon up to its own. */
export function markSwept(
  state: SweepState,
  swept: SweepSchedule,
  schedules: readonly SweepSchedule[],
  now: number,
): SweepState {
  const last = { ...state.last };
  for (const s of schedules) if (s.horizonMs <= swept.horizonMs) last[sweepName(s)] = new Date(now).toISOString();
  return { ...state, last };
}

/** Dedup-store key of a fully collected blob: the sweep skips blobs by contentId without downloading them. */
export function blobSeenKey(contentType: string, contentId: string): string {
  return `blob:${contentType}:${contentId}`;
}
