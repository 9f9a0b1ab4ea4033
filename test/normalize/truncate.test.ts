import assert from "node:assert/strict";
import { test } from "node:test";
import { normalizeRecord } from "../../connector/normalize/index.ts";
import { cutString, fitRowToLimits, shrinkJson } from "../../connector/normalize/truncate.ts";
import type { ExchangeAuditRow } from "../../connector/schema/table-schema.ts";

const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

function bigRow(): ExchangeAuditRow {
  const record = {
    Id: "big-1",
    RecordType: 3,
    Operation: "HardDelete",
    CreationTime: "2025-06-01T02:30:00",
    MailboxOwnerUPN: "m@contoso.com",
    AffectedItems: Array.from({ length: 4000 }, (_, i) => ({
      Id: `RgAAAA${i}`,
      InternetMessageId: `<message-${i}@mail.contoso.com>`,
      Subject: `Subject number ${i} with some words`,
    })),
  };
  const r = normalizeRecord(record, {
    subjects: "keep",
    keepAuditData: true,
    ingestionSource: "api",
    sourceContentId: "c",
  });
  assert.ok(r.ok);
  return r.row;
}

test("leaves a row within the limits untouched", () => {
  const row = { RecordId: "a", Operation: "Send", Truncated: [], AuditData: { Id: "a" } };
  const fit = fitRowToLimits(row, { maxFieldBytes: 1000, maxRowBytes: 10_000 });
  assert.deepEqual(fit.truncated, []);
  assert.deepEqual(fit.row, row);
});

test("keeps every field under the field limit and lists cut fields in Truncated", () => {
  const row = bigRow();
  assert.ok(bytes(row.AuditData) < 64_000, "normalizeRecord already applied the default limit");
  assert.deepEqual([...(row.Truncated as string[])].sort(), ["AuditData", "InternetMessageIds"]);
  assert.equal((row.InternetMessageIds as string[])[0], "<message-0@mail.contoso.com>");
  const fit = fitRowToLimits(row, { maxFieldBytes: 8_000 });
  for (const [key, value] of Object.entries(fit.row)) assert.ok(bytes(value ?? null) <= 8_000, key);
  assert.deepEqual([...fit.truncated].sort(), ["AuditData", "InternetMessageIds"]);
  assert.deepEqual([...(fit.row.Truncated as string[])].sort(), ["AuditData", "InternetMessageIds"]);
  const ids = fit.row.InternetMessageIds as string[];
  assert.deepEqual(ids, (row.InternetMessageIds as string[]).slice(0, ids.length), "arrays keep their first elements");
});

test("keeps the small members of AuditData and marks it as cut", () => {
  const fit = fitRowToLimits(bigRow(), { maxFieldBytes: 4_000 });
  const audit = fit.row.AuditData as Record<string, unknown>;
  assert.equal(audit.Id, "big-1");
  assert.equal(audit.Operation, "HardDelete");
  assert.equal(audit.TruncatedByConnector, true);
  assert.ok(Array.isArray(audit.AffectedItems) && audit.AffectedItems.length > 0);
});

test("shrinks the largest fields first until the row fits maxRowBytes", () => {
  const row = { ...bigRow(), ClientInfoString: "c".repeat(3000), Subject: "s".repeat(200) };
  const fit = fitRowToLimits(row, { maxRowBytes: 20_000 });
  assert.ok(bytes(fit.row) <= 20_000, `row is ${bytes(fit.row)} bytes`);
  assert.equal(fit.row.Subject, row.Subject, "small fields are not touched");
  assert.equal(fit.row.RecordId, "big-1");
  assert.ok(fit.truncated.includes("AuditData"));
});

test("falls back to an AuditData marker keeping Id when almost nothing fits", () => {
  const fit = fitRowToLimits(bigRow(), { maxRowBytes: 1_500 });
  assert.ok(bytes(fit.row) <= 1_500, `row is ${bytes(fit.row)} bytes`);
  const audit = fit.row.AuditData as Record<string, unknown> | null;
  assert.ok(audit === null || audit.Id === "big-1");
});

test("does not modify the row it is given", () => {
  const row = bigRow();
  const before = JSON.stringify(row);
  fitRowToLimits(row, { maxFieldBytes: 2_000, maxRowBytes: 5_000 });
  assert.equal(JSON.stringify(row), before);
});

test("cuts strings on character boundaries within the byte budget", () => {
  const s = "a😀".repeat(100);
  for (const budget of [2, 3, 7, 50, 101]) {
    const cut = cutString(s, budget);
    assert.ok(bytes(cut) <= budget);
    assert.ok(s.startsWith(cut));
    assert.equal(cut.includes("\uFFFD"), false);
    assert.equal(/[\uD800-\uDBFF]$/.test(cut), false, "no lone high surrogate at the end");
  }
});

test("shrinkJson always returns a value within the budget", () => {
  const value = { a: "x".repeat(500), b: [1, 2, { c: "y".repeat(800) }], d: { e: { f: "z".repeat(300) } } };
  for (const budget of [20, 64, 200, 700, 5000]) {
    const out = shrinkJson(value, budget);
    if (out !== undefined) assert.ok(bytes(out) <= budget, `budget ${budget}: ${bytes(out)}`);
  }
});
