/**
 * The shared, mutable state of one collection unit's run, and the few things every phase does to it:
 * pick the window policy, record a failure, record data lost to the retention, and close the result.
 * Each phase module (collect-list, collect-read, collect-ack, collect-commit, collect-live) takes this
 * state as its first argument instead of closing over it; there is exactly one per `collectContentType` call.
 *
 * | event                                 | effect on the result                                            |
 * |---------------------------------------|-----------------------------------------------------------------|
 * | `fail(err)`                           | status failed, first error kept, one problem line, readers stop |
 * | `fail` with a permanent Entra refusal | the problem line names the setting to fix (auth/errors.ts)      |
 * | `reportLost(range)`                   | `lost` widened, a data-loss problem line, warn log              |
 * | end: gaps, dead letters or lost range | status degraded (unless failed)                                 |
 */
import { describeAuthError, permanentAuthError } from "../auth/errors.ts";
import type { Logger } from "../log.ts";
import { silentLogger } from "../log.ts";
import { isSinkError } from "../sink/errors.ts";
import type { Cursor, CursorKey } from "../state/types.ts";
import { afterGrace, DRAIN_GRACE_MS } from "../util/grace.ts";
import type { ReaderContext } from "./blob-reader.ts";
import type { CollectDeps, CollectOptions, CollectResult } from "./collect-types.ts";
import { livePolicy, type TimeWindow, type WindowPolicy } from "./windows.ts";

/** One run of one unit. Fields below `counters` are the checkpoint state (collect-commit.ts owns them). */
export interface CollectUnit {
  deps: CollectDeps;
  options: CollectOptions;
  started: number;
  log: Logger;
  key: CursorKey;
  /** Local clock (DedupStore timestamps). */
  localNow: () => number;
  /** Local clock plus the source's clock skew (windows, lateness). */
  now: () => number;
  policy: WindowPolicy;
  live: CollectOptions["lateContent"];
  /** The caller's stop signal. */
  external: AbortSignal;
  /** Aborted by `fail`: the unit's own readers stop. */
  internal: AbortController;
  /** Either of the two. */
  signal: AbortSignal;
  /** Fires a grace after `external`: an upload in flight may still be acknowledged and committed. */
  drain: { signal: AbortSignal; dispose(): void };
  result: CollectResult;
  counters: ReaderContext["counters"];
  etag: string | null;
  /** The cursor being worked on; unset only when loading the checkpoint failed. */
  cursor?: Cursor;
  /**
   * An advanced but not yet saved cursor: windows without new blobs are committed at most every few seconds
   * (each commit is an fsync'ed write; a crash only costs re-listing those windows).
   */
  dirty: boolean;
  lastSave: number;
  /** The cursor as last loaded or saved (live collection skips committing quiet polls, see quietAdvance). */
  committed?: Cursor;
  refusedRunsBefore: number;
}

export const iso = (ms: number) => new Date(ms).toISOString();

/** The state of a fresh run; nothing is loaded yet. */
export function openUnit(deps: CollectDeps, options: CollectOptions): CollectUnit {
  const started = Date.now();
  const log = (deps.logger ?? silentLogger).child({ tenantId: options.tenantId, contentType: options.contentType });
  const key = options.checkpointKey ?? { tenantId: options.tenantId, contentType: options.contentType };
  const localNow = deps.now ?? Date.now;
  const now = () => localNow() + deps.client.clockSkewMs();
  const external = options.signal ?? new AbortController().signal;
  const internal = new AbortController();
  const signal = AbortSignal.any([external, internal.signal]);
  const drain = afterGrace(external, options.drainGraceMs ?? DRAIN_GRACE_MS);
  return {
    deps,
    options,
    started,
    log,
    key,
    localNow,
    now,
    policy: options.policy,
    live: options.lateContent,
    external,
    internal,
    signal,
    drain,
    result: emptyResult(options),
    counters: { recordsIn: 0, duplicates: 0, rejected: 0, blobsFetched: 0 },
    etag: null,
    dirty: false,
    lastSave: 0,
    refusedRunsBefore: 0,
  };
}

