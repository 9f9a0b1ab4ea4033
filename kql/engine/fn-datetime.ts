/** Datetime and timespan scalar functions; `now()`/`ago()` read the query's fixed clock. */
import type { Builtin } from "./functions.ts";
import { coerce, formatTimespan, isNull, MS, Timespan, toStringValue } from "./values.ts";

const asDate = (v: unknown): Date | null => (v instanceof Date ? v : (coerce(v, "datetime") as Date | null));

const UNIT_MS: Record<string, number> = {
  week: 7 * MS.d,
  day: MS.d,
  hour: MS.h,
  minute: MS.m,
  second: MS.s,
  millisecond: 1,
  microsecond: MS.microsecond,
  nanosecond: MS.tick / 100,
};

function unitOf(u: unknown): string {
  const x = toStringValue(u).toLowerCase().replace(/s$/, "");
  const alias: Record<string, string> = { ms: "millisecond", min: "minute", sec: "second", h: "hour", d: "day" };
  return alias[x] ?? x;
}

/** Calendar difference per Kusto: counts boundaries crossed (month/year/quarter by calendar fields). */
function datetimeDiff(unit: string, a: Date, b: Date): number | null {
  const months = (d: Date) => d.getUTCFullYear() * 12 + d.getUTCMonth();
  switch (unit) {
    case "year":
      return a.getUTCFullYear() - b.getUTCFullYear();
    case "quarter":
      return Math.floor(months(a) / 3) - Math.floor(months(b) / 3);
    case "month":
      return months(a) - months(b);
    case "week": {
      // Weeks start on Sunday.
      const start = (d: Date) => Math.floor((d.getTime() - d.getUTCDay() * MS.d) / MS.d) * MS.d;
      return Math.round((start(a) - start(b)) / (7 * MS.d));
    }
    default: {
      const size = UNIT_MS[unit];
      if (!size) return null;
      return Math.floor(a.getTime() / size) - Math.floor(b.getTime() / size);
    }
  }
}

