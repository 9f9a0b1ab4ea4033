/**
 * Collects one (tenant, content type): load cursor → ensure subscription → list the window (all pages) →
 * read pending blobs with bounded concurrency into acknowledged batches → commit the cursor after every
 * acknowledged batch → advance the window (keeping the overlap) until caught up, stopped or failed.
 *
 * Guarantees (docs/checkpoints.md): the committed cursor never claims a record the sink did not acknowledge;
 * records are de-duplicated by RecordId against the DedupStore and within the run.
 *
 * Live collection (`lateContent` set) also measures lateness, lets the overlap follow it and, once caught up,
 * runs a due reconciliation sweep (sweep.ts): fully collected blobs are remembered by contentId in the
 * DedupStore together with their record ids, so a sweep skips them without downloading them.
 */
import type { Logger } from "../log.ts";
import { silentLogger } from "../log.ts";
import { describeAuthError, permanentAuthError } from "../auth/errors.ts";
import { isSinkError } from "../sink/errors.ts";
import { isUntrustedUriError } from "../source/errors.ts";
import { afterGrace, DRAIN_GRACE_MS } from "../util/grace.ts";
import type { NormalizeOptions, NormalizeResult, SubjectPrivacy } from "../normalize/types.ts";
import type { DeadLetterStore, RowSink } from "../sink/types.ts";
import type { ContentBlobRef, ContentGap, ManagementActivityClient } from "../source/types.ts";
import { CheckpointConflictError } from "../state/types.ts";
import type { CheckpointStore, Cursor, CursorKey, DedupStore } from "../state/types.ts";
import { AckBatcher, type AckedBatch } from "./batcher.ts";
import { Mutex, type ReaderContext, readBlob } from "./blob-reader.ts";
import {
  advanceComplete,
  advanceCursor,
  cursorFor,
  cursorWindow,
  isCursorComplete,
  isWindowComplete,
  lateBlobs,
  markComplete,
  type PendingBlob,
  pendingBlobs,
  resumeCursor,
} from "./cursor.ts";
import { recordLateness } from "./lateness.ts";
import { ProgressTracker } from "./progress.ts";
import { type RecoveredBlob, runSweep, type SweepDeps } from "./sweep.ts";
import { blobSeenKey, type SweepSchedule, startSweeps } from "./sweeps.ts";
import { clampWindow, livePolicy, type TimeWindow, type WindowPolicy } from "./windows.ts";

/** Everything a collection unit talks to. */
export interface CollectDeps {
  client: ManagementActivityClient;
  sink: RowSink;
  checkpoints: CheckpointStore;
  dedup: DedupStore;
  deadLetters: DeadLetterStore;
  normalize: (raw: unknown, opts: NormalizeOptions) => NormalizeResult;
  logger?: Logger;
  /** Local clock (tests); the source's clock skew is added to it. */
  now?: () => number;
}

/** Progress of a unit, reported after every listed window and acknowledged batch. */
export interface CollectProgress {
  window: TimeWindow;
  blobsListed: number;
  blobsDone: number;
  rowsOut: number;
}

export interface CollectOptions {
  tenantId: string;
  contentType: string;
  policy: WindowPolicy;
  /** Blobs read in parallel (default 4). */
  concurrency?: number;
  /** Rows per sink call (default 500). */
  batchRows?: number;
  subjects?: SubjectPrivacy;
  keepAuditData?: boolean;
  signal?: AbortSignal;
  /** How long an upload in flight when `signal` aborts may still finish and be committed (default 3 s). */
  drainGraceMs?: number;
  /** Checkpoint key (default tenant + content type; backfills use their own). */
  checkpointKey?: CursorKey;
  /** First window when no checkpoint exists (backfill); default `initialLookback` ago. */
  startWindow?: TimeWindow;
  /** Stop advancing at this time (backfill end); default: follow `now`. */
  stopAt?: number;
  onProgress?: (p: CollectProgress) => void;
  /** Live collection: measure lateness, adapt the overlap, run these reconciliation sweeps when due. */
  lateContent?: { sweeps: readonly SweepSchedule[] };
  /** Check (and start) the subscription before listing (default true; AF20022/AF20023 start it anyway). */
  checkSubscription?: boolean;
}

