/**
 * Offline import of audit exports (Purview CSV, Search-UnifiedAuditLog JSON/CSV, JSON, JSON Lines): the way to
 * load history older than the Management Activity API's 7 days. Each record goes through the same normalizer
 * and sink as live collection; bad rows are dead-lettered with file and row and the import keeps going.
 */
import { type Logger, silentLogger } from "../log.ts";
import { normalizeOptions, normalizeRecord } from "../normalize/index.ts";
import type { NormalizeOptions } from "../normalize/types.ts";
import type { DeadLetter, DeadLetterStore, RowSink, SinkReport } from "../sink/types.ts";
import type { DedupStore } from "../state/types.ts";
import { type ExportFormat, type ExportItem, readExportFile } from "./read.ts";

export type { ExportError, ExportFormat, ExportItem, ExportRecord } from "./read.ts";
export { readExport, readExportFile } from "./read.ts";

/** Record ids remembered for in-run de-duplication (about 100 bytes each); beyond this only `dedup` applies. */
export const DEFAULT_MAX_TRACKED_IDS = 2_000_000;

export interface ImportOptions {
  sink: RowSink;
  deadLetters: DeadLetterStore;
  /** Normalizer options; `ingestionSource` and `sourceContentId` are set per row by the importer. */
  normalize?: Partial<NormalizeOptions>;
  /** Rows per `sink.send` call (default 1,000; the sink splits requests by size itself). */
  batchRows?: number;
  logger?: Logger;
  /** Cross-run de-duplication (records already delivered by the live connector or an earlier import). */
  dedup?: DedupStore;
  signal?: AbortSignal;
  /** Encoding of every file (`--encoding`); default detected per file, else strict UTF-8 (connector/import/decode.ts). */
  encoding?: string;
  /** Format of the CSV CreationDate fallback (`--creation-date-format`), e.g. `M/d/yyyy h:mm:ss tt`, read as UTC. */
  creationDateFormat?: string;
  /** Bound of the in-run id set (default 2,000,000). */
  maxTrackedIds?: number;
  /** Called after each batch is delivered, for progress output. */
  onProgress?: (report: ImportReport) => void;
}

export interface ImportFileReport {
  file: string;
  /** Layout of the first record read (null when the file could not be read at all). */
  format: ExportFormat | null;
  /** Records read from the file (rows that parsed as audit records). */
  records: number;
  /** Rows handed to the sink. */
  rows: number;
  duplicates: number;
  /** Records the normalizer rejected (dead-lettered, stage `normalize`). */
  rejected: number;
  /** Rows that could not be parsed (dead-lettered, stage `import`). */
  errors: number;
  /** Why the rest of the file could not be read, or null. */
  fatal: string | null;
}

export interface ImportReport {
  files: ImportFileReport[];
  recordsRead: number;
  rowsSent: number;
  /** Rows the service acknowledged. */
  accepted: number;
  duplicates: number;
  rejected: number;
  errors: number;
  /** Dead letters written by the import plus those written by the sink. */
  deadLettered: number;
  /** Rows the sink trimmed to fit the service limits. */
  truncated: number;
  requests: number;
  durationMs: number;
}

/** Thrown when the sink could not deliver (nothing after the last acknowledged batch is delivered). */
export class ImportAbortedError extends Error {
  override readonly name = "ImportAbortedError";
  readonly report: ImportReport;
  constructor(message: string, report: ImportReport, cause: unknown) {
    super(message, { cause });
    this.report = report;
  }
}

interface PendingRow {
  id: string;
  row: Record<string, unknown>;
}

/**
 * Imports export files in order. Resolves with counts once every row is acknowledged by the sink or
 * dead-lettered; rejects with ImportAbortedError (carrying the partial report) when the sink fails.
 */
