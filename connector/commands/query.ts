/** `exo-audit query`: runs KQL over local workspace data with the KQL test engine. */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { type Command, parseDateOption, UsageError, parseCommandArgs } from "./types.ts";

const USAGE = `Usage: exo-audit query [--data-dir DIR] [--now ISO] [--json] [--file FILE | 'KQL']

Runs a KQL query over local data with the built-in KQL test engine (a test and demo tool:
production queries run in Log Analytics). Tables are read from DIR/workspace/<Table>.ndjson;
the content pack's parser functions (parsers/) can be called.

Options:
  --data-dir DIR   data directory (default: .data)
  --now ISO        clock for now()/ago() (default: the current time)
  --json           print a JSON array of row objects (datetimes as ISO strings)
  --file FILE      read the query from FILE ('-' for stdin)

Example:
  exo-audit query 'ExchangeAudit_CL | summarize count() by Operation | top 5 by count_'`;

/** Parses `--now`; a clear usage error for bad input. */
export function parseNow(text: string | undefined): Date {
  return text === undefined ? new Date() : parseDateOption("now", text);
}

export const queryCommand: Command = {
  name: "query",
  summary: "run a KQL query over local workspace data (KQL test engine)",
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs({
      args: argv,
      options: {
        "data-dir": { type: "string" },
        now: { type: "string" },
        json: { type: "boolean" },
        file: { type: "string" },
      },
      allowPositionals: true,
    });
    const file = values.file as string | undefined;
    if (file && positionals.length) throw new UsageError("give the query either as an argument or with --file");
    const query = file ? readFileSync(file === "-" ? 0 : file, "utf8") : positionals.join(" ");
    if (!query.trim()) throw new UsageError("no query given");
    const now = parseNow(values.now as string | undefined);
    const dataDir = resolve((values["data-dir"] as string | undefined) ?? ".data");
    // Loaded here, not at start-up: the KQL engine and Microsoft's language service would add ~30 MB to every
    // process of the CLI, the long-running `run` included (docs/hosting.md, memory).
    const [
      { parserFunctionDefs },
      { executeQuery },
      { KqlEngineError },
      { toJsonValue },
      { formatTable },
      { workspaceTables },
    ] = await Promise.all([
      import("../../kql/content/load.ts"),
      import("../../kql/engine/evaluator.ts"),
      import("../../kql/engine/syntax.ts"),
      import("../../kql/engine/values.ts"),
      import("../../kql/format-table.ts"),
      import("../../kql/tables-from-disk.ts"),
    ]);
    try {
      const result = executeQuery(query, { tables: workspaceTables(dataDir), now, functions: parserFunctionDefs() });
      if (values.json) {
        process.stdout.write(
          `${JSON.stringify(
            result.rows.map((r) => toJsonValue(r)),
            null,
            2,
          )}\n`,
        );
      } else {
        process.stdout.write(formatTable(result.columns, result.rows));
      }
      return 0;
    } catch (err) {
      if (err instanceof KqlEngineError) {
        process.stderr.write(`exo-audit query: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
  },
};
