import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { test } from "node:test";
import { rowTypeErrors } from "../../connector/normalize/check-row.ts";
import { normalizeRecord } from "../../connector/normalize/index.ts";

const dir = new URL("../fixtures/records/", import.meta.url);
const names = readdirSync(dir)
  .filter((f) => f.endsWith(".json") && !f.endsWith(".expected.json"))
  .map((f) => f.slice(0, -".json".length));
/** Set UPDATE_GOLDEN=1 to rewrite the expected rows after a deliberate mapping change (then review the diff). */
const update = process.env.UPDATE_GOLDEN === "1";

test("has a golden fixture for every record family", () => {
  assert.ok(names.length >= 20, `only ${names.length} fixtures`);
});

for (const name of names) {
  test(`normalizes ${name} to its expected row`, () => {
    const text = readFileSync(new URL(`${name}.json`, dir), "utf8");
    const result = normalizeRecord(text, {
      subjects: "keep",
      keepAuditData: false,
      ingestionSource: "api",
      sourceContentId: `golden:${name}`,
      connectorTenant: "4e7f1b2a-90c3-4a5e-8d6f-2c1b0a9e8d7c",
    });
    assert.equal(result.ok, true, result.ok ? "" : result.reason);
    if (!result.ok) return;
    assert.deepEqual(rowTypeErrors(result.row), []);
    const actual = JSON.parse(JSON.stringify(result.row));
    const expectedUrl = new URL(`${name}.expected.json`, dir);
    if (update) writeFileSync(expectedUrl, `${JSON.stringify(actual, null, 2)}\n`);
    assert.deepEqual(actual, JSON.parse(readFileSync(expectedUrl, "utf8")));
  });

  test(`${name} normalizes the same from an object and from JSON text`, () => {
    const text = readFileSync(new URL(`${name}.json`, dir), "utf8");
    const opts = { subjects: "keep", keepAuditData: true, ingestionSource: "api", sourceContentId: "x" } as const;
    const fromText = normalizeRecord(text, opts);
    const fromObject = normalizeRecord(JSON.parse(text), opts);
    assert.deepEqual(JSON.parse(JSON.stringify(fromText)), JSON.parse(JSON.stringify(fromObject)));
    assert.ok(fromObject.ok);
    assert.deepEqual(JSON.parse(JSON.stringify(fromObject.row.AuditData)), JSON.parse(text));
  });
}
