import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { BASELINE_TABLE } from "../../connector/schema/table-schema.ts";
import { REPO_ROOT } from "../../kql/content/load.ts";
import { validateContent } from "../../scripts/validate/index.ts";

const shipped = readFileSync(join(REPO_ROOT, BASELINE_TABLE.summaryRule), "utf8");
const roots: string[] = [];
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** Validates a content root that holds only the baseline summary rule, edited by `edit`. */
async function problemsOf(edit: (text: string) => string) {
  const root = mkdtempSync(join(tmpdir(), "exo-summary-rule-"));
  roots.push(root);
  mkdirSync(join(root, "summary-rules"));
  writeFileSync(join(root, BASELINE_TABLE.summaryRule), edit(shipped));
  const result = await validateContent({ root });
  return result.offenders.filter((o) => o.file === BASELINE_TABLE.summaryRule);
}

test("the shipped baseline summary rule passes the summary-rule checks", async () => {
  assert.deepEqual(await problemsOf((t) => t), []);
});

test("a summary query that returns TimeGenerated fails: the service sets that reserved column itself", async () => {
  const problems = await problemsOf((t) =>
    t.replace("| project Kind, Actor,", "| project TimeGenerated = FirstSeen, Kind, Actor,"),
  );
  assert.ok(
    problems.some(
      (p) => p.field === "query" && /must not return TimeGenerated.*_OriginalTimeGenerated/.test(p.message),
    ),
    JSON.stringify(problems),
  );
});

test("a bin delay valid in only one reading of its unit (seconds or minutes) fails, naming the field", async () => {
  const problems = await problemsOf((t) => t.replace("binSize: 1440", "binSize: 1440\nbinDelay: 3600"));
  assert.deepEqual(
    problems.map((p) => [p.field, /between 0 and 1440/.test(p.message)]),
    [["binDelay", true]],
  );
});

test("a bin size the service does not offer fails, naming the field", async () => {
  const problems = await problemsOf((t) => t.replace("binSize: 1440", "binSize: 45"));
  assert.deepEqual(
    problems.map((p) => p.field),
    ["binSize"],
  );
});
