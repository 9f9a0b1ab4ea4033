/**
 * Bad input: hostile and malformed records (wrong types, missing fields, huge strings, deep nesting, invalid
 * UTF-8 in CSV, CSV injection, prototype-pollution keys) through the normalizer, the importer and the real
 * sink against the workspace emulator. Nothing throws or hangs, every record is either ingested (possibly
 * truncated) or dead-lettered with a reason, and the counts reconcile exactly.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { startWorkspaceEmulator } from "../../connector/emulators/workspace/index.ts";
import { importFiles } from "../../connector/import/index.ts";
import { normalizeOptions, normalizeRecord } from "../../connector/normalize/index.ts";
import { createLogsIngestionSink, FileDeadLetterStore, readDeadLetters } from "../../connector/sink/index.ts";
import { EXCHANGE_AUDIT_TABLE } from "../../connector/schema/table-schema.ts";

const HOSTILE_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf"];
const FIELDS = [
  "Id",
  "CreationTime",
  "Operation",
  "RecordType",
  "UserId",
  "OrganizationId",
  "Workload",
  "ClientIP",
  "ResultStatus",
  "Parameters",
  "OperationProperties",
  "Folders",
  "AffectedItems",
  "Item",
  "UserType",
  "SessionId",
  "LogonType",
  "ClientIPAddress",
  "MailboxOwnerUPN",
];

const CSV_INJECTION = [
  "=cmd|' /C calc'!A0",
  "+SUM(1,1)",
  "-2+3",
  '@HYPERLINK("http://evil.example")',
  "=IMPORTXML(A1)",
  "\t=1",
];

function deep(depth: number): unknown {
  let v: unknown = "bottom";
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { Name: `n${i}`, Value: v };
  return v;
}

/** Any JSON-ish value, with hostile strings mixed in. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  fc.constantFrom(...CSV_INJECTION),
  fc.integer({ min: 40, max: 300 }).map(deep),
  fc.constantFrom(
    null,
    -0,
    1e308,
    Number.MAX_SAFE_INTEGER + 2,
    "",
    "\u0000",
    "\ud800",
    "\uffff",
    "2026-13-45T99:99:99",
  ),
  fc.string({ unit: "binary", maxLength: 40 }),
);

/** A record: sometimes realistic with broken fields, sometimes not an object at all. */
const hostileRecord: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({
        base: fc.boolean(),
        fields: fc.dictionary(fc.constantFrom(...FIELDS, ...HOSTILE_KEYS), hostileValue, { maxKeys: 8 }),
        id: fc.option(fc.uuid(), { nil: undefined }),
        // One field in ~10 records is a string past the 64 KB field limit (costly to normalize, so not more).
        huge: fc.oneof(
          { weight: 9, arbitrary: fc.constant(undefined) },
          fc.record({
            field: fc.constantFrom("Item", "UserId", "Parameters", "__proto__"),
            size: fc.integer({ min: 60_000, max: 90_000 }),
          }),
        ),
      })
      .map(({ base, fields, id, huge }) => {
        const r: Record<string, unknown> = base
          ? {
              CreationTime: "2026-03-10T11:40:00",
              Id: id ?? "80ab29e3-5d5f-4c36-9d1e-7f0c5e2b7a11",
              Operation: "New-InboxRule",
              OrganizationId: "4f1c2b7e-9a3d-4c8e-b5f6-2d7e8a9b0c1d",
              RecordType: 1,
              UserId: "adele.vance@contoso.com",
              Workload: "Exchange",
            }
          : {};
        // defineProperty: a literal `__proto__` key must become an own property, as JSON.parse makes it.
        for (const [k, v] of Object.entries(fields)) {
          Object.defineProperty(r, k, { value: v, enumerable: true, writable: true, configurable: true });
        }
        if (huge) {
          const value = "\u00e9x".repeat(huge.size / 2);
          Object.defineProperty(r, huge.field, { value, enumerable: true, writable: true, configurable: true });
        }
        return r;
      }),
  },
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(undefined, null, 42, "record", [], true),
);

