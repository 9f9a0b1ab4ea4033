import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { FileDeadLetterStore, readDeadLetters } from "../../connector/sink/dead-letter-file.ts";
import { MemoryDeadLetterStore } from "../../connector/sink/dead-letter-memory.ts";
import type { DeadLetter } from "../../connector/sink/types.ts";
import { auditRow } from "./rows.ts";
import { startHarness } from "./harness.ts";

const BASE = Date.parse("2026-03-10T11:00:00Z");

function letter(i: number, time = "2026-03-10T12:00:00.000Z"): DeadLetter {
  const row = auditRow(i, BASE);
  return {
    time,
    stage: "ingestion",
    reason: "400 InvalidPayload: row 0: column 'RecordType' is declared int but the value is a string",
    source: "logs-ingestion:Custom-ExchangeAudit",
    recordId: row.RecordId as string,
    payload: row,
    stream: "Custom-ExchangeAudit",
    errorCode: "400 InvalidPayload",
  };
}

test("appends letters as NDJSON lines in one file per UTC day and reads them back", async () => {
  const dir = await mkdtemp(join(tmpdir(), "exo-dl-"));
  let now = new Date("2026-03-10T23:59:59.000Z");
  const store = new FileDeadLetterStore(dir, () => now);
  try {
    await store.put([letter(1), letter(2)]);
    await store.put([letter(3)]);
    now = new Date("2026-03-11T00:00:01.000Z");
    await store.put([letter(4)]);
    assert.equal(store.count(), 4);
    await store.close();
    assert.deepEqual((await readdir(dir)).sort(), ["dead-letters-2026-03-10.ndjson", "dead-letters-2026-03-11.ndjson"]);
    const day1 = await readFile(join(dir, "dead-letters-2026-03-10.ndjson"), "utf8");
    const lines = day1.split("\n");
    assert.equal(lines.length, 4, "three complete lines and a final newline");
    assert.equal(lines[3], "");
    const first = JSON.parse(lines[0]!) as DeadLetter;
    assert.deepEqual(Object.keys(first).slice(0, 6), ["time", "stage", "reason", "source", "recordId", "payload"]);
    const all = await readDeadLetters(dir);
    assert.deepEqual(
      all.map((l) => l.recordId),
      [1, 2, 3, 4].map((i) => auditRow(i, BASE).RecordId),
    );
    assert.deepEqual(all[0], letter(1));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("keeps appending to an existing day file across store instances", async () => {
  const dir = await mkdtemp(join(tmpdir(), "exo-dl-"));
  try {
    const clock = () => new Date("2026-03-10T08:00:00Z");
    const a = new FileDeadLetterStore(dir, clock);
    await a.put([letter(1)]);
    await a.close();
    const b = new FileDeadLetterStore(dir, clock);
    await b.put([letter(2)]);
    await b.close();
    assert.equal((await readDeadLetters(dir)).length, 2);
    await assert.rejects(b.put([letter(3)]), /closed/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("skips a partial last line left by a crash when reading", async () => {
  const dir = await mkdtemp(join(tmpdir(), "exo-dl-"));
  try {
    const store = new FileDeadLetterStore(dir, () => new Date("2026-03-10T08:00:00Z"));
    await store.put([letter(1)]);
    await store.close();
    const { appendFile } = await import("node:fs/promises");
    await appendFile(join(dir, "dead-letters-2026-03-10.ndjson"), '{"time":"2026-03-10T08:00:01Z","stage":"ing');
    assert.equal((await readDeadLetters(dir)).length, 1);
    assert.deepEqual(await readDeadLetters(join(dir, "missing")), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("concurrent puts never interleave inside a line", async () => {
  const dir = await mkdtemp(join(tmpdir(), "exo-dl-"));
  try {
    const store = new FileDeadLetterStore(dir, () => new Date("2026-03-10T08:00:00Z"));
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.put([letter(i), letter(i + 1000)])));
    await store.close();
    const all = await readDeadLetters(dir);
    assert.equal(all.length, 100);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the in-memory store keeps copies and refuses writes after close", async () => {
  const store = new MemoryDeadLetterStore();
  const l = letter(1);
  await store.put([l]);
  (l.payload as Record<string, unknown>).UserId = "changed";
  assert.notEqual((store.letters[0]!.payload as Record<string, unknown>).UserId, "changed");
  assert.equal(store.count(), 1);
  await store.close();
  await assert.rejects(store.put([l]), /closed/);
});

test("a sink writes rejected rows to the file store in a replayable form", async () => {
  const dir = await mkdtemp(join(tmpdir(), "exo-dl-"));
  const store = new FileDeadLetterStore(dir);
  const h = await startHarness({ sink: { deadLetters: store } });
  try {
    const rows = [auditRow(1), { ...auditRow(2), ItemCount: "many" }, auditRow(3)];
    const report = await h.sink.send("audit", rows);
    assert.equal(report.deadLettered, 1);
    await store.close();
    const [l] = await readDeadLetters(dir);
    assert.equal(l!.recordId, rows[1]!.RecordId);
    assert.equal(l!.stream, "Custom-ExchangeAudit");
    // Replay: fix the payload and send it again to the stream it names.
    const fixed = { ...(l!.payload as Record<string, unknown>), ItemCount: 2 };
    assert.equal((await h.sink.send("audit", [fixed])).accepted, 1);
    assert.equal(h.emu.rowsAccepted("ExchangeAudit_CL"), 3);
  } finally {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  }
});
