/** Issue 18, failure 10: long single lines cost time proportional to their size, and only their own record. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lines } from "../../connector/import/chunks.ts";
import { readExport } from "../../connector/import/read.ts";
import { normalizeRecord } from "../../connector/normalize/index.ts";

async function* chunked(text: string, size = 64 * 1024): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text, "utf8");
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

function bigRecord(mb: number, id: string): string {
  const items = Array.from({ length: Math.ceil((mb * 1e6) / 1003) }, () => "x".repeat(1000));
  return JSON.stringify({
    Id: id,
    CreationTime: "2024-10-08T05:08:37",
    Operation: "Send",
    RecordType: 2,
    Items: items,
  });
}

async function timeOneRecord(mb: number): Promise<{ ms: number; bytes: number }> {
  const text = `${bigRecord(mb, "3f2504e0-4f89-41d3-9a0c-0305e82c3301")}\n`;
  const started = performance.now();
  let bytes = 0;
  for await (const item of readExport(chunked(text), "big.jsonl")) {
    assert.ok(!("error" in item), JSON.stringify(item).slice(0, 200));
    const r = normalizeRecord(item.record, {
      subjects: "keep",
      keepAuditData: true,
      ingestionSource: "jsonl",
      sourceContentId: item.source,
    });
    assert.ok(r.ok);
    assert.deepEqual(r.row.Truncated, ["AuditData"]);
    bytes = JSON.stringify(r.row).length;
  }
  return { ms: performance.now() - started, bytes };
}

describe("long lines", () => {
  it("a record four times larger takes about four times longer (linear), and is trimmed to the row limits", async () => {
    await timeOneRecord(1); // warm-up
    const small = await timeOneRecord(5);
    const large = await timeOneRecord(20);
    // Quadratic growth (the old line splitter) gives ~16x; linear ~4x. Leave room for a busy machine.
    assert.ok(large.ms < small.ms * 9, `5 MB: ${small.ms.toFixed(0)} ms, 20 MB: ${large.ms.toFixed(0)} ms`);
    assert.ok(large.bytes < 1_000_000, `row of ${large.bytes} bytes`);
  });

  it("a line over the hard limit costs that line only: the lines after it are read", async () => {
    const text = `{"a":1}\n${"y".repeat(5000)}\n{"b":2}\n${"z".repeat(3000)}`;
    const out = [];
    for await (const l of lines(chunked(text, 700), 1000)) out.push(l);
    assert.deepEqual(
      out.map((l) => [l.number, l.tooLong ?? false, l.line.length]),
      [
        [1, false, 7],
        [2, true, 0],
        [3, false, 7],
        [4, true, 0],
      ],
    );
  });

  it("joins a long line from many chunks exactly (CRLF and multi-byte characters across chunk edges)", async () => {
    const long = "é".repeat(100_000);
    const out = [];
    for await (const l of lines(chunked(`${long}\r\nnext`, 333))) out.push(l.line);
    assert.deepEqual(out, [long, "next"]);
  });
});
