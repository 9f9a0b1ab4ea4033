/**
 * Reads one content blob into the batcher: skips records already delivered, normalizes, dead-letters rejects,
 * drops duplicates (remembered ids and ids in flight in this run), and moves the blob's mark.
 */
import type { Logger } from "../log.ts";
import type { NormalizeOptions, NormalizeResult } from "../normalize/types.ts";
import type { ExchangeAuditRow } from "../schema/table-schema.ts";
import { serializeRow } from "../sink/fit.ts";
import type { DeadLetterStore, SinkRow } from "../sink/types.ts";
import type { ContentBlobRef, ManagementActivityClient } from "../source/types.ts";
import type { DedupStore } from "../state/types.ts";
import type { AckBatcher } from "./batcher.ts";
import type { PendingBlob } from "./cursor.ts";

/**
 * Records normalized, serialized and checked for duplicates together (one DedupStore call each). A chunk's
 * rows are turned into their request JSON before the reader can wait on the batcher, so a waiting reader
 * holds strings, not object graphs.
 */
const CHUNK = 200;

/** Serializes async critical sections (the duplicate check and the post-acknowledgement bookkeeping). */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => {
      release = r;
    });
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/** Shared, mutable state of one collection unit's readers. */
export interface ReaderContext {
  client: ManagementActivityClient;
  batcher: AckBatcher;
  dedup: DedupStore;
  deadLetters: DeadLetterStore;
  normalize: (raw: unknown, opts: NormalizeOptions) => NormalizeResult;
  normalizeOptions: Omit<NormalizeOptions, "sourceContentId">;
  /** Ids buffered or in flight in this run, not yet remembered by the DedupStore. */
  inFlight: Set<string>;
  /** Guards `inFlight` + DedupStore consistency against the acknowledgement handler. */
  dedupLock: Mutex;
  signal: AbortSignal;
  log: Logger;
  counters: { recordsIn: number; duplicates: number; rejected: number; blobsFetched: number };
}

/** How reading a blob ended. */
export type BlobOutcome =
  | { kind: "complete"; records: number }
  | { kind: "gap"; code: string; message: string; records: number }
  | { kind: "stopped"; records: number }
  | { kind: "failed"; error: unknown; records: number };

/** True for the source's "content expired or missing" error (connector/source/errors.ts). */
export function isContentUnavailable(err: unknown): err is Error & { code?: string } {
  return (err as { name?: string })?.name === "ContentUnavailableError";
}

/** Reads one blob to its end (or until stopped), feeding the batcher. Never throws. */
export async function readBlob(ctx: ReaderContext, blob: PendingBlob): Promise<BlobOutcome> {
  const { ref, skip } = blob;
  let index = 0;
  let chunk: { raw: unknown; index: number }[] = [];
  const mark = (consumed: number, complete: boolean) => ({
    contentId: ref.contentId,
    consumed,
    complete,
    contentCreated: ref.contentCreated,
  });
  try {
    ctx.counters.blobsFetched++;
    for await (const raw of ctx.client.fetchRecords(ref, ctx.signal)) {
      index++;
      if (index <= skip) continue;
      ctx.counters.recordsIn++;
      chunk.push({ raw, index });
      if (chunk.length >= CHUNK || ctx.signal.aborted) {
        const full = chunk;
        chunk = [];
        await handleChunk(ctx, ref, full);
      }
      if (ctx.signal.aborted) return { kind: "stopped", records: index };
    }
    const rest = chunk;
    chunk = [];
    await handleChunk(ctx, ref, rest);
    ctx.batcher.mark(mark(Math.max(index, skip), true));
    return { kind: "complete", records: index };
  } catch (err) {
    // Records read before the failure are still delivered; the mark stops at the last one.
    if (ctx.batcher.failure) return { kind: "stopped", records: index };
    await handleChunk(ctx, ref, chunk).catch(() => {});
    if (isContentUnavailable(err)) {
      ctx.batcher.mark({ ...mark(Math.max(index, skip), true), gap: true });
      return { kind: "gap", code: String(err.code ?? "unavailable"), message: err.message, records: index };
    }
    if (ctx.signal.aborted) return { kind: "stopped", records: index };
    return { kind: "failed", error: err, records: index };
  }
}

/** The row as its request JSON (see SerializedRow); a row JSON cannot carry is left to the sink's dead letters. */
function serializedOrSelf(row: ExchangeAuditRow): SinkRow {
  try {
    return serializeRow(row);
  } catch {
    return row;
  }
}

async function handleChunk(
  ctx: ReaderContext,
  ref: ContentBlobRef,
  chunk: readonly { raw: unknown; index: number }[],
): Promise<void> {
  if (chunk.length === 0) return;
  const rows: { row: SinkRow; recordId: unknown; index: number }[] = [];
  const letters = [];
  for (const { raw, index } of chunk) {
    const res = ctx.normalize(raw, { ...ctx.normalizeOptions, sourceContentId: ref.contentId });
    if (res.ok) rows.push({ row: serializedOrSelf(res.row), recordId: res.row.RecordId, index });
    else {
      const id = (raw as { Id?: unknown })?.Id;
      letters.push({
        time: new Date().toISOString(),
        stage: "normalize",
        reason: res.reason,
        source: `${ref.contentId}#${index}`,
        ...(typeof id === "string" ? { recordId: id } : {}),
        payload: raw,
      });
    }
  }
  if (letters.length > 0) {
    await ctx.deadLetters.put(letters);
    ctx.counters.rejected += letters.length;
  }
  // The check and the in-flight registration are one critical section with the acknowledgement handler, so an
  // id is always either in flight or remembered when another reader looks (no window for a duplicate).
  const keep = await ctx.dedupLock.run(async () => {
    const ids = rows.map((r) => r.recordId).filter((x): x is string => typeof x === "string" && x !== "");
    let seen = new Set<string>();
    try {
      if (ids.length > 0) seen = await ctx.dedup.seen(ids);
    } catch (err) {
      // Best effort: without the memory the rows still go out (at-least-once); the KQL query removes duplicates.
      ctx.log.warn("de-duplication lookup failed; this chunk is sent without it", { error: err });
    }
    const out: { row: SinkRow; index: number; id: string | null }[] = [];
    for (const r of rows) {
      const id = typeof r.recordId === "string" && r.recordId !== "" ? r.recordId : null;
      if (id && (seen.has(id) || ctx.inFlight.has(id))) {
        ctx.counters.duplicates++;
        continue;
      }
      if (id) ctx.inFlight.add(id);
      out.push({ ...r, id });
    }
    return out;
  });
  for (const r of keep) {
    const wait = ctx.batcher.add(r.row, r.id, {
      contentId: ref.contentId,
      consumed: r.index,
      complete: false,
      contentCreated: ref.contentCreated,
    });
    if (wait) await wait;
  }
  const last = chunk[chunk.length - 1]!.index;
  ctx.batcher.mark({ contentId: ref.contentId, consumed: last, complete: false, contentCreated: ref.contentCreated });
}