describe("hostile input", { timeout: 120_000 }, () => {
  it("normalizes 10,000 hostile records without throwing: each is a valid row or a rejection with a reason", (t) => {
    let rows = 0;
    let rejected = 0;
    let truncated = 0;
    const opts = normalizeOptions({ ingestionSource: "json", sourceContentId: "fuzz" });
    const columns = new Set(EXCHANGE_AUDIT_TABLE.columns.map((c) => c.name));
    fc.assert(
      fc.property(hostileRecord, (raw) => {
        const result = normalizeRecord(raw, opts);
        if (result.ok) {
          rows++;
          const json = JSON.stringify(result.row);
          assert.ok(json.length < 1_100_000, "a row fits a request");
          for (const k of Object.keys(result.row)) assert.ok(columns.has(k) || k === "TimeGenerated", `column ${k}`);
          assert.equal(Object.getPrototypeOf(result.row), Object.prototype, "prototype untouched");
          for (const [k, v] of Object.entries(result.row)) {
            const size = Buffer.byteLength(typeof v === "string" ? v : JSON.stringify(v ?? null));
            assert.ok(size <= 65_536, `${k} (${size} bytes) fits the service's 64 KB field limit`);
          }
          // A record too large for one field (AuditData keeps it whole) must come out trimmed and flagged.
          if (Buffer.byteLength(JSON.stringify(raw) ?? "") > 70_000) {
            const cut = (result.row as { Truncated?: unknown }).Truncated;
            assert.ok(Array.isArray(cut) && cut.length > 0, "the trimmed row names its cut fields");
            truncated++;
          }
        } else {
          rejected++;
          assert.ok(typeof result.reason === "string" && result.reason.length > 0, "a reason");
        }
      }),
      { numRuns: 10_000, seed: 4242 },
    );
    assert.equal(rows + rejected, 10_000);
    assert.ok(rows > 1_000 && rejected > 1_000, `both outcomes exercised (${rows} rows, ${rejected} rejected)`);
    assert.ok(truncated > 50, `oversized records were trimmed and flagged (${truncated})`);
    t.diagnostic(`normalizer: ${rows} rows (${truncated} trimmed and flagged), ${rejected} rejected with a reason`);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.hasOwn(Object.prototype, "Name"), false, "no prototype pollution");
  });

  it("imports 2,400 hostile rows from JSON Lines and CSV files: each ingested or dead-lettered, counts reconcile", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "exo-fuzz-"));
    const workspace = await startWorkspaceEmulator({ dataDir: dir });
    const deadDir = join(dir, "dead");
    const deadLetters = new FileDeadLetterStore(deadDir);
    const sink = createLogsIngestionSink({
      endpoint: workspace.endpoint,
      dcrImmutableId: workspace.dcrImmutableId,
      credential: { getToken: async () => ({ token: "fuzz-token", expiresOnTimestamp: Date.now() + 3_600_000 }) },
      ca: workspace.caCert,
      deadLetters,
      retry: { initialDelayMs: 1, maxDelayMs: 5 },
    });
    try {
      const records = fc.sample(hostileRecord, { numRuns: 1_200, seed: 77 });
      // Unique ids where there is one, so de-duplication does not blur the reconciliation.
      records.forEach((r, i) => {
        if (r && typeof r === "object" && !Array.isArray(r) && typeof (r as { Id?: unknown }).Id === "string") {
          (r as { Id: string }).Id = `${(r as { Id: string }).Id.slice(0, 8)}-fuzz-${i}`;
        }
      });
      const jsonl = join(dir, "hostile.jsonl");
      const lines = records.map((r) => (r === undefined ? "{" : JSON.stringify(r)));
      writeFileSync(jsonl, `${lines.join("\n")}\n`);

      // Purview CSV with CSV injection in cells and invalid UTF-8 bytes inside AuditData.
      const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
      const header = "RecordId,CreationDate,RecordType,Operation,UserId,AuditData\n";
      const parts: Buffer[] = [Buffer.from(header)];
      for (let i = 0; i < 1_200; i++) {
        const id = `c5v${String(i).padStart(5, "0")}-0000-4000-8000-000000000000`;
        const inj = CSV_INJECTION[i % CSV_INJECTION.length]!;
        const audit = JSON.stringify({
          CreationTime: "2026-03-10T11:40:00",
          Id: id,
          Operation: i % 7 === 0 ? inj : "Set-Mailbox",
          RecordType: 1,
          UserId: i % 5 === 0 ? inj : "eve@contoso.com",
          Workload: "Exchange",
          OrganizationId: "4f1c2b7e-9a3d-4c8e-b5f6-2d7e8a9b0c1d",
        });
        const line = `${id},3/10/2026 11:40:00 AM,1,Set-Mailbox,${q(inj)},${q(i % 11 === 0 ? audit.slice(0, 40) : audit)}\n`;
        const bytes = Buffer.from(line);
        if (i % 13 === 0) {
          // Invalid UTF-8 (a lone continuation byte and a truncated sequence) inside the AuditData cell.
          const at = bytes.indexOf("Set-Mailbox", line.indexOf("{"));
          if (at > 0) bytes.set([0x80, 0xe2], at);
        }
        parts.push(bytes);
      }
      const csv = join(dir, "hostile.csv");
      writeFileSync(csv, Buffer.concat(parts));

      const report = await Promise.race([
        importFiles([jsonl, csv], { sink, deadLetters, batchRows: 200 }),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error("import hung")), 90_000).unref()),
      ]);
      await deadLetters.close();
      const letters = await readDeadLetters(deadDir);
      const stored = await workspace.readTable("ExchangeAudit_CL");
      const totalInput = 2_400;
      const { files: _files, ...totals } = report;
      t.diagnostic(`import: ${JSON.stringify(totals)}`);
      // Every input line is a parsed record or a parse error; every record a row, a duplicate or a rejection.
      assert.equal(report.recordsRead + report.errors, totalInput, JSON.stringify(report.files));
      assert.equal(report.rowsSent + report.rejected + report.duplicates, report.recordsRead);
      assert.equal(report.accepted + (report.deadLettered - report.rejected - report.errors), report.rowsSent);
      assert.equal(stored.length, report.accepted, "the workspace holds exactly the accepted rows");
      assert.equal(letters.length, report.deadLettered, "every dead letter is on disk");
      assert.ok(
        letters.every((l) => typeof l.reason === "string" && l.reason.length > 0),
        "each with a reason",
      );
      assert.ok(report.accepted > 500 && report.deadLettered > 100, `both outcomes (${JSON.stringify(report)})`);
      assert.equal(Object.hasOwn(Object.prototype, "Value"), false, "no prototype pollution");
    } finally {
      await sink.close();
      await workspace.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
