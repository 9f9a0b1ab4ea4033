/**
 * Workbook parameters: which parameters a workbook declares, where it references them (`{Name}`,
 * `{Name:format}`), and how a query looks once the references are replaced by typed placeholder values,
 * so the Kusto analyser sees a query like the one Azure Monitor runs.
 */
import { findReferences } from "../../connector/workbook/params.ts";

// The renderer's reference finder: the validator and `exo-audit workbook render` read `{Name}` references alike.
export { findReferences };
import type { Workbook, WorkbookItem } from "../../kql/content/load.ts";
import type { FieldPath } from "./types.ts";

/** Parameter types of `KqlParameterItem/1.0`. */
export const PARAM_TYPE = {
  text: 1,
  dropdown: 2,
  timeRange: 4,
  resource: 5,
  subscription: 6,
  resourceType: 7,
  location: 8,
  options: 10,
} as const;

export interface DeclaredParam {
  name: string;
  type: number;
  multiSelect: boolean;
  quote: string;
  delimiter: string;
}

export interface WorkbookQuery {
  path: FieldPath;
  query: string;
}

export interface WorkbookScan {
  declared: Map<string, DeclaredParam>;
  /** KQL queries (query items and parameter queries) that run against the workspace. */
  queries: WorkbookQuery[];
  /** Strings that may hold `{Param}` references (queries, titles, markdown, resource lists). */
  texts: WorkbookQuery[];
  /** Direct parameter-name references (conditional visibility). */
  nameRefs: { path: FieldPath; name: string }[];
}

const str = (v: unknown): v is string => typeof v === "string";

/** Walks every item (groups included) and collects parameters, queries and reference sites. */
export function scanWorkbook(workbook: Workbook): WorkbookScan {
  const scan: WorkbookScan = { declared: new Map(), queries: [], texts: [], nameRefs: [] };
  const declare = (name: unknown, p: Partial<DeclaredParam> = {}) => {
    if (!str(name) || scan.declared.has(name)) return;
    scan.declared.set(name, {
      name,
      type: p.type ?? PARAM_TYPE.text,
      multiSelect: !!p.multiSelect,
      quote: p.quote ?? "'",
      delimiter: p.delimiter ?? ",",
    });
  };
  const walk = (items: unknown, base: FieldPath) => {
    if (!Array.isArray(items)) return;
    (items as WorkbookItem[]).forEach((item, i) => {
      const path: FieldPath = [...base, i];
      const c = (item?.content ?? {}) as Record<string, unknown>;
      const cpath: FieldPath = [...path, "content"];
      for (const key of ["title", "noDataMessage"])
        if (str(c[key])) scan.texts.push({ path: [...cpath, key], query: c[key] as string });
      const extra = item as unknown as { conditionalVisibility?: unknown; conditionalVisibilities?: unknown[] };
      const vis = [
        ...(extra.conditionalVisibility ? [extra.conditionalVisibility] : []),
        ...(Array.isArray(extra.conditionalVisibilities) ? extra.conditionalVisibilities : []),
      ] as { parameterName?: unknown }[];
      vis.forEach((v) => {
        if (str(v?.parameterName))
          scan.nameRefs.push({ path: [...path, "conditionalVisibility", "parameterName"], name: v.parameterName });
      });
      if (Array.isArray(c.crossComponentResources)) {
        (c.crossComponentResources as unknown[]).forEach((r, k) => {
          if (str(r)) scan.texts.push({ path: [...cpath, "crossComponentResources", k], query: r });
        });
      }
      if (item?.type === 3 && str(c.query)) {
        const runsKql = c.queryType === undefined || c.queryType === 0;
        (runsKql ? scan.queries : scan.texts).push({ path: [...cpath, "query"], query: c.query });
        declare(c.exportParameterName, { type: PARAM_TYPE.text });
        if (Array.isArray(c.exportParameterNames)) {
          for (const e of c.exportParameterNames as { parameterName?: unknown }[]) declare(e?.parameterName);
        }
      }
      if (item?.type === 1 && str(c.json)) scan.texts.push({ path: [...cpath, "json"], query: c.json });
      if (item?.type === 9 && Array.isArray(c.parameters)) {
        (c.parameters as Record<string, unknown>[]).forEach((p, k) => {
          declare(p?.name, {
            type: typeof p?.type === "number" ? p.type : PARAM_TYPE.text,
            multiSelect: p?.multiSelect === true,
            quote: str(p?.quote) ? p.quote : "'",
            delimiter: str(p?.delimiter) ? p.delimiter : ",",
          });
          if (str(p?.query)) {
            const runsKql = p.queryType === undefined || p.queryType === 0;
            (runsKql ? scan.queries : scan.texts).push({ path: [...cpath, "parameters", k, "query"], query: p.query });
          }
          if (str(p?.label)) scan.texts.push({ path: [...cpath, "parameters", k, "label"], query: p.label });
        });
      }
      if (item?.type === 11 && Array.isArray(c.links)) {
        for (const l of c.links as Record<string, unknown>[]) if (l?.linkTarget === "parameter") declare(l.cellValue);
      }
      if (item?.type === 12) walk(c.items, [...cpath, "items"]);
    });
  };
  walk(workbook.items, ["items"]);
  return scan;
}

