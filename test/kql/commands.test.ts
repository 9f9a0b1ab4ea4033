import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { detectCommand } from "../../connector/commands/detect.ts";
import { queryCommand } from "../../connector/commands/query.ts";
import { UsageError } from "../../connector/commands/types.ts";
import type { AnalyticsRule } from "../../kql/content/load.ts";
import { DetectionError, isoDurationMs, runDetections } from "../../kql/detect.ts";
import { capture } from "../support/capture.ts";

const dir = mkdtempSync(join(tmpdir(), "kql-cmd-"));
after(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, "workspace"));
const audit = [
  {
    TimeGenerated: "2026-03-10T11:40:00Z",
    RecordId: "r1",
    Operation: "New-InboxRule",
    UserId: "eve@contoso.com",
    Parameters: { ForwardTo: "x@evil.example" },
  },
  { TimeGenerated: "2026-03-10T11:41:00Z", RecordId: "r2", Operation: "Send", UserId: "bob@contoso.com" },
  { TimeGenerated: "2026-03-08T09:00:00Z", RecordId: "r3", Operation: "New-InboxRule", UserId: "old@contoso.com" },
];
writeFileSync(join(dir, "workspace", "ExchangeAudit_CL.ndjson"), `${audit.map((r) => JSON.stringify(r)).join("\n")}\n`);

test("query prints rows from the data directory as JSON with ISO datetimes", async () => {
  const r = await capture(() =>
    queryCommand.run([
      "--data-dir",
      dir,
      "--json",
      "ExchangeAudit_CL | where Operation == 'Send' | project TimeGenerated, UserId",
    ]),
  );
  assert.equal(r.code, 0);
  assert.deepEqual(JSON.parse(r.out), [{ TimeGenerated: "2026-03-10T11:41:00.000Z", UserId: "bob@contoso.com" }]);
});

test("query prints a readable table and uses --now for ago()", async () => {
  const r = await capture(() =>
    queryCommand.run([
      "--data-dir",
      dir,
      "--now",
      "2026-03-10T12:00:00Z",
      "ExchangeAudit_CL | where TimeGenerated > ago(1h) | count",
    ]),
  );
  assert.equal(r.code, 0);
  assert.match(r.out, /^Count\n-+\n2\n\(1 row\)\n$/);
});

test("query reports unsupported constructs with their position and exits 1", async () => {
  const r = await capture(() => queryCommand.run(["print x = hash('a')"]));
  assert.equal(r.code, 1);
  assert.match(r.err, /function hash\(\) \(at 1:11/);
});

test("query rejects a missing query and a bad --now as usage errors", async () => {
  await assert.rejects(() => queryCommand.run([]), UsageError);
  await assert.rejects(() => queryCommand.run(["--now", "yesterday", "print 1"]), UsageError);
});

const rule = (over: Partial<AnalyticsRule>): AnalyticsRule => ({
  id: "00000000-0000-0000-0000-000000000001",
  name: "forwarding rule",
  description: "",
  severity: "High",
  kind: "Scheduled",
  queryPeriod: "1d",
  triggerOperator: "gt",
  triggerThreshold: 0,
  query: 'ExchangeAudit_CL | where Operation == "New-InboxRule" | project TimeGenerated, UserId',
  version: "1.0.0",
  ...over,
});

test("runDetections only shows each rule the rows of its query period", () => {
  const alerts = runDetections({
    dataDir: dir,
    now: new Date("2026-03-10T12:00:00Z"),
    rules: [rule({})],
    functions: [],
  });
  assert.equal(alerts.length, 1);
  assert.deepEqual(alerts[0]?.rows, [{ TimeGenerated: "2026-03-10T11:40:00.000Z", UserId: "eve@contoso.com" }]);
  const week = runDetections({
    dataDir: dir,
    now: new Date("2026-03-10T12:00:00Z"),
    rules: [rule({ queryPeriod: "P7D" })],
    functions: [],
  });
  assert.equal(week[0]?.rows.length, 2);
});

test("runDetections applies the trigger threshold and reports broken rules with the other alerts", () => {
  const now = new Date("2026-03-10T12:00:00Z");
  assert.deepEqual(runDetections({ dataDir: dir, now, rules: [rule({ triggerThreshold: 1 })], functions: [] }), []);
  assert.throws(
    () =>
      runDetections({
        dataDir: dir,
        now,
        rules: [rule({}), rule({ name: "broken", query: "print hash('x')" })],
        functions: [],
      }),
    (err: unknown) => err instanceof DetectionError && err.failures[0]?.rule === "broken" && err.alerts.length === 1,
  );
});

test("detect --json prints the alerts of the repository's rules", async () => {
  const r = await capture(() => detectCommand.run(["--data-dir", dir, "--now", "2026-03-10T12:00:00Z", "--json"]));
  const alerts = JSON.parse(r.out) as { rule: string; rows: unknown[] }[];
  assert.ok(Array.isArray(alerts));
  for (const a of alerts) assert.ok(a.rule && a.rows.length > 0);
  // Every rule of the content pack must run on the engine.
  assert.equal(r.err, "");
  assert.equal(r.code, 0);
});

test("rule periods accept Sentinel's 5h/14d and ISO 8601 durations", () => {
  assert.equal(isoDurationMs("5h"), 5 * 3_600_000);
  assert.equal(isoDurationMs("14d"), 14 * 86_400_000);
  assert.equal(isoDurationMs("PT1H30M"), 5_400_000);
  assert.throws(() => isoDurationMs("soon"), /unsupported period/);
});
