/**
 * Record-id de-duplication memory in Blob Storage, for hosted instances without a durable local disk.
 * Each UTC day of deliveries is an append blob of 8-byte id hashes (`dedup/<tenant>/<day>.bin`); an
 * instance loads the days inside the retention window once, then appends what it delivers. Memory is
 * 8-16 bytes per remembered id (see id-hash-set.ts); days older than the retention are deleted.
 *
 * Ids are only remembered after the sink acknowledged them, so a crash can at worst re-send a batch
 * (which the KQL de-duplication on RecordId then hides), never lose one.
 */
import type { ContainerClient } from "@azure/storage-blob";
import { foldId, hashId, IdHashSet, lookupHashes } from "../id-hash-set.ts";
import type { DedupStore } from "../types.ts";
import { isStatus, segment } from "./clients.ts";

const DAY = 86_400_000;
/** Append Block accepts up to 4 MiB per call on every service version Azurite and Azure support. */
const MAX_APPEND_BYTES = 4 * 1024 * 1024;

export interface BlobDedupOptions {
  tenantId: string;
  /** Days of deliveries to remember (the API re-delivers within 7 days; default 8). */
  retentionDays?: number;
  now?: () => number;
}

export class BlobDedupStore implements DedupStore {
  private readonly container: ContainerClient;
  private readonly tenant: string;
  private readonly retentionDays: number;
  private readonly now: () => number;
  private readonly days = new Map<string, IdHashSet>();
  private readonly pending = new Map<string, number[]>();
  private loaded: Promise<void> | undefined;

  constructor(container: ContainerClient, options: BlobDedupOptions) {
    this.container = container;
    this.tenant = segment(options.tenantId);
    this.retentionDays = options.retentionDays ?? 8;
    this.now = options.now ?? Date.now;
  }

  private dayKey(ms: number): string {
    return new Date(ms).toISOString().slice(0, 10);
  }

  private oldestKept(): string {
    return this.dayKey(this.now() - this.retentionDays * DAY);
  }

  private load(): Promise<void> {
    this.loaded ??= (async () => {
      const oldest = this.oldestKept();
      for await (const item of this.container.listBlobsFlat({ prefix: `dedup/${this.tenant}/` })) {
        const day = item.name.slice(item.name.lastIndexOf("/") + 1, -".bin".length);
        const blob = this.container.getAppendBlobClient(item.name);
        if (day < oldest) {
          await blob.deleteIfExists();
          continue;
        }
        const buf = await blob.downloadToBuffer();
        const set = this.daySet(day);
        for (let i = 0; i + 8 <= buf.length; i += 8) set.add(buf.readUInt32LE(i), buf.readUInt32LE(i + 4));
      }
    })();
    return this.loaded;
  }

  private daySet(day: string): IdHashSet {
    let set = this.days.get(day);
    if (!set) {
      set = new IdHashSet();
      this.days.set(day, set);
    }
    return set;
  }

  async seen(ids: readonly string[]): Promise<Set<string>> {
    await this.load();
    const oldest = this.oldestKept();
    const out = new Set<string>();
    for (const id of ids) {
      const hit = lookupHashes(id).some(([h1, h2]) => {
        for (const [day, set] of this.days) if (day >= oldest && set.has(h1, h2)) return true;
        return false;
      });
      if (hit) out.add(id);
    }
    return out;
  }

  async remember(ids: readonly string[], at: number): Promise<void> {
    await this.load();
    const day = this.dayKey(at);
    const set = this.daySet(day);
    let pending = this.pending.get(day);
    if (!pending) {
      pending = [];
      this.pending.set(day, pending);
    }
    for (const id of ids) {
      const [h1, h2] = hashId(foldId(id));
      if (set.add(h1, h2)) pending.push(h1, h2);
    }
  }

  async flush(): Promise<void> {
    for (const [day, hashes] of this.pending) {
      if (hashes.length === 0) continue;
      const blob = this.container.getAppendBlobClient(`dedup/${this.tenant}/${day}.bin`);
      await blob.createIfNotExists();
      const buf = Buffer.alloc(hashes.length * 4);
      for (let i = 0; i < hashes.length; i++) buf.writeUInt32LE(hashes[i]!, i * 4);
      for (let off = 0; off < buf.length; off += MAX_APPEND_BYTES) {
        const part = buf.subarray(off, Math.min(buf.length, off + MAX_APPEND_BYTES));
        await blob.appendBlock(part, part.length);
      }
      this.pending.set(day, []);
    }
    const oldest = this.oldestKept();
    for (const day of [...this.days.keys()]) {
      if (day < oldest) {
        this.days.delete(day);
        this.pending.delete(day);
        try {
          await this.container.getAppendBlobClient(`dedup/${this.tenant}/${day}.bin`).deleteIfExists();
        } catch (err) {
          if (!isStatus(err, 404)) throw err;
        }
      }
    }
  }

  async close(): Promise<void> {
    await this.flush();
  }
}
