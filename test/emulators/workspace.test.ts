import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import {
  FaultQueue,
  startWorkspaceEmulator,
  type WorkspaceEmulator,
} from "../../connector/emulators/workspace/index.ts";
import { auditRow, healthRow } from "../sink/rows.ts";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: { error?: { code?: string; message?: string } } | undefined;
}

const NOW = new Date("2026-03-10T12:00:00.000Z");
let emu: WorkspaceEmulator;
let dataDir: string;

function post(
  path: string,
  body: Buffer | string,
  headers: Record<string, string> = { authorization: "Bearer t", "content-type": "application/json" },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, emu.endpoint);
    const req = request(url, { method: "POST", ca: emu.caCert, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: Reply["json"];
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {}
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

const auditPath = () =>
  `/dataCollectionRules/${emu.dcrImmutableId}/streams/Custom-ExchangeAudit?api-version=2023-01-01`;
const healthPath = () =>
  `/dataCollectionRules/${emu.dcrImmutableId}/streams/Custom-ExchangeAuditHealth?api-version=2023-01-01`;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "exo-ws-"));
  emu = await startWorkspaceEmulator({
    dataDir,
    now: () => NOW,
    verifyToken: (token) => token !== "no-role",
  });
});
after(async () => {
  await emu.stop();
  await rm(dataDir, { recursive: true, force: true });
});
beforeEach(() => emu.faults.clear());

