/**
 * Record-id de-duplication memory on local disk, bounded in memory and on disk.
 *
 * Layout: one append-only shard per UTC delivery day, `ids-YYYY-MM-DD.bin`, holding the 64-bit hash of every
 * record id acknowledged that day (8 bytes per id, see id-hash-set.ts). Shards older than `retentionDays`
 * (default 8: the API re-delivers content for up to 7 days) are deleted. Shards are loaded lazily on first use.
 *
 * Memory policy: at most `maxIds` ids are held in memory (default 5 million ≈ 80–160 MB). When loading or
 * remembering would exceed it, whole days are dropped from memory, oldest first (the current day never); their
 * files stay on disk until they expire. A duplicate of a record delivered on an evicted day is then sent again;
 * the KQL de-duplication query in docs/checkpoints.md removes it at query time.
 */
import { mkdir, open, readFile, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../log.ts";
import { silentLogger } from "../log.ts";
import { StateWriteError, describeFsError, writeAll } from "./atomic-file.ts";
import { foldId, hashId, IdHashSet, lookupHashes } from "./id-hash-set.ts";
import type { DedupStore } from "./types.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
const SHARD = /^ids-(\d{4}-\d{2}-\d{2})\.bin$/;

export interface FileDedupStoreOptions {
  /** Days an id is remembered after delivery (default 8). */
  retentionDays?: number;
  /** Most ids held in memory (default 5,000,000). */
  maxIds?: number;
  /** Clock (tests). */
  now?: () => number;
  logger?: Logger;
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export class FileDedupStore implements DedupStore {
  readonly dir: string;
  private readonly retentionDays: number;
  private readonly maxIds: number;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly shards = new Map<string, IdHashSet>();
  private readonly pending = new Map<string, number[]>();
  private loading: Promise<void> | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private evictionWarned = false;
  /** Retention cutoff day the shard files were last pruned for: pruning lists the folder, once a day is enough. */
  private prunedFor: string | undefined;

  constructor(dir: string, options: FileDedupStoreOptions = {}) {
    this.dir = dir;
    this.retentionDays = options.retentionDays ?? 8;
    this.maxIds = options.maxIds ?? 5_000_000;
    this.now = options.now ?? Date.now;
    this.log = options.logger ?? silentLogger;
  }

  /** Ids currently held in memory. */
  get size(): number {
    let n = 0;
    for (const s of this.shards.values()) n += s.size;
    return n;
  }

  /** Days currently held in memory (oldest first). */
  daysInMemory(): string[] {
    return [...this.shards.keys()].sort();
  }

  async seen(ids: readonly string[]): Promise<Set<string>> {
    await this.load();
    this.expire();
    const out = new Set<string>();
    const sets = [...this.shards.values()];
    for (const id of ids) {
      if (lookupHashes(id).some(([a, b]) => sets.some((s) => s.has(a, b)))) out.add(id);
    }
    return out;
  }

  async remember(ids: readonly string[], at: number): Promise<void> {
    await this.load();
    const day = dayOf(at);
    let shard = this.shards.get(day);
    if (!shard) {
      shard = new IdHashSet();
      this.shards.set(day, shard);
    }
    let buf = this.pending.get(day);
    if (!buf) {
      buf = [];
      this.pending.set(day, buf);
    }
    for (const id of ids) {
      const [a, b] = hashId(foldId(id));
      if (shard.add(a, b)) buf.push(a, b);
    }
    this.expire();
    this.enforceCap(day);
  }

  /** Appends the ids remembered since the last flush to their day shards and deletes expired shards. */
  flush(): Promise<void> {
    // Serialized: several collection units (tenants) may share this store and flush concurrently.
    const next = this.flushing.then(() => this.flushNow());
    this.flushing = next.catch(() => {});
    return next;
  }

  private async flushNow(): Promise<void> {
    await this.load();
    for (const day of [...this.pending.keys()]) {
      const words = this.pending.get(day) ?? [];
      // Taken out before the write: ids remembered meanwhile go to a new buffer and the next flush.
      this.pending.delete(day);
      if (words.length === 0) continue;
      const path = join(this.dir, `ids-${day}.bin`);
      try {
        const fh = await open(path, "a", 0o600);
        await writeAll(fh, Buffer.from(new Uint32Array(words).buffer)).finally(() => fh.close());
      } catch (err) {
        this.pending.set(day, [...words, ...(this.pending.get(day) ?? [])]);
        const { code, reason } = describeFsError(err);
        throw new StateWriteError(`cannot write de-duplication shard ${path}: ${reason}`, { cause: err, code });
      }
    }
    await this.deleteExpiredFiles();
  }

  async close(): Promise<void> {
    await this.flush();
  }

  private cutoffDay(): string {
    return dayOf(this.now() - this.retentionDays * DAY_MS);
  }

  private load(): Promise<void> {
    this.loading ??= this.loadShards();
    return this.loading;
  }

  private async loadShards(): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true });
    } catch (err) {
      const { code, reason } = describeFsError(err);
      throw new StateWriteError(`cannot create de-duplication folder ${this.dir}: ${reason}`, { cause: err, code });
    }
    const cutoff = this.cutoffDay();
    const days = (await readdir(this.dir))
      .map((f) => SHARD.exec(f)?.[1])
      .filter((d): d is string => !!d && d >= cutoff)
      .sort()
      .reverse();
    let total = 0;
    for (const day of days) {
      const bytes = await readFile(join(this.dir, `ids-${day}.bin`));
      // A crash during an append can leave a partial trailing entry: ignore it.
      const n = Math.floor(bytes.byteLength / 8);
      if (total + n > this.maxIds && total > 0) {
        this.warnEviction(day);
        break;
      }
      const words = new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + n * 8));
      const set = new IdHashSet(n);
      for (let i = 0; i < words.length; i += 2) set.add(words[i]!, words[i + 1]!);
      this.shards.set(day, set);
      total += set.size;
    }
    await this.deleteExpiredFiles();
  }

  private expire(): void {
    const cutoff = this.cutoffDay();
    for (const day of [...this.shards.keys()]) if (day < cutoff) this.shards.delete(day);
  }

  private enforceCap(keepDay: string): void {
    while (this.size > this.maxIds) {
      const oldest = this.daysInMemory().find((d) => d !== keepDay);
      if (!oldest) return;
      this.shards.delete(oldest);
      this.warnEviction(oldest);
    }
  }

  private warnEviction(day: string): void {
    if (this.evictionWarned) return;
    this.evictionWarned = true;
    this.log.warn("de-duplication memory is full: ids delivered on older days are no longer checked", {
      maxIds: this.maxIds,
      droppedFrom: day,
      fix: "raise state.dedupMaxIds, or de-duplicate at query time (docs/checkpoints.md)",
    });
  }

  private async deleteExpiredFiles(): Promise<void> {
    const cutoff = this.cutoffDay();
    if (this.prunedFor === cutoff) return;
    this.prunedFor = cutoff;
    for (const f of await readdir(this.dir).catch(() => [] as string[])) {
      const day = SHARD.exec(f)?.[1];
      if (day && day < cutoff) await rm(join(this.dir, f), { force: true }).catch(() => {});
    }
  }
}
