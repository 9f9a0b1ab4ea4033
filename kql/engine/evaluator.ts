/**
 * The query evaluator: parses and binds the query with Microsoft's Kusto.Language, then evaluates
 * the bound tree (statements, tabular expressions, operators). Entry point: {@link executeQuery}.
 */
import { analyze, buildGlobalState, type FunctionDef, type K } from "../kusto.ts";
import type { Column, Env, QueryContext, Row, Table, TableProvider } from "./context.ts";
import { Scope } from "./context.ts";
import { applyOperator } from "./operators.ts";
import { HIDDEN, rowBuilder } from "./rows.ts";
import { compileScalar } from "./scalar.ts";
import {
  isTabular,
  KqlEngineError,
  kindOf,
  listOf,
  type Node,
  nameOf,
  schemaOf,
  setQueryText,
  symbolKindOf,
  unsupported,
} from "./syntax.ts";
import { callUserFunction, isUserFunction } from "./user-functions.ts";
import { coerce } from "./values.ts";

export interface ExecuteOptions {
  /** Input rows per table name, or a provider; fixture shapes (ISO datetimes, dynamic as JS values). */
  tables: Record<string, Record<string, unknown>[]> | TableProvider;
  /** The clock of `now()`/`ago()`, fixed for the whole query (default: the current time). */
  now?: Date;
  /** Database functions (our parsers) the query may call. */
  functions?: readonly FunctionDef[];
  /** Only rows with `start < TimeGenerated <= end` are visible (as Sentinel's rule query period). */
  timeRange?: { start: Date; end: Date };
  /**
   * Per table, the window (ms before `timeRange.end`) of a `| where TimeGenerated > ago(d)` that follows every
   * reference of the table in the query (kql/backtest.ts `scanWindows`): the rows that filter drops are not
   * loaded, as Log Analytics does not read them. The result is the same; a backtest runs much faster.
   */
  scanWindows?: ReadonlyMap<string, number>;
}

export interface QueryResult {
  columns: Column[];
  rows: Row[];
}

const globalsCache = new Map<string, K>();

function globalsFor(functions: readonly FunctionDef[]): K {
  const key = JSON.stringify(functions);
  let g = globalsCache.get(key);
  if (!g) {
    g = buildGlobalState({ functions });
    if (globalsCache.size > 20) globalsCache.clear();
    globalsCache.set(key, g);
  }
  return g;
}

const analyzed = new Map<string, ReturnType<typeof analyze>>();

/** Parsing and binding dominate small runs (~150 ms a rule): the bound tree is reused per query text. */
function analyzeCached(query: string, functions: readonly FunctionDef[]): ReturnType<typeof analyze> {
  const key = `${JSON.stringify(functions)}\u0000${query}`;
  let a = analyzed.get(key);
  if (!a) {
    a = analyze(query, globalsFor(functions));
    if (analyzed.size > 200) analyzed.clear();
    analyzed.set(key, a);
  }
  return a;
}

/**
 * Runs a KQL query over in-memory tables. Throws {@link KqlEngineError} for syntax/semantic errors
 * and for any construct the engine does not support (with its position).
 */
export function executeQuery(query: string, opts: ExecuteOptions): QueryResult {
  const functions = opts.functions ?? [];
  const { code, errors } = analyzeCached(query, functions);
  setQueryText(query);
  if (errors.length) {
    throw new KqlEngineError(
      `query does not compile: ${errors.map((x) => `${x.line}:${x.column} ${x.message}`).join("; ")}`,
    );
  }
  const provider: TableProvider =
    typeof opts.tables === "function" ? opts.tables : (name) => (opts.tables as Record<string, Row[]>)[name];
  const loaded = new Map<string, Table>();
  const ctx: QueryContext = {
    now: opts.now ?? new Date(),
    functions,
    cache: new Map(),
    table(name, node) {
      let t = loaded.get(name);
      if (!t) {
        t = loadTable(name, node, provider, narrowed(opts.timeRange, opts.scanWindows?.get(name)));
        loaded.set(name, t);
      }
      return t;
    },
    evalTabular: (node, scope) => evalTabular(node, scope, ctx),
    evalConstant: (node, scope) => compileScalar(node, { scope, ctx, columns: [] })({}, 0, []),
  };
  const scope = new Scope();
  const statements = listOf(code.Syntax.Statements);
  const exprs = statements.filter((s) => kindOf(s) === "ExpressionStatement");
  runStatements(
    statements.filter((s) => kindOf(s) !== "ExpressionStatement"),
    scope,
    ctx,
  );
  const last = exprs[exprs.length - 1];
  if (!last) throw new KqlEngineError("the query has no tabular expression to return");
  if (!isTabular(last.Expression)) {
    const v = ctx.evalConstant(last.Expression, scope);
    return { columns: [{ name: "print_0", type: String(last.Expression.ResultType?.Name) }], rows: [{ print_0: v }] };
  }
  const t = evalTabular(last.Expression, scope, ctx);
  // Results carry exactly the result columns (no hidden fields, no inherited properties).
  const build = rowBuilder(t.columns.map((c) => c.name));
  return { columns: t.columns, rows: t.rows.map((r) => stripHidden(build(r, []))) };
}

function stripHidden(r: Row): Row {
  delete r[HIDDEN];
  return r;
}

/** Converted input tables, per raw row array: detection runs many queries over the same data. */
const converted = new WeakMap<object, { key: string; rows: Row[]; times?: Float64Array }>();

function narrowed(range: ExecuteOptions["timeRange"], windowMs: number | undefined): ExecuteOptions["timeRange"] {
  if (!range || windowMs === undefined) return range;
  const start = Math.max(range.start.getTime(), range.end.getTime() - windowMs);
  return { start: new Date(start), end: range.end };
}

