/**
 * Runs a due reconciliation sweep of one (tenant, content type) once the cursor has caught up: lists the swept
 * range once (every page), skips the blobs the cursor still holds as done and those remembered as seen by
 * contentId (never downloaded again), and collects the rest through the cursor's readers. What it delivers
 * is recovered late content: counted, logged at warn, given its lateness, and returned for the health row.
 *
 * | Listed blob                                      | Action                                               |
 * |--------------------------------------------------|------------------------------------------------------|
 * | in the cursor's done set, or remembered as seen  | skipped (no download)                                |
 * | published before the sweep state's `since`       | outside the range (collected before sweeps existed)  |
 * | unseen, yields rows not delivered before         | recovered: rows sent, lateness = now - contentCreated |
 * | unseen, every record already delivered           | remembered as seen, not counted (nothing was missing) |
 * | unseen, expired or missing (AF20051/AF20050)     | gap, as in the cursor                                |
 *
 * Crash safety: the sweep commits nothing in the cursor's window. Acknowledged rows and completed blobs are
 * remembered in the DedupStore before the sweep is marked done, so a sweep killed midway runs again at the
 * next poll, skips what was completed and drops the re-read records of a partly read blob by RecordId.
 */
import type { Logger } from "../log.ts";
import type { ContentBlobRef, ManagementActivityClient } from "../source/types.ts";
import type { Cursor, DedupStore } from "../state/types.ts";
import type { PendingBlob } from "./cursor.ts";
import { recordLateness } from "./lateness.ts";
import { blobSeenKey, dueSweep, markSwept, type SweepSchedule, sweepName, sweepWindows } from "./sweeps.ts";
import { retentionFloor, type TimeWindow, type WindowPolicy } from "./windows.ts";

/** A blob a sweep collected after the cursor had passed its time. */
export interface RecoveredBlob {
  contentId: string;
  contentCreated: string;
  /** Seconds between contentCreated and the sweep that found it. */
  latenessSeconds: number;
  /** Rows delivered from it. */
  records: number;
}

export interface SweepDeps {
  client: ManagementActivityClient;
  dedup: DedupStore;
  log: Logger;
  /** Skew-corrected clock. */
  now: () => number;
  signal: AbortSignal;
  /** The cursor's readers in sweep mode: rows delivered per contentId, false when the unit must stop. */
  collect: (pending: PendingBlob[], window: TimeWindow) => Promise<{ ok: boolean; newRows: Map<string, number> }>;
}

export interface SweepOutcome {
  name: string;
  recovered: RecoveredBlob[];
  /** The cursor to commit (sweep marked done, lateness updated); absent when the sweep did not finish. */
  cursor?: Cursor;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Runs the due sweep, if any. Throws what listing throws; reader failures end it unfinished. */
export async function runSweep(
  deps: SweepDeps,
  cursor: Cursor,
  contentType: string,
  schedules: readonly SweepSchedule[],
  policy: WindowPolicy,
): Promise<SweepOutcome | null> {
  const state = cursor.sweeps;
  const started = deps.now();
  const sweep = state ? dueSweep(state, schedules, started) : null;
  if (!state || !sweep) return null;
  const name = sweepName(sweep);
  const windows = sweepWindows(sweep, state, started, retentionFloor(started, policy), Date.parse(cursor.windowStart));
  const done = new Set(cursor.doneContentIds);
  const candidates = new Map<string, ContentBlobRef>();
  for (const w of windows) {
    for await (const page of deps.client.listContent(contentType, new Date(w.start), new Date(w.end), deps.signal)) {
      for (const ref of page) if (!done.has(ref.contentId)) candidates.set(ref.contentId, ref);
    }
  }
  const refs = [...candidates.values()];
  const seen =
    refs.length > 0 ? await deps.dedup.seen(refs.map((r) => blobSeenKey(contentType, r.contentId))) : new Set();
  const missing = refs
    .filter((r) => !seen.has(blobSeenKey(contentType, r.contentId)))
    .sort((a, b) => Date.parse(a.contentCreated) - Date.parse(b.contentCreated));
  const range = windows.length > 0 ? { start: windows[0]!.start, end: windows[windows.length - 1]!.end } : null;
  deps.log.info("reconciliation sweep listed", {
    sweep: name,
    from: range ? iso(range.start) : null,
    to: range ? iso(range.end) : null,
    blobs: refs.length + done.size,
    unseen: missing.length,
  });
  let recovered: RecoveredBlob[] = [];
  if (missing.length > 0 && range) {
    const { ok, newRows } = await deps.collect(
      missing.map((ref) => ({ ref, skip: 0 })),
      range,
    );
    const at = deps.now();
    recovered = missing
      .filter((r) => (newRows.get(r.contentId) ?? 0) > 0)
      .map((r) => ({
        contentId: r.contentId,
        contentCreated: r.contentCreated,
        latenessSeconds: Math.round((at - Date.parse(r.contentCreated)) / 1000),
        records: newRows.get(r.contentId) ?? 0,
      }));
    if (recovered.length > 0) {
      deps.log.warn("recovered late content: blobs published after the cursor had passed their time", {
        sweep: name,
        blobs: recovered.length,
        records: recovered.reduce((n, r) => n + r.records, 0),
        maxLatenessSeconds: Math.max(...recovered.map((r) => r.latenessSeconds)),
        contentIds: recovered.slice(0, 20).map((r) => r.contentId),
      });
    }
    if (!ok || deps.signal.aborted) return { name, recovered };
  }
  await deps.dedup.flush();
  const lateness = recordLateness(
    cursor.lateness,
    recovered.map((r) => r.latenessSeconds),
  );
  return { name, recovered, cursor: { ...cursor, lateness, sweeps: markSwept(state, sweep, schedules, deps.now()) } };
}
