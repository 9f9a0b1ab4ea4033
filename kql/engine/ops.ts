/** Kusto scalar operators: string predicates (term-based `has`), comparisons, arithmetic, three-valued logic. */
import { compare, equals, isNull, MS, Timespan, toStringValue } from "./values.ts";

const str = (v: unknown): string => (typeof v === "string" ? v : toStringValue(v));

const isAlnum = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c > 127;

/**
 * Whether some occurrence of the needle in the haystack satisfies `accept(text, start, end)`; the shared
 * scan behind `has`, `hasprefix` and `hassuffix` (case-insensitive unless `caseSensitive`).
 */
function someOccurrence(
  haystack: unknown,
  needle: unknown,
  caseSensitive: boolean,
  accept: (text: string, start: number, end: number) => boolean,
): boolean {
  let h = str(haystack);
  let n = str(needle);
  if (!caseSensitive) {
    h = h.toLowerCase();
    n = n.toLowerCase();
  }
  for (let from = 0; ; ) {
    const at = h.indexOf(n, from);
    if (at < 0) return false;
    if (accept(h, at, at + n.length)) return true;
    from = at + 1;
  }
}

const termStartsAt = (h: string, at: number) => at === 0 || !isAlnum(h.charCodeAt(at - 1));
const termEndsAt = (h: string, end: number) => end >= h.length || !isAlnum(h.charCodeAt(end));

/**
 * `has`: the needle must match whole terms of the haystack. Kusto splits text into terms of
 * alphanumeric characters; a needle with punctuation matches when its alphanumeric edges sit on term
 * boundaries (https://learn.microsoft.com/kusto/query/datatypes-string-operators#what-is-a-term).
 */
export function hasTerm(haystack: unknown, needle: unknown, caseSensitive = false): boolean {
  const n = str(needle);
  if (n === "") return true;
  const startsAlnum = isAlnum(n.charCodeAt(0));
  const endsAlnum = isAlnum(n.charCodeAt(n.length - 1));
  return someOccurrence(
    haystack,
    n,
    caseSensitive,
    (h, at, end) => (!startsAlnum || termStartsAt(h, at)) && (!endsAlnum || termEndsAt(h, end)),
  );
}

/** `hasprefix`: some term starts with the needle. */
export function hasPrefix(haystack: unknown, needle: unknown, cs = false): boolean {
  return someOccurrence(haystack, needle, cs, (h, at) => termStartsAt(h, at));
}

/** `hassuffix`: some term ends with the needle. */
export function hasSuffix(haystack: unknown, needle: unknown, cs = false): boolean {
  return someOccurrence(haystack, needle, cs, (h, _at, end) => termEndsAt(h, end));
}

export const contains = (h: unknown, n: unknown) => str(h).toLowerCase().includes(str(n).toLowerCase());
export const containsCs = (h: unknown, n: unknown) => str(h).includes(str(n));
export const startsWith = (h: unknown, n: unknown) => str(h).toLowerCase().startsWith(str(n).toLowerCase());
export const startsWithCs = (h: unknown, n: unknown) => str(h).startsWith(str(n));
export const endsWith = (h: unknown, n: unknown) => str(h).toLowerCase().endsWith(str(n).toLowerCase());
export const endsWithCs = (h: unknown, n: unknown) => str(h).endsWith(str(n));
export const equalsCi = (a: unknown, b: unknown) => str(a).toLowerCase() === str(b).toLowerCase();

/** SQL-style `like` is not Kusto; kept out on purpose. */

/** `==`: null == null → null; null == x → false (documented null semantics). */
export function eq(a: unknown, b: unknown): boolean | null {
  const an = isNull(a);
  const bn = isNull(b);
  if (an && bn) return null;
  if (an || bn) return false;
  return equals(a, b);
}

/** `!=`: null != null → null; null != x → true. */
export function ne(a: unknown, b: unknown): boolean | null {
  const r = eq(a, b);
  return r === null ? null : !r;
}

/** `<`, `<=`, `>`, `>=`: null when either side is null. */
export function cmp(op: "<" | "<=" | ">" | ">=", a: unknown, b: unknown): boolean | null {
  if (isNull(a) || isNull(b)) return null;
  if (typeof a === "number" && Number.isNaN(a)) return false;
  const c = compare(a, b);
  return op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === ">" ? c > 0 : c >= 0;
}

export function and(a: unknown, b: unknown): boolean | null {
  if (a === false || b === false) return false;
  if (a === true && b === true) return true;
  return null;
}

export function or(a: unknown, b: unknown): boolean | null {
  if (a === true || b === true) return true;
  if (a === false && b === false) return false;
  return null;
}

/** Arithmetic with datetime/timespan rules; `integer` truncates division (long/long is long). */
export function arith(op: "+" | "-" | "*" | "/" | "%", a: unknown, b: unknown, integer: boolean): unknown {
  if (isNull(a) || isNull(b)) return null;
  if (a instanceof Date) {
    if (b instanceof Timespan) return new Date(a.getTime() + (op === "+" ? b.ms : op === "-" ? -b.ms : Number.NaN));
    if (b instanceof Date && op === "-") return new Timespan(a.getTime() - b.getTime());
    return null;
  }
  if (a instanceof Timespan) {
    if (b instanceof Date && op === "+") return new Date(b.getTime() + a.ms);
    if (b instanceof Timespan) {
      if (op === "+") return new Timespan(a.ms + b.ms);
      if (op === "-") return new Timespan(a.ms - b.ms);
      if (op === "/") return a.ms / b.ms;
      if (op === "%") return new Timespan(a.ms % b.ms);
      return null;
    }
    if (typeof b === "number") {
      if (op === "*") return new Timespan(a.ms * b);
      if (op === "/") return new Timespan(a.ms / b);
    }
    return null;
  }
  if (b instanceof Timespan && typeof a === "number" && op === "*") return new Timespan(a * b.ms);
  const x = Number(a);
  const y = Number(b);
  switch (op) {
    case "+":
      return x + y;
    case "-":
      return x - y;
    case "*":
      return x * y;
    case "/":
      if (integer) return y === 0 ? null : Math.trunc(x / y);
      return x / y;
    case "%":
      return integer && y === 0 ? null : x % y;
  }
}

export { MS };
