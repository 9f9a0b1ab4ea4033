/**
 * Reading one window's pending blobs: bounded-concurrency readers (blob-reader.ts) feed one AckBatcher, whose
 * acknowledged batches are committed by collect-ack.ts; then the batcher is drained and the window's outcome
 * settled. Also used by reconciliation sweeps (`mode: "sweep"`), which commit nothing in the cursor.
 *
 * | blob outcome                                    | reaction                                                       |
 * |-------------------------------------------------|----------------------------------------------------------------|
 * | complete                                        | done (its mark moves with the acknowledged batch)              |
 * | gap: expired or missing (AF20051/AF20050)       | a gap (data loss, warn); the window may still complete         |
 * | failed                                          | unit failed; other blobs go on; the window does not advance    |
 * | failed, contentUri off the API origin (refused) | as failed, and `refusedRuns` + 1 committed (collect-commit.ts) |
 * | stopped (signal, or delivery already failed)    | nothing; what was read is drained                              |
 *
 * | delivery after reading                  | reaction                                                         |
 * |-----------------------------------------|------------------------------------------------------------------|
 * | every batch acknowledged                | cursor mode: the tracker's snapshot becomes the cursor           |
 * | a batch failed                          | unit failed; nothing after the last acknowledged batch committed |
 * | stopped while a batch was aborted       | stopped, not failed; nothing of it committed                     |
 * | stopped while a batch was being retried | stopped and failed ("not committed"), exit 1 under a time budget |
 */
import { isSinkError } from "../sink/errors.ts";
import type { ContentGap } from "../source/types.ts";
import { isUntrustedUriError } from "../source/errors.ts";
import type { Cursor } from "../state/types.ts";
import { AckBatcher } from "./batcher.ts";
import { type BlobOutcome, Mutex, type ReaderContext, readBlob } from "./blob-reader.ts";
import { acknowledge, reportProgress, type WindowRead } from "./collect-ack.ts";
import { reportRefused } from "./collect-commit.ts";
import { type CollectUnit, fail, iso } from "./collect-unit.ts";
import type { PendingBlob } from "./cursor.ts";
import { ProgressTracker } from "./progress.ts";
import type { TimeWindow } from "./windows.ts";

export interface WindowReadResult {
  /** False when the unit must stop (a blob or a delivery failed). */
  ok: boolean;
  /** Rows each blob yielded that were neither duplicates nor rejected (sweeps attribute them per blob). */
  newRows: Map<string, number>;
}

/** What the readers found, filled in while they run. */
interface ReadersOutcome {
  ok: boolean;
  refused: number;
}

/** Reads the pending blobs of one window; failures go into the result, `ok` is false when the unit must stop. */
export async function readWindow(
  u: CollectUnit,
  pending: readonly PendingBlob[],
  listedCount: number,
  window: TimeWindow,
  mode: "cursor" | "sweep" = "cursor",
  finish?: (snapshot: Cursor) => Cursor,
): Promise<WindowReadResult> {
  const w: WindowRead = {
    window,
    listedCount,
    mode,
    finish,
    tracker: new ProgressTracker(u.cursor!),
    inFlight: new Set<string>(),
    dedupLock: new Mutex(),
    blobsDone: listedCount - pending.length,
    readingDone: false,
  };
  const newRows = new Map<string, number>();
  const batcher = new AckBatcher(u.deps.sink, u.options.batchRows ?? 500, (b) => acknowledge(u, w, b), u.drain.signal);
  reportProgress(u, w);
  const readers = startReaders(u, readerContext(u, batcher, w), w, pending, newRows);
  await readers.done;
  w.readingDone = readers.outcome.ok && !u.signal.aborted;
  // Drain: what was read (also when stopping) is sent and committed, unless delivery already failed.
  if (!batcher.failure) await batcher.flush().catch(() => {});
  if (batcher.failure) {
    settleDeliveryFailure(u, batcher.failure);
    return { ok: false, newRows };
  }
  if (mode === "cursor") u.cursor = w.tracker.snapshot();
  if (readers.outcome.refused > 0) await reportRefused(u, readers.outcome.refused, window);
  return { ok: readers.outcome.ok, newRows };
}

