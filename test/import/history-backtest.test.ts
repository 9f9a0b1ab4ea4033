/**
 * Scenario: a week of history imported at once. 8 days of the realistic tenant (benign behaviours and the
 * planted attack stories) go through `exo-audit import` into the workspace emulator, which, like Log
 * Analytics, stores rows more than 2 days old with TimeGenerated = ingestion time. A backtest
 * (`detect --from --to`) replays the rows at their event time and must find every planted story; what plain
 * `detect` raises right after the import is measured and reported (docs/performance.md, alert budget). A benign
 * week that ended before every rule's query period must raise nothing from plain `detect` (history is for
 * hunting and backtesting, not for incidents).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { runImport } from "../../connector/commands/import.ts";
import type { CommandIo } from "../../connector/commands/normalize.ts";
import { defaultDatasetEnd, generateDataset } from "../../connector/dataset/index.ts";
import { runBacktest } from "../../kql/backtest.ts";
import { runDetections } from "../../kql/detect.ts";
import { readNdjson } from "../../kql/tables-from-disk.ts";
import { ruleName, STORY_RULES } from "../support/attack-stories.ts";

const DAY = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), "exo-history-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("after importing 8 days of history, a backtest finds every planted attack story at its own time", {
  timeout: 900_000,
}, async (t) => {
  const end = defaultDatasetEnd();
  const ds = generateDataset({ mailboxes: 60, days: 8, seed: 3, end });
  const file = join(dir, "history.jsonl");
  writeFileSync(file, `${[...ds.records()].map((r) => JSON.stringify(r)).join("\n")}\n`);
  const io: CommandIo = { out() {}, err() {} };
  assert.equal(await runImport([file, "--data-dir", dir], io), 0);

  const rows = readNdjson(join(dir, "workspace", "ExchangeAudit_CL.ndjson"));
  const importedAt = Date.parse(String(rows[0]?._TimeReceived));
  const old = rows.filter((r) => Date.parse(String(r.EventTime)) < importedAt - 2 * DAY - 3_600_000);
  assert.ok(old.length > rows.length / 2, "most of the week is older than 2 days");
  assert.ok(
    old.every((r) => Math.abs(Date.parse(String(r.TimeGenerated)) - Date.parse(String(r._TimeReceived))) < 60_000),
    "the workspace stores rows older than 2 days at their ingestion time",
  );

  // The stories are planted in the last day (end - 6 h .. end - 1 h): replay that day's scheduled runs.
  const alerts = runBacktest({ dataDir: dir, from: new Date(end.getTime() - DAY), to: end });
  const storyStart = end.getTime() - 6 * 3_600_000;
  const firedAfterStories = new Set(alerts.filter((a) => Date.parse(a.runAt) > storyStart).map((a) => a.rule));
  for (const [story, files] of Object.entries(STORY_RULES)) {
    for (const f of files) {
      assert.ok(firedAfterStories.has(ruleName(f)), `story ${story}: rule ${f} did not fire in a run after the story`);
    }
  }

  // Measured, not asserted: plain detect right after the import sees the whole week as new.
  const plain = runDetections({ dataDir: dir, now: new Date(importedAt + 60_000) });
  t.diagnostic(
    `plain detect after the import: ${plain.length} alert(s), ${plain.reduce((n, a) => n + a.rows.length, 0)} result rows; ` +
      `backtest of the last day: ${alerts.length} alert(s) in ${new Set(alerts.map((a) => a.runAt)).size} runs`,
  );
  for (const a of plain) t.diagnostic(`plain detect: ${a.rule}: ${a.rows.length} row(s)`);
});

test("importing a benign week that ended three days ago raises no alert from plain detect", {
  timeout: 900_000,
}, async () => {
  const benignDir = mkdtempSync(join(tmpdir(), "exo-history-benign-"));
  try {
    const end = new Date(defaultDatasetEnd().getTime() - 3 * DAY);
    const ds = generateDataset({ mailboxes: 60, days: 8, seed: 5, end, attacks: false });
    const file = join(benignDir, "history.jsonl");
    writeFileSync(file, `${[...ds.records()].map((r) => JSON.stringify(r)).join("\n")}\n`);
    assert.equal(await runImport([file, "--data-dir", benignDir], { out() {}, err() {} }), 0);
    const rows = readNdjson(join(benignDir, "workspace", "ExchangeAudit_CL.ndjson"));
    assert.ok(rows.length > 1000, `a realistic week (${rows.length} rows)`);
    const importedAt = Date.parse(String(rows[0]?._TimeReceived));
    const plain = runDetections({ dataDir: benignDir, now: new Date(importedAt + 60_000) });
    assert.deepEqual(
      plain.map((a) => `${a.rule}: ${a.rows.length}`),
      [],
      "rules alert on imported history outside their query period",
    );
  } finally {
    rmSync(benignDir, { recursive: true, force: true });
  }
});
