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

/** One line, or the number of a line that was longer than the limit and skipped (`tooLong`). */
export interface Line {
  line: string;
  number: number;
  /** The line exceeded `maxLineChars`: its text is not kept (`line` is empty) and the next line follows. */
  tooLong?: boolean;
}

/**
 * Splits UTF-8 chunks into lines (LF or CRLF; a leading BOM is removed), yielding each line with its 1-based
 * number. Linear in the input: a long line is collected as a list of pieces and joined once (appending to one
 * growing string and searching it again for every chunk was quadratic: 36 s for a 50 MB line). A line longer
 * than `maxLineChars` is skipped to its end and yielded as `tooLong`, so it costs that line only.
 */
export async function* lines(chunks: AsyncIterable<Buffer>, maxLineChars = 64 * 1024 * 1024): AsyncGenerator<Line> {
  const decoder = new TextDecoder("utf-8");
  let parts: string[] = [];
  let partsLength = 0;
  let skipping = false;
  let number = 0;
  let first = true;
  const lineOf = (tail: string): Line => {
    number++;
    if (skipping) {
      skipping = false;
      return { line: "", number, tooLong: true };
    }
    const text = parts.length === 0 ? tail : parts.join("") + tail;
    parts = [];
    partsLength = 0;
    return { line: text.endsWith("\r") ? text.slice(0, -1) : text, number };
  };
  const feed = function* (text: string): Generator<Line> {
    let start = 0;
    for (;;) {
      const nl = text.indexOf("\n", start);
      if (nl < 0) break;
      const tail = text.slice(start, nl);
      if (!skipping && partsLength + tail.length > maxLineChars) skipping = true;
      yield lineOf(tail);
      start = nl + 1;
    }
    const rest = text.slice(start);
    if (skipping || rest.length === 0) return;
    partsLength += rest.length;
    if (partsLength > maxLineChars) {
      skipping = true;
      parts = [];
      partsLength = 0;
    } else parts.push(rest);
  };
  for await (const chunk of chunks) {
    let text = decoder.decode(chunk, { stream: true });
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    yield* feed(text);
  }
  yield* feed(decoder.decode());
  if (skipping || parts.length > 0) yield lineOf("");
}
