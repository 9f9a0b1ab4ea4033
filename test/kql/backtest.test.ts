import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { detectCommand } from "../../connector/commands/detect.ts";
import { UsageError } from "../../connector/commands/types.ts";
import type { AnalyticsRule } from "../../kql/content/load.ts";
import { replayRows, runBacktest, scheduledRuns } from "../../kql/backtest.ts";
import { runDetections } from "../../kql/detect.ts";
import { capture } from "../support/capture.ts";

/** Three inbox rules created on 10 March, imported on 12 March: stored as the workspace stores old rows. */
const IMPORTED_AT = "2026-03-12T08:00:00.000Z";
const created = ["2026-03-10T10:20:00Z", "2026-03-10T11:40:00Z", "2026-03-10T12:30:00Z"];
const stored = created.map((eventTime, i) => ({
  TimeGenerated: IMPORTED_AT,
  _TimeReceived: IMPORTED_AT,
  EventTime: eventTime,
  RecordId: `r${i}`,
  Operation: "New-InboxRule",
  UserId: `user${i}@contoso.com`,
  ClientIP: "203.0.113.7",
  Parameters: { Name: ".", ForwardTo: "invoices@proton.example" },
  IngestionSource: "import",
}));

const dir = mkdtempSync(join(tmpdir(), "kql-backtest-"));
after(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, "workspace"));
writeFileSync(
  join(dir, "workspace", "ExchangeAudit_CL.ndjson"),
  `${stored.map((r) => JSON.stringify(r)).join("\n")}\n`,
);

const rule = (over: Partial<AnalyticsRule> = {}): AnalyticsRule => ({
  id: "00000000-0000-0000-0000-000000000015",
  name: "new inbox rule",
  description: "",
  severity: "Medium",
  kind: "Scheduled",
  queryFrequency: "1h",
  queryPeriod: "1d",
  triggerOperator: "gt",
  triggerThreshold: 0,
  // The pattern of the pack's aggregate rules: a day of context, alert on what arrived since the last run.
  query:
    'ExchangeAudit_CL | where Operation == "New-InboxRule" | where ingestion_time() > ago(1h) | project EventTime, UserId',
  version: "1.0.0",
  ...over,
});

test("scheduled runs are the multiples of the rule's frequency after --from up to and including --to", () => {
  const cases: { over: Partial<AnalyticsRule>; from: string; to: string; runs: string[] }[] = [
    { over: {}, from: "2026-03-10T10:00:00Z", to: "2026-03-10T13:00:00Z", runs: ["11:00", "12:00", "13:00"] },
    { over: {}, from: "2026-03-10T10:30:00Z", to: "2026-03-10T12:59:00Z", runs: ["11:00", "12:00"] },
    { over: {}, from: "2026-03-10T10:10:00Z", to: "2026-03-10T10:50:00Z", runs: [] },
    {
      over: { queryFrequency: "PT30M" },
      from: "2026-03-10T10:00:00Z",
      to: "2026-03-10T11:00:00Z",
      runs: ["10:30", "11:00"],
    },
    {
      over: { queryFrequency: "1d" },
      from: "2026-03-09T05:00:00Z",
      to: "2026-03-11T00:00:00Z",
      runs: ["10T00:00", "11T00:00"],
    },
    {
      over: { kind: "NRT", queryFrequency: undefined },
      from: "2026-03-10T10:00:00Z",
      to: "2026-03-10T12:00:00Z",
      runs: ["11:00", "12:00"],
    },
  ];
  for (const c of cases) {
    const runs = scheduledRuns(rule(c.over), new Date(c.from), new Date(c.to)).map((d) => d.toISOString());
    assert.equal(runs.length, c.runs.length, `${JSON.stringify(c)}: ${runs.join(", ")}`);
    for (const [i, iso] of runs.entries())
      assert.ok(iso.includes(`${c.runs[i]}:00.000Z`), `${iso} is not ${c.runs[i]}`);
  }
});

test("replayed rows carry their event time as TimeGenerated and ingestion time, in time order", () => {
  const { rows, times } = replayRows([...stored].reverse());
  assert.deepEqual(
    rows.map((r) => [r.TimeGenerated, r._IngestionTime]),
    created.map((t) => [new Date(t).toISOString(), new Date(t).toISOString()]),
  );
  assert.ok(rows.every((r) => !("_TimeReceived" in r)));
  assert.deepEqual([...times], created.map(Date.parse));
});

