/**
 * Rows handed to the sink already serialized (`serializeRow`, as the collection pipeline does) are delivered
 * byte for byte, and the rare paths that need the row object (dead letters, a smaller request limit, 413
 * re-trims) rebuild it from the JSON.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { SerializedRow, serializeRow } from "../../connector/sink/index.ts";
import { startHarness } from "./harness.ts";
import { auditRow, auditRows } from "./rows.ts";

test("delivers serialized rows exactly like the same rows as objects, mixed in one send", async () => {
  const h = await startHarness();
  try {
    const rows = auditRows(50);
    const given = rows.map((r, i) => (i % 2 === 0 ? serializeRow(r) : r));
    const report = await h.sink.send("audit", given);
    assert.equal(report.accepted, 50);
    const stored = await h.emu.readTable("ExchangeAudit_CL");
    assert.deepEqual(
      stored.map((r) => r.RecordId),
      rows.map((r) => r.RecordId),
    );
    assert.deepEqual(stored[0]!.AuditData, rows[0]!.AuditData);
  } finally {
    await h.close();
  }
});

test("dead-letters a serialized row the service rejects with the row object as payload", async () => {
  const h = await startHarness();
  try {
    const rows = auditRows(20);
    const bad = { ...rows[7]!, RecordType: "fifty" as unknown as number };
    const given = rows.map((r, i) => serializeRow(i === 7 ? bad : r));
    const report = await h.sink.send("audit", given);
    assert.equal(report.accepted, 19);
    assert.equal(report.deadLettered, 1);
    const [letter] = h.deadLetters.letters;
    assert.equal(letter!.recordId, bad.RecordId);
    assert.equal(letter!.errorCode, "400 InvalidPayload");
    assert.deepEqual(letter!.payload, JSON.parse(JSON.stringify(bad)));
  } finally {
    await h.close();
  }
});

test("re-fits a serialized row that is larger than the sink's own request limit", async () => {
  const h = await startHarness({ sink: { maxBatchBytes: 8_000 } });
  try {
    const big = auditRow(3);
    big.AuditData = { ...(big.AuditData as object), Body: "y".repeat(20_000) };
    const serialized = serializeRow(big);
    assert.ok(serialized instanceof SerializedRow && serialized.bytes > 8_000 && serialized.cut.length === 0);
    const report = await h.sink.send("audit", [serializeRow(auditRow(2)), serialized]);
    assert.equal(report.accepted, 2);
    assert.equal(report.truncated, 1);
    assert.ok(h.emu.requests.every((r) => r.status === 204 && r.uncompressedBytes! <= 8_000));
    const stored = (await h.emu.readTable("ExchangeAudit_CL")).find((r) => r.RecordId === big.RecordId)!;
    assert.ok((stored.Truncated as string[]).includes("AuditData"), JSON.stringify(stored.Truncated));
  } finally {
    await h.close();
  }
});

test("counts and keeps a row serializeRow already trimmed to one request", async () => {
  const h = await startHarness();
  try {
    const huge = auditRow(9);
    huge.AuditData = { ...(huge.AuditData as object), Body: "z".repeat(1_500_000) };
    const serialized = serializeRow(huge);
    assert.ok(serialized.cut.length > 0 && serialized.bytes < 1_000_000);
    const report = await h.sink.send("audit", [serialized]);
    assert.equal(report.accepted, 1);
    assert.equal(report.truncated, 1);
    const [stored] = await h.emu.readTable("ExchangeAudit_CL");
    assert.deepEqual(stored!.Truncated, [...serialized.cut]);
  } finally {
    await h.close();
  }
});
