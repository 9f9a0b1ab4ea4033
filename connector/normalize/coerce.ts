/**
 * Tolerant scalar conversions for audit record fields. Microsoft sends the same field with different JSON
 * types depending on workload and export path (o365-management-api.md §7.7): `"RecordType":"1"`,
 * `"SizeInBytes":1156492.00`, `"IsThrottled":"False"`, `CreationTime` without a zone. Every function here
 * returns `null` instead of throwing when a value cannot be used.
 */

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const NUMERIC = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

/** A plain JSON object (not an array, not null). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Integer from a number or numeric string (floats rounded); null outside the Kusto `int` range. */
export function toInt(v: unknown): number | null {
  let n: number;
  if (typeof v === "number") n = v;
  else if (typeof v === "string" && NUMERIC.test(v)) n = Number(v);
  else return null;
  if (!Number.isFinite(n)) return null;
  n = Math.round(n);
  if (n < INT32_MIN || n > INT32_MAX) return null;
  return n === 0 ? 0 : n; // no -0
}

/** Boolean from a boolean, "True"/"False" (any case), "1"/"0" or 1/0. */
export function toBool(v: unknown): boolean | null {
  if (typeof v === "boolean") return v;
  if (typeof v === "string") {
    const s = v.trim().toLowerCase();
    if (s === "true" || s === "1" || s === "yes") return true;
    if (s === "false" || s === "0" || s === "no") return false;
    return null;
  }
  if (typeof v === "number") return v === 1 ? true : v === 0 ? false : null;
  return null;
}

/** Non-empty string from a string, finite number or boolean; null for anything else or blank text. */
export function toStr(v: unknown): string | null {
  if (typeof v === "string") {
    // Hot path: skip trim() (an allocation) when the first character is not whitespace.
    if (v.length === 0) return null;
    return v.charCodeAt(0) > 32 || v.trim().length > 0 ? v : null;
  }
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : null;
  if (typeof v === "boolean") return v ? "True" : "False";
  return null;
}

/** Like `toStr` but trims surrounding whitespace (`OriginatingServer` ends in `\r\n` in some records). */
export function toTrimmedStr(v: unknown): string | null {
  const s = toStr(v);
  if (s === null) return null;
  const t = s.trim();
  return t.length === 0 ? null : t;
}

const ISO_LIKE =
  /^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?\s*$/;
