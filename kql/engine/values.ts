/**
 * Runtime values of the KQL test engine and the Kusto semantics that apply to all of them.
 *
 * Representation: string → JS string (Kusto strings are never null: missing means ""), bool → boolean,
 * int/long/real/decimal → number, datetime → Date, timespan → {@link Timespan}, guid → string,
 * dynamic → plain JSON values (objects, arrays, numbers, strings, booleans, null). Every other type may be null.
 */

/** A Kusto timespan (stored in milliseconds; fractional milliseconds are allowed). */
export class Timespan {
  readonly ms: number;
  constructor(ms: number) {
    this.ms = ms;
  }
  toString(): string {
    return formatTimespan(this.ms);
  }
  toJSON(): string {
    return formatTimespan(this.ms);
  }
}

export const MS = { tick: 1e-4, microsecond: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Kusto `timespan` text: `[-][d.]hh:mm:ss[.fffffff]`. */
export function formatTimespan(ms: number): string {
  const neg = ms < 0;
  let rest = Math.abs(ms);
  const days = Math.floor(rest / MS.d);
  rest -= days * MS.d;
  const h = Math.floor(rest / MS.h);
  rest -= h * MS.h;
  const m = Math.floor(rest / MS.m);
  rest -= m * MS.m;
  const s = Math.floor(rest / MS.s);
  rest -= s * MS.s;
  const ticks = Math.round(rest * 1e4);
  const p2 = (n: number) => String(n).padStart(2, "0");
  let out = `${neg ? "-" : ""}${days ? `${days}.` : ""}${p2(h)}:${p2(m)}:${p2(s)}`;
  if (ticks) out += `.${String(ticks).padStart(7, "0")}`;
  return out;
}

/** Kusto `tostring(datetime)` text: ISO 8601 with 7 fractional digits. */
export function formatDatetime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$10000Z");
}

export const isTimespan = (v: unknown): v is Timespan => v instanceof Timespan;
export const isDate = (v: unknown): v is Date => v instanceof Date;

/** Parses Kusto timespan text (`1.02:03:04.5`, `02:03`, `2d`, `1.5h`, `30m`, `100ms`, `10tick`). */
export function parseTimespan(text: string): Timespan | null {
  const t = text.trim();
  const unit =
    /^(-?\d+(?:\.\d+)?)\s*(d|day|days|h|hr|hrs|hour|hours|m|min|minute|minutes|s|sec|second|seconds|ms|milli|millis|millisecond|milliseconds|microsecond|microseconds|tick|ticks)$/i.exec(
      t,
    );
  if (unit) {
    const n = Number(unit[1]);
    const u = (unit[2] as string).toLowerCase();
    const f =
      u.startsWith("mi") && u !== "min" && u !== "minute" && u !== "minutes"
        ? u.startsWith("micro")
          ? MS.microsecond
          : MS.ms
        : u === "ms"
          ? MS.ms
          : u.startsWith("t")
            ? MS.tick
            : u.startsWith("d")
              ? MS.d
              : u.startsWith("h")
                ? MS.h
                : u.startsWith("m")
                  ? MS.m
                  : MS.s;
    return new Timespan(n * f);
  }
  const clock = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$/.exec(t);
  if (clock) {
    const [, neg, d, h, m, s, frac] = clock;
    const ms =
      Number(d ?? 0) * MS.d +
      Number(h) * MS.h +
      Number(m) * MS.m +
      Number(s ?? 0) * MS.s +
      (frac ? Number(`0.${frac}`) * 1000 : 0);
    return new Timespan(neg ? -ms : ms);
  }
  if (/^-?\d+$/.test(t)) return new Timespan(Number(t) * MS.d);
  return null;
}

/** Parses Kusto datetime text; null when not a date. */
export function parseDatetime(text: string): Date | null {
  let t = text.trim();
  if (!t || t === "null") return null;
  // Kusto accepts `2024-01-01 10:00:00` and no zone (= UTC).
  if (/^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}/.test(t)) {
    t = t.replace(" ", "T");
    if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(t)) t += "Z";
  } else if (/^\d{4}-\d{2}-\d{2}$/.test(t)) t += "T00:00:00Z";
  // JS Date keeps milliseconds only; drop extra fraction digits rather than fail.
  t = t.replace(/(\.\d{3})\d+/, "$1");
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/** Normalizes a Kusto type name (`double` → `real`, `boolean` → `bool`, ...). */
export function normalizeType(type: string): string {
  const t = type.toLowerCase();
  if (t === "double") return "real";
  if (t === "boolean") return "bool";
  if (t === "time") return "timespan";
  if (t === "date") return "datetime";
  if (t === "uniqueid") return "guid";
  if (t === "int64") return "long";
  if (t === "int32") return "int";
  return t;
}

