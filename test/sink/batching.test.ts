import assert from "node:assert/strict";
import { test } from "node:test";
import { arrayBuffer, arrayBytes, arrayJson, packBatches, type PreparedRow } from "../../connector/sink/batches.ts";
import { healthRow, auditRows } from "./rows.ts";
import { startHarness } from "./harness.ts";

function prepared(sizes: number[]): PreparedRow[] {
  return sizes.map((bytes, index) => ({ index, row: {}, bytes, trimmed: false }));
}

test("packs rows in order into batches whose JSON array never exceeds the limit", () => {
  const rows = prepared([400, 300, 299, 1, 500, 100]);
  // [400,300,299] is exactly 2 + 999 + 2 commas = 1003 bytes.
  assert.deepEqual(
    packBatches(rows, 1003).map((b) => b.map((r) => r.index)),
    [
      [0, 1, 2],
      [3, 4, 5],
    ],
  );
  const tighter = packBatches(rows, 1002);
  assert.deepEqual(
    tighter.map((b) => b.map((r) => r.index)),
    [
      [0, 1],
      [2, 3, 4, 5],
    ],
  );
  for (const b of tighter) assert.ok(arrayBytes(b) <= 1002);
});

test("counts brackets and commas exactly like JSON.stringify of the array", () => {
  const objs = auditRows(25);
  const rows = objs.map((row, index) => ({
    index,
    row,
    bytes: Buffer.byteLength(JSON.stringify(row)),
    trimmed: false,
  }));
  assert.equal(arrayBytes(rows), Buffer.byteLength(JSON.stringify(objs)));
});

test("sends many rows in several requests packed close to 1 MB, gzipped, one request per batch", async () => {
  const h = await startHarness();
  try {
    const rows = auditRows(4000);
    const report = await h.sink.send("audit", rows);
    assert.equal(report.accepted, 4000);
    assert.equal(report.deadLettered, 0);
    const reqs = h.emu.requests;
    const expected = Math.ceil(Buffer.byteLength(JSON.stringify(rows)) / 1_000_000);
    assert.ok(
      reqs.length === expected || reqs.length === expected + 1,
      `${reqs.length} requests, ~${expected} expected`,
    );
    assert.equal(report.requests, reqs.length, "the sink counts the requests the service saw");
    assert.equal(
      report.bytes,
      reqs.reduce((s, r) => s + r.bodyBytes, 0),
      "bytes are the compressed bytes on the wire",
    );
    for (const r of reqs) {
      assert.equal(r.status, 204);
      assert.equal(r.gzip, true);
      assert.ok(r.uncompressedBytes! <= 1_000_000);
      assert.ok(r.bodyBytes < r.uncompressedBytes! / 5, "realistic audit rows compress well");
    }
    // Every batch but the remainder is packed close to the limit (requests may arrive in any order).
    const sizes = reqs.map((r) => r.uncompressedBytes!).sort((a, b) => b - a);
    for (const size of sizes.slice(0, -1)) assert.ok(size > 995_000, `batch of ${size} bytes`);
    assert.equal(
      reqs.reduce((s, r) => s + (r.rows ?? 0), 0),
      4000,
    );
    const stored = await h.emu.readTable("ExchangeAudit_CL");
    assert.deepEqual(new Set(stored.map((r) => r.RecordId)), new Set(rows.map((r) => r.RecordId)));
  } finally {
    await h.close();
  }
});

test("keeps no more batches in flight than maxConcurrency", async () => {
  const h = await startHarness({ sink: { maxConcurrency: 2, maxBatchBytes: 20_000 } });
  try {
    let inFlight = 0;
    let peak = 0;
    // Observed from the emulator side: every request is held 15 ms.
    h.emu.faults.setHook(() => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      setTimeout(() => inFlight--, 15);
      return { kind: "delay", ms: 15 };
    });
    const report = await h.sink.send("audit", auditRows(120));
    assert.equal(report.accepted, 120);
    assert.ok(report.requests >= 6);
    assert.ok(peak <= 2, `peak ${peak}`);
    assert.ok(peak === 2, "batches do run concurrently");
  } finally {
    await h.close();
  }
});

test("delivers health rows to the health stream and table", async () => {
  const h = await startHarness();
  try {
    const report = await h.sink.send("health", [healthRow()]);
    assert.equal(report.accepted, 1);
    assert.equal(h.emu.requests[0]!.stream, "Custom-ExchangeAuditHealth");
    assert.equal(h.emu.rowsAccepted("ExchangeAuditHealth_CL"), 1);
  } finally {
    await h.close();
  }
});

test("resolves an empty send without any request", async () => {
  const h = await startHarness();
  try {
    assert.deepEqual(await h.sink.send("audit", []), {
      accepted: 0,
      deadLettered: 0,
      truncated: 0,
      requests: 0,
      bytes: 0,
    });
    assert.equal(h.emu.requests.length, 0);
  } finally {
    await h.close();
  }
});

test("the request body written as bytes equals the joined JSON array, also with multi-byte text", () => {
  const objs = [{ Id: "a", Subject: "Zürich 📧 \u2028" }, { Id: "b", N: [1, 2] }, { Id: "c" }];
  const rows: PreparedRow[] = objs.map((o, index) => {
    const json = JSON.stringify(o);
    return { index, row: o, json, bytes: Buffer.byteLength(json), trimmed: false };
  });
  assert.equal(arrayBuffer(rows).toString("utf8"), arrayJson(rows));
  assert.deepEqual(JSON.parse(arrayBuffer(rows).toString("utf8")), objs);
  // A declared size that does not match the JSON still yields the whole array.
  const wrong = rows.map((r) => ({ ...r, bytes: r.bytes - 1 }));
  assert.equal(arrayBuffer(wrong).toString("utf8"), arrayJson(rows));
  const larger = rows.map((r) => ({ ...r, bytes: r.bytes + 3 }));
  assert.equal(arrayBuffer(larger).toString("utf8"), arrayJson(rows));
});
