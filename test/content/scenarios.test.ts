/**
 * The content scenario harness: every analytics rule and hunting query must have
 * `test/scenarios/<folder>/<base>.yaml` with at least one attack and one benign scenario, and each
 * scenario's expectation must hold when the query runs on the KQL test engine (rules see only rows in
 * their query period ending at `now`, as in Sentinel; parser functions are declared).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import {
  type AnalyticsRule,
  type HuntingQuery,
  loadAnalyticsRules,
  loadHuntingQueries,
  parserFunctionDefs,
  REPO_ROOT,
} from "../../kql/content/load.ts";
import { isoDurationMs, ruleWindow } from "../../kql/detect.ts";
import type { Row } from "../../kql/engine/context.ts";
import { executeQuery } from "../../kql/engine/evaluator.ts";
import { toJsonValue } from "../../kql/engine/values.ts";
import { allTables } from "../../kql/kusto.ts";
import { withSummaryTables } from "../../kql/summary.ts";

interface Expect {
  rows?: number;
  minRows?: number;
  contains?: Record<string, unknown>[];
}

interface Scenario {
  name: string;
  kind: "attack" | "benign";
  /** Engine clock of a single run; for rules the query period ends here. */
  now?: string;
  /** Rows arrive by an import at this time (Log Analytics: TimeGenerated older than 2 days becomes the ingestion time). */
  import?: string;
  /** Consecutive scheduled runs: each sees only the rows ingested by its `now` (`_IngestionTime`, else TimeGenerated). */
  runs?: { now: string; expect: Expect }[];
  /** Rows of the tenant allow-list (`ExchangeAuditAllowList`) for this scenario; the shipped one is empty. */
  allowList?: { Kind: string; Value: string }[];
  tables?: Record<string, Record<string, unknown>[] | null>;
  expect?: Expect;
}

type Tables = Record<string, Record<string, unknown>[]>;

const HOUR_MS = 3_600_000;
/** Log Analytics keeps TimeGenerated only when it is at most 2 days older than the ingestion time. */
const TIME_GENERATED_MAX_AGE_MS = 48 * HOUR_MS;

const ms = (v: unknown): number => new Date(v as string).getTime();

/**
 * Rows ingested at `at`, as Log Analytics (and the workspace emulator) stores them: `_IngestionTime` is the
 * import time, and a TimeGenerated more than 2 days before it is replaced by the ingestion time. EventTime keeps
 * the event's own time.
 */
export function importedAt(tables: Tables, at: Date): Tables {
  const atMs = at.getTime();
  return Object.fromEntries(
    Object.entries(tables).map(([name, rows]) => [
      name,
      rows.map((r) => {
        const t = r.TimeGenerated === undefined ? atMs : ms(r.TimeGenerated);
        const kept = atMs - t <= TIME_GENERATED_MAX_AGE_MS;
        return { ...r, TimeGenerated: kept ? r.TimeGenerated : at.toISOString(), _IngestionTime: at.toISOString() };
      }),
    ]),
  );
}

/** The same rows moved `byMs` earlier (TimeGenerated, EventTime and any `_IngestionTime`). */
function shifted(tables: Tables, byMs: number): Tables {
  const move = (v: unknown) => (v === undefined || v === null ? v : new Date(ms(v) - byMs).toISOString());
  return Object.fromEntries(
    Object.entries(tables).map(([name, rows]) => [
      name,
      rows.map((r) => {
        const out: Record<string, unknown> = { ...r, TimeGenerated: move(r.TimeGenerated) };
        if ("EventTime" in r) out.EventTime = move(r.EventTime);
        if ("_IngestionTime" in r) out._IngestionTime = move(r._IngestionTime);
        return out;
      }),
    ]),
  );
}

