/**
 * Keeps a row within the Logs Ingestion limits. Azure Monitor rejects or cuts fields over 64 KB and requests
 * over 1 MB (logs-ingestion-and-deployment.md), so a record with a huge `AffectedItems` list or parameter value
 * must be trimmed by us, visibly: every cut field is named in the row's `Truncated` column.
 */
import { isObject, setOwn } from "./coerce.ts";
import { jsonBytes } from "./json-size.ts";

/** Default per-field limit: under the service's 64 KB (65,536 bytes) with room for JSON overhead. */
export const DEFAULT_MAX_FIELD_BYTES = 64_000;

export interface FitOptions {
  /** Largest JSON size (UTF-8 bytes) of any one field. Default 64,000. */
  maxFieldBytes?: number;
  /** Largest JSON size of the whole row; the largest fields shrink first until it fits. */
  maxRowBytes?: number;
}

export interface FitResult<R> {
  row: R;
  /** Names of the fields cut by this call (also merged into `row.Truncated`). */
  truncated: string[];
}

/** Smallest budget worth keeping a shrunk part for; below this the part is dropped. */
const MIN_PART = 16;
/** Columns never cut: the de-duplication key and the bookkeeping of this function. */
const KEEP = new Set(["RecordId", "Truncated"]);

/**
 * Cuts string fields and oversized dynamic fields so no field exceeds `maxFieldBytes` and, when given, the row
 * stays under `maxRowBytes`. Strings are cut at a character boundary; arrays keep their first elements; objects
 * keep their smallest members whole and shrink the largest (so `AuditData` keeps `Id`, `Operation`... and loses
 * the tail of a huge list). When even that cannot fit, `AuditData` becomes a marker object keeping `Id`.
 * Returns a new row; the input row is not modified.
 */
export function fitRowToLimits<R extends Record<string, unknown>>(row: R, options: FitOptions = {}): FitResult<R> {
  const maxField = options.maxFieldBytes ?? DEFAULT_MAX_FIELD_BYTES;
  const out: Record<string, unknown> = { ...row };
  const truncated: string[] = [];
  const sizes = new Map<string, number>();

  for (const key of Object.keys(out)) {
    if (KEEP.has(key)) continue;
    const value = out[key];
    const size = jsonBytes(value);
    if (size > maxField) {
      out[key] = shrinkField(key, value, maxField, size, out);
      truncated.push(key);
      sizes.set(key, jsonBytes(out[key]));
    } else {
      sizes.set(key, size);
    }
  }

  if (options.maxRowBytes !== undefined) {
    const maxRow = options.maxRowBytes;
    let total = rowBytes(out, truncated);
    for (let round = 0; total > maxRow && round < 64; round++) {
      let largest: string | undefined;
      let largestSize = 0;
      for (const [key, size] of sizes) {
        if (size > largestSize) {
          largest = key;
          largestSize = size;
        }
      }
      if (largest === undefined || largestSize <= MIN_PART) break;
      // Leave slack for the field name joining `Truncated`.
      const target = Math.max(0, largestSize - (total - maxRow) - largest.length - 8);
      out[largest] = shrinkField(largest, out[largest], target, largestSize, out);
      if (!truncated.includes(largest)) truncated.push(largest);
      sizes.set(largest, jsonBytes(out[largest]));
      if ((sizes.get(largest) ?? 0) >= largestSize) sizes.delete(largest); // cannot shrink further
      total = rowBytes(out, truncated);
    }
  }

  if (truncated.length > 0) {
    const previous = Array.isArray(row.Truncated)
      ? (row.Truncated as unknown[]).filter((x) => typeof x === "string")
      : [];
    out.Truncated = [...new Set([...(previous as string[]), ...truncated])];
  }
  return { row: out as R, truncated };
}

function rowBytes(row: Record<string, unknown>, truncated: string[]): number {
  const extra = truncated.reduce((n, k) => n + k.length + 3, 0);
  return jsonBytes(row) + extra;
}

