import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { detectLayout } from "../../connector/import/detect.ts";
import { type ExportItem, readExport } from "../../connector/import/read.ts";

async function readText(text: string, name = "x.csv", chunkSize = 7): Promise<ExportItem[]> {
  // Small chunks: every boundary case (BOM split, CRLF split, quote split) gets exercised.
  const buf = Buffer.from(text, "utf8");
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunkSize) chunks.push(buf.subarray(i, i + chunkSize));
  const items: ExportItem[] = [];
  for await (const item of readExport(Readable.from(chunks), name)) items.push(item);
  return items;
}

test("detects each export layout from its content, not its extension", () => {
  assert.deepEqual(detectLayout('\uFEFFRecordId,CreationDate,AuditData\r\n1,2,"{}"', "a.json"), {
    kind: "csv",
    delimiter: ",",
    psTypeLine: false,
  });
  assert.deepEqual(detectLayout('#TYPE Deserialized.X\r\n"RecordType";"AuditData"\r\n'), {
    kind: "csv",
    delimiter: ";",
    psTypeLine: true,
  });
  assert.deepEqual(detectLayout("CreationDate\tUserIds\tOperations\tAuditData\n"), {
    kind: "csv",
    delimiter: "\t",
    psTypeLine: false,
  });
  assert.deepEqual(detectLayout('  [ {"Id":"a"} ]', "a.csv"), { kind: "json-array" });
  assert.deepEqual(detectLayout('{"Id":"a"}\n{"Id":"b"}\n', "a.json"), { kind: "jsonl" });
  assert.deepEqual(detectLayout('{\r\n  "Id": "a"\r\n}\r\n', "a.jsonl"), { kind: "json-values" });
  assert.equal(detectLayout("", "a.csv").kind, "unknown");
  assert.equal(detectLayout("Name,Value\nx,y\n").kind, "unknown");
});

test("reads CSV split into tiny chunks, with a quote error in the middle reported by row", async () => {
  const audit = (id: string) => `"{""Id"":""${id}"",""Operation"":""Send""}"`;
  const text = [
    "RecordId,CreationDate,RecordType,Operation,UserId,AuditData,AssociatedAdminUnits,AssociatedAdminUnitsNames",
    `a1,x,2,Send,u,${audit("a1")},,`,
    `a2,x,2,Send,u,"{""Id"":""a2""}" trailing,,`,
    `a3,x,2,Send,u,${audit("a3")},,`,
  ].join("\r\n");
  const items = await readText(`\uFEFF${text}\r\n`);
  const ok = items.filter((i) => "record" in i).map((i) => ("record" in i ? i.record.Id : null));
  const errors = items.filter((i) => "error" in i);
  assert.ok(ok.includes("a1"));
  assert.ok(errors.length >= 1);
  assert.equal(errors[0]?.row, 3);
  assert.match("error" in (errors[0] as ExportItem) ? (errors[0] as { error: string }).error : "", /malformed CSV/);
});

test("reports a row whose field count differs from the header", async () => {
  const items = await readText('CreationDate,UserIds,Operations,AuditData\n1,2,3\n1,2,3,"{""Id"":""z""}"\n');
  assert.deepEqual(
    items.map((i) => ("error" in i ? `E${i.row}` : `R${i.row}`)),
    ["E2", "R3"],
  );
});

test("reads JSON Lines split across chunks with multi-byte characters", async () => {
  const items = await readText('{"Id":"é1","Subject":"Grüße 😀"}\n{"Id":"e2"}', "x.ndjson", 3);
  assert.deepEqual(
    items.map((i) => ("record" in i ? (i.record.Subject ?? i.record.Id) : i.error)),
    ["Grüße 😀", "e2"],
  );
});

test("reads concatenated pretty-printed objects and stops at a broken one", async () => {
  const items = await readText('{\n "Id": "a"\n}\n{\n "Id": "b", "x": "}{"\n}\n{\n "Id": \n}', "x.json", 5);
  assert.deepEqual(
    items.map((i) => ("record" in i ? i.record.Id : `E${i.row}${i.fatal ? "!" : ""}`)),
    ["a", "b", "E3!"],
  );
});
