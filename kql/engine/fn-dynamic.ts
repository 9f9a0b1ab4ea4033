/** Dynamic (JSON bag/array) scalar functions and set functions. */
import type { Builtin } from "./functions.ts";
import { isNull, keyOf, toStringValue } from "./values.ts";

const arr = (v: unknown): unknown[] | null => (Array.isArray(v) ? v : null);

/** `parse_json`: strings holding JSON become dynamic; other strings stay dynamic strings. */
export function parseJson(v: unknown): unknown {
  if (typeof v !== "string") return v ?? null;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

function distinct(values: unknown[]): unknown[] {
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (const v of values) {
    const k = keyOf(v);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(v);
    }
  }
  return out;
}

function sortArray(a: unknown, desc: boolean): unknown {
  const xs = arr(a);
  if (!xs) return null;
  const nulls = xs.filter(isNull);
  const rest = xs.filter((x) => !isNull(x));
  rest.sort((x, y) => {
    const c =
      typeof x === "number" && typeof y === "number"
        ? x - y
        : toStringValue(x) < toStringValue(y)
          ? -1
          : toStringValue(x) > toStringValue(y)
            ? 1
            : 0;
    return desc ? -c : c;
  });
  return desc ? [...rest, ...nulls] : [...nulls, ...rest];
}

function pack(args: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < args.length; i += 2) out[toStringValue(args[i])] = args[i + 1];
  return out;
}

export const DYNAMIC_FUNCTIONS: Record<string, Builtin> = {
  parse_json: ([v]) => parseJson(v),
  todynamic: ([v]) => parseJson(v),
  dynamic_to_json: ([v]) => (typeof v === "string" ? JSON.stringify(v) : toStringValue(v)),
  bag_keys: ([v]) => (v && typeof v === "object" && !Array.isArray(v) ? Object.keys(v) : null),
  bag_pack: pack,
  pack,
  pack_dictionary: pack,
  pack_array: (args) => args,
  bag_merge: (args) => {
    const out: Record<string, unknown> = {};
    for (const b of args) {
      if (b && typeof b === "object" && !Array.isArray(b)) {
        for (const [k, v] of Object.entries(b)) if (!(k in out)) out[k] = v;
      }
    }
    return out;
  },
  bag_remove_keys: ([b, keys]) => {
    if (!b || typeof b !== "object" || Array.isArray(b)) return null;
    const drop = new Set((arr(keys) ?? []).map(toStringValue));
    return Object.fromEntries(Object.entries(b).filter(([k]) => !drop.has(k)));
  },
  array_length: ([a]) => arr(a)?.length ?? null,
  array_index_of: ([a, v]) => {
    const xs = arr(a);
    if (!xs) return null;
    const k = keyOf(v);
    return xs.findIndex((x) => keyOf(x) === k);
  },
  array_concat: (args) => (args.every(Array.isArray) ? (args as unknown[][]).flat(1) : null),
  array_slice: ([a, start, end]) => {
    const xs = arr(a);
    if (!xs) return null;
    const n = xs.length;
    let s = Number(start);
    let e = Number(end);
    if (s < 0) s += n;
    if (e < 0) e += n;
    return xs.slice(Math.max(0, s), e + 1);
  },
  array_sort_asc: ([a]) => sortArray(a, false),
  array_sort_desc: ([a]) => sortArray(a, true),
  array_reverse: ([a]) => (arr(a) ? [...(a as unknown[])].reverse() : null),
  array_sum: ([a]) => (arr(a) ? (a as unknown[]).reduce((s: number, x) => s + Number(x), 0) : null),
  array_strcat: ([a, d]) => (arr(a) ? (a as unknown[]).map(toStringValue).join(toStringValue(d)) : ""),
  set_has_element: ([a, v]) => {
    const xs = arr(a);
    if (!xs) return null;
    const k = keyOf(v);
    return xs.some((x) => keyOf(x) === k);
  },
  set_union: (args) => (args.every(Array.isArray) ? distinct((args as unknown[][]).flat(1)) : null),
  set_intersect: (args) => {
    if (!args.every(Array.isArray)) return null;
    const [first, ...rest] = args as unknown[][];
    const sets = rest.map((r) => new Set(r.map(keyOf)));
    return distinct(first!).filter((x) => sets.every((s) => s.has(keyOf(x))));
  },
  set_difference: (args) => {
    if (!args.every(Array.isArray)) return null;
    const [first, ...rest] = args as unknown[][];
    const drop = new Set(rest.flat(1).map(keyOf));
    return distinct(first!).filter((x) => !drop.has(keyOf(x)));
  },
  zip: (args) => {
    if (!args.every(Array.isArray)) return null;
    const xs = args as unknown[][];
    const n = Math.max(...xs.map((x) => x.length));
    return Array.from({ length: n }, (_, i) => xs.map((x) => x[i] ?? null));
  },
};
