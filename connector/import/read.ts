/**
 * Reads audit export files of any supported layout as a stream of records, one at a time (constant memory for
 * any file size). Problems with one row are yielded as errors with the file and row so the caller can report
 * and dead-letter them and keep going; problems that make the rest of a file unreadable are yielded once with
 * `fatal: true` and end that file.
 */
import { basename } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parse as parseCsv } from "csv-parse";
import { JsonStreamError, parseJsonArrayStream } from "../util/json-array-stream.ts";
import { fileChunks, LineTooLongError, lines, peek } from "./chunks.ts";
import { creationDateParser } from "./creation-date.ts";
import { decodeExport, hasInvalidUtf8 } from "./decode.ts";
import { detectLayout } from "./detect.ts";
import { parseJsonValues } from "./json-values.ts";
import { parseAuditData, reconcile, unwrapJsonElement } from "./unwrap.ts";

/** Value of the `IngestionSource` column for each export layout. */
export type ExportFormat = "purview-csv" | "ual-csv" | "ual-json" | "json" | "jsonl";

export interface ExportRecord {
  record: Record<string, unknown>;
  /** `<file basename>:<row>`: the row's SourceContentId. */
  source: string;
  format: ExportFormat;
  /** The path as given, for messages. */
  file: string;
  /** Row (CSV record number, header = 1), element index (JSON, from 1) or line number (JSON Lines). */
  row: number;
}

export interface ExportError {
  error: string;
  source: string;
  file: string;
  row: number | null;
  /** The offending text or value, for the dead-letter store. */
  raw?: unknown;
  /** True when the rest of the file could not be read. */
  fatal?: boolean;
}

export type ExportItem = ExportRecord | ExportError;

/** Largest CSV record accepted (one AuditData cell is at most a few hundred KB in practice). */
const MAX_RECORD_CHARS = 64 * 1024 * 1024;

/** Keeps dead-letter payloads of unparsable text bounded. */
const MAX_RAW_CHARS = 256 * 1024;
const clip = (s: string) => (s.length > MAX_RAW_CHARS ? `${s.slice(0, MAX_RAW_CHARS)}…` : s);

/** Options of the export readers. */
export interface ReadOptions {
  /** The file's encoding (`--encoding`); default: detected (BOM, UTF-16 NUL pattern), else strict UTF-8. */
  encoding?: string;
  /** Format of the CSV CreationDate column, used when CreationTime is missing (connector/import/creation-date.ts). */
  creationDateFormat?: string;
}

/** Reads one export file (or stdin for `-`), detecting its layout from the content. */
export async function* readExportFile(path: string, options: ReadOptions = {}): AsyncGenerator<ExportItem> {
  yield* readExport(fileChunks(path), path, options);
}

/** Reads an export from byte chunks (gzip, UTF-16 and BOMs handled); `file` names it in sources and messages. */
export async function* readExport(
  source: AsyncIterable<Buffer>,
  file: string,
  options: ReadOptions = {},
): AsyncGenerator<ExportItem> {
  const base = file === "-" ? "stdin" : basename(file);
  const fail = (error: string, row: number | null, extra: Partial<ExportError> = {}): ExportError => ({
    error,
    source: row === null ? base : `${base}:${row}`,
    file,
    row,
    ...extra,
  });
  let peeked: Awaited<ReturnType<typeof peek>>;
  let strictUtf8 = false;
  try {
    const decoded = await decodeExport(source, options.encoding);
    strictUtf8 = decoded.strictUtf8;
    peeked = await peek(decoded.chunks);
  } catch (err) {
    yield fail(`cannot read ${file}: ${(err as Error).message}`, null, { fatal: true });
    return;
  }
  const layout = detectLayout(peeked.head.toString("utf8"), file);
  const dateParser = options.creationDateFormat ? creationDateParser(options.creationDateFormat) : undefined;
  const ok = (record: Record<string, unknown>, row: number, format: ExportFormat): ExportItem =>
    // Never stored mangled: bytes that are not UTF-8 (an ANSI export read without --encoding) refuse the row.
    strictUtf8 && hasInvalidUtf8(record)
      ? fail(
          "row is not valid UTF-8 (an ANSI/cp1252 export? pass --encoding windows-1252); nothing was replaced",
          row,
          { raw: record },
        )
      : { record, source: `${base}:${row}`, format, file, row };

  try {
    switch (layout.kind) {
      case "unknown":
        yield fail(layout.reason, null, { fatal: true });
        return;
      case "json-array": {
        let index = 0;
        try {
          for await (const element of parseJsonArrayStream(peeked.chunks)) {
            index++;
            const u = unwrapJsonElement(element);
            if ("error" in u) yield fail(u.error, index, { raw: element });
            else yield ok(u.record, index, u.wrapped ? "ual-json" : "json");
          }
        } catch (err) {
          if (!(err instanceof JsonStreamError)) throw err;
          yield fail(`JSON array unreadable after element ${err.elementsRead}: ${err.message}`, err.elementsRead + 1, {
            fatal: true,
          });
        }
        return;
      }
      case "jsonl":
        for await (const { line, number, tooLong } of lines(peeked.chunks)) {
          if (tooLong) {
            yield fail(`line is longer than ${MAX_RECORD_CHARS} characters; skipped (the next lines are read)`, number);
            continue;
          }
          if (line.trim().length === 0) continue;
          let value: unknown;
          try {
            value = JSON.parse(line);
          } catch (err) {
            yield fail(`line is not valid JSON: ${(err as Error).message}`, number, { raw: clip(line) });
            continue;
          }
          const u = unwrapJsonElement(value);
          if ("error" in u) yield fail(u.error, number, { raw: value });
          else yield ok(u.record, number, u.wrapped ? "ual-json" : "jsonl");
        }
        return;
      case "json-values":
        try {
          for await (const { value, index } of parseJsonValues(peeked.chunks)) {
            const u = unwrapJsonElement(value);
            if ("error" in u) yield fail(u.error, index, { raw: value });
            else yield ok(u.record, index, u.wrapped ? "ual-json" : "json");
          }
        } catch (err) {
          const e = err as Error & { index?: number };
          yield fail(`JSON unreadable: ${e.message}`, e.index ?? null, { fatal: true });
        }
        return;
      case "csv":
        yield* readCsv(peeked.chunks, layout.delimiter, layout.psTypeLine, fail, ok, dateParser);
        return;
    }
  } catch (err) {
    const message = err instanceof LineTooLongError ? err.message : `read failed: ${(err as Error).message}`;
    yield fail(message, null, { fatal: true });
  }
}