/** What a scheduled run at `now` can see: rows ingested by then (live rows arrive at their TimeGenerated). */
function arrivedBy(tables: Tables, now: Date): Tables {
  return Object.fromEntries(
    Object.entries(tables).map(([name, rows]) => [
      name,
      rows
        .filter((r) => ms(r._IngestionTime ?? r.TimeGenerated) <= now.getTime())
        .map((r) => ("_IngestionTime" in r ? r : { ...r, _IngestionTime: r.TimeGenerated })),
    ]),
  );
}

const functions = parserFunctionDefs();

/** The parser functions with `ExchangeAuditAllowList` returning the scenario's rows instead of the shipped empty list. */
function functionsWithAllowList(allowList: Scenario["allowList"]): typeof functions {
  if (!allowList) return functions;
  const rows = allowList.map((r) => `${JSON.stringify(r.Kind)}, ${JSON.stringify(r.Value)}`).join(",\n");
  const body = `datatable(Kind: string, Value: string)[\n${rows}\n]`;
  return functions.map((f) => (f.name === "ExchangeAuditAllowList" ? { ...f, body } : f));
}
const schemas = new Map(allTables().map((t) => [t.Name, new Set(t.Properties.map((p) => p.Name))]));

/** Column value match: datetimes as instants, numbers numerically, dynamic by JSON value. */
function matches(actual: unknown, expected: unknown): boolean {
  if (actual instanceof Date) {
    const e = typeof expected === "string" || expected instanceof Date ? new Date(expected).getTime() : Number.NaN;
    return actual.getTime() === e;
  }
  const a = toJsonValue(actual);
  if (typeof a === "number" && typeof expected === "string") return a === Number(expected);
  if (a === null && expected === null) return true;
  return JSON.stringify(a) === JSON.stringify(toJsonValue(expected));
}

function checkFixtureColumns(tables: Scenario["tables"]): void {
  for (const [table, rows] of Object.entries(tables ?? {})) {
    const cols = schemas.get(table);
    assert.ok(cols, `fixture table '${table}' is not a known table`);
    for (const row of rows ?? []) {
      // `_IngestionTime`/`_TimeReceived` feed ingestion_time() (see docs/kql-engine.md).
      const extra: string[] = Object.keys(row).filter(
        (k) => !cols.has(k) && k !== "_IngestionTime" && k !== "_TimeReceived",
      );
      assert.deepEqual(extra, [], `fixture row of ${table} has columns the table does not have`);
    }
  }
}

function checkExpect(rows: Row[], expect: Expect): void {
  const shown = () =>
    JSON.stringify(
      rows.slice(0, 5).map((r) => toJsonValue(r)),
      null,
      1,
    ).slice(0, 3000);
  if (expect.rows !== undefined)
    assert.equal(rows.length, expect.rows, `expected ${expect.rows} rows, got ${rows.length}: ${shown()}`);
  if (expect.minRows !== undefined) {
    assert.ok(rows.length >= expect.minRows, `expected at least ${expect.minRows} rows, got ${rows.length}`);
  }
  for (const want of expect.contains ?? []) {
    const hit = rows.some((r) => Object.entries(want).every(([k, v]) => k in r && matches(r[k], v)));
    assert.ok(hit, `no result row matches ${JSON.stringify(want)}; rows: ${shown()}`);
  }
}