/** TimeGenerated of every row when the rows are in time order (a replayed table), so a range is two binary searches. */
function sortedTimes(rows: readonly Row[]): Float64Array | undefined {
  const times = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const t = (rows[i]!.TimeGenerated as Date | null)?.getTime();
    if (t === undefined || Number.isNaN(t) || (i > 0 && t < times[i - 1]!)) return undefined;
    times[i] = t;
  }
  return times;
}

/** Index of the first time > t in ascending `times` (binary search). */
export function firstAfter(times: Float64Array, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function loadTable(
  name: string,
  node: Node,
  provider: TableProvider,
  range: { start: Date; end: Date } | undefined,
): Table {
  const columns = schemaOf(node);
  const raw = provider(name) ?? [];
  const key = columns.map((c) => `${c.name}:${c.type}`).join(",");
  let conv = converted.get(raw);
  if (!conv || conv.key !== key) {
    const rows: Row[] = new Array(raw.length);
    const build = rowBuilder(
      columns.map((c) => c.name),
      new Map(columns.map((c, i) => [c.name, i])),
    );
    const values: unknown[] = new Array(columns.length);
    const hidden: Row = {};
    for (let i = 0; i < raw.length; i++) {
      const r = raw[i]!;
      for (let j = 0; j < columns.length; j++) values[j] = coerce(r[columns[j]!.name], columns[j]!.type);
      // Fixtures give `_IngestionTime`; the workspace emulator stores the standard `_TimeReceived` column.
      const received = r._IngestionTime ?? r._TimeReceived;
      hidden[HIDDEN] = received === undefined ? undefined : coerce(received, "datetime");
      rows[i] = build(hidden, values);
    }
    conv = { key, rows, times: sortedTimes(rows) };
    converted.set(raw, conv);
  }
  if (!range) return { columns, rows: conv.rows };
  const start = range.start.getTime();
  const end = range.end.getTime();
  if (conv.times) return { columns, rows: conv.rows.slice(firstAfter(conv.times, start), firstAfter(conv.times, end)) };
  const rows = conv.rows.filter((row) => {
    const t = (row.TimeGenerated as Date | null)?.getTime();
    return t !== undefined && start < t && t <= end;
  });
  return { columns, rows };
}

/** Binds `let` statements (scalars eagerly, tables lazily, lambdas by scope); other statements fail. */
export function runStatements(statements: Node[], scope: Scope, ctx: QueryContext): void {
  for (const st of statements) {
    const kind = kindOf(st);
    if (kind === "LetStatement") {
      const name = nameOf(st.Name);
      const expr = st.Expression;
      const ek = kindOf(expr);
      if (ek === "FunctionDeclaration") {
        scope.set(name, { kind: "function", scope });
      } else if (isTabular(expr)) {
        let cached: Table | undefined;
        scope.set(name, { kind: "table", get: () => (cached ??= evalTabular(expr, scope, ctx)) });
      } else {
        const value = ctx.evalConstant(expr, scope);
        scope.set(name, { kind: "scalar", fn: () => value });
      }
    } else if (kind === "SetOptionStatement" || kind === "QueryParametersStatement") {
      // `set` options and declare query_parameters do not change results here.
    } else {
      unsupported(`statement ${kind}`, st);
    }
  }
}

/** Evaluates a tabular expression to a table. */
export function evalTabular(node: Node, scope: Scope, ctx: QueryContext): Table {
  const kind = kindOf(node);
  switch (kind) {
    case "PipeExpression":
      return applyOperator(node.Operator, evalTabular(node.Expression, scope, ctx), scope, ctx);
    case "ParenthesizedExpression":
      return evalTabular(node.Expression, scope, ctx);
    case "NameReference": {
      const sym = node.ReferencedSymbol;
      const sk = symbolKindOf(sym);
      const name = nameOf(node);
      if (sk === "Table") return ctx.table(String(sym.Name), node);
      if (sk === "Variable" || sk === "Parameter") {
        const b = scope.get(name);
        if (b?.kind === "table") return b.get();
        return unsupported(`'${name}' is not a tabular variable`, node);
      }
      if (sk === "Function" && isUserFunction(sym)) return callUserFunction(node, name, env(scope, ctx), "table");
      return unsupported(`tabular reference '${name}' (${sk})`, node);
    }
    case "FunctionCallExpression": {
      const name = nameOf(node.Name);
      const sym = node.ReferencedSymbol;
      if (isUserFunction(sym)) return callUserFunction(node, name, env(scope, ctx), "table");
      if (name === "materialize") {
        let t = ctx.cache.get(node);
        if (!t) {
          t = evalTabular(listOf(node.ArgumentList.Expressions)[0], scope, ctx);
          ctx.cache.set(node, t);
        }
        return t;
      }
      return unsupported(`tabular function ${name}()`, node);
    }
    case "MaterializeExpression": {
      let t = ctx.cache.get(node);
      if (!t) {
        t = evalTabular(node.Expression, scope, ctx);
        ctx.cache.set(node, t);
      }
      return t;
    }
    case "MaterializedViewCombineExpression":
      return unsupported("materialized views", node);
    default:
      // Operators that start a pipeline: datatable, print, range, union.
      return applyOperator(node, { columns: [], rows: [] }, scope, ctx);
  }
}

/** A scalar compile environment over the given input columns. */
export function env(scope: Scope, ctx: QueryContext, columns: Column[] = []): Env {
  return { scope, ctx, columns };
}

export { KqlEngineError };