test("a backtest over three hourly runs raises each imported row once, in the run after its event time", () => {
  const alerts = runBacktest({
    dataDir: dir,
    from: new Date("2026-03-10T10:00:00Z"),
    to: new Date("2026-03-10T13:00:00Z"),
    rules: [rule()],
    functions: [],
  });
  assert.deepEqual(
    alerts.map((a) => [a.runAt, a.rows.map((r) => r.UserId)]),
    [
      ["2026-03-10T11:00:00.000Z", ["user0@contoso.com"]],
      ["2026-03-10T12:00:00.000Z", ["user1@contoso.com"]],
      ["2026-03-10T13:00:00.000Z", ["user2@contoso.com"]],
    ],
  );
  assert.deepEqual(alerts[1]?.window, { start: "2026-03-09T12:00:00.000Z", end: "2026-03-10T12:00:00.000Z" });
});

test("plain detect sees the imported rows at their import time, all in one run", () => {
  const alerts = runDetections({ dataDir: dir, now: new Date(IMPORTED_AT), rules: [rule()], functions: [] });
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0]?.rows.length, 3);
});

test("a backtest run does not see rows whose event time is after the run, nor before its query period", () => {
  const alerts = runBacktest({
    dataDir: dir,
    from: new Date("2026-03-10T11:00:00Z"),
    to: new Date("2026-03-10T12:00:00Z"),
    rules: [
      rule({ queryPeriod: "1h", query: 'ExchangeAudit_CL | where Operation == "New-InboxRule" | project UserId' }),
    ],
    functions: [],
  });
  assert.deepEqual(
    alerts.map((a) => a.rows.map((r) => r.UserId)),
    [["user1@contoso.com"]],
  );
});

test("a backtest reports every rule's runs, rows scanned and alerts", () => {
  const costs: { rule: string; runs: number; rowsScanned: number; alerts: number }[] = [];
  runBacktest({
    dataDir: dir,
    from: new Date("2026-03-10T10:00:00Z"),
    to: new Date("2026-03-10T13:00:00Z"),
    rules: [rule(), rule({ name: "never", triggerThreshold: 5 })],
    functions: [],
    onRule: (c) => costs.push(c),
  });
  // Runs at 11:00, 12:00, 13:00 over a day: 1, 2 and 3 rows visible.
  assert.deepEqual(
    costs.map((c) => [c.rule, c.runs, c.rowsScanned, c.alerts]),
    [
      ["new inbox rule", 3, 6, 3],
      ["never", 3, 6, 0],
    ],
  );
});

test("detect --from --to --json runs the pack's rules and adds runAt to today's alert shape", async () => {
  const r = await capture(() =>
    detectCommand.run(["--data-dir", dir, "--from", "2026-03-10T10:00:00Z", "--to", "2026-03-10T13:00:00Z", "--json"]),
  );
  assert.equal(r.err, "");
  assert.equal(r.code, 0);
  const alerts = JSON.parse(r.out) as Record<string, unknown>[];
  // Each run sees the external forward created in the hour before it.
  assert.equal(new Set(alerts.map((a) => a.runAt)).size, 3);
  for (const a of alerts) {
    assert.deepEqual(Object.keys(a), ["rule", "id", "severity", "runAt", "rows"]);
    assert.ok(
      ["2026-03-10T11:00:00.000Z", "2026-03-10T12:00:00.000Z", "2026-03-10T13:00:00.000Z"].includes(String(a.runAt)),
    );
  }
});

test("detect rejects half a range, --now with a range, and a reversed range as usage errors", async () => {
  await assert.rejects(() => detectCommand.run(["--from", "2026-03-10T10:00:00Z"]), UsageError);
  await assert.rejects(
    () =>
      detectCommand.run([
        "--from",
        "2026-03-10T10:00:00Z",
        "--to",
        "2026-03-11T10:00:00Z",
        "--now",
        "2026-03-11T10:00:00Z",
      ]),
    UsageError,
  );
  await assert.rejects(
    () => detectCommand.run(["--from", "2026-03-11T10:00:00Z", "--to", "2026-03-10T10:00:00Z"]),
    UsageError,
  );
  await assert.rejects(() => detectCommand.run(["--from", "last week", "--to", "2026-03-10T10:00:00Z"]), UsageError);
});
