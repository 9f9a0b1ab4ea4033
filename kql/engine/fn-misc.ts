/** Conversion, conditional, math, IP and hash scalar functions. */
import { createHash } from "node:crypto";
import type { Builtin } from "./functions.ts";
import { coerce, compare, isNull, Timespan, toStringValue, typeNameOf } from "./values.ts";

function toNumber(v: unknown, integer: boolean): number | null {
  if (isNull(v) || v === "") return null;
  if (v instanceof Timespan) return integer ? Math.trunc(v.ms * 1e4) : v.ms * 1e4;
  if (v instanceof Date) return v.getTime() * 1e4 + 621355968000000000;
  if (typeof v === "boolean") return v ? 1 : 0;
  const n = typeof v === "number" ? v : Number(String(v).trim());
  if (Number.isNaN(n) && typeof v !== "number") return null;
  return integer ? Math.trunc(n) : n;
}

function ipv4ToNumber(ip: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip.trim());
  if (!m) return null;
  const parts = m.slice(1).map(Number) as [number, number, number, number];
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

/** Parses `a.b.c.d` or `a.b.c.d/n` into [network, prefixLength]. */
function ipv4Range(text: string): [number, number] | null {
  const [ip = "", bits] = text.split("/");
  const n = ipv4ToNumber(ip);
  if (n === null) return null;
  const len = bits === undefined ? 32 : Number(bits);
  if (!(len >= 0 && len <= 32)) return null;
  return [n, len];
}

const mask = (len: number) => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);

function ipv4InRange(ip: unknown, range: unknown): boolean | null {
  const a = ipv4ToNumber(toStringValue(ip));
  const r = ipv4Range(toStringValue(range));
  if (a === null || !r) return null;
  const m = mask(r[1]);
  return (a & m) >>> 0 === (r[0] & m) >>> 0;
}

/** An IPv6 address (or an IPv4 one, as the mapped `::ffff:a.b.c.d`) as a 128-bit number; a zone (`%eth0`) is ignored. */
function ipv6ToBigInt(text: string): bigint | null {
  const ip = text.trim().split("%")[0] ?? "";
  const v4 = ipv4ToNumber(ip);
  if (v4 !== null) return (0xffffn << 32n) | BigInt(v4);
  if (!ip.includes(":")) return null;
  let groups: string[] = [];
  const halves = ip.split("::");
  if (halves.length > 2) return null;
  const parts = (h: string): string[] | null => {
    if (h === "") return [];
    const out: string[] = [];
    for (const g of h.split(":")) {
      const n = ipv4ToNumber(g);
      if (n !== null) out.push((n >>> 16).toString(16), (n & 0xffff).toString(16));
      else if (/^[0-9a-f]{1,4}$/i.test(g)) out.push(g);
      else return null;
    }
    return out;
  };
  const head = parts(halves[0] ?? "");
  const tail = halves.length === 2 ? parts(halves[1] ?? "") : [];
  if (!head || !tail) return null;
  if (halves.length === 2) {
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return null;
    groups = [...head, ...Array<string>(fill).fill("0"), ...tail];
  } else groups = head;
  if (groups.length !== 8) return null;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

/** `address` or `address/n` (IPv4 prefixes count from the mapped address, so `/24` is `/120`) as [network, prefixLength]. */
function ipv6Range(text: string): [bigint, number] | null {
  const [ip = "", bits] = text.split("/");
  const n = ipv6ToBigInt(ip);
  if (n === null) return null;
  const isV4 = ipv4ToNumber(ip.trim()) !== null;
  const max = isV4 ? 32 : 128;
  const len = bits === undefined ? max : Number(bits);
  if (!(Number.isInteger(len) && len >= 0 && len <= max)) return null;
  return [n, isV4 ? 96 + len : len];
}

const mask6 = (len: number): bigint => (len === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - len)) - 1n));

