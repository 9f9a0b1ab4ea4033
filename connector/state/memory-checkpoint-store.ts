/** In-memory {@link CheckpointStore} for tests and embedded use (same etag semantics as the file store). */
import { CheckpointConflictError } from "./types.ts";
import type { CheckpointStore, Cursor, CursorKey, StoredCursor } from "./types.ts";

const keyOf = (k: CursorKey) => `${k.tenantId}\u0000${k.contentType}`;

export class MemoryCheckpointStore implements CheckpointStore {
  private readonly docs = new Map<string, StoredCursor>();
  private counter = 0;
  /** Number of successful saves (tests assert commit behaviour with it). */
  saves = 0;

  async load(key: CursorKey): Promise<StoredCursor | null> {
    const s = this.docs.get(keyOf(key));
    return s ? { cursor: structuredClone(s.cursor), etag: s.etag } : null;
  }

  async save(key: CursorKey, cursor: Cursor, etag?: string | null): Promise<string> {
    const current = this.docs.get(keyOf(key));
    if (etag !== undefined && (current?.etag ?? null) !== etag) {
      throw new CheckpointConflictError(
        `checkpoint ${key.tenantId}/${key.contentType} was changed by another writer (expected ${etag ?? "none"})`,
      );
    }
    const next = `m${++this.counter}`;
    this.docs.set(keyOf(key), { cursor: structuredClone(cursor), etag: next });
    this.saves++;
    return next;
  }

  /** Every stored cursor (tests). */
  entries(): { key: string; cursor: Cursor }[] {
    return [...this.docs].map(([key, s]) => ({ key, cursor: structuredClone(s.cursor) }));
  }
}
