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
import { ruleWindow } from "../../kql/detect.ts";
import type { Row } from "../../kql/engine/context.ts";
import { executeQuery } from "../../kql/engine/evaluator.ts";
import { toJsonValue } from "../../kql/engine/values.ts";
import { allTables } from "../../kql/kusto.ts";

interface Scenario {
  name: string;
  kind: "attack" | "benign";
  now: string;
  tables?: Record<string, Record<string, unknown>[] | null>;
  /** Rows of the tenant allow-list (`ExchangeAuditAllowList`) for this scenario; the shipped one is empty. */
  allowList?: { Kind: string; Value: string }[];
  expect: { rows?: number; minRows?: number; contains?: Record<string, unknown>[] };
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

function checkExpect(rows: Row[], expect: Scenario["expect"]): void {
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
      assert.ok(s.expect && (s.expect.rows !== undefined || s.expect.minRows !== undefined), `${s.name}: no expect`);
    }
  });
  for (const s of scenarios) {
    test(`${file}: ${s.name}`, () => {
      checkFixtureColumns(s.tables);
      const now = new Date(s.now);
      assert.ok(!Number.isNaN(now.getTime()), `scenario 'now' is not a date: ${s.now}`);
      const tables = Object.fromEntries(Object.entries(s.tables ?? {}).map(([k, v]) => [k, v ?? []]));
      const timeRange = rule ? ruleWindow(rule, now) : undefined;
      const result = executeQuery(query, { tables, now, functions: functionsWithAllowList(s.allowList), timeRange });
      checkExpect(result.rows, s.expect);
    });
  }
}

for (const f of loadAnalyticsRules().files) register("analytics-rules", f.file, f.data.query, f.data);
for (const f of loadHuntingQueries().files) register("hunting-queries", f.file, (f.data as HuntingQuery).query, null);
