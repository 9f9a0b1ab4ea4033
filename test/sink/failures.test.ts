import assert from "node:assert/strict";
import { test } from "node:test";
import { isSinkError, type SinkError } from "../../connector/sink/index.ts";
import { auditRow, auditRows } from "./rows.ts";
import { startHarness } from "./harness.ts";

function sinkError(kind: string, pattern?: RegExp) {
  return (e: unknown) => {
    assert.ok(isSinkError(e), `expected a SinkError, got ${String(e)}`);
    assert.equal((e as SinkError).kind, kind, (e as Error).message);
    if (pattern) assert.match((e as Error).message, pattern);
    return true;
  };
}

test("splits batches in halves on 413 until the service accepts them", async () => {
  const h = await startHarness({ emulator: { maxBodyBytes: 30_000 } });
  try {
    const rows = auditRows(100);
    const report = await h.sink.send("audit", rows);
    assert.equal(report.accepted, 100);
    assert.equal(report.deadLettered, 0);
    assert.equal(report.truncated, 0);
    const statuses = h.emu.requests.map((r) => r.status);
    assert.equal(statuses[0], 413);
    assert.ok(statuses.filter((s) => s === 204).length >= 7);
    assert.equal(h.emu.rowsAccepted("ExchangeAudit_CL"), 100);
    const stored = await h.emu.readTable("ExchangeAudit_CL");
    assert.deepEqual(
      stored.map((r) => r.RecordId),
      rows.map((r) => r.RecordId),
      "sub-batches are delivered in order",
    );
  } finally {
    await h.close();
  }
});

test("trims a single row larger than one request, sets Truncated and delivers it", async () => {
  const h = await startHarness();
  try {
    const big = auditRow(7);
    big.AuditData = { ...(big.AuditData as object), Body: "x".repeat(1_500_000) };
    const rows = [auditRow(6), big, auditRow(8)];
    const report = await h.sink.send("audit", rows);
    assert.equal(report.accepted, 3);
    assert.equal(report.truncated, 1);
    assert.equal(report.deadLettered, 0);
    assert.ok(h.emu.requests.every((r) => r.status === 204 && r.uncompressedBytes! <= 1_000_000));
    const stored = (await h.emu.readTable("ExchangeAudit_CL")).find((r) => r.RecordId === big.RecordId)!;
    assert.deepEqual(stored.Truncated, ["AuditData"]);
    const audit = stored.AuditData as Record<string, unknown>;
    assert.equal(audit.Id, big.RecordId, "the raw record keeps its small members");
    assert.equal(audit.TruncatedByConnector, true);
    assert.ok(rows[1]!.AuditData && typeof rows[1]!.AuditData === "object", "the caller's row is not mutated");
  } finally {
    await h.close();
  }
});

test("trims a single row further when the service still answers 413 for it alone", async () => {
  const h = await startHarness();
  try {
    h.emu.faults.status(413, 2);
    const row = { ...auditRow(3), Subject: "s".repeat(20_000) };
    const report = await h.sink.send("audit", [row]);
    assert.equal(report.accepted, 1);
    assert.equal(report.truncated, 1);
    const stored = (await h.emu.readTable("ExchangeAudit_CL"))[0]!;
    assert.ok((stored.Truncated as string[]).includes("Subject"));
    assert.ok((stored.Subject as string).length < 10_000);
  } finally {
    await h.close();
  }
});

test("retries 429 and 503 honouring Retry-After, then delivers", async () => {
  const h = await startHarness();
  try {
    h.emu.faults.status(429, 2, 3);
    h.emu.faults.status(503, 1, 2);
    const report = await h.sink.send("audit", auditRows(10));
    assert.equal(report.accepted, 10);
    assert.equal(report.requests, 4);
    assert.deepEqual(h.sleeps, [3000, 3000, 2000]);
    assert.equal(h.emu.rowsAccepted("ExchangeAudit_CL"), 10);
    const warnings = h.logs.entries().filter((e) => e.msg === "Logs Ingestion upload failed transiently; retrying");
    assert.deepEqual(
      warnings.map((w) => w.status),
      [429, 429, 503],
    );
    assert.ok(!h.logs.lines.some((l) => l.includes("undefined\\n}")), "never logs AggregateLogsUploadError.message");
  } finally {
    await h.close();
  }
});

test("backs off exponentially on 500 without Retry-After", async () => {
  const h = await startHarness({ sink: { random: () => 1, retry: { initialDelayMs: 100 } } });
  try {
    h.emu.faults.status(500, 3);
    assert.equal((await h.sink.send("audit", auditRows(3))).accepted, 3);
    assert.deepEqual(h.sleeps, [100, 200, 400]);
  } finally {
    await h.close();
  }
});

test("retries after a connection reset", async () => {
  const h = await startHarness();
  try {
    h.emu.faults.push({ fault: { kind: "reset" }, times: 2 });
    const report = await h.sink.send("audit", auditRows(20));
    assert.equal(report.accepted, 20);
    assert.equal(h.sleeps.length, 2);
    assert.equal(h.emu.rowsAccepted("ExchangeAudit_CL"), 20);
  } finally {
    await h.close();
  }
});

