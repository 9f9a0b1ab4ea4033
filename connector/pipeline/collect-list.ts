/**
 * Listing one window of one unit: every page of `GET /subscriptions/content` for the window (the API pages
 * with `NextPageUri`, reference §3.2), then the blobs the cursor still has to read. Live collection also
 * measures how late the overlap's new blobs were published, which lets the overlap follow lateness.
 *
 * | listed blob                                    | pending | lateness sample      |
 * |------------------------------------------------|---------|----------------------|
 * | in the cursor's done set                       | no      | none                 |
 * | partly delivered (in `inBlob`)                 | yes     | none (seen before)   |
 * | new, in time an earlier listing covered (late) | yes     | now - contentCreated |
 * | new, in time not listed before                 | yes     | 0 (on time)          |
 */
import type { ContentBlobRef } from "../source/types.ts";
import type { Cursor } from "../state/types.ts";
import { advanceCursor, isWindowComplete, lateBlobs, markComplete, type PendingBlob, pendingBlobs } from "./cursor.ts";
import { type CollectUnit, iso, policyOf } from "./collect-unit.ts";
import { recordLateness } from "./lateness.ts";
import type { TimeWindow } from "./windows.ts";

export interface ListedWindow {
  listed: ContentBlobRef[];
  pending: PendingBlob[];
}

/** Lists `window` to its last page and picks the blobs still to read. Throws what listing throws. */
export async function listWindow(u: CollectUnit, window: TimeWindow): Promise<ListedWindow> {
  const listed: ContentBlobRef[] = [];
  for await (const page of u.deps.client.listContent(
    u.options.contentType,
    new Date(window.start),
    new Date(window.end),
    u.signal,
  )) {
    listed.push(...page);
  }
  const pending = pendingBlobs(u.cursor!, listed);
  if (u.live) noteLateness(u, pending);
  u.log.debug("listed window", {
    windowStart: iso(window.start),
    windowEnd: iso(window.end),
    blobs: listed.length,
    pending: pending.length,
  });
  return { listed, pending };
}

/**
 * Live collection: the last acknowledged batch of a window that is then complete commits it as complete at
 * once. Without this, the poll would write the same cursor twice (the batch's commit, then listedUntil at the end).
 */
export function completeOnLastAck(u: CollectUnit, listed: readonly ContentBlobRef[]): (c: Cursor) => Cursor {
  return (c: Cursor) =>
    isWindowComplete(c, listed) && !advanceCursor(c, listed, u.now(), policyOf(u, c), u.options.stopAt)
      ? markComplete(c, listed)
      : c;
}

/** Records the lateness of a listing's new blobs (late ones: now - contentCreated; the others: on time). */
function noteLateness(u: CollectUnit, pending: readonly PendingBlob[]) {
  const cursor = u.cursor!;
  const late = lateBlobs(cursor, pending);
  const fresh = pending.filter((p) => cursor.inBlob[p.ref.contentId] === undefined).length - late.length;
  if (late.length === 0 && fresh === 0) return;
  const t = u.now();
  const seconds = late.map((p) => (t - Date.parse(p.ref.contentCreated)) / 1000);
  u.cursor = { ...cursor, lateness: recordLateness(cursor.lateness, [...seconds, ...Array(fresh).fill(0)]) };
  if (late.length > 0) {
    u.result.lateBlobs = (u.result.lateBlobs ?? 0) + late.length;
    u.log.info("late-published blobs found by the overlap", {
      blobs: late.length,
      maxLatenessSeconds: Math.round(Math.max(...seconds)),
    });
  }
}