function shrinkField(
  key: string,
  value: unknown,
  budget: number,
  originalBytes: number,
  row: Record<string, unknown>,
): unknown {
  if (key !== "AuditData") {
    const shrunk = budget >= MIN_PART ? shrinkJson(value, budget) : undefined;
    return shrunk === undefined ? null : shrunk;
  }
  // AuditData keeps what fits (small members such as Id and Operation first) and says it was cut, so an
  // analyst reading only the raw record still sees it is incomplete.
  const marker = { Id: row.RecordId ?? null, TruncatedByConnector: true, OriginalBytes: originalBytes };
  const markerBytes = jsonBytes(marker);
  if (isObject(value) && budget >= markerBytes + MIN_PART * 4) {
    const result = shrinkJson(value, budget - MARKER_SLACK);
    const shrunk = result === value ? { ...value } : result;
    if (isObject(shrunk) && Object.keys(shrunk).length > 0) {
      shrunk.TruncatedByConnector = true;
      shrunk.OriginalBytes = originalBytes;
      return shrunk;
    }
  }
  return markerBytes <= budget ? marker : null;
}

/** Room for the `TruncatedByConnector`/`OriginalBytes` members added to a shrunk AuditData. */
const MARKER_SLACK = 64;

/**
 * Returns a value whose JSON is at most `budget` bytes, keeping as much of `value` as it can, or undefined when
 * nothing meaningful fits.
 */
export function shrinkJson(value: unknown, budget: number, depth = 0): unknown {
  const size = jsonBytes(value);
  if (size <= budget) return value;
  if (typeof value === "string") return budget >= 2 ? cutString(value, budget) : undefined;
  if (depth > 64) return undefined;
  if (Array.isArray(value)) {
    if (budget < 2) return undefined;
    const out: unknown[] = [];
    let used = 2;
    for (const el of value) {
      const sep = out.length > 0 ? 1 : 0;
      const s = el === null || el === undefined ? 4 : jsonBytes(el);
      if (used + sep + s <= budget) {
        out.push(el);
        used += sep + s;
        continue;
      }
      const rest = budget - used - sep;
      // A cut string element (half a message id) would be misleading; cut objects keep whole members.
      if (rest >= MIN_PART && typeof el === "object" && el !== null) {
        const part = shrinkJson(el, rest, depth + 1);
        if (part !== undefined) out.push(part);
      }
      break;
    }
    return out;
  }
  if (isObject(value)) {
    if (budget < 2) return undefined;
    const keys = Object.keys(value);
    const entries = keys.map((k) => ({ k, s: jsonBytes(value[k]) || 4, kb: jsonBytes(k) + 1 }));
    entries.sort((a, b) => a.s - b.s);
    const kept = new Map<string, unknown>();
    let used = 2;
    for (const e of entries) {
      const sep = kept.size > 0 ? 1 : 0;
      if (used + sep + e.kb + e.s <= budget) {
        kept.set(e.k, value[e.k]);
        used += sep + e.kb + e.s;
        continue;
      }
      const rest = budget - used - sep - e.kb;
      if (rest < MIN_PART) continue;
      const part = shrinkJson(value[e.k], rest, depth + 1);
      if (part === undefined) continue;
      kept.set(e.k, part);
      used += sep + e.kb + (jsonBytes(part) || 4);
    }
    const out: Record<string, unknown> = {};
    for (const k of keys) if (kept.has(k)) setOwn(out, k, kept.get(k));
    return out;
  }
  return undefined;
}

/** Longest prefix of `s` whose JSON text fits in `budget` bytes, never splitting a surrogate pair. */
export function cutString(s: string, budget: number): string {
  if (jsonBytes(s) <= budget) return s;
  let lo = 0;
  let hi = Math.min(s.length, budget);
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (jsonBytes(prefix(s, mid)) <= budget) lo = mid;
    else hi = mid - 1;
  }
  return prefix(s, lo);
}

function prefix(s: string, n: number): string {
  const code = s.charCodeAt(n - 1);
  // A high surrogate at the cut would leave half a character (invalid UTF-16, replaced by U+FFFD).
  return n > 0 && code >= 0xd800 && code <= 0xdbff ? s.slice(0, n - 1) : s.slice(0, n);
}
