/**
 * Backtesting: replays every scheduled run of every analytics rule across a time range, as if each row had
 * arrived live at its event time, and returns the alerts of all runs with the time of their run.
 *
 * What a replayed run sees (rule R, run time T):
 *
 * | Question                         | Answer in the replay                                               |
 * | -------------------------------- | ------------------------------------------------------------------ |
 * | which runs                       | every multiple of R's queryFrequency since the Unix epoch in (from, to] |
 * | which rows                       | rows whose replayed TimeGenerated lies in (T - queryPeriod, T]    |
 * | replayed TimeGenerated           | the row's `EventTime` when it has one, else its TimeGenerated     |
 * | `ingestion_time()`               | the replayed TimeGenerated (the row "arrived" when it happened)   |
 * | `now()` / `ago()`                | T                                                                  |
 * | NRT rules                        | a run every NRT lookback (1 h) over that lookback, so each row is seen once |
 * | rows before `from`               | visible as history to runs whose query period reaches them; they raise no alert of their own run |
 *
 * Why replay `EventTime`: Log Analytics stores a row whose TimeGenerated is more than 2 days old with
 * TimeGenerated = ingestion time (as our workspace emulator does), so after `exo-audit import` of history the
 * stored TimeGenerated says "everything happened at import time". The replay puts each row back where it
 * happened, which is what a detection engineer asks: "what would this rule have raised over last week?".
 * Sentinel aligns runs to the time the rule was enabled, not to the epoch; epoch alignment makes runs
 * reproducible (every hour on the hour for 1h rules).
 */
import type { AnalyticsRule } from "./content/load.ts";
import { loadAnalyticsRules, parserFunctionDefs } from "./content/load.ts";
import {
  type Alert,
  DetectionError,
  isoDurationMs,
  type RuleFailure,
  ruleWindow,
  runRule,
  toAlert,
  triggers,
} from "./detect.ts";
import type { TableProvider } from "./engine/context.ts";
import { firstAfter } from "./engine/evaluator.ts";
import type { FunctionDef } from "./kusto.ts";
import { NRT_LOOKBACK_MS } from "./nrt.ts";
import { summaryTableRows } from "./summary.ts";
import { workspaceTables } from "./tables-from-disk.ts";

export interface BacktestAlert extends Alert {
  /** Time of the replayed run that raised the alert (ISO). */
  runAt: string;
}

/** Cost of one rule over the whole backtest. */
export interface RuleCost {
  rule: string;
  id: string;
  runs: number;
  /** Input rows visible to the rule's runs, summed over runs (every table the rule read). */
  rowsScanned: number;
  ms: number;
  alerts: number;
}

export interface BacktestOptions {
  /** Data directory holding `workspace/<Table>.ndjson` (ignored when `tables` is given). */
  dataDir?: string;
  /** Rows per table, or a provider, as stored (wins over `dataDir`). */
  tables?: Record<string, Record<string, unknown>[]> | TableProvider;
  /** Runs after `from` (exclusive) ... */
  from: Date;
  /** ... up to `to` (inclusive) are replayed. */
  to: Date;
  rules?: AnalyticsRule[];
  functions?: FunctionDef[];
  /** Receives each rule's cost once its runs are done. */
  onRule?: (cost: RuleCost) => void;
}

/** How often the rule runs (ms): its queryFrequency; NRT rules once per NRT lookback. */
export function runFrequencyMs(rule: AnalyticsRule): number {
  if (rule.kind === "NRT") return NRT_LOOKBACK_MS;
  return isoDurationMs(rule.queryFrequency ?? rule.queryPeriod ?? "1h");
}

/** The run times of a rule in (from, to]: multiples of its queryFrequency since the Unix epoch. */
export function scheduledRuns(rule: AnalyticsRule, from: Date, to: Date): Date[] {
  const frequency = runFrequencyMs(rule);
  const runs: Date[] = [];
  for (let t = Math.floor(from.getTime() / frequency) * frequency + frequency; t <= to.getTime(); t += frequency) {
    runs.push(new Date(t));
  }
  return runs;
}

interface ReplayTable {
  rows: Record<string, unknown>[];
  /** Replayed TimeGenerated (ms) of each row, ascending. */
  times: Float64Array;
}

function replayTime(row: Record<string, unknown>): number {
  const t = Date.parse(String(row.EventTime ?? row.TimeGenerated ?? ""));
  return Number.isNaN(t) ? Number.NaN : t;
}

const at = (v: unknown) => (typeof v === "string" ? Date.parse(v) : Number.NaN);

/** Rows of a stored table as they would have arrived live: TimeGenerated and ingestion time = event time. */
export function replayRows(rows: readonly Record<string, unknown>[]): ReplayTable {
  const timed = rows
    .map((row) => ({ row, t: replayTime(row) }))
    .filter((x) => !Number.isNaN(x.t))
    .sort((a, b) => a.t - b.t);
  const out = timed.map(({ row, t }) => {
    // Rows already shaped as live (a benchmark's generated tenant) are used as they are: no copy of 10^5 rows.
    if (!("_TimeReceived" in row) && at(row.TimeGenerated) === t && at(row._IngestionTime) === t) return row;
    const iso = new Date(t).toISOString();
    const { _TimeReceived: _received, ...rest } = row;
    return { ...rest, TimeGenerated: iso, _IngestionTime: iso };
  });
  return { rows: out, times: Float64Array.from(timed, (x) => x.t) };
}