/**
 * Formats Azure Monitor workbooks accept after `{Name:`; anything else (such as the `:lable` typo in
 * Microsoft's Exchange workbook) is left unreplaced by the portal and breaks the query.
 */
export const KNOWN_FORMATS = new Set([
  "label",
  "value",
  "escape",
  "escapeMultiline",
  "query",
  "start",
  "end",
  "grain",
  "isoStart",
  "isoEnd",
  "id",
  "name",
  "resourceGroup",
  "subscription",
  "resourceType",
  "location",
  "display",
  "html",
  "unformatted",
  "selected",
  "text",
]);

/** The literal kind enclosing `offset` in `query`: `'`, `"`, "```" (multi-line), `//` (comment) or null. */
export function enclosingLiteral(query: string, offset: number): string | null {
  let quote: string | null = null;
  let verbatim = false;
  for (let i = 0; i < offset; i++) {
    const ch = query[i];
    if (quote === "```") {
      if (query.startsWith("```", i)) {
        quote = null;
        i += 2;
      }
    } else if (quote) {
      if (!verbatim && ch === "\\") i++;
      else if (ch === quote) quote = null;
    } else if (query.startsWith("```", i)) {
      quote = "```";
      i += 2;
    } else if (ch === "/" && query[i + 1] === "/") {
      const nl = query.indexOf("\n", i);
      if (nl < 0 || nl >= offset) return "//";
      i = nl;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      verbatim = query[i - 1] === "@";
    }
  }
  return quote;
}

/** True when `offset` lies inside a KQL string literal (or comment) of `query`. */
export function insideString(query: string, offset: number): boolean {
  return enclosingLiteral(query, offset) !== null;
}

const SAMPLE_START = "2026-01-01T00:00:00Z";
const SAMPLE_END = "2026-01-02T00:00:00Z";

function placeholder(
  param: DeclaredParam | undefined,
  format: string | undefined,
  before: string,
  inString: boolean,
): string {
  const plain = (v: string) => (inString ? v : `'${v}'`);
  const type = param?.type ?? PARAM_TYPE.text;
  if (type === PARAM_TYPE.timeRange) {
    if (format === "start" || format === "end") {
      const iso = format === "start" ? SAMPLE_START : SAMPLE_END;
      return inString || /datetime\(\s*$/.test(before) ? iso : `datetime(${iso})`;
    }
    if (format === "grain") return inString ? "1h" : "1h";
    if (format === "label") return plain("Last 24 hours");
    // `{TimeRange}` / `{TimeRange:value}` expand to a filter fragment such as `> ago(1d)`.
    return inString ? "Last 24 hours" : `between (datetime(${SAMPLE_START}) .. datetime(${SAMPLE_END}))`;
  }
  if (format === "label") return plain("label");
  if (param && (param.multiSelect || (type === PARAM_TYPE.dropdown && param.quote !== ""))) {
    const values = param.multiSelect ? ["value1", "value2"] : ["value1"];
    if (/dynamic\(\s*$/.test(before)) return JSON.stringify(values);
    if (/dynamic\(\s*\[\s*$/.test(before)) return values.map((v) => JSON.stringify(v)).join(",");
    if (inString) return values.join(param.delimiter);
    const q = param.quote || "'";
    return values.map((v) => `${q}${v}${q}`).join(param.delimiter);
  }
  return plain("value");
}

export interface Substituted {
  text: string;
  /** Maps an offset in `text` back to the original query. */
  toOriginal(offset: number): number;
}

/** Replaces every `{Param}` reference by a placeholder value of the parameter's type. */
export function substituteParameters(query: string, declared: Map<string, DeclaredParam>): Substituted {
  const refs = findReferences(query);
  const segments: { origStart: number; origEnd: number; newStart: number; newEnd: number }[] = [];
  let text = "";
  let last = 0;
  for (const r of refs) {
    text += query.slice(last, r.start);
    const value = placeholder(declared.get(r.name), r.format, query.slice(0, r.start), insideString(query, r.start));
    segments.push({ origStart: r.start, origEnd: r.end, newStart: text.length, newEnd: text.length + value.length });
    text += value;
    last = r.end;
  }
  text += query.slice(last);
  return {
    text,
    toOriginal(offset) {
      let shift = 0;
      for (const s of segments) {
        if (offset < s.newStart) break;
        if (offset < s.newEnd) return s.origStart;
        shift = s.origEnd - s.newEnd;
      }
      return offset + shift;
    },
  };
}
