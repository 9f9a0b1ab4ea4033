/**
 * Turns an export file's bytes into UTF-8 bytes, as Windows tools write them. The readers after it only know
 * UTF-8; this stage decides the encoding, once per file, from the first bytes or the operator's `--encoding`.
 *
 * | first bytes / option                      | read as                                                  |
 * |-------------------------------------------|----------------------------------------------------------|
 * | 1F 8B (gzip, any file name)               | gunzipped, then the rows below apply to its content      |
 * | --encoding LABEL                          | that encoding (utf-8, utf-16le, utf-16be, windows-1252…) |
 * | FF FE (BOM)                               | UTF-16LE (Out-File / Export-Csv -Encoding Unicode)       |
 * | FE FF (BOM)                               | UTF-16BE (-Encoding BigEndianUnicode)                    |
 * | EF BB BF (BOM)                            | UTF-8 (-Encoding UTF8 in Windows PowerShell)             |
 * | NUL in most odd / even bytes, no BOM      | UTF-16LE / UTF-16BE                                      |
 * | anything else                             | UTF-8, strict: a row with invalid bytes is an error      |
 *
 * Strict UTF-8 is checked per row by the readers (`hasInvalidUtf8`): the decoder marks invalid bytes with
 * U+FFFD, and a row carrying one is refused with its row number instead of being stored mangled. cp1252
 * ("ANSI") files cannot be told from UTF-8 reliably, hence the explicit option.
 */
import { createGunzip } from "node:zlib";
import { peek } from "./chunks.ts";

export interface Decoded {
  /** UTF-8 bytes of the content. */
  chunks: AsyncGenerator<Buffer>;
  /** The encoding used, for messages. */
  encoding: string;
  /** True when invalid UTF-8 must be refused per row (no encoding given, none detected but UTF-8). */
  strictUtf8: boolean;
}

/** Labels accepted by `--encoding` (WHATWG names Node's TextDecoder supports), with common aliases. */
const ALIASES: Record<string, string> = {
  cp1252: "windows-1252",
  ansi: "windows-1252",
  latin1: "windows-1252",
  unicode: "utf-16le",
  utf16: "utf-16le",
  utf16le: "utf-16le",
  utf16be: "utf-16be",
  bigendianunicode: "utf-16be",
  utf8: "utf-8",
};

/** The TextDecoder label for an operator's `--encoding` value; throws naming the accepted ones. */
export function encodingLabel(name: string): string {
  const key = name.trim().toLowerCase();
  const label = ALIASES[key.replace(/[-_]/g, "")] ?? key;
  try {
    return new TextDecoder(label).encoding;
  } catch {
    throw new Error(`unknown encoding '${name}': use utf-8, utf-16le, utf-16be or windows-1252 (cp1252)`);
  }
}

/** The encoding the first bytes announce (BOM) or show (NUL pattern of UTF-16 text), else undefined. */
export function sniffEncoding(head: Buffer): string | undefined {
  if (head[0] === 0xff && head[1] === 0xfe) return "utf-16le";
  if (head[0] === 0xfe && head[1] === 0xff) return "utf-16be";
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return "utf-8";
  const n = Math.min(head.length, 512) & ~1;
  if (n < 4) return undefined;
  let oddNul = 0;
  let evenNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) evenNul++;
    if (head[i + 1] === 0) oddNul++;
  }
  const pairs = n / 2;
  // ASCII-range text in UTF-16: one byte of every pair is NUL. Binary or UTF-8 text has almost none.
  if (oddNul > pairs * 0.7 && evenNul < pairs * 0.1) return "utf-16le";
  if (evenNul > pairs * 0.7 && oddNul < pairs * 0.1) return "utf-16be";
  return undefined;
}

async function* gunzip(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const z = createGunzip();
  const feeding = (async () => {
    try {
      for await (const c of chunks) if (!z.write(c)) await new Promise((r) => z.once("drain", r));
      z.end();
    } catch (err) {
      z.destroy(err as Error);
    }
  })();
  for await (const c of z) yield c as Buffer;
  await feeding;
}

async function* transcode(chunks: AsyncIterable<Buffer>, encoding: string): AsyncGenerator<Buffer> {
  // ignoreBOM false: the decoder drops a leading BOM of its own encoding.
  const decoder = new TextDecoder(encoding);
  for await (const c of chunks) {
    const text = decoder.decode(c, { stream: true });
    if (text.length > 0) yield Buffer.from(text, "utf8");
  }
  const rest = decoder.decode();
  if (rest.length > 0) yield Buffer.from(rest, "utf8");
}

/** Decodes an export's bytes (gzip and encoding handled) to UTF-8. `encoding` is the operator's option. */
export async function decodeExport(source: AsyncIterable<Buffer>, encoding?: string): Promise<Decoded> {
  let p = await peek(source, 4096);
  if (p.head[0] === 0x1f && p.head[1] === 0x8b) p = await peek(gunzip(p.chunks), 4096);
  const chosen = encoding ? encodingLabel(encoding) : sniffEncoding(p.head);
  if (!chosen || chosen === "utf-8") {
    return { chunks: p.chunks, encoding: "utf-8", strictUtf8: !encoding };
  }
  return { chunks: transcode(p.chunks, chosen), encoding: chosen, strictUtf8: false };
}

/** True when a decoded row carries U+FFFD, the decoder's mark of bytes that were not UTF-8. */
export function hasInvalidUtf8(value: unknown): boolean {
  if (typeof value === "string") return value.includes("\uFFFD");
  if (value === null || typeof value !== "object") return false;
  return JSON.stringify(value).includes("\uFFFD");
}
