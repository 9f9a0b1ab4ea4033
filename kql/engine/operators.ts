/**
 * Tabular operators. Output schemas (names, order, types) come from the binder (`schemaOf(node)`);
 * the operators compute values and key them by those names.
 */
import { type Column, type Env, type Fn, type QueryContext, type Row, Scope, type Table } from "./context.ts";
import { join } from "./join.ts";
import { literalValue } from "./literals.ts";
import { mvApply, mvExpand } from "./mv.ts";
import { parseOperator } from "./parse-op.ts";
import { rowBuilder } from "./rows.ts";
import { datatable, range, union } from "./sources.ts";
import { compileScalar } from "./scalar.ts";
import { summarize } from "./summarize.ts";
import { KqlEngineError, kindOf, listOf, type Node, nameOf, schemaOf, unsupported } from "./syntax.ts";
import { callUserFunction } from "./user-functions.ts";
import { coerce, compare, isNull, keyOf, normalizeType } from "./values.ts";

const envOf = (scope: Scope, ctx: QueryContext, columns: Column[]): Env => ({ scope, ctx, columns });

/** Named operator parameters (`kind=leftouter`, `withsource=T`); `hint.*` are accepted and ignored. */
export function operatorParams(node: Node, allowed: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of listOf(node.Parameters)) {
    const name = nameOf(p.Name).toLowerCase();
    if (name.startsWith("hint.")) continue;
    if (!allowed.includes(name)) unsupported(`parameter ${name} of ${kindOf(node)}`, p);
    out.set(name, String(literalValue(p.Expression) ?? nameOf(p.Expression)));
  }
  return out;
}

