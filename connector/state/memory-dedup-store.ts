/** In-memory {@link DedupStore} for tests and embedded use: ids with their delivery time, expired by age. */
import { foldId } from "../util/record-id.ts";
import type { DedupStore } from "./types.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

export class MemoryDedupStore implements DedupStore {
  private readonly ids = new Map<string, number>();
  private readonly retentionMs: number;
  private readonly now: () => number;

  constructor(options: { retentionDays?: number; now?: () => number } = {}) {
    this.retentionMs = (options.retentionDays ?? 8) * DAY_MS;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.ids.size;
  }

  async seen(ids: readonly string[]): Promise<Set<string>> {
    const cutoff = this.now() - this.retentionMs;
    const out = new Set<string>();
    for (const id of ids) {
      const at = this.ids.get(foldId(id));
      if (at !== undefined && at >= cutoff) out.add(id);
    }
    return out;
  }

  async remember(ids: readonly string[], at: number): Promise<void> {
    for (const id of ids) this.ids.set(foldId(id), at);
  }

  async flush(): Promise<void> {
    const cutoff = this.now() - this.retentionMs;
    for (const [id, at] of this.ids) if (at < cutoff) this.ids.delete(id);
  }

  async close(): Promise<void> {}
}
