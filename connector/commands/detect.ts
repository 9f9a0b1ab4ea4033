/** `exo-audit detect`: runs every analytics rule over local workspace data and prints the alerts. */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Alert } from "../../kql/detect.ts";
import { NRT_LOOKBACK_MS } from "../../kql/nrt.ts";
import { parseNow } from "./query.ts";
import { type Command, UsageError } from "./types.ts";

const USAGE = `Usage: exo-audit detect [--data-dir DIR] [--now ISO] [--json]

Runs every analytics rule (analytics-rules/) over local data with the KQL test engine, as Sentinel
schedules them: each rule sees rows with TimeGenerated in (now - queryPeriod, now]; NRT rules look back
${NRT_LOOKBACK_MS / 60_000} minutes. A rule alerts when its row count passes triggerOperator/triggerThreshold.

Options:
  --data-dir DIR   data directory holding workspace/<Table>.ndjson (default: .data)
  --now ISO        end of the query windows and clock of now()/ago() (default: the current time)
  --json           print [{rule, id, severity, rows: [...]}]

Exit code: 0 when the rules ran (with or without alerts), 1 when a rule could not be evaluated.`;

function printAlerts(alerts: Alert[], formatTable: typeof import("../../kql/format-table.ts")["formatTable"]): void {
  if (!alerts.length) {
    process.stdout.write("No alerts.\n");
    return;
  }
  for (const a of alerts) {
    process.stdout.write(`\n[${a.severity}] ${a.rule} (${a.id}) — ${a.rows.length} row(s)\n`);
    const columns = Object.keys(a.rows[0] ?? {}).map((name) => ({ name, type: "dynamic" }));
    process.stdout.write(formatTable(columns, a.rows, 48));
  }
  process.stdout.write(`\n${alerts.length} alert(s).\n`);
}

export const detectCommand: Command = {
  name: "detect",
  summary: "run the analytics rules over local workspace data and print the alerts",
  usage: USAGE,
  async run(argv) {
    let values: Record<string, string | boolean | undefined>;
    try {
      ({ values } = parseArgs({
        args: argv,
        options: { "data-dir": { type: "string" }, now: { type: "string" }, json: { type: "boolean" } },
        allowPositionals: false,
      }));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const now = parseNow(values.now as string | undefined);
    const dataDir = resolve((values["data-dir"] as string | undefined) ?? ".data");
    // Loaded here, not at start-up (see query.ts).
    const [{ DetectionError, runDetections }, { formatTable }] = await Promise.all([
      import("../../kql/detect.ts"),
      import("../../kql/format-table.ts"),
    ]);
    let alerts: Alert[];
    let exit = 0;
    try {
      alerts = runDetections({ dataDir, now });
    } catch (err) {
      if (!(err instanceof DetectionError)) throw err;
      for (const f of err.failures) process.stderr.write(`exo-audit detect: rule '${f.rule}' failed: ${f.message}\n`);
      alerts = err.alerts;
      exit = 1;
    }
    if (values.json) {
      const out = alerts.map((a) => ({ rule: a.rule, id: a.id, severity: a.severity, rows: a.rows }));
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else printAlerts(alerts, formatTable);
    return exit;
  },
};