describe("workspace emulator", () => {
  test("generates a DCR immutable id in the service's format", () => {
    assert.match(emu.dcrImmutableId, /^dcr-[0-9a-f]{32}$/);
    assert.ok(emu.endpoint.startsWith("https://127.0.0.1:"));
  });

  test("accepts a JSON array with 204 and appends the transformed rows to the table file", async () => {
    const row = auditRow(1, NOW.getTime() - 3_600_000);
    const r = await post(auditPath(), JSON.stringify([row, auditRow(2, NOW.getTime() - 3_600_000)]));
    assert.equal(r.status, 204);
    assert.equal(r.body, "");
    const rows = await emu.readTable("ExchangeAudit_CL");
    const stored = rows.find((x) => x.RecordId === row.RecordId)!;
    assert.equal(stored.TimeGenerated, row.EventTime, "TimeGenerated comes from EventTime");
    assert.equal(stored.EventTime, row.EventTime);
    assert.deepEqual(stored.Parameters ?? null, row.Parameters ?? null);
    assert.equal(stored._TimeReceived, NOW.toISOString());
    const text = await readFile(emu.tablePath("ExchangeAudit_CL"), "utf8");
    assert.ok(text.endsWith("\n"));
    assert.equal(emu.tablePath("ExchangeAudit_CL"), join(dataDir, "workspace", "ExchangeAudit_CL.ndjson"));
  });

  test("decodes gzip request bodies", async () => {
    const row = auditRow(10, NOW.getTime() - 60_000);
    const r = await post(auditPath(), gzipSync(JSON.stringify([row])), {
      authorization: "Bearer t",
      "content-type": "application/json",
      "content-encoding": "gzip",
    });
    assert.equal(r.status, 204);
    const last = emu.requests.at(-1)!;
    assert.equal(last.gzip, true);
    assert.ok(last.bodyBytes < last.uncompressedBytes!);
    assert.ok((await emu.readTable("ExchangeAudit_CL")).some((x) => x.RecordId === row.RecordId));
  });

  test("replaces TimeGenerated older than 2 days or more than 1 day ahead with the receive time", async () => {
    const old = { ...auditRow(20), EventTime: "2026-03-07T11:00:00Z" };
    const recent = { ...auditRow(21), EventTime: "2026-03-08T13:00:00Z" };
    const future = { ...auditRow(22), EventTime: "2026-03-11T13:00:00Z" };
    const missing = { ...auditRow(23), EventTime: null };
    assert.equal((await post(auditPath(), JSON.stringify([old, recent, future, missing]))).status, 204);
    const rows = await emu.readTable("ExchangeAudit_CL");
    const by = (id: unknown) => rows.find((x) => x.RecordId === id)!;
    assert.equal(by(old.RecordId).TimeGenerated, NOW.toISOString());
    assert.equal(by(old.RecordId).EventTime, "2026-03-07T11:00:00.000Z", "EventTime keeps the original");
    assert.equal(by(recent.RecordId).TimeGenerated, "2026-03-08T13:00:00.000Z");
    assert.equal(by(future.RecordId).TimeGenerated, NOW.toISOString());
    assert.equal(by(missing.RecordId).TimeGenerated, NOW.toISOString());
  });

  test("keeps the health stream's own TimeGenerated", async () => {
    const h = healthRow(new Date(NOW.getTime() - 300_000));
    assert.equal((await post(healthPath(), JSON.stringify([h]))).status, 204);
    const rows = await emu.readTable("ExchangeAuditHealth_CL");
    assert.equal(rows.at(-1)!.TimeGenerated, h.TimeGenerated);
    assert.equal(rows.at(-1)!.LagSeconds, 600.5);
    assert.equal(emu.rowsAccepted("ExchangeAuditHealth_CL"), 1);
  });

  test("truncates string values over 64 KB and drops undeclared properties", async () => {
    const row = { ...auditRow(30, NOW.getTime()), Subject: "é".repeat(40_000), NotAColumn: "x", TimeGenerated: "x" };
    assert.equal((await post(auditPath(), JSON.stringify([row]))).status, 204);
    const stored = (await emu.readTable("ExchangeAudit_CL")).find((x) => x.RecordId === row.RecordId)!;
    assert.equal(Buffer.byteLength(stored.Subject as string, "utf8"), 65_536);
    assert.ok(!("NotAColumn" in stored));
  });

  test("answers 400 InvalidApiVersion for another api-version", async () => {
    const r = await post(auditPath().replace("2023-01-01", "2021-11-01-preview"), "[]");
    assert.equal(r.status, 400);
    assert.equal(r.json?.error?.code, "InvalidApiVersion");
    assert.equal(r.headers["x-ms-error-code"], "InvalidApiVersion");
  });

  test("answers 401 without a bearer token", async () => {
    const r = await post(auditPath(), "[]", { "content-type": "application/json" });
    assert.equal(r.status, 401);
    assert.ok(r.json?.error?.code);
  });

  test("answers 403 OperationFailed with the documented message when the token has no access", async () => {
    const r = await post(auditPath(), "[]", { authorization: "Bearer no-role", "content-type": "application/json" });
    assert.equal(r.status, 403);
    assert.equal(r.json?.error?.code, "OperationFailed");
    assert.match(
      r.json?.error?.message ?? "",
      new RegExp(
        `^The authentication token provided does not have access to ingest data for the data collection rule with immutable Id '${emu.dcrImmutableId}'`,
      ),
    );
  });

  test("answers 404 NotFound with the documented text for an unknown DCR", async () => {
    const r = await post(
      "/dataCollectionRules/dcr-00000000000000000000000000000000/streams/Custom-ExchangeAudit?api-version=2023-01-01",
      "[]",
    );
    assert.equal(r.status, 404);
    assert.deepEqual(r.json, {
      error: {
        code: "NotFound",
        message: "Data collection rule with immutable Id 'dcr-00000000000000000000000000000000' not found.",
      },
    });
  });

  test("answers 400 for a stream the DCR does not declare", async () => {
    const r = await post(auditPath().replace("Custom-ExchangeAudit", "Custom-Other"), "[]");
    assert.equal(r.status, 400);
    assert.match(r.json?.error?.message ?? "", /Custom-Other/);
  });

  test("answers 413 ContentLengthLimitExceeded above 1,048,576 bytes uncompressed even when gzip is small", async () => {
    const rows = Array.from({ length: 700 }, (_, i) => auditRow(1000 + i, NOW.getTime()));
    const json = JSON.stringify(rows);
    assert.ok(json.length > 1_048_576);
    const r = await post(auditPath(), gzipSync(json), {
      authorization: "Bearer t",
      "content-type": "application/json",
      "content-encoding": "gzip",
    });
    assert.equal(r.status, 413);
    assert.equal(r.headers["x-ms-error-code"], "ContentLengthLimitExceeded");
    assert.equal(
      r.json?.error?.message,
      `Maximum allowed content length: 1048576 bytes (1 MB). Provided content length: ${Buffer.byteLength(json)} bytes.`,
    );
  });

  test("answers 413 for a body over the limit as sent", async () => {
    const r = await post(auditPath(), `[${" ".repeat(1_048_577)}]`);
    assert.equal(r.status, 413);
    assert.equal(r.headers["x-ms-error-code"], "ContentLengthLimitExceeded");
  });

  test("answers 400 when the body is not a JSON array", async () => {
    assert.equal((await post(auditPath(), JSON.stringify(auditRow(1)))).status, 400);
    assert.equal((await post(auditPath(), "[{")).status, 400);
    assert.equal((await post(auditPath(), "[1]")).status, 400);
  });

  test("answers 400 naming the column when a value does not match the declared type", async () => {
    const before = emu.rowsAccepted("ExchangeAudit_CL");
    const textForInt = await post(auditPath(), JSON.stringify([auditRow(40), { ...auditRow(41), RecordType: "50" }]));
    assert.equal(textForInt.status, 400);
    assert.match(
      textForInt.json?.error?.message ?? "",
      /row 1: column 'RecordType' is declared int but the value is a string/,
    );
    const objectForString = await post(auditPath(), JSON.stringify([{ ...auditRow(42), UserId: { upn: "a@b" } }]));
    assert.equal(objectForString.status, 400);
    assert.match(objectForString.json?.error?.message ?? "", /'UserId' is declared string but the value is an object/);
    const badDate = await post(auditPath(), JSON.stringify([{ ...auditRow(43), EventTime: "yesterday" }]));
    assert.equal(badDate.status, 400);
    assert.equal(emu.rowsAccepted("ExchangeAudit_CL"), before, "a rejected request stores nothing");
  });

  test("injects 429 with Retry-After, 503 and 500 from the fault queue, then recovers", async () => {
    emu.faults.status(429, 1, 7);
    emu.faults.status(503, 1);
    emu.faults.status(500, 1);
    const r1 = await post(auditPath(), "[]");
    assert.equal(r1.status, 429);
    assert.equal(r1.headers["retry-after"], "7");
    assert.equal((await post(auditPath(), "[]")).status, 503);
    assert.equal((await post(auditPath(), "[]")).status, 500);
    assert.equal((await post(auditPath(), "[]")).status, 204);
  });

  test("injects 403 for a duration and a forced 404 and 413", async () => {
    emu.faults.push({ fault: { kind: "status", status: 403 }, forMs: 10_000 });
    assert.equal((await post(auditPath(), "[]")).json?.error?.code, "OperationFailed");
    assert.equal((await post(auditPath(), "[]")).status, 403);
    emu.faults.clear();
    assert.equal((await post(auditPath(), "[]")).status, 204);
    emu.faults.status(404);
    assert.equal((await post(auditPath(), "[]")).json?.error?.code, "NotFound");
    emu.faults.status(413);
    const r = await post(auditPath(), "[]");
    assert.equal(r.status, 413);
    assert.equal(r.headers["x-ms-error-code"], "ContentLengthLimitExceeded");
  });

  test("resets the connection and delays responses on request", async () => {
    emu.faults.push({ fault: { kind: "reset" } });
    await assert.rejects(post(auditPath(), "[]"), (e: NodeJS.ErrnoException) => e.code === "ECONNRESET");
    emu.faults.push({ fault: { kind: "delay", ms: 150 } });
    const t = performance.now();
    assert.equal((await post(auditPath(), "[]")).status, 204);
    assert.ok(performance.now() - t >= 140);
  });

  test("faults can target one stream only", async () => {
    emu.faults.push({ fault: { kind: "status", status: 503 }, stream: "Custom-ExchangeAuditHealth" });
    assert.equal((await post(auditPath(), "[]")).status, 204);
    assert.equal((await post(healthPath(), "[]")).status, 503);
  });

  test("logs every request with status, sizes and fault", async () => {
    emu.faults.status(429, 1, 1);
    await post(auditPath(), JSON.stringify([auditRow(50)]));
    const last = emu.requests.at(-1)!;
    assert.equal(last.status, 429);
    assert.equal(last.fault, "status 429");
    assert.equal(last.stream, "Custom-ExchangeAudit");
    assert.equal(last.dcrImmutableId, emu.dcrImmutableId);
    assert.ok(last.bodyBytes > 1000);
  });
});