test("dead-letters only the rows a 400 rejects, with the service's reason, and delivers the rest", async () => {
  const h = await startHarness();
  try {
    const rows = auditRows(200);
    rows[17] = { ...rows[17]!, RecordType: "fifty" as unknown as number };
    rows[120] = { ...rows[120]!, UserId: { upn: "eve@contoso.com" } as unknown as string };
    rows[121] = { ...rows[121]!, EventTime: "last tuesday" };
    const report = await h.sink.send("audit", rows);
    assert.equal(report.accepted, 197);
    assert.equal(report.deadLettered, 3);
    assert.deepEqual(
      h.deadLetters.letters.map((l) => l.recordId),
      [rows[17]!.RecordId, rows[120]!.RecordId, rows[121]!.RecordId],
    );
    const [a, b, c] = h.deadLetters.letters;
    assert.equal(a!.stage, "ingestion");
    assert.equal(a!.stream, "Custom-ExchangeAudit");
    assert.equal(a!.errorCode, "400 InvalidPayload");
    assert.match(a!.reason, /column 'RecordType' is declared int but the value is a string/);
    assert.match(b!.reason, /'UserId' is declared string but the value is an object/);
    assert.match(c!.reason, /'EventTime' is declared datetime/);
    assert.deepEqual(a!.payload, rows[17]);
    const stored = await h.emu.readTable("ExchangeAudit_CL");
    assert.equal(stored.length, 197);
    assert.ok(!stored.some((r) => r.RecordId === rows[17]!.RecordId));
  } finally {
    await h.close();
  }
});

test("waits slowly through 403s after a role assignment and resumes when access arrives", async () => {
  const h = await startHarness({
    sink: { retry: { forbiddenInitialDelayMs: 30_000, forbiddenMaxDelayMs: 90_000, forbiddenMaxTimeMs: 1_800_000 } },
  });
  try {
    h.emu.faults.status(403, 3);
    const report = await h.sink.send("audit", auditRows(5));
    assert.equal(report.accepted, 5);
    assert.deepEqual(h.sleeps, [30_000, 60_000, 90_000]);
    const warn = h.logs.entries().find((e) => String(e.msg).includes("403"))!;
    assert.match(String(warn.msg), new RegExp(h.emu.dcrImmutableId));
    assert.match(String(warn.msg), /Monitoring Metrics Publisher/);
    assert.match(String(warn.msg), /30 minutes/);
  } finally {
    await h.close();
  }
});

test("rejects after the 403 budget is spent, naming the role and the DCR", async () => {
  const h = await startHarness({
    sink: { retry: { forbiddenInitialDelayMs: 60_000, forbiddenMaxDelayMs: 300_000, forbiddenMaxTimeMs: 600_000 } },
  });
  try {
    h.emu.faults.push({ fault: { kind: "status", status: 403 }, times: 1000 });
    await assert.rejects(
      h.sink.send("audit", auditRows(5)),
      sinkError("forbidden", /Monitoring Metrics Publisher.*gave up after 600 s/),
    );
    // Doubling from 60 s, the last wait cut to what is left of the 10 min budget (minus real elapsed ms).
    assert.deepEqual(h.sleeps.slice(0, 3), [60_000, 120_000, 240_000]);
    assert.ok(Math.abs(h.sleeps[3]! - 180_000) < 2_000, String(h.sleeps[3]));
    assert.equal(h.emu.rowsAccepted("ExchangeAudit_CL"), 0);
  } finally {
    await h.close();
  }
});

test("fails fast on 404 with a message about the DCR immutable id and endpoint", async () => {
  const h = await startHarness({ sink: { dcrImmutableId: "dcr-0000000000000000000000000000beef" } });
  try {
    await assert.rejects(
      h.sink.send("audit", auditRows(1500)),
      sinkError("not-found", /dcr-0000000000000000000000000000beef.*immutable id is wrong/),
    );
    assert.ok(h.emu.requests.length <= 4, "no retries");
    assert.equal(h.sleeps.length, 0);
    assert.equal(h.deadLetters.count(), 0);
  } finally {
    await h.close();
  }
});

test("rejects without dead-lettering when the stream is not declared in the DCR", async () => {
  const h = await startHarness({ sink: { streams: { audit: "Custom-ExchangeAuditV9" } } });
  try {
    await assert.rejects(h.sink.send("audit", auditRows(50)), sinkError("configuration", /InvalidStream/));
    assert.equal(h.deadLetters.count(), 0);
    assert.equal(h.emu.requests.length, 1);
  } finally {
    await h.close();
  }
});

