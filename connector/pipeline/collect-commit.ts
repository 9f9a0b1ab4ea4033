/**
 * Checkpoint commits of one collection unit: load and resume the stored cursor, save it (optimistic
 * concurrency through the etag), advance it past a fully collected window, and the last commit of a run.
 * The committed cursor never claims a record the sink did not acknowledge (docs/checkpoints.md): the only
 * callers that save delivery progress are the acknowledgement handler (collect-ack.ts) and the end of a
 * window read whose batcher did not fail (collect-read.ts); a failed upload never reaches `save`.
 *
 * | moment                                        | commit                                                   |
 * |-----------------------------------------------|----------------------------------------------------------|
 * | no checkpoint, backfill start window          | the start window, at once                                |
 * | stored cursor clamped or created on resume    | the resumed cursor, at once                              |
 * | window complete, moved on                     | marked dirty; saved when the last save is 5 s old        |
 * | blobs refused (contentUri off the API origin) | `refusedRuns` + 1, at once (blocked after 3 runs)        |
 * | end of run, dirty                             | saved, unless a checkpoint conflict or a quiet live poll |
 * | checkpoint conflict (another writer)          | nothing more is saved by this run                        |
 */
import type { Cursor, StoredCursor } from "../state/types.ts";
import { CheckpointConflictError } from "../state/types.ts";
import type { ContentBlobRef } from "../source/types.ts";
import { advanceCursor, cursorFor, isCursorComplete, isWindowComplete, markComplete, resumeCursor } from "./cursor.ts";
import { type CollectUnit, fail, iso, policyOf, reportLost } from "./collect-unit.ts";
import type { TimeWindow } from "./windows.ts";

/** Consecutive runs with refused contentUri values after which a window is reported as blocked. */
export const BLOCKED_AFTER_RUNS = 3;

/** Longest time an advanced window may stay uncommitted while catching up over empty windows. */
const ADVANCE_COMMIT_INTERVAL_MS = 5_000;

export async function save(u: CollectUnit, c: Cursor) {
  u.etag = await u.deps.checkpoints.save(u.key, c, u.etag);
  u.cursor = c;
  u.committed = c;
  u.dirty = false;
  u.lastSave = Date.now();
}

/** Loads the stored checkpoint and keeps its etag; the cursor itself is chosen by {@link resumeFrom}. */
export async function loadCheckpoint(u: CollectUnit): Promise<StoredCursor | null> {
  const stored = await u.deps.checkpoints.load(u.key);
  u.etag = stored?.etag ?? null;
  u.committed = stored?.cursor;
  u.refusedRunsBefore = stored?.cursor.refusedRuns ?? 0;
  return stored;
}

/** The cursor to start from: the backfill's start window, or the stored one clamped to the retention. */
export async function resumeFrom(u: CollectUnit, stored: StoredCursor | null) {
  if (!stored && u.options.startWindow) {
    await save(u, cursorFor(u.options.startWindow));
    return;
  }
  const resumed = resumeCursor(stored?.cursor ?? null, u.now(), u.policy);
  if (resumed.lost) reportLost(u, resumed.lost);
  if (resumed.changed) await save(u, resumed.cursor);
  else u.cursor = resumed.cursor;
}

/**
 * Moves the cursor past a window whose listed blobs are all done. Returns false when the loop ends here:
 * the window is not complete (a blob stays pending), or it is the last one (caught up).
 */
export async function advanceWindow(u: CollectUnit, listed: readonly ContentBlobRef[]): Promise<boolean> {
  if (!isWindowComplete(u.cursor!, listed)) return false;
  const next = advanceCursor(u.cursor!, listed, u.now(), policyOf(u, u.cursor!), u.options.stopAt);
  if (!next) {
    if (u.live) {
      u.cursor = markComplete(u.cursor!, listed);
      u.dirty = true;
    }
    u.result.caughtUp = true;
    return false;
  }
  u.cursor = next;
  u.dirty = true;
  if (Date.now() - u.lastSave >= ADVANCE_COMMIT_INTERVAL_MS) await save(u, next);
  return true;
}

/** The last commit of a run: an advanced cursor not saved yet. Never throws (a failure fails the unit). */
export async function commitAtEnd(u: CollectUnit) {
  if (u.dirty && !(u.result.error instanceof CheckpointConflictError) && !quietAdvance(u)) {
    await save(u, u.cursor!).catch((err: unknown) => fail(u, err));
  }
}

/**
 * True when this run only moved a complete window forward by less than one step: nothing new was listed or
 * delivered, lateness and sweeps are unchanged. Such a poll is not committed (a checkpoint write is most of a
 * quiet poll's CPU); after a crash or restart the next poll lists from the committed window, a little longer.
 */
function quietAdvance(u: CollectUnit): boolean {
  const c = u.cursor;
  const k = u.committed;
  if (!u.live || !c || !k || !isCursorComplete(c) || !isCursorComplete(k)) return false;
  const unchanged =
    c.lateness === k.lateness && c.sweeps === k.sweeps && c.newestContentCreated === k.newestContentCreated;
  return unchanged && Date.parse(c.windowEnd) - Date.parse(k.windowEnd) < u.policy.windowMs;
}

/**
 * Blobs whose contentUri was refused: the window stays (no gap), and the count of consecutive refusing runs is
 * kept in the cursor so that a window the API keeps serving wrongly is reported as blocked, not silently retried.
 */
export async function reportRefused(u: CollectUnit, blobs: number, window: TimeWindow) {
  const runs = u.refusedRunsBefore + 1;
  await save(u, { ...u.cursor!, refusedRuns: runs }).catch((err: unknown) => fail(u, err));
  const where = `window ${iso(window.start)}..${iso(window.end)}`;
  if (runs >= BLOCKED_AFTER_RUNS) {
    const line =
      `${where} blocked: the API served ${blobs} contentUri value(s) outside its origin in ${runs} consecutive ` +
      "runs; they are not fetched and not counted as gaps, and are retried until served correctly or expired";
    u.result.problems.push(line);
    u.log.error(line, { refusedBlobs: blobs, runs });
  } else {
    u.result.problems.push(`${where}: ${blobs} contentUri value(s) refused (not on the API origin); retried next run`);
  }
}
