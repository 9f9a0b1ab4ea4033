/** Contracts of the state stores (local files by default, Azure Blob/Table when hosted). */

/** Identifies one independent unit of collection work. */
export interface CursorKey {
  tenantId: string;
  contentType: string;
}

/**
 * Where collection stands for one (tenant, content type). Committed only after the sink acknowledged
 * every row up to it.
 */
export interface Cursor {
  /** Start of the listing window being worked on (ISO). Re-list with exactly this start (partial-blob quirk). */
  windowStart: string;
  /** End of that window (ISO). */
  windowEnd: string;
  /** contentIds of the current window (and the overlap) already fully delivered. */
  doneContentIds: string[];
  /** Blobs partly delivered: contentId -> number of records already delivered from the blob's start. */
  inBlob: Record<string, number>;
  /** Newest contentCreated fully delivered so far (ISO), for lag. */
  newestContentCreated?: string;
  /** End of the newest completely collected window (ISO): blobs new before it were published late. */
  listedUntil?: string;
  /** Rolling lateness distribution of this (tenant, content type) (connector/pipeline/lateness.ts). */
  lateness?: { counts: number[]; maxSeconds: number };
  /** Reconciliation sweep bookkeeping (connector/pipeline/sweeps.ts). */
  sweeps?: { since: string; last: Record<string, string> };
  /**
   * Consecutive runs in which this window's listing carried contentUri values the connector refused (not https
   * on the API origin). The window is retried, never turned into gaps; from 3 runs on it is reported as blocked.
   */
  refusedRuns?: number;
  /** Schema version of this cursor document. */
  version: 1;
}

export interface StoredCursor {
  cursor: Cursor;
  /** Opaque version for optimistic concurrency (file mtime+size hash, blob ETag). */
  etag: string;
}

export class CheckpointConflictError extends Error {
  override readonly name = "CheckpointConflictError";
}

export interface CheckpointStore {
  load(key: CursorKey): Promise<StoredCursor | null>;
  /**
   * Writes atomically. With `etag`, fails with CheckpointConflictError if someone else wrote since.
   * Returns the new etag.
   */
  save(key: CursorKey, cursor: Cursor, etag?: string | null): Promise<string>;
}

/** Record-id de-duplication memory covering at least 8 days, bounded in size. */
export interface DedupStore {
  /** Returns the subset of ids already delivered. */
  seen(ids: readonly string[]): Promise<Set<string>>;
  /** Remembers ids as delivered at `at` (ms epoch). Call only after the sink acknowledged them. */
  remember(ids: readonly string[], at: number): Promise<void>;
  /** Persists pending state (called after each checkpoint commit). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Exclusive right to work on one cursor; lost leases must stop the holder. */
export interface Lease {
  readonly key: CursorKey;
  /** Aborted when the lease is lost (renewal failed or expired). */
  readonly signal: AbortSignal;
  release(): Promise<void>;
}

export interface LeaseManager {
  /** Tries to acquire the lease; null when another instance holds it. */
  tryAcquire(key: CursorKey): Promise<Lease | null>;
}
