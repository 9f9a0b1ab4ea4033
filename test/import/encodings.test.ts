/** Issue 18, failure 7: exports as Windows writes them (UTF-16 with or without BOM, UTF-8 BOM, cp1252, gzip). */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { runNormalize } from "../../connector/commands/normalize.ts";
import { encodingLabel, sniffEncoding } from "../../connector/import/decode.ts";
import { type ExportItem, readExportFile } from "../../connector/import/read.ts";

const root = mkdtempSync(join(tmpdir(), "exo-enc-"));
after(() => rmSync(root, { recursive: true, force: true }));
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/exports/${name}`, import.meta.url));
const UAL_CSV = readFileSync(fixture("ual-export-csv.csv"), "utf8");

function utf16be(text: string): Buffer {
  const le = Buffer.from(text, "utf16le");
  for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
  return le;
}

async function read(bytes: Buffer, name: string, encoding?: string): Promise<ExportItem[]> {
  const file = join(root, name);
  writeFileSync(file, bytes);
  const out: ExportItem[] = [];
  for await (const item of readExportFile(file, encoding ? { encoding } : {})) out.push(item);
  return out;
}

const records = (items: ExportItem[]) => items.filter((i) => !("error" in i));
const errors = (items: ExportItem[]) => items.filter((i) => "error" in i) as Extract<ExportItem, { error: string }>[];

describe("export encodings", async () => {
  const expected = records(await read(Buffer.from(UAL_CSV, "utf8"), "plain.csv")).length;

  it("the UTF-8 fixture has records to compare with", () => assert.ok(expected >= 2));

  const variants: Array<[string, Buffer]> = [
    [
      "UTF-16LE with BOM (Windows PowerShell Export-Csv -Encoding Unicode, Out-File)",
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(UAL_CSV, "utf16le")]),
    ],
    ["UTF-16LE without BOM", Buffer.from(UAL_CSV, "utf16le")],
    ["UTF-16BE with BOM", Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(UAL_CSV)])],
    ["UTF-16BE without BOM", utf16be(UAL_CSV)],
    ["UTF-8 with BOM", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(UAL_CSV, "utf8")])],
    ["gzip of UTF-16LE", gzipSync(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(UAL_CSV, "utf16le")]))],
  ];
  for (const [name, bytes] of variants) {
    it(`reads ${name} like the UTF-8 file`, async () => {
      const items = await read(bytes, `${name.replace(/\W+/g, "-")}.csv${name.startsWith("gzip") ? ".gz" : ""}`);
      assert.deepEqual(errors(items), []);
      assert.equal(records(items).length, expected);
    });
  }

  const cp1252Line = (id: string) =>
    `"CreationDate","UserIds","Operations","AuditData"\r\n"10/8/2024 5:08:37 AM","zoë.ångström@contoso.com","Send","{""CreationTime"":""2024-10-08T05:08:37"",""Id"":""${id}"",""Operation"":""Send"",""RecordType"":2,""UserId"":""zoë.ångström@contoso.com"",""Workload"":""Exchange""}"\r\n`;

  it("refuses a cp1252 row without --encoding, naming the row, and replaces nothing", async () => {
    const bytes = Buffer.from(cp1252Line("1f2e3d4c-0000-4000-8000-000000000001"), "latin1");
    const items = await read(bytes, "ansi.csv");
    assert.equal(records(items).length, 0);
    const [e] = errors(items);
    assert.equal(e?.row, 2);
    assert.match(String(e?.error), /not valid UTF-8.*--encoding windows-1252/);
  });

  it("reads the same cp1252 file with --encoding windows-1252 (cp1252) intact", async () => {
    const bytes = Buffer.from(cp1252Line("1f2e3d4c-0000-4000-8000-000000000002"), "latin1");
    for (const enc of ["windows-1252", "cp1252"]) {
      const [r] = records(await read(bytes, `ansi-${enc}.csv`, enc)) as Extract<ExportItem, { record: unknown }>[];
      assert.equal(r?.record.UserId, "zoë.ångström@contoso.com");
    }
  });

  it("detects UTF-16 by BOM or NUL pattern and knows the encoding names", () => {
    assert.equal(sniffEncoding(Buffer.from([0xff, 0xfe, 0x41, 0])), "utf-16le");
    assert.equal(sniffEncoding(Buffer.from("AuditData", "utf16le")), "utf-16le");
    assert.equal(sniffEncoding(utf16be("AuditData")), "utf-16be");
    assert.equal(sniffEncoding(Buffer.from("AuditData")), undefined);
    assert.equal(encodingLabel("cp1252"), "windows-1252");
    assert.equal(encodingLabel("Unicode"), "utf-16le");
    assert.throws(() => encodingLabel("klingon"), /unknown encoding/);
  });

  it("normalizes a PowerShell-style UTF-16 export end to end (exo-audit normalize)", async () => {
    const file = join(root, "Export-Csv-Unicode.csv");
    writeFileSync(
      file,
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(UAL_CSV.replace(/\r?\n/g, "\r\n"), "utf16le")]),
    );
    let out = "";
    let err = "";
    const code = await runNormalize([file], {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
    });
    assert.equal(code, 0, err);
    const rows = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(rows.length, expected);
    assert.ok(rows.every((r) => typeof r.RecordId === "string" && r.EventTime));
  });
});

describe("CSV CreationDate fallback (issue 18, failure 8)", () => {
  const csv = (creationDate: string) =>
    `"CreationDate","UserIds","Operations","AuditData"\r\n"${creationDate}","a@contoso.com","Send","{""Id"":""1f2e3d4c-0000-4000-8000-0000000000aa"",""Operation"":""Send"",""RecordType"":2,""Workload"":""Exchange""}"\r\n`;

  it("leaves CreationTime missing without a stated format (the normalizer then refuses the row)", async () => {
    const [r] = records(await read(Buffer.from(csv("10/8/2024 5:08:37 PM")), "nofmt.csv")) as Extract<
      ExportItem,
      { record: unknown }
    >[];
    assert.equal(r?.record.CreationTime, undefined);
  });

  const formats: Array<[string, string, string | null]> = [
    ["M/d/yyyy h:mm:ss tt", "10/8/2024 5:08:37 PM", "2024-10-08T17:08:37.000Z"],
    ["M/d/yyyy h:mm:ss tt", "10/8/2024 12:08:37 AM", "2024-10-08T00:08:37.000Z"],
    ["dd.MM.yyyy HH:mm:ss", "08.10.2024 05:08:37", "2024-10-08T05:08:37.000Z"],
    ["dd.MM.yyyy HH:mm:ss", "31.02.2024 05:08:37", null],
    ["M/d/yyyy h:mm:ss tt", "08.10.2024 05:08:37", null],
  ];
  for (const [format, text, iso] of formats) {
    it(`with --creation-date-format '${format}', '${text}' is ${iso ?? "refused"}`, async () => {
      const file = `fmt-${Math.random().toString(36).slice(2)}.csv`;
      const out: ExportItem[] = [];
      writeFileSync(join(root, file), csv(text));
      for await (const item of readExportFile(join(root, file), { creationDateFormat: format })) out.push(item);
      const [r] = records(out) as Extract<ExportItem, { record: unknown }>[];
      assert.equal(r?.record.CreationTime ?? null, iso);
    });
  }
});
