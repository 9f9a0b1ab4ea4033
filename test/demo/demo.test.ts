import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { runDemo } from "../../connector/demo/run-demo.ts";
import { ruleName, STORY_RULES } from "../support/attack-stories.ts";

const dir = mkdtempSync(join(tmpdir(), "exo-demo-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("npm start's demo delivers every served record exactly once and raises an alert for every attack story", {
  timeout: 180_000,
}, async () => {
  const summary = await runDemo({ dataDir: dir, mailboxes: 25, days: 3, seed: 1 });
  assert.ok(summary.ok, `demo failed: ${summary.ruleFailures.join("; ")}`);
  assert.ok(summary.sourceRecords > 1000, `dataset too small: ${summary.sourceRecords}`);
  // Nothing lost and nothing duplicated, although the emulated API re-delivered records in later blobs.
  assert.equal(summary.rowsIngested, summary.sourceRecords);
  assert.equal(summary.distinctRowsIngested, summary.sourceRecords);
  assert.ok(
    summary.duplicatesDropped > 0,
    "the emulated API re-delivers records; the connector must have dropped some",
  );
  assert.equal(summary.deadLettered, 0);
  assert.equal(summary.gaps, 0);
  assert.ok(summary.sessions > 10);
  const fired = new Set(summary.alerts.map((a) => a.rule));
  for (const [story, files] of Object.entries(STORY_RULES)) {
    for (const file of files) assert.ok(fired.has(ruleName(file)), `story ${story}: rule ${file} did not fire`);
  }
  // The workspace emulator holds the health heartbeat of the run.
  const health = readFileSync(summary.tables.health, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.ok(health.length >= 1);
  assert.equal(health.at(-1).ContentType, "Audit.Exchange");
});
