/**
 * Reduced crash test (the full one is `npm run test:crash`): the connector runs as a child process and is
 * SIGKILLed once at each kind of point (random, while an upload is held open, right after a checkpoint write,
 * while a blob and a listing request are held open, during a reconciliation sweep), restarted each time, then
 * runs to completion.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatCrashReport, runCrashTest } from "../../scripts/crash-test.ts";

test("loses no record and duplicates at most one batch per SIGKILL across six kills (one mid-sweep) and restarts", {
  timeout: 150_000,
}, async (t) => {
  const report = await runCrashTest({ kills: 6, mailboxes: 20, days: 2, seed: 5, batchRows: 60, recordsPerBlob: 30 });
  t.diagnostic(formatCrashReport(report));
  assert.ok(report.records > 200, `the dataset has records (${report.records})`);
  assert.equal(report.kills.length, 6, "six kills landed while the connector was running");
  assert.deepEqual(
    new Set(report.kills.map((k) => k.kind)),
    new Set(["random", "uploading", "checkpoint", "fetching", "listing", "sweep"]),
  );
  assert.ok(
    report.kills.some((k) => k.rowsAtKill > 0 && k.rowsAtKill < report.distinct),
    "a kill came mid-delivery",
  );
  assert.equal(report.lost, 0, "no record lost");
  assert.ok(report.rows >= report.records, "the workspace received the rows");
  assert.ok(report.maxDuplicatesPerKill <= report.batchRows, "at most one in-flight batch re-sent per kill");
  assert.ok(report.duplicates <= report.kills.length * report.batchRows);
  assert.ok(report.duplicates > 0, "the held upload was re-sent after its kill (the test reached the sink)");
  assert.equal(report.dedupDuplicates, 0, "ExchangeAuditDedup leaves one row per RecordId");
  assert.equal(report.dedupRows, report.distinct);
  assert.ok(report.healthRows >= 1, "the completed run wrote its health row");
});
