/**
 * Workbook parameters with real values, as Azure Monitor resolves them before it runs an item's query:
 * each `KqlParameterItem/1.0` gets a value (given on the command line, else its default, else what its own
 * query marks `selected`), then every `{Name}` / `{Name:format}` reference in a query or text is replaced.
 *
 * | parameter type | reference              | replaced by                                                |
 * | -------------- | ---------------------- | ---------------------------------------------------------- |
 * | time range (4) | `{T}`, `{T:value}`     | `between (datetime(start) .. datetime(end))` (label in text) |
 * | time range (4) | `{T:start}`/`{T:end}`  | `datetime(ISO)`, the bare ISO inside a string or `datetime(` |
 * | time range (4) | `{T:grain}`            | a bin size giving about 100 intervals (`1h`...)             |
 * | time range (4) | `{T:label}`            | "Last 7 days"                                             |
 * | dropdown (2)   | `{P}`                  | values quoted with `quote`, joined by `delimiter`          |
 * | any            | `{P:label}`            | the selected label (the value when there is none)          |
 * | text (1)...    | `{P}`, `{P:value}`     | the value as given (a text parameter with a query: its first cell) |
 * | undeclared     | `{P}`                  | left as is, as the portal does                             |
 *
 * A parameter without a value is empty (""), so `isempty('{P}')` holds; items that reference a required
 * parameter without a value do not run (the portal shows them as waiting for it).
 */

export interface ParamDecl {
  name: string;
  type: number;
  label: string | undefined;
  required: boolean;
  multiSelect: boolean;
  quote: string;
  delimiter: string;
  query: string | undefined;
  defaultValue: unknown;
}

export interface ParamValue {
  /** Values as strings ([] when unset); one element unless multi-select. */
  values: string[];
  label: string;
  /** Time range parameters only. */
  range?: { start: Date; end: Date; durationMs: number };
}

export type ParamValues = Map<string, ParamValue>;

export const TIME_RANGE = 4;
export const DROPDOWN = 2;
export const TEXT = 1;

/** Bin sizes a time chart may use, in milliseconds, with their KQL text. */
const GRAINS: [number, string][] = [
  [60_000, "1m"],
  [300_000, "5m"],
  [900_000, "15m"],
  [1_800_000, "30m"],
  [3_600_000, "1h"],
  [7_200_000, "2h"],
  [21_600_000, "6h"],
  [43_200_000, "12h"],
  [86_400_000, "1d"],
];

export function grainFor(durationMs: number): string {
  return (GRAINS.find(([ms]) => ms >= durationMs / 120) ?? GRAINS[GRAINS.length - 1]!)[1];
}

/** "Last 7 days", "Last 4 hours": the portal's labels for relative ranges. */
export function rangeLabel(durationMs: number): string {
  const units: [number, string][] = [
    [86_400_000, "day"],
    [3_600_000, "hour"],
    [60_000, "minute"],
  ];
  for (const [ms, unit] of units) {
    if (durationMs % ms === 0) {
      const n = durationMs / ms;
      return n === 1 ? `Last ${unit}` : `Last ${n} ${unit}s`;
    }
  }
  return `Last ${Math.round(durationMs / 1000)} seconds`;
}

/** Parses a `--param TimeRange=` value: a duration (`7d`, `24h`, `90m`) or `ISO..ISO`. */
export function timeRangeValue(text: string | undefined, fallbackMs: number, now: Date): ParamValue {
  if (text?.includes("..")) {
    const [a, b] = text.split("..");
    const start = new Date(a!);
    const end = new Date(b!);
    if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end <= start) {
      throw new Error(`time range '${text}': expected ISO..ISO with start before end`);
    }
    const durationMs = end.getTime() - start.getTime();
    return {
      values: [text],
      label: `${start.toISOString()} - ${end.toISOString()}`,
      range: { start, end, durationMs },
    };
  }
  let durationMs = fallbackMs;
  if (text !== undefined) {
    const m = /^(\d+)\s*(m|h|d)$/.exec(text.trim());
    if (!m) throw new Error(`time range '${text}': expected a duration such as 7d, 24h, 90m, or ISO..ISO`);
    durationMs = Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "m" | "h" | "d"];
  }
  const start = new Date(now.getTime() - durationMs);
  return { values: [String(durationMs)], label: rangeLabel(durationMs), range: { start, end: now, durationMs } };
}