function readerContext(u: CollectUnit, batcher: AckBatcher, w: WindowRead): ReaderContext {
  return {
    client: u.deps.client,
    batcher,
    dedup: u.deps.dedup,
    deadLetters: u.deps.deadLetters,
    normalize: u.deps.normalize,
    normalizeOptions: {
      subjects: u.options.subjects ?? "keep",
      keepAuditData: u.options.keepAuditData ?? true,
      ingestionSource: "api",
      connectorTenant: u.options.tenantId,
    },
    inFlight: w.inFlight,
    dedupLock: w.dedupLock,
    signal: u.signal,
    log: u.log,
    counters: u.counters,
  };
}

/** Starts the readers; `outcome` is final once `done` resolved. */
function startReaders(
  u: CollectUnit,
  ctx: ReaderContext,
  w: WindowRead,
  pending: readonly PendingBlob[],
  newRows: Map<string, number>,
): { done: Promise<unknown>; outcome: ReadersOutcome } {
  const outcome: ReadersOutcome = { ok: true, refused: 0 };
  const kept = () => u.counters.recordsIn - u.counters.duplicates - u.counters.rejected;
  let next = 0;
  const worker = async () => {
    while (next < pending.length && !u.signal.aborted) {
      const blob = pending[next++]!;
      const before = kept();
      const read = await readBlob(ctx, blob);
      newRows.set(blob.ref.contentId, kept() - before);
      if (read.kind === "gap") recordGap(u, w.window, blob, read);
      else if (read.kind === "failed") {
        // Other blobs continue; the window does not advance past this one (retried next run).
        outcome.ok = false;
        if (isUntrustedUriError(read.error)) outcome.refused++;
        recordBlobFailure(u, blob, read);
      }
    }
  };
  // A sweep reads one blob at a time (it rarely has more than a few), so new rows can be attributed to a blob.
  const width = w.mode === "sweep" ? 1 : (u.options.concurrency ?? 4);
  const workers = Array.from({ length: Math.max(1, Math.min(width, pending.length)) }, worker);
  return { done: Promise.all(workers), outcome };
}

function recordGap(u: CollectUnit, window: TimeWindow, blob: PendingBlob, read: Extract<BlobOutcome, { kind: "gap" }>) {
  const gap: ContentGap = {
    contentType: u.options.contentType,
    contentId: blob.ref.contentId,
    contentCreated: blob.ref.contentCreated,
    windowStart: iso(window.start),
    windowEnd: iso(window.end),
    code: read.code,
    message: read.message,
  };
  u.result.gaps.push(gap);
  u.log.warn("content blob unavailable: its records are lost (data loss)", { ...gap });
}

function recordBlobFailure(u: CollectUnit, blob: PendingBlob, read: Extract<BlobOutcome, { kind: "failed" }>) {
  const e = read.error as Error;
  u.result.status = "failed";
  u.result.error ??= read.error;
  u.result.problems.push(`blob ${blob.ref.contentId} failed after ${read.records} records: ${e?.message}`);
  u.log.error("content blob failed; it is retried from its last acknowledged record next run", {
    contentId: blob.ref.contentId,
    records: read.records,
    error: read.error,
  });
}

/** A batch was not acknowledged: nothing of it (or after it) was committed. */
function settleDeliveryFailure(u: CollectUnit, f: unknown) {
  // Stopped while a batch was still failing: not a failure of the unit, and nothing of it was committed.
  if (!(u.external.aborted && isSinkError(f) && f.kind === "aborted")) {
    fail(u, f);
    return;
  }
  u.result.stopped = true;
  // Stopped in the middle of retrying: the run did not deliver, and says so (exit 1 under a time budget).
  if (f.lastFailure) {
    u.result.status = "failed";
    u.result.error ??= f;
    u.result.problems.push(`stopped while retrying an upload (last: ${f.lastFailure}); not committed`);
    u.log.warn("stopped while retrying an upload; the batch is not committed", { lastFailure: f.lastFailure });
  }
}
