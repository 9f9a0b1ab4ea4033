/**
 * Acknowledged progress of one window: which blobs are fully delivered and how far the others got.
 * Only acknowledgement marks move it, so any snapshot is a consistent, committable cursor even while several
 * blobs are in flight.
 */
import type { Cursor } from "../state/types.ts";

/** How far one blob got, as carried by a batch: records consumed from the blob's start. */
export interface BlobMark {
  contentId: string;
  /** Records of the blob (from its start) that are delivered, dead-lettered or dropped as duplicates. */
  consumed: number;
  /** True when the blob was read to its end (or is a recorded gap). */
  complete: boolean;
  contentCreated: string;
  /** The blob could not be retrieved: done, but it does not move the collection frontier (lag). */
  gap?: boolean;
}

export class ProgressTracker {
  private readonly base: Cursor;
  private readonly done: Set<string>;
  private readonly inBlob: Map<string, number>;
  private newest: string | undefined;

  constructor(cursor: Cursor) {
    this.base = cursor;
    this.done = new Set(cursor.doneContentIds);
    this.inBlob = new Map(Object.entries(cursor.inBlob));
    this.newest = cursor.newestContentCreated;
  }

  /** Applies the marks of an acknowledged batch. */
  apply(marks: Iterable<BlobMark>): void {
    for (const m of marks) {
      if (m.complete) {
        this.done.add(m.contentId);
        this.inBlob.delete(m.contentId);
        if (!m.gap && (!this.newest || Date.parse(m.contentCreated) > Date.parse(this.newest))) {
          this.newest = m.contentCreated;
        }
      } else if (!this.done.has(m.contentId) && m.consumed > (this.inBlob.get(m.contentId) ?? 0)) {
        this.inBlob.set(m.contentId, m.consumed);
      }
    }
  }

  /** The cursor to commit now. */
  snapshot(): Cursor {
    // Carries the cursor's other fields (listedUntil, lateness, sweeps) unchanged.
    const c: Cursor = {
      ...this.base,
      doneContentIds: [...this.done],
      inBlob: Object.fromEntries(this.inBlob),
      version: 1,
    };
    if (this.newest) c.newestContentCreated = this.newest;
    return c;
  }
}
