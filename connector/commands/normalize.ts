/**
 * `exo-audit normalize FILE...`: prints one normalized ExchangeAudit_CL row per line (NDJSON) for every record
 * of the given export files, without sending anything. Useful to inspect the mapping, to feed other tools, or
 * to check an export before importing it.
 */
import { once } from "node:events";
import { encodingLabel } from "../import/decode.ts";
import { type ExportItem, readExportFile } from "../import/read.ts";
import { normalizeRecord } from "../normalize/index.ts";
import type { SubjectPrivacy } from "../normalize/types.ts";
import { type Command, UsageError, parseCommandArgs } from "./types.ts";

const USAGE = `Usage: exo-audit normalize FILE... [--subjects keep|hash|drop] [--no-audit-data] [--tenant ID]

Reads audit exports (Purview audit search CSV, classic portal CSV, Search-UnifiedAuditLog output as JSON or
CSV, a JSON array of AuditData, JSON Lines of AuditData; '-' reads stdin) and writes one normalized
ExchangeAudit_CL row per line to stdout. The layout is detected from the content.

Options:
  --subjects keep|hash|drop  Message subjects as-is, SHA-256 hex, or removed (column and AuditData). Default keep.
  --no-audit-data            Leave the AuditData column (the raw record) empty.
  --tenant ID                Value of the ConnectorTenant column.
  --encoding NAME            windows-1252 (cp1252), utf-8, utf-16le or utf-16be; default: detected (UTF-16,
                             BOMs), else strict UTF-8 (a row with invalid bytes is refused). .gz is read.
  -h, --help                 Show this help.

Rows that cannot be read or normalized are reported on stderr as FILE:ROW: reason; the other rows are
still printed. Exit code 0 when every record was normalized, 1 when any was rejected, 2 on usage errors.`;

/** Parses `--subjects`, shared with the import command. */
export function parseSubjects(value: string | undefined): SubjectPrivacy | undefined {
  if (value === undefined) return undefined;
  if (value === "keep" || value === "hash" || value === "drop") return value;
  throw new UsageError(`--subjects must be keep, hash or drop (got '${value}')`);
}

/** Output streams of a command; tests pass in-memory ones. */
export interface CommandIo {
  /** Writes to standard output; resolves when the text may be followed by more (back-pressure). */
  out(text: string): Promise<void> | void;
  err(text: string): void;
}

/** The process's stdout/stderr; a slow pipe must not buffer the whole output in memory. */
export const processIo: CommandIo = {
  async out(text) {
    if (!process.stdout.write(text)) await once(process.stdout, "drain");
  },
  err(text) {
    process.stderr.write(text);
  },
};

function location(item: ExportItem & { error: string }): string {
  return item.row === null ? item.file : `${item.file}:${item.row}`;
}

export const normalizeCommand: Command = {
  name: "normalize",
  summary: "Print audit export records as normalized ExchangeAudit_CL rows (NDJSON)",
  usage: USAGE,
  run: (argv) => runNormalize(argv, processIo),
};

/** `exo-audit normalize` with explicit output streams. */
export async function runNormalize(argv: string[], io: CommandIo): Promise<number> {
  const parsed = parseCommandArgs({
    args: argv,
    options: {
      subjects: { type: "string" },
      "no-audit-data": { type: "boolean" },
      tenant: { type: "string" },
      encoding: { type: "string" },
    },
    allowPositionals: true,
  });
  const files = parsed.positionals;
  if (parsed.values.encoding) checkEncoding(parsed.values.encoding);
  if (files.length === 0) throw new UsageError("give at least one export file ('-' for stdin)");
  const subjects = parseSubjects(parsed.values.subjects) ?? "keep";
  const keepAuditData = !parsed.values["no-audit-data"];
  let rejected = 0;
  let printed = 0;
  if (io === processIo) {
    // `exo-audit normalize f.csv | head` closes the pipe early: stop quietly, as Unix tools do.
    process.stdout.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") process.exit(rejected > 0 ? 1 : 0);
      throw err;
    });
  }
  for (const file of files) {
    for await (const item of readExportFile(file, parsed.values.encoding ? { encoding: parsed.values.encoding } : {})) {
      if ("error" in item) {
        rejected++;
        io.err(`${location(item)}: ${item.error}\n`);
        continue;
      }
      const result = normalizeRecord(item.record, {
        subjects,
        keepAuditData,
        ingestionSource: item.format,
        sourceContentId: item.source,
        ...(parsed.values.tenant ? { connectorTenant: parsed.values.tenant } : {}),
      });
      if (!result.ok) {
        rejected++;
        io.err(`${item.file}:${item.row}: ${result.reason}\n`);
        continue;
      }
      await io.out(`${JSON.stringify(result.row)}\n`);
      printed++;
    }
  }
  if (rejected > 0) io.err(`exo-audit normalize: ${printed} rows printed, ${rejected} rejected\n`);
  return rejected > 0 ? 1 : 0;
}

/** A usage error for an encoding TextDecoder does not know. */
export function checkEncoding(name: string): void {
  try {
    encodingLabel(name);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
