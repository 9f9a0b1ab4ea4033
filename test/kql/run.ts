/** Conformance test helper: runs KQL on the engine and returns JSON-shaped rows (datetimes ISO). */
import { executeQuery } from "../../kql/engine/evaluator.ts";
import { toJsonValue } from "../../kql/engine/values.ts";
import type { FunctionDef } from "../../kql/kusto.ts";

export const NOW = new Date("2026-03-10T12:00:00Z");

export function run(
  query: string,
  tables: Record<string, Record<string, unknown>[]> = {},
  functions: FunctionDef[] = [],
): Record<string, unknown>[] {
  return executeQuery(query, { tables, now: NOW, functions }).rows.map(
    (r) => toJsonValue(r) as Record<string, unknown>,
  );
}

/** The single value of a one-row, one-column result (`print x = ...`). */
export function scalar(expr: string): unknown {
  const rows = run(`print v = ${expr}`);
  return rows[0]?.v;
}
