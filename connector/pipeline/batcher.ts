/**
 * Shared batch buffer between blob readers and the sink. Rows from several blobs go into one batch of at most
 * `batchRows` rows; each batch carries, per blob, how far that blob is consumed. A batch is handed to `onAck`
 * only after the sink acknowledged it, so progress never gets ahead of delivery. Readers wait while the buffer
 * is full (bounded memory: at most one batch in flight and one filling, plus one row per reader).
 */
import type { RowSink, SinkReport, SinkRow } from "../sink/types.ts";
import type { BlobMark } from "./progress.ts";

/** What an acknowledged batch delivered. */
export interface AckedBatch {
  rows: number;
  recordIds: string[];
  marks: BlobMark[];
  report: SinkReport | null;
}

export class AckBatcher {
  private readonly sink: RowSink;
  private readonly batchRows: number;
  private readonly onAck: (batch: AckedBatch) => Promise<void>;
  private rows: SinkRow[] = [];
  private ids: string[] = [];
  private marks = new Map<string, BlobMark>();
  private chain: Promise<void> = Promise.resolve();
  /** The first delivery or commit failure; once set nothing more is sent or committed. */
  failure: unknown;

  private readonly drain: AbortSignal | undefined;

  /**
   * `drain` aborts a delivery in progress (its request and back-off sleeps): give it a signal that fires a short
   * grace after the stop, so a batch about to be acknowledged is still committed but a failing one is not waited for.
   */
  constructor(sink: RowSink, batchRows: number, onAck: (batch: AckedBatch) => Promise<void>, drain?: AbortSignal) {
    this.sink = sink;
    this.batchRows = batchRows;
    this.onAck = onAck;
    this.drain = drain;
  }

  /** Rows buffered and not yet handed to the sink. */
  get buffered(): number {
    return this.rows.length;
  }

  /**
   * Buffers a row and moves the blob's mark. Returns a promise only when the buffer is full and the caller must
   * wait for a flush (rejects with the delivery failure).
   */
  add(row: SinkRow, recordId: string | null, mark: BlobMark): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure);
    this.rows.push(row);
    if (recordId) this.ids.push(recordId);
    this.marks.set(mark.contentId, mark);
    return this.rows.length >= this.batchRows ? this.flush() : undefined;
  }

  /** Moves a blob's mark without a row (records dropped as duplicates or dead-lettered, end of blob, gap). */
  mark(mark: BlobMark): void {
    this.marks.set(mark.contentId, mark);
  }

  /** Sends whatever is buffered (if anything) and waits for its acknowledgement and commit. */
  flush(): Promise<void> {
    const rows = this.rows;
    const ids = this.ids;
    const marks = this.marks;
    this.rows = [];
    this.ids = [];
    this.marks = new Map();
    const run = async () => {
      if (this.failure) throw this.failure;
      if (rows.length === 0 && marks.size === 0) return;
      try {
        // Not the stop signal itself: a batch that was started is drained within the grace, so its
        // acknowledgement is committed; an aborted send throws, and nothing of it is committed.
        const report = rows.length > 0 ? await this.sink.send("audit", rows, this.drain) : null;
        await this.onAck({ rows: rows.length, recordIds: ids, marks: [...marks.values()], report });
      } catch (err) {
        this.failure ??= err;
        throw err;
      }
    };
    const p = this.chain.then(run);
    this.chain = p.catch(() => {});
    return p;
  }
}