const MS_DATE = /^\s*\/?Date\((-?\d+)([+-]\d{4})?\)\/?\s*$/;
const MIN_MS = Date.UTC(1000, 0, 1);
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * ISO 8601 UTC string (`2024-10-08T05:08:37.000Z`) from an audit timestamp. A timestamp without a zone is
 * UTC (Microsoft documents CreationTime as UTC but omits the `Z`). Also accepts the `/Date(ms)/` form of
 * ConvertTo-Json exports (the unit is part of the form). Null for anything else, so no time is ever made up:
 *
 * | input                                              | result                                          |
 * |----------------------------------------------------|-------------------------------------------------|
 * | `2024-10-08T05:08:37` (the API's form)             | `2024-10-08T05:08:37.000Z`                      |
 * | `2024-10-08T05:08:37.1234567`, `…Z`, `… UTC`       | UTC, milliseconds kept                          |
 * | `2024-10-08 05:08:37`, `2024-10-08`                | UTC (space separator, date only: midnight)      |
 * | `…+02:00`, `…-0530`, `…+02`                        | converted to UTC; offsets beyond ±14:00 refused |
 * | `/Date(1728364117000)/` (`"\/Date(…)\/"` in JSON text)   | epoch milliseconds, as ConvertTo-Json writes    |
 * | a bare number (epoch without a unit)               | null: seconds or milliseconds cannot be told    |
 * | year < 1000 (`0001-01-01T00:00:00`, .NET's MinValue) | null (Date.UTC maps years 0-99 to 1900-1999)  |
 * | locale text (`10/8/2024 5:08:37 AM`), RFC 1123,    | null (CSV CreationDate: see the                 |
 * | ISO basic (`20241008T050837Z`), 31 Feb, 24:00      | `creationDateFormat` fallback of the importer)  |
 */
export function toIsoTime(v: unknown): string | null {
  let ms: number;
  if (typeof v === "string") {
    const fast = fastCreationTime(v);
    if (fast !== undefined) return fast;
    const m = ISO_LIKE.exec(v);
    if (m) {
      const [, y, mo, d, h, mi, s, frac, zone] = m;
      const month = Number(mo);
      const day = Number(d);
      const hour = h === undefined ? 0 : Number(h);
      const minute = mi === undefined ? 0 : Number(mi);
      const second = s === undefined ? 0 : Number(s);
      if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
      const millis = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
      if (Number(y) < 1000) return null;
      ms = Date.UTC(Number(y), month - 1, day, hour, minute, second, millis);
      // Date.UTC rolls 31 Feb over into March: reject instead of silently moving the event.
      if (new Date(ms).getUTCDate() !== day && second !== 60) return null;
      if (zone && zone !== "Z" && zone !== "z" && zone !== "UTC") {
        const sign = zone[0] === "-" ? -1 : 1;
        const digits = zone.slice(1).replace(":", "");
        const offH = Number(digits.slice(0, 2));
        const offM = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
        if (offH > 14 || offM > 59) return null;
        ms -= sign * (offH * 60 + offM) * 60_000;
      }
    } else {
      const d = MS_DATE.exec(v);
      if (!d) return null;
      ms = Number(d[1]);
    }
  } else if (v instanceof Date) {
    ms = v.getTime();
  } else {
    return null;
  }
  if (!Number.isFinite(ms) || ms < MIN_MS || ms > MAX_MS) return null;
  return new Date(ms).toISOString();
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Fast path for the form nearly every record uses, `2024-10-08T05:08:37` (UTC without zone): validated by
 * character codes and returned without building a Date. Undefined when the text has another form.
 */
function fastCreationTime(s: string): string | null | undefined {
  if (s.length !== 19 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84) return undefined;
  if (s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return undefined;
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  const sec = digits(s, 17, 2);
  if (y < 1000 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) {
    return undefined; // let the general parser decide (and reject)
  }
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const max = mo === 2 && leap ? 29 : (DAYS_IN_MONTH[mo - 1] as number);
  if (d > max) return null;
  return `${s}.000Z`;
}

export interface ClientAddress {
  ip: string | null;
  port: number | null;
}

const V4_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/;
const V6_BRACKETS = /^\[([^\]]*)\](?::(\d{1,5}))?$/;

function port(text: string | undefined): number | null {
  if (text === undefined) return null;
  const n = Number(text);
  return n >= 0 && n <= 65535 ? n : null;
}

/**
 * Splits a client address into IP and port. Admin records carry `104.28.196.199:28491` and
 * `[2a09:bac5:114:105::1a:9b]:54809`; mailbox records a bare address. A bare IPv6 address (several colons,
 * no brackets) has no port. Text that is not an address is kept as-is in `ip` (the raw record keeps it too).
 */
export function parseClientAddress(v: unknown): ClientAddress {
  const s = toTrimmedStr(v);
  if (s === null) return { ip: null, port: null };
  // Mailbox records carry a bare address: no colon (IPv4) or several (IPv6) and no bracket.
  const colon = s.indexOf(":");
  if (colon < 0 || (s.charCodeAt(0) !== 0x5b && s.indexOf(":", colon + 1) >= 0)) return { ip: s, port: null };
  const v6 = V6_BRACKETS.exec(s);
  if (v6) {
    const ip = v6[1]?.trim() || null;
    const p = port(v6[2]);
    if (v6[2] !== undefined && p === null) return { ip: s, port: null };
    return { ip, port: p };
  }
  const v4 = V4_PORT.exec(s);
  if (v4) {
    const p = port(v4[2]);
    return p === null ? { ip: s, port: null } : { ip: v4[1] ?? s, port: p };
  }
  return { ip: s, port: null };
}

/**
 * Sets `obj[key] = value` as an own data property. Keys come from records; assignment to `__proto__` would
 * replace the object's prototype instead of storing a value, so that one key is defined, not assigned.
 */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/**
 * Turns a `[{Name, Value}]` list (Parameters, OperationProperties, ModifiedProperties) into an object keyed by
 * name, so queries read values by name and never by position. Names come from the record (`__proto__`,
 * `constructor`) and must never reach Object.prototype: see `setOwn`. (A prototype-free object would be
 * safe too, but JSON.stringify serializes those on a slower path.) A list of plain strings (mailbox
 * `ModifiedProperties: ["Subject"]`) maps each name to null. A record that already carries an object is
 * copied the same way. Returns null when nothing usable is present.
 */
export function nameValueBag(list: unknown, valueKeys: readonly string[] = ["Value"]): Record<string, unknown> | null {
  const bag: Record<string, unknown> = {};
  let any = false;
  if (Array.isArray(list)) {
    for (const entry of list) {
      if (typeof entry === "string") {
        if (entry.length > 0) {
          setOwn(bag, entry, null);
          any = true;
        }
        continue;
      }
      if (!isObject(entry)) continue;
      const name = toStr(entry.Name);
      if (name === null) continue;
      let value: unknown = null;
      for (const key of valueKeys) {
        if (entry[key] !== undefined) {
          value = entry[key];
          break;
        }
      }
      setOwn(bag, name, value);
      any = true;
    }
  } else if (isObject(list)) {
    for (const key of Object.keys(list)) {
      setOwn(bag, key, list[key]);
      any = true;
    }
  }
  return any ? bag : null;
}
