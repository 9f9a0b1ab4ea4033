/**
 * Streams concatenated top-level JSON values (`{...}{...}` or pretty-printed objects one after another), as
 * written by `ConvertTo-Json` for a single result or by tools that print one object per record over several
 * lines. Bounded memory: only the value being read is held.
 */

export class JsonValuesError extends Error {
  override readonly name = "JsonValuesError";
  /** 1-based index of the value that could not be read. */
  readonly index: number;
  constructor(message: string, index: number) {
    super(message);
    this.index = index;
  }
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff;

/** Yields each top-level value with its 1-based index; throws JsonValuesError on malformed input. */
export async function* parseJsonValues(
  chunks: AsyncIterable<Buffer>,
  maxValueChars = 64 * 1024 * 1024,
): AsyncGenerator<{ value: unknown; index: number }> {
  const decoder = new TextDecoder("utf-8");
  let depth = 0;
  let inString = false;
  let escaped = false;
  let buffer = "";
  let index = 0;

  const scan = function* (text: string): Generator<{ value: unknown; index: number }> {
    let start = depth > 0 ? 0 : -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (depth === 0) {
        if (isSpace(c)) continue;
        if (c !== 0x7b && c !== 0x5b) {
          throw new JsonValuesError(`value ${index + 1}: expected '{' but found '${text[i]}'`, index + 1);
        }
        start = i;
        depth = 1;
        inString = false;
        escaped = false;
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 0x5c) escaped = true;
        else if (c === 0x22) inString = false;
        continue;
      }
      if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        depth--;
        if (depth === 0) {
          const textValue = buffer + text.slice(start, i + 1);
          buffer = "";
          start = -1;
          index++;
          let value: unknown;
          try {
            value = JSON.parse(textValue);
          } catch (err) {
            throw new JsonValuesError(`value ${index} is not valid JSON: ${(err as Error).message}`, index);
          }
          yield { value, index };
        }
      }
    }
    if (depth > 0 && start >= 0) {
      buffer += text.slice(start);
      if (buffer.length > maxValueChars) {
        throw new JsonValuesError(`value ${index + 1} is larger than ${maxValueChars} characters`, index + 1);
      }
    }
  };

  for await (const chunk of chunks) yield* scan(decoder.decode(chunk, { stream: true }));
  yield* scan(decoder.decode());
  if (depth > 0) throw new JsonValuesError(`value ${index + 1}: input ended inside the value`, index + 1);
}