/** Applies one query operator to its input table. */
export function applyOperator(node: Node, input: Table, scope: Scope, ctx: QueryContext): Table {
  const kind = kindOf(node);
  const env = envOf(scope, ctx, input.columns);
  switch (kind) {
    case "FilterOperator": {
      const cond = compileScalar(node.Condition, env);
      const rows = input.rows;
      const out: Row[] = [];
      for (let i = 0; i < rows.length; i++) if (cond(rows[i]!, i, rows) === true) out.push(rows[i]!);
      return { columns: input.columns, rows: out };
    }
    case "ExtendOperator":
    case "SerializeOperator":
      return extend(node, input, env);
    case "ProjectOperator":
      return project(node, listOf(node.Expressions), input, env, schemaOf(node));
    case "ProjectAwayOperator":
    case "ProjectKeepOperator":
    case "ProjectReorderOperator": {
      const cols = schemaOf(node);
      return { columns: cols, rows: input.rows.map((r) => pick(r, cols)) };
    }
    case "ProjectRenameOperator": {
      const renames = listOf(node.Expressions).map((e: Node) => [nameOf(e.Name), nameOf(e.Expression)] as const);
      const cols = schemaOf(node);
      const build = rowBuilder(
        cols.map((c) => c.name),
        new Map(renames.map(([to], i) => [to, i])),
      );
      const rows = input.rows.map((r) =>
        build(
          r,
          renames.map(([, from]) => r[from]),
        ),
      );
      return { columns: cols, rows };
    }
    case "TakeOperator": {
      const n = Number(ctx.evalConstant(node.Expression, scope));
      return { columns: input.columns, rows: input.rows.slice(0, Math.max(0, n)) };
    }
    case "SortOperator":
      return { columns: input.columns, rows: sortRows(input.rows, listOf(node.Expressions), env) };
    case "TopOperator": {
      const n = Number(ctx.evalConstant(node.Expression, scope));
      return { columns: input.columns, rows: sortRows(input.rows, [node.ByExpression], env).slice(0, n) };
    }
    case "DistinctOperator": {
      const exprs = listOf(node.Expressions);
      const cols = schemaOf(node);
      const projected =
        exprs.length === 1 && kindOf(exprs[0]) === "StarExpression"
          ? input.rows.map((r) => pick(r, cols))
          : project(node, exprs, input, env, cols).rows;
      const seen = new Set<string>();
      const rows = projected.filter((r) => {
        const k = cols.map((c) => keyOf(r[c.name])).join("\u0001");
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
      return { columns: cols, rows };
    }
    case "CountOperator":
      return { columns: schemaOf(node), rows: [{ [schemaOf(node)[0]!.name]: input.rows.length }] };
    case "AsOperator": {
      scope.set(nameOf(node.Name), { kind: "table", get: () => input });
      return input;
    }
    case "GetSchemaOperator":
      return {
        columns: schemaOf(node),
        rows: input.columns.map((c, i) => ({
          ColumnName: c.name,
          ColumnOrdinal: i,
          DataType: c.type,
          ColumnType: c.type,
        })),
      };
    case "PrintOperator":
      return project(node, listOf(node.Expressions), { columns: [], rows: [{}] }, env, schemaOf(node));
    case "RangeOperator":
      return range(node, env);
    case "DataTableExpression":
      return datatable(node, ctx, scope);
    case "UnionOperator":
      return emptyStrings(union(node, input, scope, ctx));
    case "JoinOperator":
    case "LookupOperator":
      return emptyStrings(join(node, input, scope, ctx));
    case "SummarizeOperator":
      return emptyStrings(summarize(node, input, env));
    case "MvExpandOperator":
      return mvExpand(node, input, env);
    case "MvApplyOperator":
      return emptyStrings(mvApply(node, input, env, (sub, t) => applyChain(sub, t, new Scope(scope), ctx)));
    case "ParseOperator":
      return parseOperator(node, input, env);
    case "InvokeOperator": {
      const call = node.Function;
      return callUserFunction(call, nameOf(call.Name), env, "table", input);
    }
    default:
      return unsupported(`operator ${kind.replace(/Operator$/, "")}`, node);
  }
}

/** Applies an operator chain with an implicit input (`mv-apply ... on (where ... | summarize ...)`). */
export function applyChain(node: Node, input: Table, scope: Scope, ctx: QueryContext): Table {
  const kind = kindOf(node);
  if (kind === "PipeExpression")
    return applyOperator(node.Operator, applyChain(node.Expression, input, scope, ctx), scope, ctx);
  if (kind === "ParenthesizedExpression" || kind === "MvApplySubqueryExpression")
    return applyChain(node.Expression, input, scope, ctx);
  return applyOperator(node, input, scope, ctx);
}

/** Strings are never null in Kusto: cells an outer join or union leaves empty are "" for string columns. */
function emptyStrings(t: Table): Table {
  const strings = t.columns.filter((c) => c.type === "string").map((c) => c.name);
  if (strings.length)
    for (const r of t.rows) for (const n of strings) if (r[n] === null || r[n] === undefined) r[n] = "";
  return t;
}

function pick(row: Row, cols: Column[]): Row {
  return rowBuilder(cols.map((c) => c.name))(row, []);
}

function extend(node: Node, input: Table, env: Env): Table {
  const out = schemaOf(node);
  const inNames = new Set(input.columns.map((c) => c.name));
  const fresh = out.map((c) => c.name).filter((n) => !inNames.has(n));
  let next = 0;
  const assigned = new Set<string>();
  const setters: { name: string; fn: Fn; seesEarlier: boolean }[] = [];
  for (const e of listOf(node.Expressions)) {
    let name: string;
    let expr = e;
    if (kindOf(e) === "SimpleNamedExpression") {
      name = nameOf(e.Name);
      expr = e.Expression;
      if (!inNames.has(name) && !assigned.has(name)) next++;
    } else if (kindOf(e) === "NameReference" && inNames.has(nameOf(e))) {
      name = nameOf(e);
    } else if (kindOf(e) === "CompoundNamedExpression") {
      return unsupported("extend (a, b) = ...", e);
    } else {
      name = fresh[next++] as string;
    }
    if (name === undefined) throw new KqlEngineError("internal: extend column naming", e);
    setters.push({ name, fn: compileScalar(expr, env), seesEarlier: references(expr, assigned) });
    assigned.add(name);
  }
  const slot = new Map(setters.map((st, i) => [st.name, i]));
  // A later expression naming an earlier one sees its value (`extend a = 1, b = a + 1`).
  const chained = setters.some((st) => st.seesEarlier);
  const build = rowBuilder(
    out.map((c) => c.name),
    slot,
  );
  const rows = input.rows;
  const result: Row[] = new Array(rows.length);
  const values: unknown[] = new Array(setters.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (chained) {
      const view: Row = Object.create(row);
      for (let k = 0; k < setters.length; k++) {
        const st = setters[k]!;
        values[k] = st.fn(view, i, rows);
        view[st.name] = values[k];
      }
    } else {
      for (let k = 0; k < setters.length; k++) values[k] = setters[k]!.fn(row, i, rows);
    }
    result[i] = build(row, values);
  }
  const types = new Map(out.map((c) => [c.name, c.type]));
  fixTypes(
    result,
    setters.map((st) => st.name),
    types,
  );
  return { columns: out, rows: result };
}

/** True when the expression references one of `names` (a column declared earlier in the same operator). */
function references(expr: Node, names: Set<string>): boolean {
  if (!names.size) return false;
  let hit = false;
  expr.WalkElements((n: Node) => {
    if (!hit && !n.IsToken && kindOf(n) === "NameReference" && names.has(nameOf(n))) hit = true;
  });
  return hit;
}

/** Converts computed values to the binder's declared column type (`toint(x)` is int, `tostring` is string). */
function fixTypes(rows: Row[], names: string[], types: Map<string, string>): void {
  for (const n of names) {
    const t = normalizeType(types.get(n) ?? "dynamic");
    if (t === "dynamic" || t === "real" || t === "long" || t === "int" || t === "bool") continue;
    for (const r of rows) {
      const v = r[n];
      if (t === "string" ? typeof v !== "string" : false) r[n] = coerce(v, t);
    }
  }
}

function project(node: Node, exprs: Node[], input: Table, env: Env, out: Column[]): Table {
  if (exprs.length !== out.length) return unsupported(`${kindOf(node)} with column wildcards`, node);
  const fns = exprs.map((e) => compileScalar(kindOf(e) === "SimpleNamedExpression" ? e.Expression : e, env));
  const rows = input.rows;
  const result: Row[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const o: Row = {};
    for (let c = 0; c < out.length; c++) o[out[c]!.name] = fns[c]!(rows[i]!, i, rows) ?? null;
    result[i] = o;
  }
  fixTypes(
    result,
    out.map((c) => c.name),
    new Map(out.map((c) => [c.name, c.type])),
  );
  return { columns: out, rows: result };
}

/** Stable sort; default `desc`; nulls last for desc and first for asc unless `nulls first|last`. */
export function sortRows(rows: Row[], exprs: Node[], env: Env): Row[] {
  const keys = exprs.map((e) => {
    const ordered = kindOf(e) === "OrderedExpression";
    const target = ordered ? e.Expression : e;
    const ordering = ordered ? e.Ordering : null;
    const dirText = ordering?.AscOrDescKeyword ? String(ordering.AscOrDescKeyword.Text).toLowerCase() : "desc";
    const desc = dirText !== "asc";
    const nullsText = ordering?.NullsClause ? String(ordering.NullsClause.FirstOrLastKeyword.Text).toLowerCase() : "";
    const nullsFirst = nullsText ? nullsText === "first" : !desc;
    return { fn: compileScalar(target, env), desc, nullsFirst };
  });
  const decorated = rows.map((r, i) => ({ r, i, k: keys.map((k) => k.fn(r, i, rows)) }));
  decorated.sort((a, b) => {
    for (let j = 0; j < keys.length; j++) {
      const x = a.k[j];
      const y = b.k[j];
      const xn = isNull(x);
      const yn = isNull(y);
      if (xn || yn) {
        if (xn && yn) continue;
        return (xn ? -1 : 1) * (keys[j]!.nullsFirst ? 1 : -1);
      }
      const c = compare(x, y);
      if (c !== 0) return keys[j]!.desc ? -c : c;
    }
    return a.i - b.i;
  });
  return decorated.map((d) => d.r);
}
