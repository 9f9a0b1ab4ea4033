/** Operators that produce rows from literals or other tables: `range`, `datatable`, `union`. */
import type { Env, QueryContext, Row, Scope, Table } from "./context.ts";
import { operatorParams } from "./operators.ts";
import { compileScalar } from "./scalar.ts";
import { KqlEngineError, kindOf, listOf, type Node, nameOf, schemaOf } from "./syntax.ts";
import { coerce, normalizeType } from "./values.ts";

export function range(node: Node, env: Env): Table {
  const cols = schemaOf(node);
  const name = cols[0]!.name;
  const from = compileScalar(node.From, env)({}, 0, []);
  const to = compileScalar(node.To, env)({}, 0, []);
  const step = compileScalar(node.Step, env)({}, 0, []);
  const rows: Row[] = [];
  const num = (v: unknown) =>
    v instanceof Date ? v.getTime() : typeof v === "object" && v ? (v as { ms: number }).ms : Number(v);
  const make = (n: number): unknown =>
    from instanceof Date ? new Date(n) : typeof from === "object" && from ? coerce(n, "timespan") : n;
  const s = num(step);
  if (!(s > 0)) throw new KqlEngineError("range needs a positive step", node);
  for (let v = num(from); v <= num(to) && rows.length < 1_000_000; v += s) rows.push({ [name]: make(v) });
  return { columns: cols, rows };
}

export function datatable(node: Node, ctx: QueryContext, scope: Scope): Table {
  const cols = schemaOf(node);
  const values = listOf(node.Values).map((v: Node) => ctx.evalConstant(v, scope));
  if (values.length % cols.length !== 0) throw new KqlEngineError("datatable values do not fill whole rows", node);
  const rows: Row[] = [];
  for (let i = 0; i < values.length; i += cols.length) {
    const r: Row = {};
    cols.forEach((c, j) => {
      r[c.name] = coerce(values[i + j], c.type);
    });
    rows.push(r);
  }
  return { columns: cols, rows };
}

export function union(node: Node, input: Table, scope: Scope, ctx: QueryContext): Table {
  const params = operatorParams(node, ["kind", "withsource", "isfuzzy"]);
  const cols = schemaOf(node);
  const sourceCol = params.get("withsource");
  const parts: { t: Table; label: string }[] = [];
  if (input.columns.length || input.rows.length) parts.push({ t: input, label: "union_arg0" });
  for (const e of listOf(node.Expressions)) {
    const kind = kindOf(e);
    const label = kind === "NameReference" ? nameOf(e) : `union_arg${parts.length}`;
    parts.push({ t: ctx.evalTabular(e, scope), label });
  }
  // kind=inner: the binder's schema already keeps only the common columns.
  const rows: Row[] = [];
  for (const { t, label } of parts) {
    // Same-named columns of different types become `<name>_<type>` in the output.
    const map = cols.map((c) => {
      if (c.name === sourceCol) return () => label;
      const same = t.columns.find((x) => x.name === c.name);
      if (same) return (r: Row) => r[c.name] ?? null;
      const typed = t.columns.find((x) => `${x.name}_${normalizeType(x.type)}` === c.name);
      if (typed) return (r: Row) => r[typed.name] ?? null;
      return () => null;
    });
    for (const r of t.rows) {
      const o: Row = {};
      cols.forEach((c, j) => {
        o[c.name] = map[j]!(r);
      });
      rows.push(o);
    }
  }
  return { columns: cols, rows };
}
