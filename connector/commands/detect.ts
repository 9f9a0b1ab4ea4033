/**
 * `exo-audit detect`: runs every analytics rule over local workspace data and prints the alerts.
 *
 * | Options            | What runs                                                                       |
 * | ------------------ | ------------------------------------------------------------------------------- |
 * | (none) / `--now T` | one run of every rule at T over the stored rows (TimeGenerated as stored)      |
 * | `--from A --to B`  | a backtest: every scheduled run of every rule in (A, B], rows replayed at their event time (kql/backtest.ts) |
 * | `--now` with `--from`/`--to`, or only one of them | usage error (exit 2)                  |
 */
import { resolve } from "node:path";
import type { Alert } from "../../kql/detect.ts";
import { NRT_LOOKBACK_MS } from "../../kql/nrt.ts";
import { parseNow } from "./query.ts";
import { type Command, parseDateOption, UsageError, parseCommandArgs } from "./types.ts";

const USAGE = `Usage: exo-audit detect [--data-dir DIR] [--now ISO] [--json]
       exo-audit detect --from ISO --to ISO [--data-dir DIR] [--json]

Runs every analytics rule (analytics-rules/) over local data with the KQL test engine, as Sentinel
schedules them: each rule sees rows with TimeGenerated in (now - queryPeriod, now]; NRT rules look back
${NRT_LOOKBACK_MS / 60_000} minutes. A rule alerts when its row count passes triggerOperator/triggerThreshold.

With --from and --to it backtests instead: it replays every scheduled run of every rule in (from, to]
(runs at each multiple of the rule's queryFrequency, NRT rules every ${NRT_LOOKBACK_MS / 60_000} minutes), each over
its queryPeriod, as if the rows had arrived live at their event time (TimeGenerated and ingestion_time() =
EventTime, now() = the run time), and prints the alerts of every run with the run's time. Use it to see
what the rules would have raised over imported history (docs/kql-engine.md, backtesting).

Options:
  --data-dir DIR   data directory holding workspace/<Table>.ndjson (default: .data)
  --now ISO        end of the query windows and clock of now()/ago() (default: the current time)
  --from ISO       backtest: start of the replayed range (exclusive)
  --to ISO         backtest: end of the replayed range (inclusive)
  --json           print [{rule, id, severity, rows: [...]}]; a backtest adds runAt to each alert

Exit code: 0 when the rules ran (with or without alerts), 1 when a rule could not be evaluated.`;

function printAlerts(
  alerts: (Alert & { runAt?: string })[],
  formatTable: typeof import("../../kql/format-table.ts")["formatTable"],
): void {
  if (!alerts.length) {
    process.stdout.write("No alerts.\n");
    return;
  }
  for (const a of alerts) {
    const run = a.runAt ? `run ${a.runAt} ` : "";
    process.stdout.write(`\n${run}[${a.severity}] ${a.rule} (${a.id}) — ${a.rows.length} row(s)\n`);
    const columns = Object.keys(a.rows[0] ?? {}).map((name) => ({ name, type: "dynamic" }));
    process.stdout.write(formatTable(columns, a.rows, 48));
  }
  process.stdout.write(`\n${alerts.length} alert(s).\n`);
}

/** `--from`/`--to` as a backtest range, or undefined for a single run; both or neither, never with `--now`. */
function backtestRange(values: Record<string, string | boolean | undefined>): { from: Date; to: Date } | undefined {
  const from = values.from as string | undefined;
  const to = values.to as string | undefined;
  if (from === undefined && to === undefined) return undefined;
  if (from === undefined || to === undefined) throw new UsageError("--from and --to go together");
  if (values.now !== undefined)
    throw new UsageError("--now is for a single run; a backtest runs at every scheduled time");
  const range = { from: parseDateOption("from", from), to: parseDateOption("to", to) };
  if (range.from.getTime() >= range.to.getTime()) throw new UsageError("--from must be before --to");
  return range;
}

export const detectCommand: Command = {
  name: "detect",
  summary: "run the analytics rules over local workspace data and print the alerts",
  usage: USAGE,
  async run(argv) {
    const { values } = parseCommandArgs({
      args: argv,
      options: {
        "data-dir": { type: "string" },
        now: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        json: { type: "boolean" },
      },
      allowPositionals: false,
    });
    const range = backtestRange(values);
    const now = parseNow(values.now as string | undefined);
    const dataDir = resolve((values["data-dir"] as string | undefined) ?? ".data");
    // Loaded here, not at start-up (see query.ts).
    const [{ DetectionError, runDetections }, { runBacktest }, { formatTable }] = await Promise.all([
      import("../../kql/detect.ts"),
      import("../../kql/backtest.ts"),
      import("../../kql/format-table.ts"),
    ]);
    let alerts: (Alert & { runAt?: string })[];
    let exit = 0;
    try {
      alerts = range ? runBacktest({ dataDir, ...range }) : runDetections({ dataDir, now });
    } catch (err) {
      if (!(err instanceof DetectionError)) throw err;
      for (const f of err.failures) process.stderr.write(`exo-audit detect: rule '${f.rule}' failed: ${f.message}\n`);
      alerts = err.alerts;
      exit = 1;
    }
    if (values.json) {
      const out = alerts.map((a) =>
        a.runAt === undefined
          ? { rule: a.rule, id: a.id, severity: a.severity, rows: a.rows }
          : { rule: a.rule, id: a.id, severity: a.severity, runAt: a.runAt, rows: a.rows },
      );
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else printAlerts(alerts, formatTable);
    return exit;
  },
};
