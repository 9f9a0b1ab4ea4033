/** String scalar functions (https://learn.microsoft.com/kusto/query/scalar-functions). */
import type { Builtin } from "./functions.ts";
import { isNull, toStringValue } from "./values.ts";

const s = toStringValue;

function regex(p: unknown, flags = ""): RegExp {
  const text = s(p);
  return /^\(\?i\)/.test(text) ? new RegExp(text.slice(4), `i${flags}`) : new RegExp(text, flags);
}

export const STRING_FUNCTIONS: Record<string, Builtin> = {
  strlen: ([a]) => [...s(a)].length,
  tolower: ([a]) => s(a).toLowerCase(),
  toupper: ([a]) => s(a).toUpperCase(),
  strcat: (args) => args.map(s).join(""),
  strcat_delim: ([d, ...rest]) => rest.map(s).join(s(d)),
  strcat_array: ([arr, d]) => (Array.isArray(arr) ? arr.map(s).join(s(d)) : ""),
  split: ([a, d, idx]) => {
    const parts = s(a).split(s(d));
    if (idx === undefined) return parts;
    if (isNull(idx)) return null;
    const i = Number(idx);
    return i >= 0 && i < parts.length ? [parts[i]] : [];
  },
  extract: ([p, g, text]) => {
    const m = regex(p).exec(s(text));
    if (!m) return "";
    return m[Number(g)] ?? "";
  },
  extract_all: ([p, groupsOrText, maybeText]) => {
    const text = maybeText === undefined ? s(groupsOrText) : s(maybeText);
    const groups = maybeText === undefined ? null : (groupsOrText as number[]);
    const rx = regex(p, "g");
    const out: unknown[] = [];
    for (const m of text.matchAll(rx)) {
      if (groups) out.push(groups.map((g) => m[g] ?? ""));
      else if (m.length > 2) out.push(m.slice(1).map((x) => x ?? ""));
      else out.push(m[1] ?? m[0]);
    }
    return out.length ? out : null;
  },
  replace_string: ([t, lookup, rep]) => s(t).split(s(lookup)).join(s(rep)),
  replace_strings: ([t, lookups, reps]) => {
    let out = s(t);
    (lookups as unknown[]).forEach((l, i) => {
      out = out.split(s(l)).join(s((reps as unknown[])[i]));
    });
    return out;
  },
  replace_regex: ([t, p, rep]) => s(t).replace(regex(p, "g"), s(rep).replace(/\\(\d)/g, "$$$1")),
  replace: ([p, rep, t]) => s(t).replace(regex(p, "g"), s(rep).replace(/\\(\d)/g, "$$$1")),
  trim: ([p, t]) => s(t).replace(new RegExp(`^(?:${s(p)})+|(?:${s(p)})+$`, "g"), ""),
  trim_start: ([p, t]) => s(t).replace(new RegExp(`^(?:${s(p)})+`), ""),
  trim_end: ([p, t]) => s(t).replace(new RegExp(`(?:${s(p)})+$`), ""),
  substring: ([t, start, len]) => {
    const text = s(t);
    const st = Math.max(0, Number(start));
    return len === undefined || isNull(len) ? text.slice(st) : text.slice(st, st + Math.max(0, Number(len)));
  },
  indexof: ([t, lookup, start, length, occurrence]) => {
    const text = s(t);
    const st = start === undefined ? 0 : Number(start);
    const end = length === undefined || Number(length) < 0 ? text.length : st + Number(length);
    const occ = occurrence === undefined ? 1 : Number(occurrence);
    let at = st - 1;
    for (let n = 0; n < occ; n++) {
      at = text.indexOf(s(lookup), at + 1);
      if (at < 0) return -1;
    }
    return at + s(lookup).length <= end ? at : -1;
  },
  countof: ([t, search, kind]) => {
    const text = s(t);
    if (s(kind) === "regex") return [...text.matchAll(regex(search, "g"))].length;
    const needle = s(search);
    if (!needle) return 0;
    let n = 0;
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) n++;
    return n;
  },
  reverse: ([t]) => [...s(t)].reverse().join(""),
  isempty: ([a]) => isNull(a) || a === "",
  isnotempty: ([a]) => !(isNull(a) || a === ""),
  url_decode: ([t]) => {
    try {
      return decodeURIComponent(s(t).replace(/\+/g, " "));
    } catch {
      return null;
    }
  },
  url_encode: ([t]) => encodeURIComponent(s(t)),
  url_encode_component: ([t]) => encodeURIComponent(s(t)),
  base64_encode_tostring: ([t]) => Buffer.from(s(t), "utf8").toString("base64"),
  base64_decode_tostring: ([t]) => Buffer.from(s(t), "base64").toString("utf8"),
  parse_url: ([t]) => {
    let u: URL;
    try {
      u = new URL(s(t));
    } catch {
      return {};
    }
    const query: Record<string, string> = {};
    for (const [k, v] of u.searchParams) query[k] = v;
    return {
      Scheme: u.protocol.replace(/:$/, ""),
      Host: u.hostname,
      Port: u.port,
      Path: u.pathname,
      Username: u.username,
      Password: u.password,
      "Query Parameters": query,
      Fragment: u.hash.replace(/^#/, ""),
    };
  },
  tostring: ([a]) => s(a),
  strcmp: ([a, b]) => {
    const x = s(a);
    const y = s(b);
    return x < y ? -1 : x > y ? 1 : 0;
  },
};
