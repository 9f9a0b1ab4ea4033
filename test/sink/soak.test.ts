import assert from "node:assert/strict";
import { test } from "node:test";
import type { Fault } from "../../connector/emulators/workspace/index.ts";
import { auditRows } from "./rows.ts";
import { startHarness } from "./harness.ts";
import { seededRandom } from "../../connector/util/random.ts";

test("loses and duplicates no row across a large send with random transient faults", async () => {
  const seed = Number(process.env.SINK_SOAK_SEED ?? 20260310);
  const rand = seededRandom(seed);
  const h = await startHarness({ sink: { maxBatchBytes: 30_000, maxConcurrency: 4 } });
  try {
    const kinds: Fault[] = [
      { kind: "status", status: 429, retryAfterSeconds: 0 },
      { kind: "status", status: 503 },
      { kind: "status", status: 500 },
      { kind: "status", status: 502 },
      { kind: "reset" },
      { kind: "delay", ms: 3 },
      { kind: "status", status: 413 },
    ];
    const seen = new Map<string, number>();
    h.emu.faults.setHook(() => {
      const r = rand();
      if (r >= 0.35) return undefined;
      const fault = kinds[Math.floor((r / 0.35) * kinds.length)]!;
      const key = fault.kind === "status" ? String(fault.status) : fault.kind;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      return fault;
    });
    const n = 3_000;
    const rows = auditRows(n);
    const report = await h.sink.send("audit", rows);
    assert.equal(report.accepted, n, `seed ${seed}`);
    assert.equal(report.deadLettered, 0);
    assert.ok(seen.size >= 6, `every fault kind was exercised: ${[...seen.keys()]}`);

    const stored = await h.emu.readTable("ExchangeAudit_CL");
    assert.equal(stored.length, n, "exactly one stored row per input row");
    const ids = new Set(stored.map((r) => r.RecordId));
    assert.equal(ids.size, n, "no duplicates");
    for (const r of rows) assert.ok(ids.has(r.RecordId), `row ${r.RecordId} lost`);
    const failed = h.emu.requests.filter((r) => r.status !== 204).length;
    assert.ok(failed > 20, `${failed} failed requests were retried`);
    assert.equal(report.requests, h.emu.requests.length);
  } finally {
    await h.close();
  }
});
