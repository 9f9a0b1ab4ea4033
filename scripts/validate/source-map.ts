/**
 * Maps positions in a content document back to the file: the line of a field, and the file line:col of
 * an offset inside a string value (a KQL diagnostic inside a `query: |` block or a workbook JSON string).
 * YAML and JSON files are both read with the `yaml` parser (JSON is YAML 1.2), which keeps node ranges.
 */
import { isCollection, isScalar, LineCounter, parseDocument, type Scalar } from "yaml";
import type { FieldPath } from "./types.ts";

export interface Position {
  line: number;
  column: number;
}

export interface SourceMap {
  /** Position of the node at `path` (its key when it has one), or of the nearest existing ancestor. */
  positionOf(path: FieldPath): Position | undefined;
  /** File position of character `offset` of the string value at `path`. */
  positionInString(path: FieldPath, offset: number): Position | undefined;
}

/** 1-based line and column of character `offset` of a raw file text (checks that read the file as text). */
export function textPosition(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  return { line: before.split("\n").length, column: offset - before.lastIndexOf("\n") };
}

/** A source map built on first use: most files have no offender, and parsing them twice costs time. */
export function lazySourceMap(text: string): SourceMap {
  let map: SourceMap | undefined;
  const get = () => {
    map ??= createSourceMap(text);
    return map;
  };
  return {
    positionOf: (path) => get().positionOf(path),
    positionInString: (path, offset) => get().positionInString(path, offset),
  };
}

/** Builds a source map for a YAML or JSON text. Never throws (an unparsable text maps nothing). */
export function createSourceMap(text: string): SourceMap {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, keepSourceTokens: false, uniqueKeys: false });
  const pos = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };

  /** Walks to `path`; returns the value node and the key node of the last step. */
  function find(path: FieldPath): { node: unknown; key: unknown; depth: number } {
    let node: unknown = doc.contents;
    let key: unknown;
    let depth = 0;
    for (const step of path) {
      if (!isCollection(node)) break;
      const items = (node as { items: unknown[] }).items;
      if (typeof step === "number") {
        const next = items[step];
        if (next === undefined) break;
        node = next;
        key = undefined;
      } else {
        const pair = (items as { key: unknown; value: unknown }[]).find(
          (p) => isScalar(p?.key) && String((p.key as Scalar).value) === step,
        );
        if (!pair) break;
        key = pair.key;
        node = pair.value;
      }
      depth++;
    }
    return { node, key, depth };
  }

  return {
    positionOf(path) {
      const { node, key } = find(path);
      const range = (key as { range?: number[] } | undefined)?.range ?? (node as { range?: number[] })?.range;
      return range?.[0] === undefined ? undefined : pos(range[0]);
    },
    positionInString(path, offset) {
      const { node, depth } = find(path);
      if (depth !== path.length || !isScalar(node) || !node.range) return this.positionOf(path);
      const start = node.range[0];
      switch (node.type) {
        case "BLOCK_LITERAL":
          return blockLiteralPosition(text, start, offset, pos);
        case "QUOTE_DOUBLE":
          return pos(doubleQuotedSourceOffset(text, start, offset));
        case "QUOTE_SINGLE":
          return pos(start + 1 + offset);
        case "PLAIN":
          return pos(start + offset);
        default:
          return pos(start);
      }
    },
  };
}

/** `query: |` content keeps lines one to one, shifted by the block indentation. */
function blockLiteralPosition(
  text: string,
  headerStart: number,
  offset: number,
  pos: (o: number) => Position,
): Position {
  const header = pos(headerStart);
  const bodyStart = text.indexOf("\n", headerStart) + 1;
  const firstLine = /^( *)\S/m.exec(text.slice(bodyStart));
  const indent = firstLine?.[1]?.length ?? 0;
  let line = 0;
  let lastBreak = -1;
  // Offsets index the parsed value; count its line breaks the same way the value was built.
  const value = blockValueUpTo(text, bodyStart, indent, offset);
  for (let i = 0; i < value.length; i++) {
    if (value.charCodeAt(i) === 10) {
      line++;
      lastBreak = i;
    }
  }
  return { line: header.line + 1 + line, column: indent + (offset - lastBreak) };
}

/** The first `count` characters of a literal block value (indentation removed). */
function blockValueUpTo(text: string, bodyStart: number, indent: number, count: number): string {
  let out = "";
  let i = bodyStart;
  while (out.length < count && i < text.length) {
    const end = text.indexOf("\n", i);
    const raw = text.slice(i, end < 0 ? text.length : end);
    out += `${raw.slice(Math.min(indent, raw.length))}\n`;
    if (end < 0) break;
    i = end + 1;
  }
  return out.slice(0, count);
}

/** Source offset of decoded character `target` in a double-quoted string starting at `quote`. */
function doubleQuotedSourceOffset(text: string, quote: number, target: number): number {
  let decoded = 0;
  let i = quote + 1;
  while (i < text.length && decoded < target) {
    const ch = text[i];
    if (ch === '"') break;
    if (ch === "\\") {
      const next = text[i + 1];
      i += next === "u" ? 6 : next === "x" ? 4 : 2;
    } else {
      i++;
    }
    decoded++;
  }
  return i;
}