test("rejects send when retries are exhausted so the caller never commits", async () => {
  const h = await startHarness({ sink: { retry: { maxRetryTimeMs: 60_000, initialDelayMs: 5_000 }, random: () => 1 } });
  try {
    h.emu.faults.push({ fault: { kind: "status", status: 503 }, times: 1000 });
    await assert.rejects(h.sink.send("audit", auditRows(10)), sinkError("retries-exhausted", /503 ServiceUnavailable/));
    assert.deepEqual(h.sleeps, [5_000, 10_000, 20_000]);
    assert.equal(h.emu.rowsAccepted("ExchangeAudit_CL"), 0);
    const entry = h.logs.entries().find((e) => e.msg === "send failed; the caller must not commit");
    assert.ok(entry);
  } finally {
    await h.close();
  }
});

test("refreshes the token once after a 401 and fails on a second 401", async () => {
  const h = await startHarness();
  try {
    h.emu.faults.status(401, 1);
    assert.equal((await h.sink.send("audit", auditRows(2))).accepted, 2);
    assert.equal(h.credential.calls, 2, "a new token was requested");
    h.emu.faults.status(401, 2);
    await assert.rejects(h.sink.send("audit", auditRows(2)), sinkError("unauthorized", /401/));
  } finally {
    await h.close();
  }
});

test("stops and rejects when the caller aborts", async () => {
  const h = await startHarness({ realSleepMs: 50 });
  try {
    h.emu.faults.push({ fault: { kind: "status", status: 503 }, times: 1000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("shutdown")), 120);
    await assert.rejects(h.sink.send("audit", auditRows(10), ac.signal), sinkError("aborted"));
  } finally {
    await h.close();
  }
});

test("validates endpoint, DCR id and options when the sink is created", async () => {
  const h = await startHarness();
  try {
    const { createLogsIngestionSink } = await import("../../connector/sink/index.ts");
    const base = {
      endpoint: h.emu.endpoint,
      dcrImmutableId: h.emu.dcrImmutableId,
      credential: h.credential,
      deadLetters: h.deadLetters,
    };
    assert.throws(() => createLogsIngestionSink({ ...base, endpoint: "http://127.0.0.1:1" }), /https/);
    assert.throws(
      () =>
        createLogsIngestionSink({ ...base, endpoint: "https://my-dce-5kyl.eastus-1.metrics.ingest.monitor.azure.com" }),
      /metrics ingestion endpoint/,
    );
    assert.throws(
      () => createLogsIngestionSink({ ...base, endpoint: "https://contoso.example.com" }),
      /Logs Ingestion endpoint/,
    );
    assert.throws(() => createLogsIngestionSink({ ...base, dcrImmutableId: "my-dcr" }), /dcr-/);
    assert.throws(() => createLogsIngestionSink({ ...base, streams: { audit: "ExchangeAudit" } }), /Custom-/);
    assert.throws(() => createLogsIngestionSink({ ...base, maxBatchBytes: 2_000_000 }), /maxBatchBytes/);
    assert.ok(createLogsIngestionSink({ ...base, endpoint: "https://my-dce-5kyl.eastus-1.ingest.monitor.azure.com/" }));
  } finally {
    await h.close();
  }
});

test("resends a request that gets no answer within the request timeout", async () => {
  const h = await startHarness({ sink: { requestTimeoutMs: 250 } });
  try {
    h.emu.faults.push({ fault: { kind: "delay", ms: 600 } });
    const rows = auditRows(3);
    const report = await h.sink.send("audit", rows);
    assert.equal(report.accepted, 3);
    assert.ok(h.sleeps.length >= 1);
    const warn = h.logs.entries().find((e) => e.msg === "Logs Ingestion upload failed transiently; retrying")!;
    assert.equal(warn.error, "no response within 250 ms");
    // The slow first request is still processed by the service: timeouts are at-least-once.
    await new Promise((r) => setTimeout(r, 650));
    const stored = await h.emu.readTable("ExchangeAudit_CL");
    assert.equal(new Set(stored.map((r) => r.RecordId)).size, 3);
    assert.equal(stored.length % 3, 0);
  } finally {
    await h.close();
  }
});

test("dead-letters a row JSON cannot carry instead of failing the whole send", async () => {
  const h = await startHarness();
  try {
    const bad: Record<string, unknown> = { ...auditRow(2), OperationCount: 10n };
    const report = await h.sink.send("audit", [auditRow(1), bad, auditRow(3)]);
    assert.equal(report.accepted, 2);
    assert.equal(report.deadLettered, 1);
    const [l] = h.deadLetters.letters;
    assert.equal(l!.errorCode, "not-serializable");
    assert.equal(l!.recordId, bad.RecordId);
    assert.equal((l!.payload as Record<string, unknown>).OperationCount, "10");
  } finally {
    await h.close();
  }
});

test("rejects when every row is refused, pointing at an outdated DCR stream declaration", async () => {
  const h = await startHarness({ sink: { retry: { maxConsecutiveRejections: 4 } } });
  try {
    const rows = auditRows(16).map((r) => ({ ...r, RecordType: String(r.RecordType) as unknown as number }));
    await assert.rejects(h.sink.send("audit", rows), sinkError("rejected", /stream declaration/));
    assert.equal(h.deadLetters.count(), 4, "the rows isolated so far are kept");
  } finally {
    await h.close();
  }
});
