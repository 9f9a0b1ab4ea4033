/**
 * Pure cursor operations: start, resume (clamp), choose the blobs still to fetch, advance.
 *
 * A cursor names the listing window being worked on, the contentIds of that window (overlap included) that
 * were fully delivered, and for blobs partly delivered the number of records acknowledged from the blob's
 * start (Elastic Beats' line cursor, reference §10.1). It is committed only after the sink acknowledged
 * everything it claims; see docs/checkpoints.md.
 */
import type { ContentBlobRef } from "../source/types.ts";
import type { Cursor } from "../state/types.ts";
import { latenessProblems } from "./lateness.ts";
import { clampWindow, initialWindow, nextWindow, type TimeWindow, type WindowPolicy } from "./windows.ts";

/** A blob still to fetch, with how many of its records were already delivered. */
export interface PendingBlob {
  ref: ContentBlobRef;
  skip: number;
}

/** Outcome of {@link resumeCursor}. */
export interface ResumeResult {
  /** The cursor to work with (a new one when nothing was stored). */
  cursor: Cursor;
  /** The window to list now; null when nothing is listable yet. */
  window: TimeWindow | null;
  /** Range older than the retention that the stored cursor had not finished: blobs in it may be lost. */
  lost?: TimeWindow;
  /** True when the stored cursor was changed (clamped or created) and should be saved before use. */
  changed: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A fresh cursor for `window`, optionally carrying done contentIds over. */
export function cursorFor(window: TimeWindow, doneContentIds: string[] = [], newest?: string): Cursor {
  const c: Cursor = {
    windowStart: iso(window.start),
    windowEnd: iso(window.end),
    doneContentIds,
    inBlob: {},
    version: 1,
  };
  if (newest) c.newestContentCreated = newest;
  return c;
}

/** The window a cursor describes, in epoch ms. */
export function cursorWindow(cursor: Cursor): TimeWindow {
  return { start: Date.parse(cursor.windowStart), end: Date.parse(cursor.windowEnd) };
}

/**
 * Loads where to continue: a stored cursor is re-listed with exactly its stored start unless that start has
 * fallen out of the 7-day retention, in which case it is clamped and the lost range reported. Without a
 * stored cursor collection starts `initialLookback` ago.
 */
export function resumeCursor(stored: Cursor | null, now: number, policy: WindowPolicy): ResumeResult {
  if (!stored) {
    const window = initialWindow(now, policy);
    return { cursor: cursorFor(window), window: window.end > window.start ? window : null, changed: true };
  }
  const clamp = clampWindow(cursorWindow(stored), now, policy);
  if (!clamp.lost) return { cursor: stored, window: clamp.window, changed: false };
  const w = clamp.window ?? { start: clamp.lost.end, end: clamp.lost.end };
  // Partly delivered blobs older than the retention can no longer be fetched; done ids stay (harmless).
  const cursor: Cursor = { ...stored, windowStart: iso(w.start), windowEnd: iso(Math.max(w.end, w.start)), inBlob: {} };
  return { cursor, window: clamp.window, lost: clamp.lost, changed: true };
}

/**
 * The listed blobs that still need work, oldest first (contentCreated, then contentId, as Beats sorts them),
 * each with the number of records to skip. Duplicate listings of one contentId are collapsed.
 */
export function pendingBlobs(cursor: Cursor, listed: readonly ContentBlobRef[]): PendingBlob[] {
  const done = new Set(cursor.doneContentIds);
  const seen = new Set<string>();
  const out: PendingBlob[] = [];
  for (const ref of listed) {
    if (done.has(ref.contentId) || seen.has(ref.contentId)) continue;
    seen.add(ref.contentId);
    out.push({ ref, skip: cursor.inBlob[ref.contentId] ?? 0 });
  }
  return out.sort(
    (a, b) =>
      Date.parse(a.ref.contentCreated) - Date.parse(b.ref.contentCreated) ||
      (a.ref.contentId < b.ref.contentId ? -1 : a.ref.contentId > b.ref.contentId ? 1 : 0),
  );
}

/** True when every listed blob is in the done set and nothing is partly delivered. */
export function isWindowComplete(cursor: Cursor, listed: readonly ContentBlobRef[]): boolean {
  const done = new Set(cursor.doneContentIds);
  return Object.keys(cursor.inBlob).length === 0 && listed.every((r) => done.has(r.contentId));
}

/**
 * Moves a complete window forward, keeping the overlap: only done contentIds whose blobs were published
 * inside the new window are kept (they would be listed again). Returns null when collection has caught up.
 * @param listed - the full listing of the current window (needed to know each done blob's contentCreated).
 */
export function advanceCursor(
  cursor: Cursor,
  listed: readonly ContentBlobRef[],
  now: number,
  policy: WindowPolicy,
  stopAt?: number,
): Cursor | null {
  const next = nextWindow(cursorWindow(cursor), now, policy, stopAt);
  if (!next) return null;
  const done = new Set(cursor.doneContentIds);
  const keep = new Set<string>();
  for (const r of listed) {
    if (done.has(r.contentId) && Date.parse(r.contentCreated) >= next.start) keep.add(r.contentId);
  }
  const listedUntil = Math.max(Date.parse(cursor.listedUntil ?? cursor.windowEnd), Date.parse(cursor.windowEnd));
  return {
    ...carried(cursor),
    ...cursorFor(next, [...keep], cursor.newestContentCreated),
    listedUntil: iso(listedUntil),
  };
}

/**
 * True when the cursor's window was collected completely and nothing of it is pending (`listedUntil` reached
 * its end): live collection then advances without listing that window again. Re-listing it would only find
 * blobs later than the overlap, which the reconciliation sweeps recover; skipping it halves the list
 * requests of a poll.
 */
export function isCursorComplete(cursor: Cursor): boolean {
  return cursor.listedUntil === cursor.windowEnd && Object.keys(cursor.inBlob).length === 0;
}

/**
 * Marks the cursor's window as completely collected (see {@link isCursorComplete}), keeping only the done ids
 * of blobs its listing returned (the others lie outside the window: carried over by {@link advanceComplete}).
 */
export function markComplete(cursor: Cursor, listed: readonly ContentBlobRef[]): Cursor {
  const inWindow = new Set(listed.map((r) => r.contentId));
  const doneContentIds = cursor.doneContentIds.filter((id) => inWindow.has(id));
  return { ...cursor, doneContentIds, listedUntil: cursor.windowEnd };
}

/**
 * Advances a complete cursor without its listing; every done id is carried over (the next listing keeps only
 * those still inside its window). Null when there is nothing to advance to yet.
 */
export function advanceComplete(cursor: Cursor, now: number, policy: WindowPolicy, stopAt?: number): Cursor | null {
  const next = nextWindow(cursorWindow(cursor), now, policy, stopAt);
  if (!next) return null;
  const done = [...cursor.doneContentIds];
  return { ...carried(cursor), ...cursorFor(next, done, cursor.newestContentCreated), listedUntil: cursor.windowEnd };
}

/** The long-lived parts of a cursor (lateness, sweeps) that every new window carries over. */
function carried(cursor: Cursor): Partial<Cursor> {
  const out: Partial<Cursor> = {};
  if (cursor.lateness) out.lateness = cursor.lateness;
  if (cursor.sweeps) out.sweeps = cursor.sweeps;
  return out;
}

/**
 * The pending blobs that were published late: new in time a complete earlier listing already covered
 * (before `listedUntil`) and not partly delivered (those were seen before). See lateness.ts.
 */
export function lateBlobs(cursor: Cursor, pending: readonly PendingBlob[]): PendingBlob[] {
  if (!cursor.listedUntil) return [];
  const until = Date.parse(cursor.listedUntil);
  return pending.filter(
    (p) => Date.parse(p.ref.contentCreated) < until && cursor.inBlob[p.ref.contentId] === undefined,
  );
}

/** Checks a cursor document loaded from storage; returns the problems found (empty when valid). */
export function cursorProblems(value: unknown): string[] {
  const problems: string[] = [];
  if (!value || typeof value !== "object") return ["cursor is not an object"];
  const c = value as Record<string, unknown>;
  if (c.version !== 1) problems.push(`unsupported cursor version ${JSON.stringify(c.version)}`);
  for (const k of ["windowStart", "windowEnd"]) {
    if (typeof c[k] !== "string" || Number.isNaN(Date.parse(c[k] as string))) problems.push(`${k} is not a time`);
  }
  if (!Array.isArray(c.doneContentIds) || c.doneContentIds.some((x) => typeof x !== "string")) {
    problems.push("doneContentIds is not a list of strings");
  }
  const ib = c.inBlob;
  if (!ib || typeof ib !== "object" || Object.values(ib).some((n) => !Number.isInteger(n) || (n as number) < 0)) {
    problems.push("inBlob is not a map of record counts");
  }
  if (c.listedUntil !== undefined && (typeof c.listedUntil !== "string" || Number.isNaN(Date.parse(c.listedUntil)))) {
    problems.push("listedUntil is not a time");
  }
  if (c.lateness !== undefined) problems.push(...latenessProblems(c.lateness));
  const sw = c.sweeps as { since?: unknown; last?: unknown } | undefined;
  if (sw !== undefined && (typeof sw?.since !== "string" || !sw.last || typeof sw.last !== "object")) {
    problems.push("sweeps is not a sweep state");
  }
  return problems;
}
