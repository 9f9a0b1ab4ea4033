import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { ImportAbortedError, importFiles } from "../../connector/import/index.ts";
import { rowTypeErrors } from "../../connector/normalize/check-row.ts";
import { MemoryDeadLetterStore } from "../../connector/sink/dead-letter-memory.ts";
import type { RowSink, SinkReport, StreamKind } from "../../connector/sink/types.ts";
import { MemoryDedupStore } from "../../connector/state/memory-dedup-store.ts";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/exports/${name}`, import.meta.url));

/** Test double of the Logs Ingestion sink: acknowledges and keeps every row. */
class RecordingSink implements RowSink {
  readonly calls: { stream: StreamKind; rows: Record<string, unknown>[] }[] = [];
  failOnCall = -1;
  get rows() {
    return this.calls.flatMap((c) => c.rows);
  }
  async send(stream: StreamKind, rows: readonly Record<string, unknown>[]): Promise<SinkReport> {
    if (this.calls.length === this.failOnCall) throw new Error("ingestion endpoint unreachable");
    this.calls.push({ stream, rows: JSON.parse(JSON.stringify(rows)) });
    return { accepted: rows.length, deadLettered: 0, truncated: 0, requests: 1, bytes: 0 };
  }
  async close() {}
}

async function run(files: string[], extra: Partial<Parameters<typeof importFiles>[1]> = {}) {
  const sink = new RecordingSink();
  const deadLetters = new MemoryDeadLetterStore();
  const report = await importFiles(files, { sink, deadLetters, ...extra });
  return { sink, deadLetters, report };
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "exo-import-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("imports a Purview CSV with BOM, CRLF and a multi-line AuditData cell, dead-lettering bad rows by file and row", async () => {
  const file = fixture("purview-audit-search.csv");
  const { sink, deadLetters, report } = await run([file]);
  const rows = sink.rows;
  assert.deepEqual(
    rows.map((r) => r.SourceContentId),
    [
      "purview-audit-search.csv:2",
      "purview-audit-search.csv:3",
      "purview-audit-search.csv:5",
      "purview-audit-search.csv:8",
    ],
  );
  assert.ok(rows.every((r) => r.IngestionSource === "purview-csv"));
  for (const r of rows) assert.deepEqual(rowTypeErrors(r), []);
  const mia = rows.find((r) => r.Operation === "MailItemsAccessed");
  assert.equal(mia?.OperationCount, 4, "the pretty-printed multi-line cell parsed");
  const login = rows.find((r) => r.Operation === "MailboxLogin");
  assert.equal(login?.RecordId, "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "missing AuditData.Id filled from RecordId");
  assert.equal(report.duplicates, 1);
  assert.equal(report.errors, 2);
  assert.equal(report.rowsSent, 4);
  assert.equal(report.accepted, 4);
  assert.equal(report.files[0]?.format, "purview-csv");
  assert.deepEqual(
    deadLetters.letters.map((l) => [l.stage, l.source]),
    [
      ["import", `${file}:4`],
      ["import", `${file}:7`],
    ],
  );
  assert.match(deadLetters.letters[0]?.reason ?? "", /AuditData is not valid JSON/);
  assert.match(deadLetters.letters[1]?.reason ?? "", /does not match AuditData.Id/);
  assert.equal(report.deadLettered, 2);
});

test("imports the classic portal CSV layout", async () => {
  const { sink } = await run([fixture("classic-portal.csv")]);
  assert.deepEqual(
    sink.rows.map((r) => [r.Operation, r.SourceContentId, r.IngestionSource]),
    [
      ["Set-Mailbox", "classic-portal.csv:2", "purview-csv"],
      ["Add-MailboxPermission", "classic-portal.csv:3", "purview-csv"],
    ],
  );
});

test("imports Search-UnifiedAuditLog Export-Csv output with its #TYPE line and a semicolon culture", async () => {
  const { sink, report } = await run([fixture("ual-export-csv.csv"), fixture("ual-export-semicolon.csv")]);
  assert.deepEqual(
    sink.rows.map((r) => [r.Operation, r.SourceContentId, r.IngestionSource]),
    [
      ["New-InboxRule", "ual-export-csv.csv:3", "ual-csv"],
      ["HardDelete", "ual-export-csv.csv:4", "ual-csv"],
      ["Send", "ual-export-csv.csv:5", "ual-csv"],
    ],
  );
  assert.equal(report.duplicates, 1, "the Send of the second file was already imported");
  assert.deepEqual(
    report.files.map((f) => [f.format, f.records, f.rows, f.duplicates]),
    [
      ["ual-csv", 3, 3, 0],
      ["ual-csv", 1, 0, 1],
    ],
  );
});

test("imports Search-UnifiedAuditLog ConvertTo-Json output, filling a missing CreationTime from /Date(ms)/", async () => {
  const { sink, deadLetters } = await run([fixture("ual-convertto-json.json")]);
  assert.deepEqual(
    sink.rows.map((r) => [r.Operation, r.EventTime, r.IngestionSource, r.SourceContentId]),
    [
      ["New-InboxRule", "2024-10-08T05:08:37.000Z", "ual-json", "ual-convertto-json.json:1"],
      ["Send", "2025-05-06T10:11:12.000Z", "ual-json", "ual-convertto-json.json:2"],
    ],
  );
  assert.equal(deadLetters.letters.length, 1);
  assert.match(deadLetters.letters[0]?.source ?? "", /ual-convertto-json\.json:3$/);
});

test("imports a single pretty-printed ConvertTo-Json object", async () => {
  const { sink } = await run([fixture("ual-single-object.json")]);
  assert.deepEqual(
    sink.rows.map((r) => [r.Operation, r.ClientIP, r.ClientIPPort]),
    [["New-InboxRule", "104.28.196.199", 28491]],
  );
});

test("imports a JSON array of AuditData, rejecting non-records and records without Id", async () => {
  const { sink, deadLetters, report } = await run([fixture("auditdata-array.json")]);
  assert.deepEqual(
    sink.rows.map((r) => [r.SourceContentId, r.IngestionSource]),
    [
      ["auditdata-array.json:1", "json"],
      ["auditdata-array.json:4", "json"],
    ],
  );
  assert.equal(report.duplicates, 1);
  assert.equal(report.rejected, 1);
  assert.equal(report.errors, 1);
  assert.deepEqual(
    deadLetters.letters.map((l) => l.stage),
    ["import", "normalize"],
  );
  assert.equal(deadLetters.letters[1]?.reason, "record has no Id");
});

test("imports JSON Lines with CRLF and keeps going after a broken line", async () => {
  const { sink, deadLetters, report } = await run([fixture("auditdata.jsonl")]);
  assert.deepEqual(
    sink.rows.map((r) => r.SourceContentId),
    ["auditdata.jsonl:1", "auditdata.jsonl:2", "auditdata.jsonl:5", "auditdata.jsonl:6"],
  );
  assert.ok(sink.rows.every((r) => r.IngestionSource === "jsonl"));
  assert.equal(report.errors, 1);
  assert.match(deadLetters.letters[0]?.source ?? "", /auditdata\.jsonl:3$/);
  assert.equal(deadLetters.letters[0]?.payload, '{"Id":"broken", "Operation": ');
});

test("delivers what precedes a truncated JSON array and reports the rest as unreadable", async () => {
  const { sink, report } = await run([fixture("truncated-array.json"), fixture("classic-portal.csv")]);
  assert.equal(report.files[0]?.rows, 2);
  assert.match(report.files[0]?.fatal ?? "", /ended before the end/);
  assert.equal(report.files[1]?.rows, 2, "the next file is still imported");
  assert.equal(sink.rows.length, 4);
});

test("reports unreadable and unrecognized files and continues", async () => {
  const junk = join(dir, "notes.txt");
  await writeFile(junk, "hello\nworld\n");
  const { report, deadLetters } = await run([join(dir, "missing.csv"), junk, fixture("classic-portal.csv")]);
  assert.match(report.files[0]?.fatal ?? "", /cannot read/);
  assert.match(report.files[1]?.fatal ?? "", /unrecognized format/);
  assert.equal(report.files[2]?.rows, 2);
  assert.equal(deadLetters.letters.length, 2);
});

test("skips records the dedup store already delivered and remembers new ones", async () => {
  const dedup = new MemoryDedupStore();
  const first = await run([fixture("auditdata.jsonl")], { dedup });
  assert.equal(first.report.rowsSent, 4);
  const second = await run([fixture("auditdata.jsonl"), fixture("classic-portal.csv")], { dedup });
  assert.equal(second.report.duplicates, 4);
  assert.deepEqual(
    second.sink.rows.map((r) => r.Operation),
    ["Set-Mailbox", "Add-MailboxPermission"],
  );
});

test("sends in batches of batchRows and passes normalizer options through", async () => {
  const { sink } = await run([fixture("auditdata.jsonl")], {
    batchRows: 3,
    normalize: { subjects: "drop", keepAuditData: false, connectorTenant: "tenant-9" },
  });
  assert.deepEqual(
    sink.calls.map((c) => c.rows.length),
    [3, 1],
  );
  assert.ok(sink.calls.every((c) => c.stream === "audit"));
  assert.ok(sink.rows.every((r) => r.AuditData === null && r.Subject === null && r.ConnectorTenant === "tenant-9"));
});

test("stops with the partial report when the sink fails", async () => {
  const sink = new RecordingSink();
  sink.failOnCall = 1;
  await assert.rejects(
    importFiles([fixture("auditdata.jsonl")], { sink, deadLetters: new MemoryDeadLetterStore(), batchRows: 2 }),
    (err: unknown) => {
      assert.ok(err instanceof ImportAbortedError);
      assert.equal(err.report.rowsSent, 2);
      assert.match(err.message, /unreachable/);
      return true;
    },
  );
});

test("streams a large JSON Lines file in constant-size batches", async () => {
  const path = join(dir, "large.jsonl");
  const lines: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    lines.push(
      JSON.stringify({
        Id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
        RecordType: 2,
        Operation: "MailboxLogin",
        CreationTime: "2025-01-01T00:00:00",
        UserId: `user${i % 50}@contoso.com`,
      }),
    );
  }
  await writeFile(path, `${lines.join("\n")}\n`);
  const sink = new RecordingSink();
  let maxBatch = 0;
  sink.send = async (_stream, rows) => {
    maxBatch = Math.max(maxBatch, rows.length);
    return { accepted: rows.length, deadLettered: 0, truncated: 0, requests: 1, bytes: 0 };
  };
  const report = await importFiles([path], { sink, deadLetters: new MemoryDeadLetterStore() });
  assert.equal(report.accepted, 20_000);
  assert.equal(maxBatch, 1000);
});
