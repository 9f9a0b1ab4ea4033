import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { rowTypeErrors } from "../../connector/normalize/check-row.ts";
import { normalizeRecord } from "../../connector/normalize/index.ts";
import type { NormalizeOptions } from "../../connector/normalize/types.ts";
import { EXCHANGE_AUDIT_TABLE } from "../../connector/schema/table-schema.ts";

const OPTS: NormalizeOptions = {
  subjects: "hash",
  keepAuditData: true,
  ingestionSource: "jsonl",
  sourceContentId: "f:1",
};

/** Values shaped like audit fields: the right names with any JSON-ish value, including the usual quirks. */
const fieldValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom("True", "False", "1", "50", "999", "2.0", "[::1]:80", "1.2.3.4:5", "2024-10-08T05:08:37", "\r\n"),
  fc.array(
    fc.record({
      Name: fc.oneof(fc.string(), fc.constantFrom("__proto__", "constructor", "MailAccessType")),
      Value: fc.anything(),
    }),
  ),
  fc.anything(),
);
const FIELDS = [
  "RecordType",
  "CreationTime",
  "Operation",
  "UserType",
  "UserId",
  "UserKey",
  "ClientIP",
  "ClientIPAddress",
  "ResultStatus",
  "LogonType",
  "ExternalAccess",
  "Parameters",
  "OperationProperties",
  "ModifiedProperties",
  "Item",
  "Folders",
  "AffectedItems",
  "Messages",
  "AppAccessContext",
  "OperationCount",
  "DestFolder",
  "CrossMailboxOperations",
  "OriginatingServer",
  "MailboxOwnerUPN",
  "__proto__",
];
const recordLike = fc
  .tuple(
    fc.oneof(fc.uuid(), fc.string(), fc.anything()),
    fc.dictionary(fc.constantFrom(...FIELDS), fieldValue),
    fc.dictionary(fc.string(), fc.anything(), { maxKeys: 5 }),
  )
  .map(([Id, known, extra]) => ({ ...extra, ...known, Id }));

function checkResult(raw: unknown): void {
  const result = normalizeRecord(raw, OPTS);
  if (!result.ok) {
    assert.equal(typeof result.reason, "string");
    return;
  }
  const errors = rowTypeErrors(result.row);
  assert.deepEqual(errors, []);
  assert.equal(Object.keys(result.row).length, EXCHANGE_AUDIT_TABLE.columns.length);
  const json = JSON.stringify(result.row);
  assert.ok(json.length > 0);
  assert.deepEqual(rowTypeErrors(JSON.parse(json)), [], "types survive JSON serialization");
}

test("never throws and always emits every column with its declared type (record-shaped input)", () => {
  fc.assert(
    fc.property(recordLike, (raw) => checkResult(raw)),
    { numRuns: 1500 },
  );
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test("never throws on arbitrary values and arbitrary JSON text", () => {
  fc.assert(
    fc.property(fc.oneof(fc.anything(), fc.json(), fc.string()), (raw) => checkResult(raw)),
    { numRuns: 1500 },
  );
});

test("never throws on JSON text of record-shaped input", () => {
  fc.assert(
    fc.property(recordLike, (raw) => {
      let text: string | undefined;
      try {
        text = JSON.stringify(raw);
      } catch {
        return; // fc.anything can build values JSON cannot represent
      }
      if (text !== undefined) checkResult(text);
    }),
    { numRuns: 800 },
  );
});