export async function importFiles(files: readonly string[], opts: ImportOptions): Promise<ImportReport> {
  const started = Date.now();
  const log = opts.logger ?? silentLogger;
  const batchRows = Math.max(1, opts.batchRows ?? 1000);
  const maxTracked = opts.maxTrackedIds ?? DEFAULT_MAX_TRACKED_IDS;
  const base = normalizeOptions(opts.normalize);
  const seenIds = new Set<string>();
  let trackingWarned = false;
  const report: ImportReport = {
    files: [],
    recordsRead: 0,
    rowsSent: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    errors: 0,
    deadLettered: 0,
    truncated: 0,
    requests: 0,
    durationMs: 0,
  };
  let batch: PendingRow[] = [];
  let letters: DeadLetter[] = [];
  let current: ImportFileReport | null = null;

  const flushLetters = async () => {
    if (letters.length === 0) return;
    const out = letters;
    letters = [];
    await opts.deadLetters.put(out);
    report.deadLettered += out.length;
  };

  const flush = async () => {
    await flushLetters();
    if (batch.length === 0) return;
    const pending = batch;
    batch = [];
    let rows = pending;
    if (opts.dedup) {
      const already = await opts.dedup.seen(pending.map((p) => p.id));
      if (already.size > 0) {
        rows = pending.filter((p) => !already.has(p.id));
        report.duplicates += pending.length - rows.length;
        if (current) current.duplicates += pending.length - rows.length;
      }
    }
    if (rows.length === 0) return;
    let result: SinkReport;
    try {
      result = await opts.sink.send(
        "audit",
        rows.map((p) => p.row),
        opts.signal,
      );
    } catch (err) {
      report.durationMs = Date.now() - started;
      throw new ImportAbortedError(`sink failed: ${(err as Error).message}`, report, err);
    }
    report.rowsSent += rows.length;
    if (current) current.rows += rows.length;
    report.accepted += result.accepted;
    report.deadLettered += result.deadLettered;
    report.truncated += result.truncated;
    report.requests += result.requests;
    await opts.dedup?.remember(
      rows.map((p) => p.id),
      Date.now(),
    );
    opts.onProgress?.(report);
  };

  for (const file of files) {
    const fileReport: ImportFileReport = {
      file,
      format: null,
      records: 0,
      rows: 0,
      duplicates: 0,
      rejected: 0,
      errors: 0,
      fatal: null,
    };
    report.files.push(fileReport);
    current = fileReport;
    const flog = log.child({ file });
    for await (const item of readExportFile(
      file,
      opts.encoding ? { encoding: opts.encoding } : {},
    ) as AsyncIterable<ExportItem>) {
      if (opts.signal?.aborted) {
        report.durationMs = Date.now() - started;
        throw new ImportAbortedError("import aborted", report, opts.signal.reason);
      }
      if ("error" in item) {
        flog.warn("export row skipped", { source: item.source, reason: item.error });
        if (item.fatal) fileReport.fatal = item.error;
        fileReport.errors++;
        report.errors++;
        letters.push({
          time: new Date().toISOString(),
          stage: "import",
          reason: item.error,
          source: item.row === null ? item.file : `${item.file}:${item.row}`,
          payload: item.raw ?? null,
        });
        continue;
      }
      fileReport.records++;
      report.recordsRead++;
      fileReport.format ??= item.format;
      const result = normalizeRecord(item.record, {
        ...base,
        ingestionSource: item.format,
        sourceContentId: item.source,
      });
      if (!result.ok) {
        fileReport.rejected++;
        report.rejected++;
        letters.push({
          time: new Date().toISOString(),
          stage: "normalize",
          reason: result.reason,
          source: `${item.file}:${item.row}`,
          payload: item.record,
        });
        continue;
      }
      const id = result.row.RecordId as string;
      if (seenIds.has(id)) {
        fileReport.duplicates++;
        report.duplicates++;
        continue;
      }
      if (seenIds.size < maxTracked) seenIds.add(id);
      else if (!trackingWarned) {
        trackingWarned = true;
        log.warn("in-run de-duplication limit reached; later duplicates are caught only by the dedup store", {
          maxTrackedIds: maxTracked,
        });
      }
      batch.push({ id, row: result.row as Record<string, unknown> });
      if (batch.length >= batchRows) await flush();
      else if (letters.length >= batchRows) await flushLetters();
    }
    await flush();
    flog.info("file imported", { ...fileReport });
  }
  await flush();
  await opts.dedup?.flush();
  report.durationMs = Date.now() - started;
  return report;
}
