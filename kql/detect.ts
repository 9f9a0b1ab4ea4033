/**
 * Runs the analytics rules of the content pack over local data with the KQL test engine, the way
 * Sentinel schedules them: each rule sees the rows whose TimeGenerated lies in (now − queryPeriod, now],
 * and raises an alert when its result row count passes `triggerOperator`/`triggerThreshold`.
 */
import { type AnalyticsRule, loadAnalyticsRules, parserFunctionDefs } from "./content/load.ts";
import type { Row, TableProvider } from "./engine/context.ts";
import { executeQuery } from "./engine/evaluator.ts";
import { toJsonValue } from "./engine/values.ts";
import type { FunctionDef } from "./kusto.ts";
import { withSummaryTables } from "./summary.ts";
import { workspaceTables } from "./tables-from-disk.ts";

import { NRT_LOOKBACK_MS } from "./nrt.ts";

export { NRT_LOOKBACK_MS };

/** The alert a rule's run raises from its result rows (datetimes as ISO strings). */
export function toAlert(rule: AnalyticsRule, w: { start: Date; end: Date }, rows: Row[]): Alert {
  return {
    rule: rule.name,
    id: rule.id,
    severity: rule.severity,
    kind: rule.kind,
    window: { start: w.start.toISOString(), end: w.end.toISOString() },
    rows: rows.map((r) => toJsonValue(r) as Record<string, unknown>),
  };
}

export interface Alert {
  /** Rule display name. */
  rule: string;
  /** Rule id (GUID). */
  id: string;
  severity: string;
  kind: string;
  /** Query window that was evaluated. */
  window: { start: string; end: string };
  /** Result rows (datetimes as ISO strings). */
  rows: Record<string, unknown>[];
}

export interface DetectOptions {
  /** Data directory holding `workspace/<Table>.ndjson` (ignored when `tables` is given). */
  dataDir?: string;
  /** Rows per table, or a provider (wins over `dataDir`). */
  tables?: Record<string, Record<string, unknown>[]> | TableProvider;
  /** End of every rule's query window and the clock of now()/ago(). */
  now: Date;
  /** Rules to run (default: every rule in analytics-rules/). */
  rules?: AnalyticsRule[];
  /** Database functions (default: the parsers in parsers/). */
  functions?: FunctionDef[];
}

export interface RuleFailure {
  rule: string;
  id: string;
  message: string;
}

/** Thrown when some rules could not be evaluated; carries the alerts of the rules that ran. */
export class DetectionError extends Error {
  override readonly name = "DetectionError";
  readonly failures: RuleFailure[];
  readonly alerts: Alert[];
  constructor(failures: RuleFailure[], alerts: Alert[]) {
    super(
      `${failures.length} rule(s) could not be evaluated: ${failures.map((f) => `${f.rule}: ${f.message}`).join("; ")}`,
    );
    this.failures = failures;
    this.alerts = alerts;
  }
}

/** A rule period: Sentinel YAML style (`5h`, `14d`, `30m`) or ISO 8601 (`PT5H`, `P14D`) → milliseconds. */
export function isoDurationMs(text: string): number {
  const short = /^(\d+)\s*([dhms])$/i.exec(text.trim());
  if (short)
    return Number(short[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 }[short[2]!.toLowerCase() as "d"]!;
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i.exec(text.trim());
  if (!m || text.trim().toUpperCase() === "P" || text.trim().toUpperCase() === "PT") {
    throw new Error(`unsupported period '${text}' (use 5h, 14d or ISO 8601 PT5H)`);
  }
  const [, d, h, min, s] = m;
  return ((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(min ?? 0)) * 60_000 + Number(s ?? 0) * 1000;
}

/** The query window of a rule ending at `now`. */
export function ruleWindow(rule: AnalyticsRule, now: Date): { start: Date; end: Date } {
  const period = rule.kind === "NRT" || !rule.queryPeriod ? NRT_LOOKBACK_MS : isoDurationMs(rule.queryPeriod);
  return { start: new Date(now.getTime() - period), end: now };
}

/** True when `count` passes the rule's trigger (Sentinel: gt/lt/eq/ne, default `gt 0`). */
export function triggers(rule: AnalyticsRule, count: number): boolean {
  const threshold = rule.triggerThreshold ?? 0;
  switch ((rule.triggerOperator ?? "gt").toLowerCase()) {
    case "gt":
    case "greaterthan":
      return count > threshold;
    case "lt":
    case "lessthan":
      return count < threshold;
    case "eq":
    case "equal":
      return count === threshold;
    case "ne":
    case "notequal":
      return count !== threshold;
    default:
      throw new Error(`unknown triggerOperator '${rule.triggerOperator}'`);
  }
}

/** Runs one rule; returns its result rows (engine values). */
export function runRule(
  rule: AnalyticsRule,
  tables: Record<string, Record<string, unknown>[]> | TableProvider,
  now: Date,
  functions: readonly FunctionDef[],
  scanWindows?: ReadonlyMap<string, number>,
): Row[] {
  return executeQuery(rule.query, { tables, now, functions, timeRange: ruleWindow(rule, now), scanWindows }).rows;
}

/** Runs every rule; throws {@link DetectionError} (with the other alerts) when a rule cannot run. */
export function runDetections(opts: DetectOptions): Alert[] {
  const rules = opts.rules ?? loadAnalyticsRules().files.map((f) => f.data);
  const functions = opts.functions ?? parserFunctionDefs();
  // summary-rule tables (the daily baseline) are computed from ExchangeAudit_CL when the workspace lacks them
  const tables = withSummaryTables(opts.tables ?? workspaceTables(opts.dataDir ?? ".data"));
  const alerts: Alert[] = [];
  const failures: RuleFailure[] = [];
  for (const rule of rules) {
    try {
      const rows = runRule(rule, tables, opts.now, functions);
      if (!triggers(rule, rows.length)) continue;
      alerts.push(toAlert(rule, ruleWindow(rule, opts.now), rows));
    } catch (err) {
      failures.push({ rule: rule.name, id: rule.id, message: (err as Error).message });
    }
  }
  if (failures.length) throw new DetectionError(failures, alerts);
  return alerts;
}
