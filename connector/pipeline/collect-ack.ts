/**
 * What happens after the sink acknowledged a batch of one window read, in this order (the order is the
 * crash-safety argument, docs/checkpoints.md):
 *
 * | step | what                                                       | if it fails                                |
 * |------|------------------------------------------------------------|--------------------------------------------|
 * | 1    | count accepted and dead-lettered rows; move the blob marks | -                                          |
 * | 2    | remember the batch's RecordIds (live: and completed blobs) | warn, go on (duplicates may pass)          |
 * | 3    | flush the DedupStore                                       | warn, go on                                |
 * | 4    | cursor mode: commit the tracker's snapshot                 | throws: the batcher fails, no more commits |
 * | 5    | report progress                                            | -                                          |
 *
 * Remembering comes before committing: after a crash in between, the re-read records are recognised as
 * delivered. The cursor is the delivery guarantee; the de-duplication memory is best effort. A sweep's
 * progress lives in the DedupStore (records and blobs remembered), not in the cursor's window.
 */
import type { AckedBatch } from "./batcher.ts";
import type { Mutex } from "./blob-reader.ts";
import type { CollectUnit } from "./collect-unit.ts";
import { save } from "./collect-commit.ts";
import type { Cursor } from "../state/types.ts";
import type { ProgressTracker } from "./progress.ts";
import { blobSeenKey } from "./sweeps.ts";
import type { TimeWindow } from "./windows.ts";

/** The state of reading one window's pending blobs, shared by its readers and its acknowledgement handler. */
export interface WindowRead {
  window: TimeWindow;
  listedCount: number;
  mode: "cursor" | "sweep";
  /** Applied to the snapshot committed by the window's last batches (see completeOnLastAck). */
  finish?: (snapshot: Cursor) => Cursor;
  tracker: ProgressTracker;
  /** Ids buffered or in flight, not yet remembered by the DedupStore. */
  inFlight: Set<string>;
  dedupLock: Mutex;
  blobsDone: number;
  /** Set once every reader finished: the batches acknowledged from then on are the window's last. */
  readingDone: boolean;
}

/** The batcher's `onAck`: runs after the sink acknowledged `batch`; a throw fails the batcher. */
export async function acknowledge(u: CollectUnit, w: WindowRead, batch: AckedBatch) {
  if (batch.report) {
    u.result.rowsOut += batch.report.accepted;
    u.result.deadLettered += batch.report.deadLettered;
  }
  w.tracker.apply(batch.marks);
  // Live collection also remembers each completed blob, so a sweep skips it without downloading it.
  const blobKeys = u.live
    ? batch.marks.filter((m) => m.complete).map((m) => blobSeenKey(u.options.contentType, m.contentId))
    : [];
  await w.dedupLock.run(async () => {
    try {
      const ids = blobKeys.length > 0 ? [...batch.recordIds, ...blobKeys] : batch.recordIds;
      if (ids.length > 0) await u.deps.dedup.remember(ids, u.localNow());
    } catch (err) {
      u.log.warn("could not remember delivered ids; duplicates may pass", { error: err });
    } finally {
      for (const id of batch.recordIds) w.inFlight.delete(id);
    }
  });
  try {
    await u.deps.dedup.flush();
  } catch (err) {
    u.log.warn("could not persist de-duplication ids; duplicates may pass after a restart", { error: err });
  }
  if (w.mode === "cursor") {
    const snapshot = w.tracker.snapshot();
    await save(u, w.readingDone && w.finish ? w.finish(snapshot) : snapshot);
  }
  w.blobsDone += batch.marks.filter((m) => m.complete).length;
  reportProgress(u, w);
}

export function reportProgress(u: CollectUnit, w: WindowRead) {
  u.options.onProgress?.({
    window: w.window,
    blobsListed: w.listedCount,
    blobsDone: w.blobsDone,
    rowsOut: u.result.rowsOut,
  });
}
