/**
 * Runs a workbook (Azure Monitor `Notebook/1.0` JSON) over local tables with the KQL engine and returns what
 * each item shows: the model `html.ts` draws. Items are visited in order, so a parameter item's values are
 * known to the items after it, as in the portal.
 *
 * | item type            | result                                                                  |
 * | -------------------- | ----------------------------------------------------------------------- |
 * | 1 text               | markdown with parameters replaced (display values)                      |
 * | 9 parameters         | each parameter resolved: `--param`, else its default, else `selected`   |
 * |                      | rows of its own query (dropdowns); an empty string when unset           |
 * | 3 query              | `ran` with columns and rows; `error` when the query fails (in place)    |
 * |                      | `pending` when it references a required parameter that has no value     |
 * | 12 group             | its items, recursively                                                  |
 * | other                | `unsupported`, shown as a notice (never silently dropped)               |
 * | conditional visibility false | `hidden`: not drawn, does not run                               |
 */
import type { Column, Row, TableProvider } from "../../kql/engine/context.ts";
import type { FunctionDef } from "../../kql/kusto.ts";
import {
  DROPDOWN,
  missingRequired,
  type ParamDecl,
  type ParamValue,
  type ParamValues,
  substitute,
  TEXT,
  TIME_RANGE,
  timeRangeValue,
} from "./params.ts";

export interface RunOptions {
  tables: TableProvider;
  functions: readonly FunctionDef[];
  now: Date;
  /** `--param NAME=VALUE` values; multi-select values are comma-separated. */
  params: Record<string, string>;
  /** The engine's entry points, loaded lazily by the command. */
  execute: (
    query: string,
    opts: {
      tables: TableProvider;
      now: Date;
      functions: readonly FunctionDef[];
      timeRange?: { start: Date; end: Date };
    },
  ) => { columns: Column[]; rows: Row[] };
  toJson: (v: unknown) => unknown;
}

interface Base {
  name: string;
  /** `customWidth` in percent (100 when not set). */
  width: number;
}

export type ItemResult =
  | (Base & { kind: "markdown"; markdown: string })
  | (Base & { kind: "parameters"; params: { name: string; label: string; value: string }[] })
  | (Base & {
      kind: "query";
      title: string;
      visualization: string;
      state: "ran" | "error" | "pending";
      message?: string;
      noDataMessage?: string;
      columns: Column[];
      rows: Record<string, unknown>[];
      settings: Record<string, unknown>;
      ms: number;
    })
  | (Base & { kind: "group"; title: string; items: ItemResult[] })
  | (Base & { kind: "hidden" })
  | (Base & { kind: "unsupported"; type: unknown });

export interface WorkbookRun {
  title: string;
  items: ItemResult[];
  decls: Map<string, ParamDecl>;
  values: ParamValues;
}

type Json = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

interface State {
  opts: RunOptions;
  decls: Map<string, ParamDecl>;
  values: ParamValues;
}

export function runWorkbook(workbook: Json, opts: RunOptions): WorkbookRun {
  const state: State = { opts, decls: new Map(), values: new Map() };
  const items = runItems(workbook.items, state);
  const first = items.find((i) => i.kind === "markdown");
  const heading = first?.kind === "markdown" ? /^#+\s*(.+)$/m.exec(first.markdown)?.[1] : undefined;
  return { title: heading ?? "Workbook", items, decls: state.decls, values: state.values };
}

function runItems(items: unknown, state: State): ItemResult[] {
  return Array.isArray(items) ? items.map((item: Json, i) => runItem(item, i, state)) : [];
}

function runItem(item: Json, index: number, state: State): ItemResult {
  const base: Base = { name: str(item.name) ?? `item-${index}`, width: Number(item.customWidth ?? 100) || 100 };
  if (!visible(item, state.values)) return { ...base, kind: "hidden" };
  const c = (item.content ?? {}) as Json;
  switch (item.type) {
    case 1:
      return { ...base, kind: "markdown", markdown: str(c.json) ?? "" };
    case 9:
      return { ...base, kind: "parameters", params: resolveParameters(c.parameters, state) };
    case 3:
      return runQueryItem(c, base, state);
    case 12:
      return { ...base, kind: "group", title: str(c.title) ?? "", items: runItems(c.items, state) };
    default:
      return { ...base, kind: "unsupported", type: item.type };
  }
}

/** `conditionalVisibility` and every `conditionalVisibilities` entry must hold. */
function visible(item: Json, values: ParamValues): boolean {
  const conds = [
    ...(item.conditionalVisibility ? [item.conditionalVisibility] : []),
    ...(Array.isArray(item.conditionalVisibilities) ? item.conditionalVisibilities : []),
  ] as Json[];
  return conds.every((c) => {
    const actual = values.get(str(c.parameterName) ?? "")?.values.join(",") ?? "";
    const expected = c.value === undefined || c.value === null ? "" : String(c.value);
    return c.comparison === "isNotEqualTo" ? actual !== expected : actual === expected;
  });
}

function declare(p: Json): ParamDecl {
  return {
    name: String(p.name),
    type: typeof p.type === "number" ? p.type : 1,
    label: str(p.label),
    required: p.isRequired === true,
    multiSelect: p.multiSelect === true,
    quote: str(p.quote) ?? "'",
    delimiter: str(p.delimiter) ?? ",",
    query: str(p.query),
    defaultValue: p.value,
  };
}

