/** Byte-chunk plumbing for the export readers: open a file (or stdin), peek at its head, split lines. */
import { createReadStream } from "node:fs";

/** Reads a file (or stdin for `-`) as byte chunks of at most 64 KB. */
export async function* fileChunks(path: string): AsyncGenerator<Buffer> {
  const stream = path === "-" ? process.stdin : createReadStream(path, { highWaterMark: 64 * 1024 });
  for await (const chunk of stream) yield typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
}

export interface Peeked {
  /** At least `minBytes` of the start of the input (less when the input is shorter). */
  head: Buffer;
  /** The whole input again, head included. */
  chunks: AsyncGenerator<Buffer>;
}

/** Reads the first `minBytes` so the format can be detected, without reading the input twice. */
export async function peek(source: AsyncIterable<Buffer>, minBytes = 16 * 1024): Promise<Peeked> {
  const iterator = source[Symbol.asyncIterator]();
  const first: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < minBytes) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    first.push(next.value);
    size += next.value.length;
  }
  async function* all(): AsyncGenerator<Buffer> {
    yield* first;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head: Buffer.concat(first), chunks: all() };
}

export class LineTooLongError extends Error {
  override readonly name = "LineTooLongError";
}

/**
 * Splits UTF-8 chunks into lines (LF or CRLF; a leading BOM is removed), yielding each line with its 1-based
 * number. A line longer than `maxLineChars` raises LineTooLongError (memory stays bounded).
 */
export async function* lines(
  chunks: AsyncIterable<Buffer>,
  maxLineChars = 64 * 1024 * 1024,
): AsyncGenerator<{ line: string; number: number }> {
  const decoder = new TextDecoder("utf-8");
  let pending = "";
  let number = 0;
  let first = true;
  const flush = function* (text: string, final: boolean): Generator<{ line: string; number: number }> {
    let start = 0;
    for (;;) {
      const nl = text.indexOf("\n", start);
      if (nl < 0) break;
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      number++;
      yield { line: text.slice(start, end), number };
      start = nl + 1;
    }
    pending = text.slice(start);
    if (pending.length > maxLineChars)
      throw new LineTooLongError(`line ${number + 1} is longer than ${maxLineChars} characters`);
    if (final && pending.length > 0) {
      number++;
      const line = pending.endsWith("\r") ? pending.slice(0, -1) : pending;
      pending = "";
      yield { line, number };
    }
  };
  for await (const chunk of chunks) {
    let text = decoder.decode(chunk, { stream: true });
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    yield* flush(pending + text, false);
  }
  yield* flush(pending + decoder.decode(), true);
}