/** Converts an input value (fixture, NDJSON, datatable) to the engine representation of `type`. */
export function coerce(value: unknown, type: string): unknown {
  switch (normalizeType(type)) {
    case "string":
      if (value === null || value === undefined) return "";
      if (typeof value === "string") return value;
      return toStringValue(value);
    case "datetime":
      if (value === null || value === undefined || value === "") return null;
      if (value instanceof Date) return value;
      if (typeof value === "number") return new Date(value);
      return parseDatetime(String(value));
    case "timespan":
      if (value === null || value === undefined || value === "") return null;
      if (value instanceof Timespan) return value;
      if (typeof value === "number") return new Timespan(value);
      return parseTimespan(String(value));
    case "int":
    case "long":
    case "real":
    case "decimal": {
      if (value === null || value === undefined || value === "") return null;
      const n = typeof value === "number" ? value : Number(value);
      if (Number.isNaN(n) && typeof value !== "number") return null;
      return normalizeType(type) === "real" || normalizeType(type) === "decimal" ? n : Math.trunc(n);
    }
    case "bool":
      if (value === null || value === undefined || value === "") return null;
      if (typeof value === "boolean") return value;
      if (typeof value === "number") return value !== 0;
      if (/^true$/i.test(String(value))) return true;
      if (/^false$/i.test(String(value))) return false;
      return null;
    case "guid":
      return value === null || value === undefined || value === "" ? null : String(value).toLowerCase();
    default:
      return value === undefined ? null : value;
  }
}

/** Kusto `tostring()`: "" for null, JSON for dynamic bags/arrays. */
export function toStringValue(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (v instanceof Date) return formatDatetime(v);
  if (v instanceof Timespan) return formatTimespan(v.ms);
  if (typeof v === "number") return Number.isInteger(v) || !Number.isFinite(v) ? String(v) : String(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  return JSON.stringify(v, jsonReplacer);
}

export function jsonReplacer(_key: string, v: unknown): unknown {
  return v instanceof Timespan ? formatTimespan(v.ms) : v;
}

/** A primitive number for ordering/hashing of ordered scalars (datetime/timespan → ms). */
function ordinal(v: unknown): unknown {
  if (v instanceof Date) return v.getTime();
  if (v instanceof Timespan) return v.ms;
  return v;
}

/** Kusto equality of two non-null scalars (`==`), numbers across int/long/real, dynamic by value. */
export function equals(a: unknown, b: unknown): boolean {
  const x = ordinal(a);
  const y = ordinal(b);
  if (x === y) return true;
  if (typeof x === "string" && typeof y !== "string" && y !== null && typeof y !== "object") return x === String(y);
  if (typeof y === "string" && typeof x !== "string" && x !== null && typeof x !== "object") return y === String(x);
  if (typeof x === "object" && typeof y === "object" && x !== null && y !== null) return keyOf(x) === keyOf(y);
  return false;
}

/** Ordering of two non-null values; strings ordinally, numbers/datetimes/timespans numerically. */
export function compare(a: unknown, b: unknown): number {
  const x = ordinal(a);
  const y = ordinal(b);
  if (typeof x === "number" && typeof y === "number") return x < y ? -1 : x > y ? 1 : 0;
  if (typeof x === "boolean" && typeof y === "boolean") return Number(x) - Number(y);
  const s = typeof x === "string" ? x : toStringValue(x);
  const t = typeof y === "string" ? y : toStringValue(y);
  return s < t ? -1 : s > t ? 1 : 0;
}

/** A hash key identifying a value for grouping, distinct, joins and sets. */
export function keyOf(v: unknown): string {
  if (v === null || v === undefined) return "\u0000";
  switch (typeof v) {
    case "string":
      return `s${v}`;
    case "number":
      return `n${v}`;
    case "boolean":
      return v ? "b1" : "b0";
  }
  if (v instanceof Date) return `d${v.getTime()}`;
  if (v instanceof Timespan) return `t${v.ms}`;
  return `j${JSON.stringify(v, jsonReplacer)}`;
}

/** True for Kusto null (and for the JS `undefined` of a missing dynamic property). */
export const isNull = (v: unknown): v is null | undefined => v === null || v === undefined;

/** Kusto `isempty()`: null or "" (and empty dynamic string). */
export const isEmpty = (v: unknown): boolean => v === null || v === undefined || v === "";

/** Kusto type name of a value, as `gettype()` reports it. */
export function typeNameOf(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "long" : "real";
  if (v instanceof Date) return "datetime";
  if (v instanceof Timespan) return "timespan";
  if (Array.isArray(v)) return "array";
  return "dictionary";
}

/** Converts a value for output: Date → ISO string, Timespan → Kusto text, nested dynamic likewise. */
export function toJsonValue(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Timespan) return formatTimespan(v.ms);
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toJsonValue(x);
    return out;
  }
  return v === undefined ? null : v;
}
