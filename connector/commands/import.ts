/**
 * `exo-audit import FILE...`: loads audit exports (history beyond the API's 7 days, or data collected by other
 * means) through the normal normalizer and Logs Ingestion sink. See docs/normalization.md (imports section).
 */
import { creationDateParser } from "../import/creation-date.ts";
import { ImportAbortedError, type ImportReport, importFiles } from "../import/index.ts";
import { createLogger, type LogLevel } from "../log.ts";
import { type CommandIo, checkEncoding, parseSubjects, processIo } from "./normalize.ts";
import { type Command, UsageError, parseCommandArgs } from "./types.ts";

const USAGE = `Usage: exo-audit import FILE... [--data-dir DIR | --config FILE] [options]

Imports audit exports into the ExchangeAudit_CL table: Purview audit search CSV, classic portal CSV,
Search-UnifiedAuditLog output (ConvertTo-Json or Export-Csv), a JSON array of AuditData, or JSON Lines of
AuditData. The layout is detected from the content. Records already delivered (by the live connector or an
earlier import) are skipped; unreadable rows go to the dead-letter store with their file and row.

Destination:
  --config FILE          Send to the Azure workspace of this configuration (default: EXO_AUDIT_CONFIG,
                         then ./exo-audit.yaml, then EXO_AUDIT_* environment variables).
  --data-dir DIR         Send to a local emulated workspace instead: rows land in
                         DIR/workspace/ExchangeAudit_CL.ndjson (the default, under ./.data, when
                         no Azure configuration exists).

Options:
  --tenant ID            Tenant the data belongs to (ConnectorTenant; default the first configured tenant).
  --subjects keep|hash|drop   Message subjects as-is, SHA-256 hex, or removed (default from the configuration, keep).
  --no-audit-data        Leave the AuditData column (the raw record) empty.
  --batch-rows N         Rows per sink call (default 1000).
  --encoding NAME        Encoding of the files: windows-1252 (cp1252, "ANSI"), utf-8, utf-16le, utf-16be.
                         Default: UTF-16 and UTF-8 with or without BOM are detected, gzip (.gz) is read;
                         a row that is not valid UTF-8 is refused (never replaced silently).
  --creation-date-format F  Read the CSV CreationDate column with format F (e.g. 'M/d/yyyy h:mm:ss tt', tokens
                         yyyy M d H h m s tt), as UTC, for rows whose AuditData has no valid CreationTime.
                         Without it such rows are refused: no time is made up.
  --log-level LEVEL      debug, info, warn (default) or error; logs are JSON lines on stderr.
  -h, --help             Show this help.

Prints the import report as JSON on stdout. Exit code 0 when every record was delivered, 1 when rows were
rejected or a file could not be read completely, or delivery failed; 2 on usage errors.`;

const LEVELS = new Set(["debug", "info", "warn", "error"]);

function summary(report: ImportReport): string {
  const lines = report.files.map(
    (f) =>
      // A header-only CSV (a search that found nothing) is empty, not unreadable.
      `  ${f.file}: ${f.format ?? (f.fatal || f.errors > 0 ? "unreadable" : "no records")}, ${f.records} records, ${f.rows} sent, ${f.duplicates} duplicates, ` +
      `${f.rejected} rejected, ${f.errors} unreadable rows${f.fatal ? ` (stopped: ${f.fatal})` : ""}`,
  );
  return [
    `imported ${report.accepted} of ${report.recordsRead} records in ${(report.durationMs / 1000).toFixed(1)} s ` +
      `(${report.duplicates} duplicates skipped, ${report.deadLettered} dead-lettered)`,
    ...lines,
  ].join("\n");
}

export const importCommand: Command = {
  name: "import",
  summary: "Import audit exports (Purview CSV, Search-UnifiedAuditLog JSON/CSV, JSON, JSONL)",
  usage: USAGE,
  run: (argv) => runImport(argv, processIo),
};

