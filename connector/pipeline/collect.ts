/**
 * Collects one (tenant, content type): load cursor → ensure subscription → list the window (all pages) →
 * read pending blobs with bounded concurrency into acknowledged batches → commit the cursor after every
 * acknowledged batch → advance the window (keeping the overlap) until caught up, stopped or failed.
 *
 * Guarantees (docs/checkpoints.md): the committed cursor never claims a record the sink did not acknowledge;
 * records are de-duplicated by RecordId against the DedupStore and within the run.
 *
 * Live collection (`lateContent` set) also measures lateness, lets the overlap follow it and, once caught up,
 * runs a due reconciliation sweep (collect-live.ts, sweep.ts): fully collected blobs are remembered by contentId
 * in the DedupStore together with their record ids, so a sweep skips them without downloading them.
 *
 * Phases: collect-list.ts (list a window), collect-read.ts and collect-ack.ts (read blobs, hand rows to the
 * sink, act on acknowledgements), collect-commit.ts (checkpoints), collect-live.ts (sweeps); the run's shared
 * state is collect-unit.ts, the public types collect-types.ts. Each step of the window loop:
 *
 * | state at the top of the loop                       | step                                            |
 * |----------------------------------------------------|-------------------------------------------------|
 * | signal aborted                                     | stopped                                         |
 * | window start fell out of the retention meanwhile   | lost range reported, clamped cursor committed   |
 * | nothing listable yet (the window starts at now)    | caught up                                       |
 * | live, window complete and a step has passed        | moved on without listing (dirty, not committed) |
 * | listed, a blob or delivery failed, or aborted      | ends (stopped only if by the caller's signal)   |
 * | listed, a blob still pending                       | ends (retried next run)                         |
 * | listed, complete, window reached now (or `stopAt`) | caught up (live: marked complete)               |
 * | listed, complete                                   | next window (committed at most every 5 s)       |
 */
import type { CollectDeps, CollectOptions, CollectResult } from "./collect-types.ts";
import { advanceWindow, commitAtEnd, loadCheckpoint, resumeFrom, save } from "./collect-commit.ts";
import { completeOnLastAck, listWindow } from "./collect-list.ts";
import { startSweepClock, sweepIfDue } from "./collect-live.ts";
import { readWindow } from "./collect-read.ts";
import { type CollectUnit, fail, finishResult, iso, openUnit, policyOf, reportLost } from "./collect-unit.ts";
import { advanceComplete, cursorWindow, isCursorComplete } from "./cursor.ts";
import { clampWindow, type TimeWindow } from "./windows.ts";

export type { CollectDeps, CollectOptions, CollectProgress, CollectResult } from "./collect-types.ts";
export { BLOCKED_AFTER_RUNS } from "./collect-commit.ts";

/** Runs one collection unit to completion. Never throws: failures are reported in the result. */
export async function collectContentType(deps: CollectDeps, options: CollectOptions): Promise<CollectResult> {
  const u = openUnit(deps, options);
  try {
    const stored = await loadCheckpoint(u);
    if (options.checkSubscription !== false) await deps.client.ensureSubscriptions([options.contentType], u.signal);
    await resumeFrom(u, stored);
    if (u.live && !u.cursor!.sweeps) await startSweepClock(u);
    await collectWindows(u);
    if (u.live && u.result.caughtUp && u.result.status !== "failed" && !u.signal.aborted) await sweepIfDue(u);
  } catch (err) {
    if (u.external.aborted && !u.internal.signal.aborted) u.result.stopped = true;
    else fail(u, err);
  }
  await commitAtEnd(u);
  return finishResult(u);
}

/** The window loop: one window per turn until stopped, caught up, or a window cannot be finished. */
async function collectWindows(u: CollectUnit) {
  for (;;) {
    if (u.signal.aborted) {
      u.result.stopped = true;
      return;
    }
    const window = await clampCurrent(u);
    if (!window) {
      u.result.caughtUp = true;
      return;
    }
    // A complete window moves on without being listed again. When it cannot move yet (the clock says less than
    // a step passed) it is listed as before: that also refreshes the clock skew learned from the service.
    const ahead =
      u.live && isCursorComplete(u.cursor!) ? advanceComplete(u.cursor!, u.now(), policyOf(u, u.cursor!)) : null;
    if (ahead) {
      u.cursor = ahead;
      u.dirty = true;
      continue;
    }
    if (!(await collectWindow(u, window))) return;
  }
}

/**
 * Re-clamps the cursor's window: a long catch-up can push a stored start out of the retention meanwhile.
 * Returns the window to list, or null when nothing is listable yet.
 */
async function clampCurrent(u: CollectUnit): Promise<TimeWindow | null> {
  const clamp = clampWindow(cursorWindow(u.cursor!), u.now(), u.policy);
  if (clamp.lost) {
    reportLost(u, clamp.lost);
    const w = clamp.window ?? { start: clamp.lost.end, end: clamp.lost.end };
    await save(u, { ...u.cursor!, windowStart: iso(w.start), windowEnd: iso(w.end), inBlob: {} });
  }
  return clamp.window;
}

/** Lists, reads and advances past one window. Returns false when the loop ends with it. */
async function collectWindow(u: CollectUnit, window: TimeWindow): Promise<boolean> {
  u.result.firstWindowStart ??= iso(window.start);
  u.result.lastWindowEnd = iso(window.end);
  const { listed, pending } = await listWindow(u, window);
  // Nothing new (most polls of continuous mode): no readers, batcher or progress tracker to set up.
  const finish = u.live ? completeOnLastAck(u, listed) : undefined;
  const windowOk = pending.length === 0 || (await readWindow(u, pending, listed.length, window, "cursor", finish)).ok;
  if (!windowOk || u.signal.aborted) {
    u.result.stopped = u.signal.aborted && !u.internal.signal.aborted;
    return false;
  }
  return advanceWindow(u, listed);
}