test("serves several configured DCRs and refuses a malformed immutable id", async () => {
  const dir = await mkdtemp(join(tmpdir(), "exo-ws-"));
  const a = "dcr-0123456789abcdef0123456789abcdef";
  const b = "dcr-fedcba9876543210fedcba9876543210";
  const e2 = await startWorkspaceEmulator({ dataDir: dir, dcrs: [{ immutableId: a }, { immutableId: b }] });
  try {
    assert.equal(e2.dcrImmutableId, a);
    assert.deepEqual(
      e2.dcrs.map((d) => [...d.streams.keys()]),
      [
        ["Custom-ExchangeAudit", "Custom-ExchangeAuditHealth"],
        ["Custom-ExchangeAudit", "Custom-ExchangeAuditHealth"],
      ],
    );
  } finally {
    await e2.stop();
    await rm(dir, { recursive: true, force: true });
  }
  await assert.rejects(startWorkspaceEmulator({ dataDir: dir, dcrs: [{ immutableId: "my-dcr" }] }), /dcr-<32 hex/);
});

test("a fault queued for a duration stops matching when the duration has passed", () => {
  let now = 1_000;
  const q = new FaultQueue(() => now);
  q.push({ fault: { kind: "status", status: 403 }, forMs: 500 });
  q.push({ fault: { kind: "status", status: 503 }, times: 2 });
  const ctx = { dcrImmutableId: "dcr-x", stream: "Custom-ExchangeAudit", index: 0 };
  assert.deepEqual(q.take(ctx), { kind: "status", status: 403 });
  now = 1_499;
  assert.deepEqual(q.take(ctx), { kind: "status", status: 403 });
  now = 1_500;
  assert.deepEqual(q.take(ctx), { kind: "status", status: 503 });
  assert.deepEqual(q.take(ctx), { kind: "status", status: 503 });
  assert.equal(q.take(ctx), undefined);
  assert.equal(q.pending(), 0);
});