type Fail = (error: string, row: number | null, extra?: Partial<ExportError>) => ExportError;
type Ok = (record: Record<string, unknown>, row: number, format: ExportFormat) => ExportItem;

interface Skip {
  before: number;
  message: string;
  raw: string | undefined;
}

async function* readCsv(
  chunks: AsyncIterable<Buffer>,
  delimiter: string,
  psTypeLine: boolean,
  fail: Fail,
  ok: Ok,
  dateParser?: (text: string) => string | null,
): AsyncGenerator<ExportItem> {
  // csv-parse reports malformed records through on_skip while it parses ahead of us; each skip is queued
  // with the number of good records before it so rows are numbered as a spreadsheet shows them.
  const skips: Skip[] = [];
  const parser = parseCsv({
    bom: true,
    delimiter,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    // An unclosed quote would otherwise buffer the rest of the file as one field.
    max_record_size: MAX_RECORD_CHARS,
    info: true,
    on_skip: (err, raw) => {
      skips.push({ before: Number(err?.records ?? 0), message: err?.message ?? "malformed CSV record", raw });
      return undefined;
    },
  });
  const feeding = pipeline(Readable.from(chunks), parser).catch((err: unknown) => err as Error);
  let skipped = 0;
  let header: string[] | null = null;
  let format: ExportFormat = "purview-csv";
  let col = { audit: -1, id: -1, date: -1, idLabel: "RecordId" };
  const drainSkips = function* (upTo: number): Generator<ExportItem> {
    while (skips.length > 0 && (skips[0] as Skip).before < upTo) {
      const s = skips.shift() as Skip;
      skipped++;
      yield fail(`malformed CSV record: ${s.message}`, s.before + skipped, { raw: s.raw ? clip(s.raw) : undefined });
    }
  };

  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { records: number } }>) {
    yield* drainSkips(info.records);
    const row = info.records + skipped;
    if (header === null) {
      if (row === 1 && psTypeLine && record[0]?.startsWith("#TYPE")) continue;
      header = record.map((h) => h.trim().toLowerCase());
      const has = (name: string) => header?.indexOf(name) ?? -1;
      col = { audit: has("auditdata"), id: -1, date: has("creationdate"), idLabel: "RecordId" };
      if (has("recordid") >= 0) {
        format = "purview-csv";
        col.id = has("recordid");
      } else if (psTypeLine || has("identity") >= 0 || has("resultindex") >= 0 || has("recordtype") >= 0) {
        // Search-UnifiedAuditLog | Export-Csv: Identity is AuditData.Id.
        format = "ual-csv";
        col.id = has("identity");
        col.idLabel = "Identity";
      } else {
        format = "purview-csv"; // classic portal export: CreationDate,UserIds,Operations,AuditData
      }
      if (col.audit < 0) {
        yield fail("CSV header has no AuditData column", row, { fatal: true });
        parser.destroy();
        return;
      }
      continue;
    }
    if (record.length !== header.length) {
      yield fail(`row has ${record.length} fields, the header has ${header.length}`, row, {
        raw: clip(record.join(delimiter)),
      });
      continue;
    }
    const audit = parseAuditData(record[col.audit]);
    if ("error" in audit) {
      yield fail(audit.error, row, { raw: clip(record[col.audit] ?? "") });
      continue;
    }
    const wrapperId = col.id >= 0 ? record[col.id] : undefined;
    const date = col.date >= 0 ? record[col.date] : undefined;
    const r = reconcile(audit.record, wrapperId, date, col.idLabel, dateParser);
    if ("error" in r) yield fail(r.error, row, { raw: audit.record });
    else yield ok(r.record, row, format);
  }
  yield* drainSkips(Number.POSITIVE_INFINITY);
  const err = await feeding;
  if (err instanceof Error) yield fail(`CSV unreadable: ${err.message}`, null, { fatal: true });
  if (header === null) yield fail("CSV file has no header row", null, { fatal: true });
}
