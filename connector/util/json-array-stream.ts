/**
 * Streams the elements of a top-level JSON array without holding the whole document in memory.
 *
 * Content blobs of the Management Activity API and exported JSON files can be large; peers that
 * `JSON.parse` whole bodies or concatenate every record of a window in memory are the ones that hang
 * (ddbnl/office365-audit-log-collector#51, Hawk#264). This scanner keeps only the element being read.
 * Each element is parsed with `JSON.parse`, so element semantics are exactly JSON's.
 *
 * A document that ends within the first `wholeDocumentBytes` (4 MiB by default: a Management Activity blob is
 * typically well under 1 MB) is parsed with a single `JSON.parse` instead: the native parser over the whole
 * text costs about a third of scanning element boundaries in JavaScript and parsing each element (measured
 * in the end-to-end benchmark, docs/performance.md). Memory stays bounded by that limit; a longer document is
 * streamed as before. When the single parse fails, the same text goes through the scanner, so a truncated or
 * invalid body reports exactly the elements that were complete, as in streaming mode.
 */

export class JsonStreamError extends Error {
  override readonly name = "JsonStreamError";
  /** Number of elements successfully yielded before the error. */
  readonly elementsRead: number;
  constructor(message: string, elementsRead: number) {
    super(message);
    this.elementsRead = elementsRead;
  }
}

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff;

/**
 * Yields each element of a top-level JSON array read from `chunks`. Throws `JsonStreamError` when the input
 * is not an array, an element is not valid JSON, or the input ends before the closing bracket (a truncated
 * body): callers must treat everything after the last yielded element as not delivered.
 */
export async function* parseJsonArrayStream(
  chunks: AsyncIterable<Uint8Array | string>,
  options: { maxElementChars?: number; wholeDocumentBytes?: number } = {},
): AsyncGenerator<unknown> {
  const limit = options.wholeDocumentBytes ?? DEFAULT_WHOLE_DOCUMENT_BYTES;
  if (limit <= 0) {
    yield* scanJsonArray(chunks, options);
    return;
  }
  const iterator = chunks[Symbol.asyncIterator]();
  const head: (Uint8Array | string)[] = [];
  let bytes = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    bytes += next.value.length;
    if (bytes > limit) {
      // Too long for one parse: stream it, starting with what was read already.
      yield* scanJsonArray(concatChunks(head, iterator), options);
      return;
    }
  }
  const text = head.every((c) => typeof c !== "string")
    ? Buffer.concat(head as Uint8Array[]).toString("utf8")
    : head.map((c) => (typeof c === "string" ? c : Buffer.from(c).toString("utf8"))).join("");
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch {
    // Invalid somewhere: the scanner yields the complete elements and fails where the streaming path would.
    yield* scanJsonArray([text], options);
    return;
  }
  if (!Array.isArray(whole)) throw new JsonStreamError("expected a JSON array", 0);
  for (let i = 0; i < whole.length; i++) {
    const element: unknown = whole[i];
    // Handed over: the array no longer keeps it alive while the consumer holds the rest of the document.
    whole[i] = undefined;
    yield element;
  }
}

/** Documents up to this many bytes are parsed with one `JSON.parse` (see the module comment). */
export const DEFAULT_WHOLE_DOCUMENT_BYTES = 4 * 1024 * 1024;

async function* concatChunks<T>(head: readonly T[], rest: AsyncIterator<T>): AsyncGenerator<T> {
  let done = false;
  try {
    yield* head;
    for (;;) {
      const next = await rest.next();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    // A consumer that stops early (or a parse error) releases the underlying stream.
    if (!done) await rest.return?.();
  }
}

/** The streaming scanner behind `parseJsonArrayStream`. */
async function* scanJsonArray(
  chunks: AsyncIterable<Uint8Array | string> | Iterable<string>,
  options: { maxElementChars?: number },
): AsyncGenerator<unknown> {
  const maxElementChars = options.maxElementChars ?? 64 * 1024 * 1024;
  const decoder = new TextDecoder("utf-8", { fatal: false });
  type State = "start" | "beforeElement" | "inElement" | "done";
  let state: State = "start";
  let depth = 0;
  let inString = false;
  let escaped = false;
  let element = "";
  let count = 0;

  const handle = function* (text: string): Generator<unknown> {
    let segmentStart = -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      switch (state) {
        case "start":
          if (isSpace(c)) continue;
          if (c !== OPEN_BRACKET) throw new JsonStreamError("expected a JSON array", count);
          state = "beforeElement";
          continue;
        case "beforeElement":
          if (isSpace(c)) continue;
          if (c === CLOSE_BRACKET && count === 0) {
            state = "done";
            continue;
          }
          state = "inElement";
          segmentStart = i;
          depth = 0;
          inString = false;
          escaped = false;
          element = "";
          i--; // re-read this char as part of the element
          continue;
        case "inElement": {
          if (segmentStart < 0) segmentStart = i;
          // Tight loop over the element: string bodies (most of an audit record) are skipped with indexOf
          // instead of a state switch per character (5x faster on Management Activity blobs).
          for (; i < text.length; i++) {
            if (inString) {
              if (escaped) {
                escaped = false;
                continue;
              }
              const q = text.indexOf('"', i);
              const stop = q < 0 ? text.length : q;
              let slashes = 0;
              for (let k = stop - 1; k >= i && text.charCodeAt(k) === BACKSLASH; k--) slashes++;
              if (q < 0) {
                // The chunk ends inside the string; an odd run of trailing backslashes escapes the next char.
                escaped = slashes % 2 === 1;
                i = text.length;
                break;
              }
              i = q;
              if (slashes % 2 === 0) inString = false;
              continue;
            }
            const ch = text.charCodeAt(i);
            if (ch === QUOTE) inString = true;
            else if (ch === OPEN_BRACE || ch === OPEN_BRACKET) depth++;
            else if (ch === CLOSE_BRACE || (ch === CLOSE_BRACKET && depth > 0)) depth--;
            else if (depth === 0 && (ch === COMMA || ch === CLOSE_BRACKET)) {
              element += text.slice(segmentStart, i);
              segmentStart = -1;
              yield parseElement(element, count);
              count++;
              element = "";
              state = ch === COMMA ? "beforeElement" : "done";
              break;
            }
          }
          continue;
        }
        case "done":
          if (!isSpace(c)) throw new JsonStreamError("unexpected data after the end of the array", count);
          continue;
      }
    }
    if (state === "inElement" && segmentStart >= 0) {
      element += text.slice(segmentStart);
      if (element.length > maxElementChars) {
        throw new JsonStreamError(`array element larger than ${maxElementChars} characters`, count);
      }
    }
  };

  for await (const chunk of chunks) {
    const text = typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    yield* handle(text);
  }
  yield* handle(decoder.decode());
  // `state` is updated inside `handle`; read it through a widened alias so TypeScript does not narrow it.
  const final = state as State;
  if (final !== "done") {
    throw new JsonStreamError(
      final === "start" ? "empty input: expected a JSON array" : "input ended before the end of the JSON array",
      count,
    );
  }
}

function parseElement(text: string, index: number): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new JsonStreamError(`element ${index} is not valid JSON: ${(err as Error).message}`, index);
  }
}
