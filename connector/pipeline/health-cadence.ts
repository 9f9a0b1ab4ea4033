/**
 * Continuous mode sends a unit's health row on a cadence instead of after every poll: a poll every 5 minutes
 * would otherwise upload 288 rows a day per unit, most of them saying nothing new.
 *
 * | Row offered                                                    | Action                                     |
 * |----------------------------------------------------------------|--------------------------------------------|
 * | first row of the unit                                          | sent                                       |
 * | Status differs from the last sent row, or not ok               | sent at once (held counts merged into it)  |
 * | Gaps > 0 or RecoveredBlobs > 0                                 | sent at once (held counts merged into it)  |
 * | interval elapsed since the last sent row                       | sent (held counts merged into it)          |
 * | otherwise                                                      | held: counts summed into the next row      |
 * | stop                                                           | `drain()` returns the held rows            |
 *
 * Counts are summed, so a workbook summing RowsOut or Requests over time sees every poll.
 */
import type { HealthRow } from "../schema/table-schema.ts";

const SUMMED = [
  "BlobsFetched",
  "RecordsIn",
  "RowsOut",
  "DuplicatesDropped",
  "DeadLettered",
  "Gaps",
  "ThrottledResponses",
  "Retries",
  "DurationMs",
  "Requests",
  "LateBlobs",
  "RecoveredBlobs",
  "RecoveredRecords",
] as const satisfies readonly (keyof HealthRow)[];

/** Merges `later` into the held `earlier` row: later values, summed counts, first window start. */
export function mergeHealthRows(earlier: HealthRow, later: HealthRow): HealthRow {
  const out: HealthRow = { ...later, WindowStart: earlier.WindowStart ?? later.WindowStart };
  for (const k of SUMMED) out[k] = (Number(earlier[k]) || 0) + (Number(later[k]) || 0);
  const list = (v: unknown) => (Array.isArray(v) ? v : []);
  out.GapDetails = [...list(earlier.GapDetails), ...list(later.GapDetails)];
  out.RecoveredDetails = [...list(earlier.RecoveredDetails), ...list(later.RecoveredDetails)].slice(0, 50);
  if (!later.Sweep && earlier.Sweep) out.Sweep = earlier.Sweep;
  return out;
}

export class HealthCadence {
  private readonly intervalMs: number;
  private readonly lastSent = new Map<string, { at: number; status: string | null }>();
  private readonly held = new Map<string, HealthRow>();

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  /** The row to send now for unit `key` (with held counts merged in), or null when it is held. */
  offer(key: string, row: HealthRow, now: number): HealthRow | null {
    const held = this.held.get(key);
    const merged = held ? mergeHealthRows(held, row) : row;
    const last = this.lastSent.get(key);
    const send =
      !last ||
      this.intervalMs <= 0 ||
      row.Status !== last.status ||
      row.Status !== "ok" ||
      (row.Gaps ?? 0) > 0 ||
      (row.RecoveredBlobs ?? 0) > 0 ||
      now - last.at >= this.intervalMs;
    if (!send) {
      this.held.set(key, merged);
      return null;
    }
    this.held.delete(key);
    this.lastSent.set(key, { at: now, status: row.Status });
    return merged;
  }

  /** Rows still held (sent when continuous mode stops). */
  drain(): HealthRow[] {
    const rows = [...this.held.values()];
    this.held.clear();
    return rows;
  }
}
