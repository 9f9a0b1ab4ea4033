/**
 * Size and safety checks for JSON values headed to a dynamic column. `JSON.parse` accepts nesting that
 * `JSON.stringify` cannot serialize (a 5,000-deep array overflows the stack), and objects built in code may
 * hold values JSON cannot carry (bigint, functions, cycles). The walker below is bounded in depth so a hostile
 * record cannot crash the normalizer or the sink later.
 */
import { setOwn } from "./coerce.ts";

/** Nesting deeper than this is cut; real audit records nest about 5 levels, JSON.stringify fails near 5,000. */
export const MAX_JSON_DEPTH = 64;

export interface JsonScan {
  /** Upper bound of the UTF-8 size of the JSON text (each character can take at most 6 bytes escaped). */
  bound: number;
  /** False when the value needs `sanitizeJson` (too deep, bigint, function, symbol, non-finite numbers kept). */
  safe: boolean;
}

/**
 * Cheap upper bound of a value's JSON size, and whether it serializes safely. Avoids a full
 * `JSON.stringify` for the common case of a record well under the field limit.
 */
export function scanJson(value: unknown): JsonScan {
  const state: JsonScan = { bound: 0, safe: true };
  walk(value, 0, state);
  return state;
}

function walk(v: unknown, depth: number, st: JsonScan): void {
  switch (typeof v) {
    case "string":
      st.bound += v.length * 6 + 2;
      return;
    case "number":
    case "boolean":
    case "undefined":
      st.bound += 24;
      return;
    case "object":
      if (v === null) {
        st.bound += 4;
        return;
      }
      if (depth >= MAX_JSON_DEPTH) {
        st.safe = false;
        return;
      }
      if (Array.isArray(v)) {
        st.bound += 2;
        for (let i = 0; i < v.length; i++) {
          st.bound += 1;
          walk(v[i], depth + 1, st);
          if (!st.safe) return;
        }
        return;
      }
      if (!isPlain(v)) {
        st.safe = false;
        return;
      }
      st.bound += 2;
      // No hasOwn check: an inherited enumerable key (a polluted Object.prototype) only raises the bound.
      for (const key in v) {
        st.bound += key.length * 6 + 4;
        walk((v as Record<string, unknown>)[key], depth + 1, st);
        if (!st.safe) return;
      }
      return;
    default:
      st.safe = false;
  }
}

function isPlain(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Shortcut for a value parsed from `text`: each UTF-16 unit of JSON text re-serializes to at most 6 bytes (a
 * lone surrogate becomes `\udxxx`; a number such as `1e20` grows at most about 5x), and a value whose text
 * has fewer than `MAX_JSON_DEPTH` opening brackets cannot nest deeper than that. Counting brackets with
 * `indexOf` is cheaper than walking the value. Undefined when the text has too many brackets to decide.
 */
export function scanJsonText(text: string): JsonScan | undefined {
  let count = 0;
  let i = text.indexOf("{");
  while (i >= 0) {
    if (++count >= MAX_JSON_DEPTH) return undefined;
    i = text.indexOf("{", i + 1);
  }
  i = text.indexOf("[");
  while (i >= 0) {
    if (++count >= MAX_JSON_DEPTH) return undefined;
    i = text.indexOf("[", i + 1);
  }
  return { bound: text.length * 6, safe: true };
}

/** Marker that replaces a value nested deeper than `MAX_JSON_DEPTH`. */
export const TOO_DEEP = "[nested too deep: cut by exo-audit]";

/**
 * Deep copy that JSON can always serialize: nesting beyond `MAX_JSON_DEPTH` becomes `TOO_DEEP`, bigint
 * becomes a string, functions/symbols are dropped, other objects (Date, Map...) go through JSON semantics.
 * Keys such as `__proto__` are copied as own data properties (`setOwn`).
 */
export function sanitizeJson(value: unknown, depth = 0): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : null;
    case "bigint":
      return value.toString();
    case "object": {
      if (value === null) return null;
      if (depth >= MAX_JSON_DEPTH) return TOO_DEEP;
      if (Array.isArray(value)) {
        const out: unknown[] = [];
        for (let i = 0; i < value.length; i++) {
          const el = sanitizeJson(value[i], depth + 1);
          out.push(el === undefined ? null : el);
        }
        return out;
      }
      if (!isPlain(value)) {
        try {
          const text = JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
          return text === undefined ? null : sanitizeJson(JSON.parse(text), depth);
        } catch {
          return null;
        }
      }
      const out: Record<string, unknown> = {};
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        const el = sanitizeJson((value as Record<string, unknown>)[key], depth + 1);
        if (el !== undefined) setOwn(out, key, el);
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** Exact UTF-8 size of the value's JSON text (strings counted with quotes and escapes). */
export function jsonBytes(value: unknown): number {
  if (value === null || value === undefined) return 0;
  const text = JSON.stringify(value);
  return text === undefined ? 0 : Buffer.byteLength(text, "utf8");
}
