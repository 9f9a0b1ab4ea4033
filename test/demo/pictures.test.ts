import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ATTACKER_IPS } from "../../connector/dataset/index.ts";
import { runDemo } from "../../connector/demo/run-demo.ts";

const dir = mkdtempSync(join(tmpdir(), "exo-demo-pictures-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("npm start's demo ends with the hijacked mailbox's report and the rendered workbooks in the data directory", {
  timeout: 240_000,
}, async () => {
  const summary = await runDemo({ dataDir: dir, mailboxes: 12, days: 2, seed: 1, pictures: true });
  assert.ok(summary.ok);
  const pictures = summary.pictures;
  assert.ok(pictures);
  assert.deepEqual(pictures.problems, []);
  assert.ok(pictures.mailbox && pictures.report?.startsWith(dir));
  const report = readFileSync(pictures.report!, "utf8");
  assert.match(report, new RegExp(`Investigation: mailbox ${pictures.mailbox.replaceAll(".", "\\.")}`));
  assert.ok(report.includes(ATTACKER_IPS.hijack), "the attacker's IP is in the report");
  assert.equal(pictures.workbooks.length, 4);
  for (const page of pictures.workbooks) {
    assert.ok(page.startsWith(join(dir, "workbooks")) && existsSync(page), page);
    assert.ok(!readFileSync(page, "utf8").includes('data-state="error"'), page);
  }
});
