/**
 * `mv-expand` and `mv-apply`. Documented behaviour: arrays/bags expand in parallel (shorter ones padded
 * with null); a null value yields one row with null; an empty array or bag yields no row.
 */
import type { Env, Fn, Row, Table } from "./context.ts";
import { operatorParams } from "./operators.ts";
import { rowBuilder } from "./rows.ts";
import { compileScalar } from "./scalar.ts";
import { KqlEngineError, kindOf, listOf, type Node, nameOf, schemaOf } from "./syntax.ts";
import { coerce, isNull, normalizeType } from "./values.ts";

interface Expansion {
  name: string;
  fn: Fn;
  type: string | null;
}

function expansions(node: Node, env: Env): Expansion[] {
  return listOf(node.Expressions).map((e: Node) => {
    const inner = e.Expression;
    const named = kindOf(inner) === "SimpleNamedExpression";
    const name = named ? nameOf(inner.Name) : nameOf(inner);
    if (!named && kindOf(inner) !== "NameReference") {
      throw new KqlEngineError("mv-expand of an unnamed expression (write Name = expression)", inner);
    }
    const fn = compileScalar(named ? inner.Expression : inner, env);
    const typeOf = e.ToTypeOf?.TypeOf;
    const type = typeOf ? normalizeType(String(typeOf.ReferencedSymbol?.Name ?? "dynamic")) : null;
    return { name, fn, type };
  });
}

/** Elements of one dynamic value per the documented expansion modes (`bag` by default). */
function elements(v: unknown, bagAsArray: boolean): unknown[] {
  if (isNull(v)) return [null];
  if (Array.isArray(v)) return v;
  if (typeof v === "object") {
    return Object.entries(v as Record<string, unknown>).map(([k, x]) => (bagAsArray ? [k, x] : { [k]: x }));
  }
  return [v];
}

function castElement(v: unknown, type: string | null): unknown {
  if (!type || type === "dynamic") return v ?? null;
  if ((type === "long" || type === "int" || type === "real") && typeof v !== "number") return null;
  if (type === "bool" && typeof v !== "boolean") return null;
  if (type === "string" && typeof v !== "string") return isNull(v) ? "" : null;
  return coerce(v, type);
}

interface ExpandedRow {
  row: Row;
  index: number;
}

function expandRows(node: Node, input: Table, env: Env): ExpandedRow[] {
  const params = operatorParams(node, ["kind", "bagexpansion", "with_itemindex"]);
  const bagAsArray = (params.get("kind") ?? params.get("bagexpansion")) === "array";
  const indexCol = params.get("with_itemindex");
  const ex = expansions(node, env);
  const limit = node.LimitClause ? Number(env.ctx.evalConstant(node.LimitClause.Expression, env.scope)) : Infinity;
  const out: ExpandedRow[] = [];
  const rows = input.rows;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const lists = ex.map((x) => elements(x.fn(row, i, rows), bagAsArray));
    const n = Math.min(limit, Math.max(0, ...lists.map((l) => l.length)));
    for (let j = 0; j < n; j++) {
      // The expanded columns shadow the input row's; builders copy through the prototype chain.
      const o: Row = Object.create(row);
      ex.forEach((x, k) => {
        o[x.name] = castElement(lists[k]![j], x.type);
      });
      if (indexCol) o[indexCol] = j;
      out.push({ row: o, index: i });
    }
  }
  return out;
}

/** `mv-expand`. */
export function mvExpand(node: Node, input: Table, env: Env): Table {
  const cols = schemaOf(node);
  const build = rowBuilder(cols.map((c) => c.name));
  const rows = expandRows(node, input, env).map(({ row }) => build(row, []));
  return { columns: cols, rows };
}

/** `mv-apply`: runs the subquery over each input row's expansion and joins the results back to that row. */
export function mvApply(node: Node, input: Table, env: Env, runSubquery: (sub: Node, t: Table) => Table): Table {
  const cols = schemaOf(node);
  const expanded = expandRows(node, input, env);
  const ex = expansions(node, env);
  const subCols = [
    ...input.columns.filter((c) => !ex.some((x) => x.name === c.name)),
    ...ex.map((x) => ({ name: x.name, type: x.type ?? "dynamic" })),
  ];
  const rows: Row[] = [];
  let at = 0;
  for (let i = 0; i < input.rows.length; i++) {
    const group: Row[] = [];
    while (at < expanded.length && expanded[at]!.index === i) group.push(expanded[at++]!.row);
    const result = runSubquery(node.Subquery, { columns: subCols, rows: group });
    for (const r of result.rows) {
      const o: Row = {};
      for (const c of cols) o[c.name] = c.name in r ? r[c.name] : (input.rows[i]![c.name] ?? null);
      rows.push(o);
    }
  }
  return { columns: cols, rows };
}