function resolveParameters(list: unknown, state: State): { name: string; label: string; value: string }[] {
  const out: { name: string; label: string; value: string }[] = [];
  for (const p of Array.isArray(list) ? (list as Json[]) : []) {
    const decl = declare(p);
    state.decls.set(decl.name, decl);
    const value = resolveOne(decl, state);
    state.values.set(decl.name, value);
    out.push({ name: decl.name, label: decl.label ?? decl.name, value: value.label });
  }
  return out;
}

function resolveOne(decl: ParamDecl, state: State): ParamValue {
  const given = state.opts.params[decl.name];
  if (decl.type === TIME_RANGE) {
    const fallback = Number((decl.defaultValue as Json | undefined)?.durationMs ?? 86_400_000);
    return timeRangeValue(given, fallback, state.opts.now);
  }
  const options = decl.type === DROPDOWN && decl.query ? dropdownOptions(decl, state) : [];
  let values: string[];
  if (given !== undefined) values = decl.multiSelect ? given.split(",").map((v) => v.trim()) : [given];
  // A text parameter with a query takes the first cell of its result (the portal's "query" text parameter,
  // e.g. a hidden value computed from other parameters).
  else if (decl.type === TEXT && decl.query) values = [firstCell(decl, state)];
  else if (decl.defaultValue !== undefined && decl.defaultValue !== null)
    values = Array.isArray(decl.defaultValue) ? decl.defaultValue.map(String) : [String(decl.defaultValue)];
  else values = options.filter((o) => o.selected).map((o) => o.value);
  if (!decl.multiSelect) values = values.slice(0, 1);
  const labels = values.map((v) => options.find((o) => o.value === v)?.label ?? v);
  return { values: values.length ? values : [""], label: labels.join(", ") };
}

/** The first cell of a text parameter's query ("" when it returns nothing or waits for a required parameter). */
function firstCell(decl: ParamDecl, state: State): string {
  if (missingRequired(decl.query!, state.decls, state.values).length) return "";
  const query = substitute(decl.query!, state.decls, state.values, true);
  const { columns, rows } = state.opts.execute(query, {
    tables: state.opts.tables,
    now: state.opts.now,
    functions: state.opts.functions,
  });
  const first = rows[0]?.[columns[0]?.name ?? ""];
  return first === undefined || first === null ? "" : String(state.opts.toJson(first));
}

/** Rows of a dropdown's query: `value`, `label`, `selected` columns, else the first two columns. */
function dropdownOptions(decl: ParamDecl, state: State): { value: string; label: string; selected: boolean }[] {
  if (missingRequired(decl.query!, state.decls, state.values).length) return [];
  const query = substitute(decl.query!, state.decls, state.values, true);
  const { columns, rows } = state.opts.execute(query, {
    tables: state.opts.tables,
    now: state.opts.now,
    functions: state.opts.functions,
  });
  const names = columns.map((c) => c.name);
  const valueCol = names.includes("value") ? "value" : names[0];
  const labelCol = names.includes("label") ? "label" : (names[1] ?? valueCol);
  return rows.map((r) => ({
    value: String(state.opts.toJson(r[valueCol!]) ?? ""),
    label: String(state.opts.toJson(r[labelCol!]) ?? ""),
    selected: r.selected === true,
  }));
}

function runQueryItem(c: Json, base: Base, state: State): ItemResult {
  const title = substitute(str(c.title) ?? "", state.decls, state.values, false);
  const settings: Json = {};
  for (const key of ["gridSettings", "tileSettings", "chartSettings", "sortBy"]) if (c[key]) settings[key] = c[key];
  const result = {
    ...base,
    kind: "query" as const,
    title,
    visualization: str(c.visualization) ?? "table",
    columns: [] as Column[],
    rows: [] as Record<string, unknown>[],
    settings,
    ms: 0,
    ...(str(c.noDataMessage)
      ? { noDataMessage: substitute(str(c.noDataMessage)!, state.decls, state.values, false) }
      : {}),
  };
  const raw = str(c.query) ?? "";
  const missing = missingRequired(raw, state.decls, state.values);
  if (missing.length) return { ...result, state: "pending", message: `Waiting for ${missing.join(", ")}` };
  if (c.queryType !== undefined && c.queryType !== 0) {
    return { ...result, state: "error", message: `query type ${String(c.queryType)} is not a Log Analytics query` };
  }
  const started = performance.now();
  try {
    const timeRange = itemTimeRange(c, state);
    const out = state.opts.execute(substitute(raw, state.decls, state.values, true), {
      tables: state.opts.tables,
      now: state.opts.now,
      functions: state.opts.functions,
      ...(timeRange ? { timeRange } : {}),
    });
    const rows = out.rows.map((r) => state.opts.toJson(r) as Record<string, unknown>);
    return { ...result, state: "ran", columns: out.columns, rows, ms: performance.now() - started };
  } catch (err) {
    return { ...result, state: "error", message: (err as Error).message, ms: performance.now() - started };
  }
}

/** The portal's query time span: the time range parameter named by `timeContextFromParameter`, else `timeContext`. */
function itemTimeRange(c: Json, state: State): { start: Date; end: Date } | undefined {
  const fromParam = str(c.timeContextFromParameter);
  const range = fromParam ? state.values.get(fromParam)?.range : undefined;
  if (range) return { start: range.start, end: range.end };
  const ms = Number((c.timeContext as Json | undefined)?.durationMs);
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  return { start: new Date(state.opts.now.getTime() - ms), end: state.opts.now };
}