/** `exo-audit import` with explicit output streams. */
export async function runImport(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals: files } = parseCommandArgs({
    args: argv,
    options: {
      "data-dir": { type: "string" },
      config: { type: "string" },
      tenant: { type: "string" },
      subjects: { type: "string" },
      "no-audit-data": { type: "boolean" },
      "batch-rows": { type: "string" },
      "log-level": { type: "string" },
      encoding: { type: "string" },
      "creation-date-format": { type: "string" },
    },
    allowPositionals: true,
  });
  if (files.length === 0) throw new UsageError("give at least one export file");
  if (values["data-dir"] !== undefined && values.config !== undefined) {
    throw new UsageError("use either --data-dir (local emulated workspace) or --config (Azure), not both");
  }
  const subjects = parseSubjects(values.subjects as string | undefined);
  const batchRows = values["batch-rows"] === undefined ? undefined : Number(values["batch-rows"]);
  if (batchRows !== undefined && !(Number.isInteger(batchRows) && batchRows > 0)) {
    throw new UsageError("--batch-rows must be a positive integer");
  }
  if (typeof values.encoding === "string") checkEncoding(values.encoding);
  if (typeof values["creation-date-format"] === "string") {
    try {
      creationDateParser(values["creation-date-format"]);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  const level = (values["log-level"] as string | undefined) ?? "warn";
  if (!LEVELS.has(level)) throw new UsageError("--log-level must be debug, info, warn or error");
  const logger = createLogger({ level: level as LogLevel, fields: { command: "import" } });

  // Loaded on demand: the Azure SDK and the pipeline wiring take seconds to load and other commands never need them.
  const { openImportDestination } = await import("../import/destination.ts");
  const destination = await openImportDestination({
    ...(values["data-dir"] !== undefined ? { dataDir: values["data-dir"] as string } : {}),
    ...(values.config !== undefined ? { configFile: values.config as string } : {}),
    ...(values.tenant !== undefined ? { tenant: values.tenant as string } : {}),
    logger,
  });
  io.err(`exo-audit import: sending to ${destination.description}\n`);
  let report: ImportReport;
  let failed: Error | undefined;
  // SIGINT/SIGTERM stop retries and waits at once; what was acknowledged stays remembered (de-dup).
  const { abortOnSignals, interruptedExitCode } = await import("../pipeline/signals.ts");
  const stop = new AbortController();
  const dispose = abortOnSignals(stop, logger);
  try {
    report = await importFiles(files, {
      signal: stop.signal,
      sink: destination.sink,
      deadLetters: destination.deadLetters,
      dedup: destination.dedup,
      normalize: {
        ...destination.normalize,
        ...(subjects ? { subjects } : {}),
        ...(values["no-audit-data"] ? { keepAuditData: false } : {}),
      },
      ...(batchRows ? { batchRows } : {}),
      ...(typeof values.encoding === "string" ? { encoding: values.encoding } : {}),
      ...(typeof values["creation-date-format"] === "string"
        ? { creationDateFormat: values["creation-date-format"] }
        : {}),
      logger,
    });
  } catch (err) {
    if (!(err instanceof ImportAbortedError)) {
      await destination.close().catch(() => {});
      throw err;
    }
    report = err.report;
    failed = err;
  } finally {
    dispose();
    await destination.close().catch((e: unknown) => logger.warn("close failed", { error: e }));
  }
  await io.out(`${JSON.stringify(report, null, 2)}\n`);
  io.err(`${summary(report)}\n`);
  if (report.deadLettered > 0 && destination.deadLetterDir) {
    io.err(`dead letters: ${destination.deadLetterDir}\n`);
  }
  if (failed) {
    io.err(`exo-audit import: delivery failed, import incomplete: ${failed.message}\n`);
    return interruptedExitCode(stop.signal.reason) ?? 1;
  }
  const clean = report.rejected === 0 && report.errors === 0 && report.files.every((f) => f.fatal === null);
  return clean ? 0 : 1;
}