/**
 * Tables a query reads only through a leading `| where TimeGenerated > ago(d)` (literal or `let` duration): every
 * reference of the table is followed by that filter, which Log Analytics applies before reading, so a run scans
 * only that last `d` of the table however long the rule's queryPeriod is. Table name -> window in ms.
 */
export function scanWindows(text: string): Map<string, number> {
  const query = withoutComments(text);
  const lets = new Map<string, number>();
  for (const m of query.matchAll(/\blet\s+(\w+)\s*=\s*(\d+[dhms])\s*;/g)) lets.set(m[1]!, isoDurationMs(m[2]!));
  const out = new Map<string, number>();
  const refs = new Map<string, number[]>();
  for (const m of query.matchAll(/\b(\w+_CL)\b(?!\s*\()/g)) {
    const after = query.slice(m.index + m[0].length);
    const f = /^\s*\|\s*where\s+TimeGenerated\s*>\s*ago\(\s*(\w+)\s*\)/.exec(after);
    const d = f ? (/^\d+[dhms]$/.test(f[1]!) ? isoDurationMs(f[1]!) : lets.get(f[1]!)) : undefined;
    const list = refs.get(m[1]!) ?? [];
    list.push(d ?? Number.POSITIVE_INFINITY);
    refs.set(m[1]!, list);
  }
  for (const [name, ds] of refs) {
    const widest = Math.max(...ds);
    if (Number.isFinite(widest)) out.set(name, widest);
  }
  return out;
}

/** A provider of replayed tables that records which tables each run read. */
function replayProvider(source: Record<string, Record<string, unknown>[]> | TableProvider) {
  const get: TableProvider = typeof source === "function" ? source : (name) => source[name];
  const cache = new Map<string, ReplayTable>();
  const read = new Set<string>();
  const table = (name: string): ReplayTable | undefined => {
    let t = cache.get(name);
    if (!t) {
      // a summary-rule table the workspace does not hold is computed from the replayed ExchangeAudit_CL (kql/summary.ts)
      // (a workspace directory serves an absent table as no rows)
      const stored = get(name);
      const raw = stored?.length ? stored : (summaryTableRows(name, () => table("ExchangeAudit_CL")?.rows) ?? stored);
      if (!raw) return undefined;
      t = replayRows(raw);
      cache.set(name, t);
    }
    return t;
  };
  const provider: TableProvider = (name) => {
    read.add(name);
    return table(name)?.rows;
  };
  /**
   * Rows of the tables read since the last call that lie in (start, end], or in a table's narrower window
   * (`windows`: a time filter Log Analytics applies before reading, see {@link scanWindows}).
   */
  const scanned = (start: number, end: number, windows: ReadonlyMap<string, number> = new Map()): number => {
    let n = 0;
    for (const name of read) {
      const t = table(name);
      const w = windows.get(name);
      const from = w === undefined ? start : Math.max(start, end - w);
      if (t) n += firstAfter(t.times, end) - firstAfter(t.times, from);
    }
    read.clear();
    return n;
  };
  return { provider, scanned };
}

/** Replays every rule's runs in (from, to]; throws {@link DetectionError} (with the other alerts) on failures. */
export function runBacktest(opts: BacktestOptions): BacktestAlert[] {
  if (!(opts.from.getTime() < opts.to.getTime())) throw new RangeError("--from must be before --to");
  const rules = opts.rules ?? loadAnalyticsRules().files.map((f) => f.data);
  const functions = opts.functions ?? parserFunctionDefs();
  const { provider, scanned } = replayProvider(opts.tables ?? workspaceTables(opts.dataDir ?? ".data"));
  const alerts: BacktestAlert[] = [];
  const failures: RuleFailure[] = [];
  for (const rule of rules) {
    const cost: RuleCost = { rule: rule.name, id: rule.id, runs: 0, rowsScanned: 0, ms: 0, alerts: 0 };
    const started = performance.now();
    try {
      const windows = scanWindows(rule.query);
      for (const runAt of scheduledRuns(rule, opts.from, opts.to)) {
        const rows = runRule(rule, provider, runAt, functions, windows);
        const w = ruleWindow(rule, runAt);
        cost.runs++;
        cost.rowsScanned += scanned(w.start.getTime(), w.end.getTime(), windows);
        if (!triggers(rule, rows.length)) continue;
        cost.alerts++;
        alerts.push({ ...toAlert(rule, w, rows), runAt: runAt.toISOString() });
      }
    } catch (err) {
      failures.push({ rule: rule.name, id: rule.id, message: (err as Error).message });
    }
    cost.ms = performance.now() - started;
    opts.onRule?.(cost);
  }
  alerts.sort((a, b) => (a.runAt < b.runAt ? -1 : a.runAt > b.runAt ? 1 : 0));
  if (failures.length) throw new DetectionError(failures, alerts);
  return alerts;
}

/**
 * The query without its `//` comments (string literals kept), so a table named in a comment is not taken for an
 * unfiltered read of it.
 */
function withoutComments(query: string): string {
  let out = "";
  for (let i = 0; i < query.length; i++) {
    const c = query[i]!;
    if (c === '"' || c === "'") {
      const verbatim = query[i - 1] === "@";
      let j = i + 1;
      while (j < query.length && query[j] !== c) j += !verbatim && query[j] === "\\" ? 2 : 1;
      out += query.slice(i, j + 1);
      i = j;
    } else if (c === "/" && query[i + 1] === "/") {
      while (i < query.length && query[i] !== "\n") i++;
      out += "\n";
    } else out += c;
  }
  return out;
}
