import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { DemoSummary } from "../demo/run-demo.ts";
import { parseDatasetOptions } from "./dataset.ts";
import { type Command, UsageError, parseCommandArgs } from "./types.ts";

const usage = `Usage: exo-audit demo [--data-dir DIR] [--json] [--mailboxes N] [--days D] [--seed S]

Runs the whole pipeline on the embedded emulators, with no Azure account: local HTTPS emulators of Entra ID,
the Office 365 Management Activity API and a Log Analytics workspace serve a generated organisation's audit
records (everyday activity plus attack stories); the connector collects them through the real code paths
(MSAL, undici, @azure/monitor-ingestion), then every analytics rule runs over the collected rows with the local
KQL engine. This is what 'npm start' runs.

Options:
  --data-dir DIR   where the workspace tables, state and dead letters go (default .data); the demo's own
                   sub-folders (workspace, state, dead-letters) are emptied first so each run starts clean
  --json           print one JSON summary object instead of the readable report
  --mailboxes N    mailboxes in the generated organisation (default 25, at least 10)
  --days D         days of activity (default 3, at most 6: the API serves 7 days)
  --seed S         dataset seed (default 1)

The same --mailboxes/--days/--seed give the records 'exo-audit dataset' writes.`;

export const demoCommand: Command = {
  name: "demo",
  summary: "run the whole pipeline on the embedded emulators and a generated tenant (npm start)",
  usage,
  async run(argv) {
    const { values } = parseCommandArgs({
      args: argv,
      options: {
        "data-dir": { type: "string" },
        json: { type: "boolean" },
        mailboxes: { type: "string" },
        days: { type: "string" },
        seed: { type: "string" },
        end: { type: "string" },
      },
      strict: true,
    });
    const dataset = parseDatasetOptions(values);
    if (dataset.days > 6) throw new UsageError("--days must be at most 6 (the API serves content for 7 days)");
    const dataDir = resolve(values["data-dir"] ?? ".data");
    for (const sub of ["workspace", "state", "dead-letters"])
      rmSync(join(dataDir, sub), { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    const json = Boolean(values.json);
    // Loaded here, not at start-up: the emulators, the dataset generator and the KQL engine are the demo's alone.
    const { runDemo } = await import("../demo/run-demo.ts");
    const summary = await runDemo({
      dataDir,
      ...dataset,
      pictures: true,
      onStep: json ? undefined : (step) => process.stderr.write(`• ${step}\n`),
    });
    writeFileSync(join(dataDir, "demo-summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
    process.stdout.write(json ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
    return summary.ok ? 0 : 1;
  },
};

function formatSummary(s: DemoSummary): string {
  const lines: string[] = [];
  const pad = (label: string) => label.padEnd(26);
  lines.push("", "Exchange audit demo: collection summary", "");
  lines.push(`${pad("Emulated tenant")}${s.tenantId} (${s.mailboxes} mailboxes, ${s.days} days, seed ${s.seed})`);
  lines.push(`${pad("Source records served")}${s.sourceRecords} distinct record ids in ${s.blobs} content blobs`);
  lines.push(`${pad("Rows ingested")}${s.rowsIngested} into ExchangeAudit_CL`);
  lines.push(`${pad("Duplicates dropped")}${s.duplicatesDropped} (Microsoft re-deliveries, same record Id)`);
  lines.push(`${pad("Dead-lettered")}${s.deadLettered}`);
  lines.push(`${pad("Gaps (data lost)")}${s.gaps}`);
  lines.push(`${pad("Sessions")}${s.sessions} distinct SessionIds; ${s.noSessionRows} rows without a SessionId`);
  lines.push(
    `${pad("Collection lag")}${s.lagMinutes === null ? "n/a" : `${s.lagMinutes} min (now - newest content collected)`}`,
  );
  lines.push(`${pad("Time")}${(s.durationMs / 1000).toFixed(1)} s (${s.runs} run(s) until caught up)`);
  lines.push("", "Rows per operation:");
  for (const [op, n] of Object.entries(s.rowsPerOperation)) lines.push(`  ${op.padEnd(36)}${String(n).padStart(6)}`);
  lines.push("", `Alerts (${s.alerts.length} rule(s) fired over the collected rows):`);
  if (s.alerts.length === 0) lines.push("  none");
  for (const a of s.alerts) lines.push(`  [${a.severity.padEnd(13)}] ${a.rule} (${a.count} result row(s))`);
  if (s.ruleFailures.length > 0) {
    lines.push("", "Rules the local engine could not evaluate:");
    for (const f of s.ruleFailures) lines.push(`  ${f}`);
  }
  if (s.pictures) {
    lines.push("", "See it (open in a browser):");
    if (s.pictures.report) lines.push(`  investigation of ${s.pictures.mailbox}: ${s.pictures.report}`);
    for (const w of s.pictures.workbooks) lines.push(`  workbook: ${w}`);
    for (const p of s.pictures.problems) lines.push(`  problem: ${p}`);
  }
  lines.push("", "Attack stories in the dataset:");
  for (const story of s.stories) lines.push(`  - ${story}`);
  lines.push("", "Where the data is:");
  lines.push(`  ${s.tables.audit}`);
  lines.push(`  ${s.tables.health}`);
  lines.push(`  state: ${s.stateDir}; dead letters: ${s.deadLetterDir}`);
  lines.push(
    "",
    "Next (npx runs the project's own Node.js; plain 'exo-audit' after 'npm link'):",
    `  npx exo-audit query --data-dir ${s.dataDir} 'ExchangeAudit_CL | summarize count() by Operation'`,
    `  npx exo-audit detect --data-dir ${s.dataDir}`,
    `  npx exo-audit investigate --data-dir ${s.dataDir} --mailbox ${s.pictures?.mailbox ?? "<upn>"} --out report.html`,
    "",
  );
  return lines.join("\n");
}
