/**
 * The contract of one collection unit (tenant, content type): what `collectContentType` (collect.ts) talks
 * to, how it is configured, what it reports while running and what it returns. Types only.
 *
 * | field of CollectResult  | set by                                                                    |
 * |-------------------------|---------------------------------------------------------------------------|
 * | status, problems, error | collect-unit.ts (`fail`, `finishResult`), collect-read.ts (blob failures) |
 * | caughtUp, stopped       | the window loop (collect.ts), delivery stop (collect-read.ts)             |
 * | rowsOut, deadLettered   | acknowledged batches (collect-ack.ts)                                     |
 * | gaps                    | unavailable blobs (collect-read.ts)                                       |
 * | lost                    | retention clamps (collect-unit.ts `reportLost`)                           |
 * | lateBlobs               | the overlap's listing (collect-list.ts)                                   |
 * | sweep, recovered        | reconciliation sweeps (collect-live.ts)                                   |
 */
import type { Logger } from "../log.ts";
import type { NormalizeOptions, NormalizeResult, SubjectPrivacy } from "../normalize/types.ts";
import type { DeadLetterStore, RowSink } from "../sink/types.ts";
import type { ContentGap, ManagementActivityClient } from "../source/types.ts";
import type { CheckpointStore, Cursor, CursorKey, DedupStore } from "../state/types.ts";
import type { RecoveredBlob } from "./sweep.ts";
import type { SweepSchedule } from "./sweeps.ts";
import type { TimeWindow, WindowPolicy } from "./windows.ts";

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