function register(folder: string, file: string, query: string, rule: AnalyticsRule | null): void {
  const base = basename(file).replace(/\.yaml$/, "");
  const scenarioPath = join(REPO_ROOT, "test", "scenarios", folder, `${base}.yaml`);
  if (!existsSync(scenarioPath)) {
    test(`${file}: has a scenario file`, () => {
      assert.fail(`missing test/scenarios/${folder}/${base}.yaml (needs an attack and a benign scenario)`);
    });
    return;
  }
  const doc = parse(readFileSync(scenarioPath, "utf8")) as { scenarios?: Scenario[] } | null;
  const scenarios = doc?.scenarios ?? [];
  test(`${file}: has at least one attack and one benign scenario`, () => {
    assert.ok(
      scenarios.some((s) => s.kind === "attack"),
      "no attack scenario",
    );
    assert.ok(
      scenarios.some((s) => s.kind === "benign"),
      "no benign scenario",
    );
    for (const s of scenarios) {
      const expects = s.runs ? s.runs.map((r) => r.expect) : [s.expect];
      assert.ok(
        expects.length > 0 && expects.every((e) => e && (e.rows !== undefined || e.minRows !== undefined)),
        `${s.name}: no expect`,
      );
      if (s.runs) assert.ok(!s.now && !s.import, `${s.name}: a scenario has either runs or now/import`);
    }
  });
  const run = (tables: Tables, now: Date, allowList?: Scenario["allowList"]): Row[] => {
    const timeRange = rule ? ruleWindow(rule, now) : undefined;
    // the daily baseline (summary-rules/) is materialised from the scenario's ExchangeAudit_CL rows, added to any given rows
    const provider = withSummaryTables(tables);
    return executeQuery(query, { tables: provider, now, functions: functionsWithAllowList(allowList), timeRange }).rows;
  };
  for (const s of scenarios) {
    test(`${file}: ${s.name}`, () => {
      checkFixtureColumns(s.tables);
      let tables: Tables = Object.fromEntries(Object.entries(s.tables ?? {}).map(([k, v]) => [k, v ?? []]));
      if (s.runs) {
        for (const [i, r] of s.runs.entries()) {
          const now = new Date(r.now);
          assert.ok(!Number.isNaN(now.getTime()), `run ${i + 1}: 'now' is not a date: ${r.now}`);
          try {
            checkExpect(run(arrivedBy(tables, now), now, s.allowList), r.expect);
          } catch (err) {
            (err as Error).message = `run ${i + 1} at ${r.now}: ${(err as Error).message}`;
            throw err;
          }
        }
        return;
      }
      const now = new Date(s.now ?? "");
      assert.ok(!Number.isNaN(now.getTime()), `scenario 'now' is not a date: ${s.now}`);
      if (s.import) tables = importedAt(tables, new Date(s.import));
      checkExpect(run(tables, now, s.allowList), s.expect ?? {});
    });
  }
  // Backfill safety: the attack rows of every single-run scenario, imported as 8-day-old history, are outside
  // every scheduled audit rule's query period and must not alert (history is for hunting and backtesting). The
  // connector-health rules read the connector's own heartbeats, which are written live and never imported.
  if (rule && rule.kind === "Scheduled" && /\bExchangeAudit_CL\b/.test(query)) {
    for (const s of scenarios.filter((x) => x.kind === "attack" && x.now && !x.import)) {
      test(`${file}: ${s.name}, imported as 8-day-old history, raises no alert`, () => {
        const now = new Date(s.now ?? "");
        const tables = Object.fromEntries(Object.entries(s.tables ?? {}).map(([k, v]) => [k, v ?? []]));
        checkExpect(run(importedAt(shifted(tables, 8 * 24 * HOUR_MS), now), now, s.allowList), { rows: 0 });
      });
      // Alert once: the next scheduled run sees the same rows, none of them new, and raises nothing (a rule that
      // re-alerts every run while its period still holds the condition fails here).
      test(`${file}: ${s.name}, run again at the next schedule with nothing new, raises no alert again`, () => {
        const now = new Date(s.now ?? "");
        const next = new Date(now.getTime() + isoDurationMs(rule.queryFrequency ?? "1h"));
        const tables = Object.fromEntries(Object.entries(s.tables ?? {}).map(([k, v]) => [k, v ?? []]));
        checkExpect(run(arrivedBy(tables, now), next, s.allowList), { rows: 0 });
      });
    }
  }
}

for (const f of loadAnalyticsRules().files) register("analytics-rules", f.file, f.data.query, f.data);
for (const f of loadHuntingQueries().files) register("hunting-queries", f.file, (f.data as HuntingQuery).query, null);