function emptyResult(options: CollectOptions): CollectResult {
  return {
    tenantId: options.tenantId,
    contentType: options.contentType,
    status: "ok",
    problems: [],
    caughtUp: false,
    stopped: false,
    blobsFetched: 0,
    recordsIn: 0,
    rowsOut: 0,
    duplicates: 0,
    deadLettered: 0,
    gaps: [],
    durationMs: 0,
  };
}

/** The window policy for this cursor: live collection re-lists an overlap that follows observed lateness. */
export function policyOf(u: CollectUnit, c: Cursor): WindowPolicy {
  return u.live ? livePolicy(u.policy, c.lateness) : u.policy;
}

export function fail(u: CollectUnit, err: unknown) {
  const result = u.result;
  result.status = "failed";
  result.error ??= err;
  const e = err as Error;
  // A token Entra refuses for good (AADSTS7000215...) is reported as one line naming the setting to fix.
  const auth = isSinkError(err) ? undefined : permanentAuthError(err);
  const line = auth
    ? describeAuthError(auth, `tenant ${u.options.tenantId}`, "tenants[].")
    : `${e?.name ?? "Error"}: ${e?.message ?? String(err)}`;
  result.problems.push(line);
  u.internal.abort();
  if (auth) u.log.error(line, { code: auth.code });
  else u.log.error("collection failed; the checkpoint stays at the last acknowledged batch", { error: err });
}

export function reportLost(u: CollectUnit, lost: TimeWindow) {
  const result = u.result;
  result.lost = { start: Math.min(result.lost?.start ?? lost.start, lost.start), end: lost.end };
  const msg = `stored cursor is older than the API's 7-day retention: blobs published between ${iso(lost.start)} and ${iso(lost.end)} that were not collected yet can no longer be listed (probable data loss; use 'exo-audit import' with a Purview export to fill it)`;
  result.problems.push(msg);
  u.log.warn(msg, { lostFrom: iso(lost.start), lostTo: iso(lost.end) });
}

/** Copies the counters and cursor facts into the result, settles its status and logs the run's summary. */
export function finishResult(u: CollectUnit): CollectResult {
  const result = u.result;
  result.blobsFetched = u.counters.blobsFetched;
  result.recordsIn = u.counters.recordsIn;
  result.duplicates = u.counters.duplicates;
  result.deadLettered += u.counters.rejected;
  const c = u.cursor;
  if (c?.newestContentCreated) result.newestContentCreated = c.newestContentCreated;
  if (u.live && c) {
    result.overlapMs = policyOf(u, c).overlapMs;
    if (c.lateness) result.lateness = c.lateness;
  }
  if (result.status !== "failed" && (result.gaps.length > 0 || result.deadLettered > 0 || result.lost)) {
    result.status = "degraded";
  }
  u.drain.dispose();
  result.durationMs = Date.now() - u.started;
  logFinished(u);
  return result;
}

function logFinished(u: CollectUnit) {
  const result = u.result;
  // A poll that found nothing logs at debug: continuous mode would otherwise log every 5 minutes per unit.
  const quiet = result.status === "ok" && result.blobsFetched === 0 && !result.sweep && !result.lateBlobs;
  u.log[quiet ? "debug" : "info"]("collection finished", {
    status: result.status,
    caughtUp: result.caughtUp,
    stopped: result.stopped,
    blobs: result.blobsFetched,
    recordsIn: result.recordsIn,
    rowsOut: result.rowsOut,
    duplicates: result.duplicates,
    deadLettered: result.deadLettered,
    gaps: result.gaps.length,
    newestContentCreated: result.newestContentCreated,
    ...(u.live ? { lateBlobs: result.lateBlobs ?? 0, recovered: result.recovered?.length ?? 0 } : {}),
  });
}
