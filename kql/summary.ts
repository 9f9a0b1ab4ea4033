/**
 * The summary step of the local engine: what a Log Analytics summary rule (summary-rules/*.yaml, deployed by the
 * infrastructure template) would have written into its destination table. The service runs the rule's query
 * once per bin over the rows of the source table whose TimeGenerated lies in the bin; here each bin of the
 * source rows is run through the same query with the engine clock at the end of the bin.
 *
 * Bins are materialised for all the source rows at once, including the bin in progress. That is safe for the
 * rules that read the baseline: they only treat a baseline row as history when its FirstSeen is older than one
 * day (or than the start of the day of the activity, or than the first new row of the forwarding pair), which a
 * row summarising the rows new in a run never is.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { SUMMARY_TABLES } from "../connector/schema/table-schema.ts";
import { REPO_ROOT } from "./content/load.ts";
import type { TableProvider } from "./engine/context.ts";
import { executeQuery } from "./engine/evaluator.ts";
import { toJsonValue } from "./engine/values.ts";

export interface SummaryRule {
  name: string;
  displayName: string;
  description: string;
  destinationTable: string;
  /** Bin size in minutes (20, 30, 60, 120, 180, 360, 720 or 1440). */
  binSize: number;
  /** Wait after a bin ends before it runs (optional; see the content file for the unit's two readings). */
  binDelay?: number;
  query: string;
}

export const SUMMARY_BIN_SIZES = [20, 30, 60, 120, 180, 360, 720, 1440] as const;

/** Reads a summary rule content file (path relative to the repository). */
export function loadSummaryRule(relPath: string, root = REPO_ROOT): SummaryRule {
  return parse(readFileSync(join(root, relPath), "utf8")) as SummaryRule;
}

/** The source table a summary query reads (its first table reference). */
const SOURCE = "ExchangeAudit_CL";

/**
 * Rows the summary rule writes for `source` rows, one query run per bin; TimeGenerated-less rows are skipped.
 * Each written row's TimeGenerated is its bin's start.
 * The result rows carry plain JSON values (datetimes as ISO strings), as a table fixture does.
 */
export function summaryRows(rule: SummaryRule, source: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const binMs = rule.binSize * 60_000;
  const bins = new Map<number, Record<string, unknown>[]>();
  for (const r of source) {
    const t = Date.parse(String(r.TimeGenerated ?? ""));
    if (Number.isNaN(t)) continue;
    const start = Math.floor(t / binMs) * binMs;
    const rows = bins.get(start);
    if (rows) rows.push(r);
    else bins.set(start, [r]);
  }
  const out: Record<string, unknown>[] = [];
  for (const [start, rows] of [...bins.entries()].sort((a, b) => a[0] - b[0])) {
    const result = executeQuery(rule.query, { tables: { [SOURCE]: rows }, now: new Date(start + binMs) });
    // TimeGenerated is reserved: the service sets it on the rows it writes (here the bin start, with _BinStartTime)
    const binStart = new Date(start).toISOString();
    for (const row of result.rows)
      out.push({ TimeGenerated: binStart, ...(toJsonValue(row) as Record<string, unknown>) });
  }
  return out;
}

/**
 * A provider that adds the summary-rule tables: a table the source does not hold is computed from the source's
 * ExchangeAudit_CL rows (once per source table array); rows the source does hold are kept and the computed ones
 * appended.
 */
export function withSummaryTables(source: Record<string, Record<string, unknown>[]> | TableProvider): TableProvider {
  const get: TableProvider = typeof source === "function" ? source : (name) => source[name];
  const cache = new Map<string, { from: unknown; rows: Record<string, unknown>[] }>();
  return (name) => {
    const table = SUMMARY_TABLES.find((t) => t.tableName === name);
    if (!table) return get(name);
    const raw = get(SOURCE) ?? [];
    const given = get(name) ?? [];
    const hit = cache.get(name);
    if (hit && hit.from === raw) return given.length ? [...given, ...hit.rows] : hit.rows;
    const rows = summaryRows(loadSummaryRule(table.summaryRule), raw);
    cache.set(name, { from: raw, rows });
    return given.length ? [...given, ...rows] : rows;
  };
}

/** The rows of summary table `name` computed from ExchangeAudit_CL rows, or undefined when `name` is no summary table. */
export function summaryTableRows(
  name: string,
  source: () => readonly Record<string, unknown>[] | undefined,
): Record<string, unknown>[] | undefined {
  const table = SUMMARY_TABLES.find((t) => t.tableName === name);
  if (!table) return undefined;
  return summaryRows(loadSummaryRule(table.summaryRule), source() ?? []);
}