function ipv6InRange(ip: unknown, range: unknown): boolean | null {
  const a = ipv6Range(toStringValue(ip));
  const r = ipv6Range(toStringValue(range));
  if (!a || !r) return null;
  const m = mask6(Math.min(r[1], a[1]));
  return (a[0] & m) === (r[0] & m);
}

/** Kusto's canonical IPv6 text: eight 4-digit groups, the prefix's host bits zeroed. */
function canonicalIpv6(n: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16).padStart(4, "0"));
  return groups.join(":");
}

const PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/** Decimal rounding half away from zero (`round(2.15, 1)` is 2.2, not the binary 2.1). */
function roundTo(v: number, digits: number): number {
  const shifted = Number(`${Math.abs(v)}e${digits}`);
  return Math.sign(v) * Number(`${Math.round(shifted)}e${-digits}`);
}

/** `bin()`/`floor()` for numbers, datetimes (from 0001-01-01, which aligns with the Unix epoch for units ≤ 1d) and timespans. */
export function bin(v: unknown, size: unknown): unknown {
  if (isNull(v) || isNull(size)) return null;
  if (v instanceof Date) {
    const s = size instanceof Timespan ? size.ms : Number(size);
    return new Date(Math.floor(v.getTime() / s) * s);
  }
  if (v instanceof Timespan) {
    const s = size instanceof Timespan ? size.ms : Number(size);
    return new Timespan(Math.floor(v.ms / s) * s);
  }
  const s = Number(size);
  return Math.floor(Number(v) / s) * s;
}

/** IPv4 addresses appearing in text as whole terms (not inside longer dotted or alphanumeric runs). */
function ipv4sIn(text: unknown): string[] {
  const out: string[] = [];
  for (const m of toStringValue(text).matchAll(/(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3})(?![\w.]*\w)/g)) {
    if (ipv4ToNumber(m[1]!) !== null) out.push(m[1]!);
  }
  return out;
}

/** A prefix matches whole octets: `10.1.` or a complete address (documented for has_ipv4_prefix). */
function ipv4PrefixMatch(ip: string, prefix: string): boolean {
  if (prefix.endsWith(".")) return ip.startsWith(prefix);
  return ip === prefix || ip.startsWith(`${prefix}.`);
}

const listArgs = (rest: unknown[]): string[] =>
  (rest.length === 1 && Array.isArray(rest[0]) ? (rest[0] as unknown[]) : rest).map(toStringValue);

