import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDuration, toIsoDuration } from "../../scripts/validate/durations.ts";
import { checkEntityMappings } from "../../scripts/validate/entities.ts";
import { checkMitre } from "../../scripts/validate/mitre.ts";
import { createSourceMap } from "../../scripts/validate/source-map.ts";
import {
  enclosingLiteral,
  findReferences,
  insideString,
  scanWorkbook,
  substituteParameters,
} from "../../scripts/validate/workbook-params.ts";

test("reads rule durations in both Sentinel forms and writes them as ISO 8601", () => {
  assert.equal(parseDuration("5m"), 300_000);
  assert.equal(parseDuration("14d"), 14 * 86_400_000);
  assert.equal(parseDuration("01:00:00"), 3_600_000);
  assert.equal(parseDuration("1.00:00:00"), 86_400_000);
  assert.equal(parseDuration("1w"), null);
  assert.equal(parseDuration("25:00:00"), null);
  assert.deepEqual(["5m", "1h", "1d", "90m", "26h", "14d"].map(toIsoDuration), [
    "PT5M",
    "PT1H",
    "P1D",
    "PT1H30M",
    "P1DT2H",
    "P14D",
  ]);
});

test("maps a KQL offset inside a literal block scalar to its file line and column", () => {
  const text = "id: x\nquery: |\n  T\n  | where Foo == 1\nversion: 1.0.0\n";
  const map = createSourceMap(text);
  const query = "T\n| where Foo == 1\n";
  const offset = query.indexOf("Foo");
  assert.deepEqual(map.positionInString(["query"], offset), { line: 4, column: 11 });
  assert.deepEqual(map.positionOf(["version"]), { line: 5, column: 1 });
});

test("maps an offset inside an escaped JSON string to its file column", () => {
  const text = '{\n  "items": [{ "content": { "query": "T\\n| where \\"a\\" == Foo" } }]\n}\n';
  const map = createSourceMap(text);
  const query = 'T\n| where "a" == Foo';
  const pos = map.positionInString(["items", 0, "content", "query"], query.indexOf("Foo"));
  assert.deepEqual(pos, { line: 2, column: text.split("\n")[1]!.indexOf("Foo") + 1 });
});

test("knows T1098 as Persistence only and rejects techniques missing from Sentinel's table", () => {
  assert.deepEqual(checkMitre(["Persistence"], ["T1098.002"]), []);
  assert.match(checkMitre(["PrivilegeEscalation"], ["T1098"])[0]!.message, /Persistence/);
  assert.match(checkMitre(["CredentialAccess"], ["T1649"])[0]!.message, /not in the Sentinel/);
  assert.deepEqual(checkMitre(["Collection"], ["T1114.003"]), []);
});

test("accepts Account Name alone but not UPNSuffix alone, and Mailbox needs MailboxPrimaryAddress", () => {
  const m = (entityType: string, ids: string[]) => [
    { entityType, fieldMappings: ids.map((identifier) => ({ identifier, columnName: "C" })) },
  ];
  assert.deepEqual(checkEntityMappings(m("Account", ["Name", "UPNSuffix"])), []);
  assert.equal(checkEntityMappings(m("Account", ["UPNSuffix"])).length, 1);
  assert.equal(checkEntityMappings(m("Mailbox", ["Upn"])).length, 1);
  assert.equal(checkEntityMappings(m("FileHash", ["Value"])).length, 1);
  assert.deepEqual(checkEntityMappings(m("FileHash", ["Algorithm", "Value"])), []);
});

test("finds parameter references but not {{placeholders}} or {0}", () => {
  const refs = findReferences("where a in ({Ops}) and b == '{TimeRange:label}' {{X}} {0}");
  assert.deepEqual(
    refs.map((r) => [r.name, r.format]),
    [
      ["Ops", undefined],
      ["TimeRange", "label"],
    ],
  );
  assert.equal(insideString("x == '{A}'", 6), true);
  assert.equal(insideString("x in ({A}) // '{B}'", 6), false);
});

test("tells which literal encloses a parameter reference, multi-line triple-backtick literals included", () => {
  const q = "T | where A == ```{A}``` and B == '{B}' and C == \"it's {C}\" and D == {D} // '{E}'";
  const at = (needle: string) => enclosingLiteral(q, q.indexOf(needle));
  assert.deepEqual(["{A}", "{B}", "{C}", "{D}", "{E}"].map(at), ["```", "'", '"', null, "//"]);
  // an apostrophe inside a triple-backtick literal does not open a string
  assert.equal(enclosingLiteral("print ```o'brien``` , {X}", 23), null);
});

test("substitutes typed placeholder values and maps offsets back to the original query", () => {
  const scan = scanWorkbook({
    version: "Notebook/1.0",
    items: [
      {
        type: 9,
        content: {
          version: "KqlParameterItem/1.0",
          parameters: [
            { name: "TimeRange", type: 4 },
            { name: "Ops", type: 2, multiSelect: true, quote: "'", delimiter: "," },
            { name: "User", type: 1 },
          ],
        },
      },
    ],
  });
  const query =
    "T | where Op in ({Ops}) and U == '{User}' and TimeGenerated > datetime({TimeRange:start}) | summarize by bin(TimeGenerated, {TimeRange:grain}) | where Bad";
  const sub = substituteParameters(query, scan.declared);
  assert.equal(
    sub.text,
    "T | where Op in ('value1','value2') and U == 'value' and TimeGenerated > datetime(2026-01-01T00:00:00Z) | summarize by bin(TimeGenerated, 1h) | where Bad",
  );
  assert.equal(sub.toOriginal(sub.text.indexOf("Bad")), query.indexOf("Bad"));
  assert.equal(sub.toOriginal(sub.text.indexOf("value2")), query.indexOf("{Ops}"));
});