export interface Reference {
  name: string;
  format: string | undefined;
  start: number;
  end: number;
}

/** `{Name}` / `{Name:format}` references (`{{...}}` and `{0}` are not references). */
export function findReferences(text: string): Reference[] {
  const out: Reference[] = [];
  const re = /\{([A-Za-z_$][\w]*)(?::([\w-]+))?\}/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (text[m.index - 1] === "{" || text[m.index + m[0].length] === "}") continue;
    out.push({ name: m[1]!, format: m[2], start: m.index, end: m.index + m[0].length });
  }
  return out;
}

/** True when `offset` lies inside a KQL string literal (or a `//` comment) of `query`. */
function insideString(query: string, offset: number): boolean {
  let quote: string | null = null;
  let verbatim = false;
  for (let i = 0; i < offset; i++) {
    const ch = query[i];
    if (quote) {
      if (!verbatim && ch === "\\") i++;
      else if (ch === quote) quote = null;
    } else if (ch === "/" && query[i + 1] === "/") {
      const nl = query.indexOf("\n", i);
      if (nl < 0 || nl >= offset) return true;
      i = nl;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      verbatim = query[i - 1] === "@";
    }
  }
  return quote !== null;
}

/** Escapes a value for a KQL string literal whose quote is `quote` (the portal's `:escape` does the same). */
function escapeFor(value: string, quote: string | null): string {
  if (!quote) return value;
  return value.replaceAll("\\", "\\\\").replaceAll(quote, `\\${quote}`);
}

function quoteAt(query: string, offset: number): string | null {
  let quote: string | null = null;
  for (let i = 0; i < offset; i++) {
    const ch = query[i];
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') quote = ch;
  }
  return quote;
}

/** The replacement of one reference; undefined leaves it as is. */
function replacement(
  decl: ParamDecl | undefined,
  value: ParamValue | undefined,
  ref: Reference,
  kql: boolean,
  text: string,
): string | undefined {
  if (!decl || !value) return undefined;
  const inString = kql && insideString(text, ref.start);
  const format = ref.format ?? "value";
  if (format === "label") return value.label;
  if (value.range) {
    const { start, end, durationMs } = value.range;
    if (format === "grain") return grainFor(durationMs);
    if (format === "start" || format === "end" || format === "isoStart" || format === "isoEnd") {
      const iso = (format.toLowerCase().endsWith("start") ? start : end).toISOString();
      if (!kql || inString || format.startsWith("iso") || /datetime\(\s*$/.test(text.slice(0, ref.start))) return iso;
      return `datetime(${iso})`;
    }
    if (!kql || inString) return value.label;
    return `between (datetime(${start.toISOString()}) .. datetime(${end.toISOString()}))`;
  }
  if (!kql) return value.values.join(", ");
  const quote = inString ? quoteAt(text, ref.start) : null;
  if (decl.type === DROPDOWN && !inString && decl.quote !== "") {
    return value.values.map((v) => `${decl.quote}${escapeFor(v, decl.quote)}${decl.quote}`).join(decl.delimiter);
  }
  return value.values.map((v) => escapeFor(v, quote)).join(decl.delimiter);
}

/** Replaces every declared reference; `kql` selects query semantics (quoting, datetimes) over display text. */
export function substitute(text: string, decls: Map<string, ParamDecl>, values: ParamValues, kql: boolean): string {
  let out = "";
  let last = 0;
  for (const ref of findReferences(text)) {
    const r = replacement(decls.get(ref.name), values.get(ref.name), ref, kql, text);
    if (r === undefined) continue;
    out += text.slice(last, ref.start) + r;
    last = ref.end;
  }
  return out + text.slice(last);
}

/** Names of declared parameters referenced in `text` that are required and have no value. */
export function missingRequired(text: string, decls: Map<string, ParamDecl>, values: ParamValues): string[] {
  const out = new Set<string>();
  for (const ref of findReferences(text)) {
    const d = decls.get(ref.name);
    if (d?.required && !(values.get(ref.name)?.values.some((v) => v !== "") ?? false)) out.add(ref.name);
  }
  return [...out];
}