export const MISC_FUNCTIONS: Record<string, Builtin> = {
  has_ipv4: ([text, ip]) => ipv4sIn(text).includes(toStringValue(ip)),
  has_any_ipv4: ([text, ...ips]) => {
    const want = new Set(listArgs(ips));
    return ipv4sIn(text).some((a) => want.has(a));
  },
  has_ipv4_prefix: ([text, prefix]) => ipv4sIn(text).some((a) => ipv4PrefixMatch(a, toStringValue(prefix))),
  has_any_ipv4_prefix: ([text, ...prefixes]) => {
    const ps = listArgs(prefixes);
    return ipv4sIn(text).some((a) => ps.some((p) => ipv4PrefixMatch(a, p)));
  },
  toint: ([v]) => toNumber(v, true),
  tolong: ([v]) => toNumber(v, true),
  todouble: ([v]) => toNumber(v, false),
  toreal: ([v]) => toNumber(v, false),
  todecimal: ([v]) => toNumber(v, false),
  tobool: ([v]) => coerce(typeof v === "string" ? v.trim() : v, "bool"),
  toboolean: ([v]) => coerce(typeof v === "string" ? v.trim() : v, "bool"),
  toguid: ([v]) => coerce(v, "guid"),
  iff: ([c, a, b]) => (c === true ? a : b),
  iif: ([c, a, b]) => (c === true ? a : b),
  case: (args) => {
    for (let i = 0; i + 1 < args.length; i += 2) if (args[i] === true) return args[i + 1];
    return args[args.length - 1];
  },
  coalesce: (args) => args.find((a) => !isNull(a) && a !== "") ?? (typeof args[0] === "string" ? "" : null),
  isnull: ([a]) => isNull(a),
  isnotnull: ([a]) => !isNull(a),
  not: ([a]) => (isNull(a) ? null : !a),
  gettype: ([a]) => typeNameOf(a),
  abs: ([a]) => (a instanceof Timespan ? new Timespan(Math.abs(a.ms)) : isNull(a) ? null : Math.abs(Number(a))),
  round: ([a, d]) => (isNull(a) ? null : roundTo(Number(a), d === undefined ? 0 : Number(d))),
  floor: ([v, size]) => bin(v, size),
  bin: ([v, size]) => bin(v, size),
  ceiling: ([a]) => (isNull(a) ? null : Math.ceil(Number(a))),
  sqrt: ([a]) => (isNull(a) ? null : Math.sqrt(Number(a))),
  pow: ([a, b]) => (isNull(a) || isNull(b) ? null : Number(a) ** Number(b)),
  log: ([a]) => (isNull(a) ? null : Math.log(Number(a))),
  log10: ([a]) => (isNull(a) ? null : Math.log10(Number(a))),
  exp: ([a]) => (isNull(a) ? null : Math.exp(Number(a))),
  sign: ([a]) => (isNull(a) ? null : Math.sign(Number(a))),
  isnan: ([a]) => typeof a === "number" && Number.isNaN(a),
  min_of: (args) => extreme(args, -1),
  max_of: (args) => extreme(args, 1),
  ipv4_is_private: ([ip]) => {
    const r = PRIVATE.map((p) => ipv4InRange(ip, p));
    return r[0] === null ? null : r.some(Boolean);
  },
  ipv4_is_in_range: ([ip, range]) => ipv4InRange(ip, range),
  ipv4_is_in_any_range: ([ip, ...ranges]) => {
    const list = ranges.length === 1 && Array.isArray(ranges[0]) ? (ranges[0] as unknown[]) : ranges;
    return list.some((r) => ipv4InRange(ip, r) === true);
  },
  ipv4_is_match: ([a, b, prefix]) => {
    const x = ipv4Range(toStringValue(a));
    const y = ipv4Range(toStringValue(b));
    if (!x || !y) return null;
    const len = prefix === undefined ? Math.min(x[1], y[1]) : Number(prefix);
    const m = mask(len);
    return (x[0] & m) >>> 0 === (y[0] & m) >>> 0;
  },
  parse_ipv4: ([ip]) => ipv4ToNumber(toStringValue(ip)),
  parse_ipv6: ([ip]) => {
    const r = ipv6Range(toStringValue(ip));
    return r ? canonicalIpv6(r[0] & mask6(r[1])) : "";
  },
  ipv6_is_in_range: ([ip, range]) => ipv6InRange(ip, range),
  ipv6_is_in_any_range: ([ip, ...ranges]) => {
    const list = ranges.length === 1 && Array.isArray(ranges[0]) ? (ranges[0] as unknown[]) : ranges;
    if (!ipv6Range(toStringValue(ip))) return null;
    return list.some((r) => ipv6InRange(ip, r) === true);
  },
  ipv6_is_match: ([a, b, prefix]) => {
    const x = ipv6Range(toStringValue(a));
    const y = ipv6Range(toStringValue(b));
    if (!x || !y) return null;
    const m = mask6(Math.min(x[1], y[1], prefix === undefined ? 128 : Number(prefix)));
    return (x[0] & m) === (y[0] & m);
  },
  hash_sha256: ([a]) => createHash("sha256").update(toStringValue(a), "utf8").digest("hex"),
  hash_sha1: ([a]) => createHash("sha1").update(toStringValue(a), "utf8").digest("hex"),
  hash_md5: ([a]) => createHash("md5").update(toStringValue(a), "utf8").digest("hex"),
  new_guid: () => crypto.randomUUID(),
};

function extreme(args: unknown[], dir: 1 | -1): unknown {
  let best: unknown = null;
  for (const a of args) {
    if (isNull(a)) continue;
    if (best === null || Math.sign(compare(a, best)) === dir) best = a;
  }
  return best;
}