/** Calendar units clamp the day to the target month (2017-01-31 + 1 month = 2017-02-28), as .NET does. */
function addUnits(unit: string, amount: number, d: Date): Date | null {
  const months = unit === "year" ? 12 * amount : unit === "quarter" ? 3 * amount : unit === "month" ? amount : null;
  if (months === null) {
    const size = UNIT_MS[unit];
    return size ? new Date(d.getTime() + amount * size) : null;
  }
  const total = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
  const y = Math.floor(total / 12);
  const m = total - y * 12;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const dayMs = d.getTime() - Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return new Date(Date.UTC(y, m, Math.min(d.getUTCDate(), lastDay)) + dayMs);
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** `format_datetime` with the documented .NET-style specifiers. */
function formatDatetime(d: Date, fmt: string): string {
  const tokens: Record<string, () => string> = {
    yyyy: () => String(d.getUTCFullYear()),
    yy: () => pad(d.getUTCFullYear() % 100),
    MM: () => pad(d.getUTCMonth() + 1),
    M: () => String(d.getUTCMonth() + 1),
    dd: () => pad(d.getUTCDate()),
    d: () => String(d.getUTCDate()),
    HH: () => pad(d.getUTCHours()),
    H: () => String(d.getUTCHours()),
    hh: () => pad(d.getUTCHours() % 12 || 12),
    h: () => String(d.getUTCHours() % 12 || 12),
    mm: () => pad(d.getUTCMinutes()),
    m: () => String(d.getUTCMinutes()),
    ss: () => pad(d.getUTCSeconds()),
    s: () => String(d.getUTCSeconds()),
    fff: () => pad(d.getUTCMilliseconds(), 3),
    ff: () => pad(Math.floor(d.getUTCMilliseconds() / 10)),
    f: () => String(Math.floor(d.getUTCMilliseconds() / 100)),
    tt: () => (d.getUTCHours() < 12 ? "AM" : "PM"),
  };
  return fmt.replace(/yyyy|yy|MM|M|dd|d|HH|H|hh|h|mm|m|ss|s|fff|ff|f|tt/g, (t) => tokens[t]!());
}

function startOf(d: Date, unit: "day" | "week" | "month" | "year", offset: number): Date {
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  if (unit === "day") return new Date(Date.UTC(y, m, d.getUTCDate() + offset));
  if (unit === "week") return new Date(Date.UTC(y, m, d.getUTCDate() - d.getUTCDay() + 7 * offset));
  if (unit === "month") return new Date(Date.UTC(y, m + offset, 1));
  return new Date(Date.UTC(y + offset, 0, 1));
}

const startFn =
  (unit: "day" | "week" | "month" | "year", end: boolean): Builtin =>
  ([a, off]) => {
    const d = asDate(a);
    if (!d) return null;
    const o = isNull(off) || off === undefined ? 0 : Number(off);
    // Dates keep milliseconds, so the last tick of the period is its last millisecond.
    return end ? new Date(startOf(d, unit, o + 1).getTime() - 1) : startOf(d, unit, o);
  };

export const DATETIME_FUNCTIONS: Record<string, Builtin> = {
  now: (args, ctx) => (args[0] instanceof Timespan ? new Date(ctx.now.getTime() + args[0].ms) : ctx.now),
  ago: ([t], ctx) => (t instanceof Timespan ? new Date(ctx.now.getTime() - t.ms) : null),
  todatetime: ([a]) => asDate(a),
  totimespan: ([a]) => (a instanceof Timespan ? a : coerce(a, "timespan")),
  datetime_diff: ([unit, a, b]) => {
    const x = asDate(a);
    const y = asDate(b);
    return x && y ? datetimeDiff(unitOf(unit), x, y) : null;
  },
  datetime_add: ([unit, amount, d]) => {
    const x = asDate(d);
    return x && !isNull(amount) ? addUnits(unitOf(unit), Number(amount), x) : null;
  },
  startofday: startFn("day", false),
  endofday: startFn("day", true),
  startofweek: startFn("week", false),
  endofweek: startFn("week", true),
  startofmonth: startFn("month", false),
  endofmonth: startFn("month", true),
  startofyear: startFn("year", false),
  endofyear: startFn("year", true),
  dayofweek: ([a]) => {
    const d = asDate(a);
    return d ? new Timespan(d.getUTCDay() * MS.d) : null;
  },
  dayofmonth: ([a]) => asDate(a)?.getUTCDate() ?? null,
  dayofyear: ([a]) => {
    const d = asDate(a);
    return d ? Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / MS.d) + 1 : null;
  },
  hourofday: ([a]) => asDate(a)?.getUTCHours() ?? null,
  getmonth: ([a]) => (asDate(a) ? (asDate(a) as Date).getUTCMonth() + 1 : null),
  monthofyear: ([a]) => (asDate(a) ? (asDate(a) as Date).getUTCMonth() + 1 : null),
  getyear: ([a]) => asDate(a)?.getUTCFullYear() ?? null,
  format_datetime: ([a, f]) => {
    const d = asDate(a);
    return d ? formatDatetime(d, toStringValue(f)) : "";
  },
  format_timespan: ([t, f]) => {
    if (!(t instanceof Timespan)) return "";
    const fmt = toStringValue(f);
    if (!fmt) return formatTimespan(t.ms);
    let rest = Math.abs(t.ms);
    const parts: Record<string, number> = {};
    parts.d = Math.floor(rest / MS.d);
    rest -= parts.d * MS.d;
    parts.h = Math.floor(rest / MS.h);
    rest -= parts.h * MS.h;
    parts.m = Math.floor(rest / MS.m);
    rest -= parts.m * MS.m;
    parts.s = Math.floor(rest / MS.s);
    parts.f = Math.round(rest);
    return fmt.replace(/d+|h+|H+|m+|s+|f+/g, (tok) => {
      const k = tok[0]!.toLowerCase();
      return k === "f" ? pad(parts.f!, 3).slice(0, tok.length) : pad(parts[k]!, tok.length);
    });
  },
  unixtime_seconds_todatetime: ([n]) => (isNull(n) ? null : new Date(Number(n) * 1000)),
  unixtime_milliseconds_todatetime: ([n]) => (isNull(n) ? null : new Date(Number(n))),
  make_datetime: (args) =>
    args.some(isNull)
      ? null
      : new Date(
          Date.UTC(
            Number(args[0]),
            Number(args[1]) - 1,
            Number(args[2]),
            Number(args[3] ?? 0),
            Number(args[4] ?? 0),
            0,
            Number(args[5] ?? 0) * 1000,
          ),
        ),
  make_timespan: (args) =>
    new Timespan(
      args.length === 2
        ? Number(args[0]) * MS.h + Number(args[1]) * MS.m
        : args.length === 3
          ? Number(args[0]) * MS.h + Number(args[1]) * MS.m + Number(args[2]) * MS.s
          : Number(args[0]) * MS.d + Number(args[1]) * MS.h + Number(args[2]) * MS.m + Number(args[3]) * MS.s,
    ),
};
