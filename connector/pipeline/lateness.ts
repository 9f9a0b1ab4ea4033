/**
 * Pure lateness arithmetic: the rolling distribution of how late content blobs are listed, per (tenant,
 * content type), kept in the cursor (so both state stores persist it), and the adaptive overlap derived from it.
 *
 * Lateness of a blob = (time of the first listing that showed it) - its `contentCreated`, when an earlier
 * complete listing of that time did not show it; a blob shown by the first listing of its time is on time (0).
 * The API lists by `contentCreated` and publishes some blobs after their timestamp (reference §5: no SLA,
 * "most notifications within one hour", field reports up to 24 h and more), so this is what the overlap and the
 * reconciliation sweeps have to cover.
 *
 * | Observation                         | Recorded as                          |
 * |-------------------------------------|--------------------------------------|
 * | blob first listed in new time        | 0 s (on time)                        |
 * | blob new in re-listed time (overlap) | now - contentCreated                 |
 * | blob found by a reconciliation sweep | now - contentCreated (recovered)     |
 * | more than ROLLING_LIMIT observations | every count halved (old ones fade)   |
 *
 * Adaptive overlap = p99 x 1.5, rounded up to whole hours, never below the configured overlap (floor) and
 * never above 24 h minus one step (ceiling: one listing is at most 24 h). p99 rather than p99.9: every poll
 * re-lists the overlap, so following the rarest stragglers would multiply list requests; the sweeps recover
 * them instead (docs/checkpoints.md, "Late content").
 */

/** Upper bounds of the histogram buckets, in seconds (bucket 0 = on time). */
export const LATENESS_BUCKETS_S: readonly number[] = [
  0, 300, 600, 900, 1800, 3600, 7200, 10800, 14400, 21600, 28800, 43200, 64800, 86400, 129600, 172800, 259200, 604800,
];
/** Beyond this many observations the counts are halved, so the distribution follows recent behaviour. */
export const ROLLING_LIMIT = 20_000;
const HOUR_S = 3600;
const QUANTILE = 0.99;
const SAFETY = 1.5;

/** Rolling lateness distribution as stored in the cursor. */
export interface LatenessStats {
  /** Observations per bucket of {@link LATENESS_BUCKETS_S} (same length). */
  counts: number[];
  /** Largest lateness still represented (seconds). */
  maxSeconds: number;
}

export function emptyLateness(): LatenessStats {
  return { counts: LATENESS_BUCKETS_S.map(() => 0), maxSeconds: 0 };
}

function bucketOf(seconds: number): number {
  const i = LATENESS_BUCKETS_S.findIndex((b) => seconds <= b);
  return i < 0 ? LATENESS_BUCKETS_S.length - 1 : i;
}

/** Adds observations (seconds); returns a new distribution. */
export function recordLateness(stats: LatenessStats | undefined, seconds: readonly number[]): LatenessStats {
  const base = stats && stats.counts.length === LATENESS_BUCKETS_S.length ? stats : emptyLateness();
  if (seconds.length === 0) return base;
  const counts = [...base.counts];
  let max = base.maxSeconds;
  for (const s of seconds) {
    const v = Math.max(0, Math.round(s));
    counts[bucketOf(v)]! += 1;
    max = Math.max(max, v);
  }
  let total = counts.reduce((n, c) => n + c, 0);
  while (total > ROLLING_LIMIT) {
    for (let i = 0; i < counts.length; i++) counts[i] = Math.floor(counts[i]! / 2);
    total = counts.reduce((n, c) => n + c, 0);
    const top = counts.findLastIndex((c) => c > 0);
    max = top < 0 ? 0 : Math.min(max, LATENESS_BUCKETS_S[top]!);
  }
  return { counts, maxSeconds: max };
}

/** Number of observations held. */
export function latenessCount(stats: LatenessStats | undefined): number {
  return stats ? stats.counts.reduce((n, c) => n + c, 0) : 0;
}

/** The `q` quantile in seconds (upper bound of its bucket, at most the max); null without observations. */
export function latenessQuantile(stats: LatenessStats | undefined, q: number): number | null {
  const total = latenessCount(stats);
  if (!stats || total === 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < stats.counts.length; i++) {
    seen += stats.counts[i]!;
    if (seen >= rank) return Math.min(LATENESS_BUCKETS_S[i]!, stats.maxSeconds);
  }
  return stats.maxSeconds;
}

/** p50, p99 and max in seconds (null without observations), for health rows. */
export function latenessSummary(stats: LatenessStats | undefined): {
  p50: number | null;
  p99: number | null;
  max: number | null;
} {
  if (latenessCount(stats) === 0) return { p50: null, p99: null, max: null };
  return { p50: latenessQuantile(stats, 0.5), p99: latenessQuantile(stats, 0.99), max: stats!.maxSeconds };
}

/** Overlap to re-list (ms): p99 x 1.5 in whole hours, clamped to `[floorMs, ceilingMs]`. */
export function adaptiveOverlapMs(stats: LatenessStats | undefined, floorMs: number, ceilingMs: number): number {
  const p = latenessQuantile(stats, QUANTILE) ?? 0;
  const wanted = Math.ceil((p * SAFETY) / HOUR_S) * HOUR_S * 1000;
  return Math.max(floorMs, Math.min(ceilingMs, wanted));
}

/** Checks a stored distribution; returns the problems found. */
export function latenessProblems(value: unknown): string[] {
  const v = value as LatenessStats;
  if (!v || typeof v !== "object") return ["lateness is not an object"];
  const ok =
    Array.isArray(v.counts) &&
    v.counts.length === LATENESS_BUCKETS_S.length &&
    v.counts.every((c) => Number.isInteger(c) && c >= 0) &&
    typeof v.maxSeconds === "number" &&
    v.maxSeconds >= 0;
  return ok ? [] : ["lateness is not a histogram of the known buckets"];
}