/** What one unit did: the input of its health row. */
export interface CollectResult {
  tenantId: string;
  contentType: string;
  status: "ok" | "degraded" | "failed";
  /** Problems, one sentence each (empty when none). */
  problems: string[];
  error?: unknown;
  firstWindowStart?: string;
  lastWindowEnd?: string;
  newestContentCreated?: string;
  /** True when collection reached `now` (or `stopAt`). */
  caughtUp: boolean;
  /** True when the run was stopped by its signal before catching up. */
  stopped: boolean;
  blobsFetched: number;
  recordsIn: number;
  rowsOut: number;
  duplicates: number;
  deadLettered: number;
  gaps: ContentGap[];
  lost?: TimeWindow;
  durationMs: number;
  /** Blobs the overlap found published late in this run. */
  lateBlobs?: number;
  /** Late content a reconciliation sweep collected after the cursor had passed it. */
  recovered?: RecoveredBlob[];
  /** Name of the sweep that ran (`24h/60m`), if any. */
  sweep?: string;
  /** Overlap in effect at the end of the run (ms). */
  overlapMs?: number;
  /** Rolling lateness distribution at the end of the run. */
  lateness?: Cursor["lateness"];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Consecutive runs with refused contentUri values after which a window is reported as blocked. */
export const BLOCKED_AFTER_RUNS = 3;

/** Longest time an advanced window may stay uncommitted while catching up over empty windows. */
const ADVANCE_COMMIT_INTERVAL_MS = 5_000;

/** Runs one collection unit to completion. Never throws: failures are reported in the result. */
export async function collectContentType(deps: CollectDeps, options: CollectOptions): Promise<CollectResult> {
  const started = Date.now();
  const log = (deps.logger ?? silentLogger).child({ tenantId: options.tenantId, contentType: options.contentType });
  const key = options.checkpointKey ?? { tenantId: options.tenantId, contentType: options.contentType };
  const localNow = deps.now ?? Date.now;
  const now = () => localNow() + deps.client.clockSkewMs();
  const policy = options.policy;
  const live = options.lateContent;
  const external = options.signal ?? new AbortController().signal;
  const internal = new AbortController();
  const signal = AbortSignal.any([external, internal.signal]);
  const drain = afterGrace(external, options.drainGraceMs ?? DRAIN_GRACE_MS);

  const result: CollectResult = {
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
  const counters = { recordsIn: 0, duplicates: 0, rejected: 0, blobsFetched: 0 };

  let etag: string | null = null;
  let cursor: Cursor;
  // An advanced but not yet saved cursor: windows without new blobs are committed at most every few seconds
  // (each commit is an fsync'ed write; a crash only costs re-listing those windows).
  let dirty = false;
  let lastSave = 0;
  // The cursor as last loaded or saved (live collection skips committing quiet polls, see quietAdvance).
  let committed: Cursor | undefined;
  let refusedRunsBefore = 0;
  const save = async (c: Cursor) => {
    etag = await deps.checkpoints.save(key, c, etag);
    cursor = c;
    committed = c;
    dirty = false;
    lastSave = Date.now();
  };

  try {
    const stored = await deps.checkpoints.load(key);
    etag = stored?.etag ?? null;
    committed = stored?.cursor;
    refusedRunsBefore = stored?.cursor.refusedRuns ?? 0;
    if (options.checkSubscription !== false) await deps.client.ensureSubscriptions([options.contentType], signal);
    if (!stored && options.startWindow) {
      await save(cursorFor(options.startWindow));
    } else {
      const resumed = resumeCursor(stored?.cursor ?? null, now(), policy);
      if (resumed.lost) reportLost(resumed.lost);
      if (resumed.changed) await save(resumed.cursor);
      else cursor = resumed.cursor;
    }
    if (live && !cursor!.sweeps) await startSweepClock();

    for (;;) {
      if (signal.aborted) {
        result.stopped = true;
        break;
      }
      // Re-clamp every window: a long catch-up can push a stored start out of the retention meanwhile.
      const clamp = clampWindow(cursorWindow(cursor!), now(), policy);
      if (clamp.lost) {
        reportLost(clamp.lost);
        const w = clamp.window ?? { start: clamp.lost.end, end: clamp.lost.end };
        await save({ ...cursor!, windowStart: iso(w.start), windowEnd: iso(w.end), inBlob: {} });
      }
      if (!clamp.window) {
        result.caughtUp = true;
        break;
      }
      // A complete window moves on without being listed again. When it cannot move yet (the clock says less than
      // a step passed) it is listed as before: that also refreshes the clock skew learned from the service.
      const ahead = live && isCursorComplete(cursor!) ? advanceComplete(cursor!, now(), policyOf(cursor!)) : null;
      if (ahead) {
        cursor = ahead;
        dirty = true;
        continue;
      }
      const window = clamp.window;
      result.firstWindowStart ??= iso(window.start);
      result.lastWindowEnd = iso(window.end);

      const listed: ContentBlobRef[] = [];
      for await (const page of deps.client.listContent(
        options.contentType,
        new Date(window.start),
        new Date(window.end),
        signal,
      )) {
        listed.push(...page);
      }
      const pending = pendingBlobs(cursor!, listed);
      if (live) noteLateness(pending);
      log.debug("listed window", {
        windowStart: iso(window.start),
        windowEnd: iso(window.end),
        blobs: listed.length,
        pending: pending.length,
      });
      // Nothing new (most polls of continuous mode): no readers, batcher or progress tracker to set up.
      // The last acknowledged batch of a window that is then complete commits it as complete at once: without
      // this, the poll would write the same cursor twice (the batch's commit, then listedUntil at the end).
      const finish = live
        ? (c: Cursor) =>
            isWindowComplete(c, listed) && !advanceCursor(c, listed, now(), policyOf(c), options.stopAt)
              ? markComplete(c, listed)
              : c
        : undefined;
      const windowOk =
        pending.length === 0 || (await collectBlobs(pending, listed.length, window, "cursor", finish)).ok;
      if (!windowOk || signal.aborted) {
        result.stopped = signal.aborted && !internal.signal.aborted;
        break;
      }
      if (!isWindowComplete(cursor!, listed)) break;
      const next = advanceCursor(cursor!, listed, now(), policyOf(cursor!), options.stopAt);
      if (!next) {
        if (live) {
          cursor = markComplete(cursor!, listed);
          dirty = true;
        }
        result.caughtUp = true;
        break;
      }
      cursor = next;
      dirty = true;
      if (Date.now() - lastSave >= ADVANCE_COMMIT_INTERVAL_MS) await save(next);
    }
    if (live && result.caughtUp && result.status !== "failed" && !signal.aborted) await sweepIfDue();
  } catch (err) {
    if (external.aborted && !internal.signal.aborted) result.stopped = true;
    else fail(err);
  }
  if (dirty && !(result.error instanceof CheckpointConflictError) && !quietAdvance()) {
    await save(cursor!).catch((err: unknown) => fail(err));
  }

  result.blobsFetched = counters.blobsFetched;
  result.recordsIn = counters.recordsIn;
  result.duplicates = counters.duplicates;
  result.deadLettered += counters.rejected;
  const c = cursor! as Cursor | undefined;
  if (c?.newestContentCreated) result.newestContentCreated = c.newestContentCreated;
  if (live && c) {
    result.overlapMs = policyOf(c).overlapMs;
    if (c.lateness) result.lateness = c.lateness;
  }
  if (result.status !== "failed" && (result.gaps.length > 0 || result.deadLettered > 0 || result.lost)) {
    result.status = "degraded";
  }
  drain.dispose();
  result.durationMs = Date.now() - started;
  // A poll that found nothing logs at debug: continuous mode would otherwise log every 5 minutes per unit.
  const quiet = result.status === "ok" && result.blobsFetched === 0 && !result.sweep && !result.lateBlobs;
  log[quiet ? "debug" : "info"]("collection finished", {
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
    ...(live ? { lateBlobs: result.lateBlobs ?? 0, recovered: result.recovered?.length ?? 0 } : {}),
  });
  return result;

  /**
   * True when this run only moved a complete window forward by less than one step: nothing new was listed or
   * delivered, lateness and sweeps are unchanged. Such a poll is not committed (a checkpoint write is most of a
   * quiet poll's CPU); after a crash or restart the next poll lists from the committed window, a little longer.
   */
  function quietAdvance(): boolean {
    const c = cursor;
    const k = committed;
    if (!live || !c || !k || !isCursorComplete(c) || !isCursorComplete(k)) return false;
    const unchanged =
      c.lateness === k.lateness && c.sweeps === k.sweeps && c.newestContentCreated === k.newestContentCreated;
    return unchanged && Date.parse(c.windowEnd) - Date.parse(k.windowEnd) < policy.windowMs;
  }

  /** The window policy for this cursor: live collection re-lists an overlap that follows observed lateness. */
  function policyOf(c: Cursor): WindowPolicy {
    return live ? livePolicy(policy, c.lateness) : policy;
  }

  /** Records the lateness of a listing's new blobs (late ones: now - contentCreated; the others: on time). */
  function noteLateness(pending: readonly PendingBlob[]) {
    const late = lateBlobs(cursor!, pending);
    const fresh = pending.filter((p) => cursor!.inBlob[p.ref.contentId] === undefined).length - late.length;
    if (late.length === 0 && fresh === 0) return;
    const t = now();
    const seconds = late.map((p) => (t - Date.parse(p.ref.contentCreated)) / 1000);
    cursor = { ...cursor!, lateness: recordLateness(cursor!.lateness, [...seconds, ...Array(fresh).fill(0)]) };
    if (late.length > 0) {
      result.lateBlobs = (result.lateBlobs ?? 0) + late.length;
      log.info("late-published blobs found by the overlap", {
        blobs: late.length,
        maxLatenessSeconds: Math.round(Math.max(...seconds)),
      });
    }
  }

  /**
   * First live run with sweeps: the blobs already done are remembered as seen, and nothing published before
   * the current window is swept (those blobs were collected before sweeps existed and were never remembered).
   */
  async function startSweepClock() {
    const ids = cursor!.doneContentIds.map((id) => blobSeenKey(options.contentType, id));
    if (ids.length > 0) await deps.dedup.remember(ids, localNow());
    await deps.dedup.flush();
    await save({ ...cursor!, sweeps: startSweeps(live!.sweeps, now(), Date.parse(cursor!.windowStart)) });
  }

  async function sweepIfDue() {
    const sweepDeps: SweepDeps = {
      client: deps.client,
      dedup: deps.dedup,
      log,
      now,
      signal,
      collect: (pending, window) => collectBlobs(pending, pending.length, window, "sweep"),
    };
    let outcome: Awaited<ReturnType<typeof runSweep>>;
    try {
      outcome = await runSweep(sweepDeps, cursor!, options.contentType, live!.sweeps, policy);
    } catch (err) {
      // The cursor's collection is complete; a sweep that could not list or look up seen blobs (transient API
      // or storage trouble) stays due and runs again at the next poll. A sink failure already failed the unit.
      if (signal.aborted || result.status === "failed") throw err;
      const e = err as Error;
      result.problems.push(`reconciliation sweep not completed, retried next poll: ${e?.message ?? String(err)}`);
      log.warn("reconciliation sweep not completed; it runs again at the next poll", { error: err });
      return;
    }
    if (!outcome) return;
    result.sweep = outcome.name;
    result.recovered = [...(result.recovered ?? []), ...outcome.recovered];
    if (outcome.cursor) await save(outcome.cursor);
  }

  function fail(err: unknown) {
    result.status = "failed";
    result.error ??= err;
    const e = err as Error;
    // A token Entra refuses for good (AADSTS7000215...) is reported as one line naming the setting to fix.
    const auth = isSinkError(err) ? undefined : permanentAuthError(err);
    const line = auth
      ? describeAuthError(auth, `tenant ${options.tenantId}`, "tenants[].")
      : `${e?.name ?? "Error"}: ${e?.message ?? String(err)}`;
    result.problems.push(line);
    internal.abort();
    if (auth) log.error(line, { code: auth.code });
    else log.error("collection failed; the checkpoint stays at the last acknowledged batch", { error: err });
  }

  function reportLost(lost: TimeWindow) {
    result.lost = { start: Math.min(result.lost?.start ?? lost.start, lost.start), end: lost.end };
    const msg = `stored cursor is older than the API's 7-day retention: blobs published between ${iso(lost.start)} and ${iso(lost.end)} that were not collected yet can no longer be listed (probable data loss; use 'exo-audit import' with a Purview export to fill it)`;
    result.problems.push(msg);
    log.warn(msg, { lostFrom: iso(lost.start), lostTo: iso(lost.end) });
  }

  /** Reads the pending blobs of one window; returns false when the unit must stop (failure). */
  async function collectBlobs(
    pending: readonly PendingBlob[],
    listedCount: number,
    window: TimeWindow,
    mode: "cursor" | "sweep" = "cursor",
    finish?: (snapshot: Cursor) => Cursor,
  ): Promise<{ ok: boolean; newRows: Map<string, number> }> {
    const tracker = new ProgressTracker(cursor!);
    const newRows = new Map<string, number>();
    const inFlight = new Set<string>();
    const dedupLock = new Mutex();
    let blobsDone = listedCount - pending.length;
    // Set once every reader finished: the batches acknowledged from then on are the window's last.
    let readingDone = false;
    const onAck = async (batch: AckedBatch) => {
      if (batch.report) {
        result.rowsOut += batch.report.accepted;
        result.deadLettered += batch.report.deadLettered;
      }
      tracker.apply(batch.marks);
      // Remember before committing: after a crash in between, the re-read records are recognised as delivered.
      // The cursor is the delivery guarantee; the de-duplication memory is best effort, so its failure (e.g. a
      // storage outage) is logged and collection goes on rather than stopping.
      // Live collection also remembers each completed blob, so a sweep skips it without downloading it.
      const blobKeys = live
        ? batch.marks.filter((m) => m.complete).map((m) => blobSeenKey(options.contentType, m.contentId))
        : [];
      await dedupLock.run(async () => {
        try {
          const ids = blobKeys.length > 0 ? [...batch.recordIds, ...blobKeys] : batch.recordIds;
          if (ids.length > 0) await deps.dedup.remember(ids, localNow());
        } catch (err) {
          log.warn("could not remember delivered ids; duplicates may pass", { error: err });
        } finally {
          for (const id of batch.recordIds) inFlight.delete(id);
        }
      });
      try {
        await deps.dedup.flush();
      } catch (err) {
        log.warn("could not persist de-duplication ids; duplicates may pass after a restart", { error: err });
      }
      // A sweep's progress lives in the DedupStore (records and blobs remembered), not in the cursor's window.
      if (mode === "cursor") {
        const snapshot = tracker.snapshot();
        await save(readingDone && finish ? finish(snapshot) : snapshot);
      }
      blobsDone += batch.marks.filter((m) => m.complete).length;
      options.onProgress?.({ window, blobsListed: listedCount, blobsDone, rowsOut: result.rowsOut });
    };
    const batcher = new AckBatcher(deps.sink, options.batchRows ?? 500, onAck, drain.signal);
    const ctx: ReaderContext = {
      client: deps.client,
      batcher,
      dedup: deps.dedup,
      deadLetters: deps.deadLetters,
      normalize: deps.normalize,
      normalizeOptions: {
        subjects: options.subjects ?? "keep",
        keepAuditData: options.keepAuditData ?? true,
        ingestionSource: "api",
        connectorTenant: options.tenantId,
      },
      inFlight,
      dedupLock,
      signal,
      log,
      counters,
    };
    options.onProgress?.({ window, blobsListed: listedCount, blobsDone, rowsOut: result.rowsOut });
    let ok = true;
    let refused = 0;
    let next = 0;
    const worker = async () => {
      while (next < pending.length && !signal.aborted) {
        const blob = pending[next++]!;
        const kept = counters.recordsIn - counters.duplicates - counters.rejected;
        const outcome = await readBlob(ctx, blob);
        newRows.set(blob.ref.contentId, counters.recordsIn - counters.duplicates - counters.rejected - kept);
        if (outcome.kind === "gap") {
          const gap: ContentGap = {
            contentType: options.contentType,
            contentId: blob.ref.contentId,
            contentCreated: blob.ref.contentCreated,
            windowStart: iso(window.start),
            windowEnd: iso(window.end),
            code: outcome.code,
            message: outcome.message,
          };
          result.gaps.push(gap);
          log.warn("content blob unavailable: its records are lost (data loss)", { ...gap });
        } else if (outcome.kind === "failed") {
          // Other blobs continue; the window does not advance past this one (retried next run).
          ok = false;
          if (isUntrustedUriError(outcome.error)) refused++;
          const e = outcome.error as Error;
          result.status = "failed";
          result.error ??= outcome.error;
          result.problems.push(`blob ${blob.ref.contentId} failed after ${outcome.records} records: ${e?.message}`);
          log.error("content blob failed; it is retried from its last acknowledged record next run", {
            contentId: blob.ref.contentId,
            records: outcome.records,
            error: outcome.error,
          });
        }
      }
    };
    // A sweep reads one blob at a time (it rarely has more than a few), so new rows can be attributed to a blob.
    const width = mode === "sweep" ? 1 : (options.concurrency ?? 4);
    const workers = Array.from({ length: Math.max(1, Math.min(width, pending.length)) }, worker);
    await Promise.all(workers);
    readingDone = ok && !signal.aborted;
    // Drain: what was read (also when stopping) is sent and committed, unless delivery already failed.
    if (!batcher.failure) await batcher.flush().catch(() => {});
    if (batcher.failure) {
      // Stopped while a batch was still failing: not a failure of the unit, and nothing of it was committed.
      const f = batcher.failure;
      if (external.aborted && isSinkError(f) && f.kind === "aborted") {
        result.stopped = true;
        // Stopped in the middle of retrying: the run did not deliver, and says so (exit 1 under a time budget).
        if (f.lastFailure) {
          result.status = "failed";
          result.error ??= f;
          result.problems.push(`stopped while retrying an upload (last: ${f.lastFailure}); not committed`);
          log.warn("stopped while retrying an upload; the batch is not committed", { lastFailure: f.lastFailure });
        }
      } else fail(f);
      return { ok: false, newRows };
    }
    if (mode === "cursor") cursor = tracker.snapshot();
    if (refused > 0) await reportRefused(refused, window);
    return { ok, newRows };
  }

  /**
   * Blobs whose contentUri was refused: the window stays (no gap), and the count of consecutive refusing runs is
   * kept in the cursor so that a window the API keeps serving wrongly is reported as blocked, not silently retried.
   */
  async function reportRefused(blobs: number, window: TimeWindow) {
    const runs = refusedRunsBefore + 1;
    await save({ ...cursor!, refusedRuns: runs }).catch((err: unknown) => fail(err));
    const where = `window ${iso(window.start)}..${iso(window.end)}`;
    if (runs >= BLOCKED_AFTER_RUNS) {
      const line =
        `${where} blocked: the API served ${blobs} contentUri value(s) outside its origin in ${runs} consecutive ` +
        "runs; they are not fetched and not counted as gaps, and are retried until served correctly or expired";
      result.problems.push(line);
      log.error(line, { refusedBlobs: blobs, runs });
    } else {
      result.problems.push(`${where}: ${blobs} contentUri value(s) refused (not on the API origin); retried next run`);
    }
  }
}
