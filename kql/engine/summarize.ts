/** `summarize` (hash grouping) with aggregates, `by` expressions (incl. `bin()`), and `arg_max`/`arg_min`. */
import { AGGREGATES, type Accumulator, better, CONSTANT_ARGS } from "./aggregates.ts";
import type { Env, Fn, Row, Table } from "./context.ts";
import { compileScalar } from "./scalar.ts";
import { argsOf, KqlEngineError, kindOf, listOf, type Node, nameOf, schemaOf, unsupported } from "./syntax.ts";
import { keyOf } from "./values.ts";

interface AggSlot {
  /** Creates this aggregate's accumulator for a new group. */
  create: () => Accumulator;
  /** Number of output columns (arg_max(*) and take_any(a, b) produce several). */
  width: number;
  /** arg_max(x, *): width filled once the output schema is known. */
  star?: boolean;
  /** The result is an array spread over `width` columns. */
  multi?: boolean;
  arg?: boolean;
  /** arg_max(x, *): binds the extra output columns (binder names) to input columns. */
  bindStar?: (outNames: string[]) => void;
}

/** Evaluates `summarize` over the input table. */
export function summarize(node: Node, input: Table, env: Env): Table {
  const out = schemaOf(node);
  const byExprs = node.ByClause ? listOf(node.ByClause.Expressions) : [];
  const byNames = byExprs.map((e: Node) => (kindOf(e) === "SimpleNamedExpression" ? nameOf(e.Name) : exprColumn(e)));
  const byFns = byExprs.map((e: Node) => compileScalar(kindOf(e) === "SimpleNamedExpression" ? e.Expression : e, env));
  const slots: AggSlot[] = [];
  const outputs: ({ slot: number } | { fn: Fn })[] = [];
  let starSlot = -1;
  for (const raw of listOf(node.Aggregates)) {
    const expr = kindOf(raw) === "SimpleNamedExpression" ? raw.Expression : raw;
    const name = kindOf(expr) === "FunctionCallExpression" ? nameOf(expr.Name) : "";
    if (name === "arg_max" || name === "arg_min") {
      const args = argsOf(expr);
      const star = args.some((a: Node) => kindOf(a) === "StarExpression");
      if (star && starSlot >= 0) return unsupported("several arg_max/arg_min(*) in one summarize", expr);
      if (star) starSlot = slots.length;
      outputs.push({ slot: slots.length });
      slots.push(argSlot(name === "arg_max" ? 1 : -1, args, env, input, star));
      continue;
    }
    if (AGGREGATES[name]) {
      const a = argsOf(expr);
      const multi = ((name === "take_any" || name === "any") && a.length > 1) || name === "percentiles";
      const width = name === "percentiles" ? a.length - 1 : multi ? a.length : 1;
      outputs.push({ slot: slots.length });
      slots.push({ create: aggregateFactory(name, a, env, expr), width, multi });
      continue;
    }
    // A scalar expression over aggregates, e.g. `tolower(take_any(x))` or `count() * 2`.
    const fn = compileScalar(expr, {
      ...env,
      aggregate: (call, fname) => {
        if (fname === "arg_max" || fname === "arg_min") return unsupported(`${fname}() inside an expression`, call);
        const idx = slots.length;
        slots.push({ create: aggregateFactory(fname, argsOf(call), env, call), width: 1 });
        return (row) => (row as unknown as unknown[])[idx];
      },
    });
    outputs.push({ fn });
  }
  if (starSlot >= 0) {
    let used = byNames.length;
    for (const o of outputs) used += "fn" in o ? 1 : o.slot === starSlot ? 0 : slots[o.slot]!.width;
    const star = slots[starSlot]!;
    star.width = out.length - used;
    let at = byNames.length;
    for (const o of outputs) {
      if ("fn" in o) at += 1;
      else if (o.slot === starSlot) break;
      else at += slots[o.slot]!.width;
    }
    star.bindStar?.(out.slice(at + 1, at + star.width).map((c) => c.name));
  }
  const groups = new Map<string, { keys: unknown[]; accs: Accumulator[] }>();
  const rows = input.rows;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const keys = byFns.map((f) => f(row, i, rows));
    const k = keys.length === 1 ? keyOf(keys[0]) : keys.map(keyOf).join("\u0001");
    let g = groups.get(k);
    if (!g) {
      g = { keys, accs: slots.map((s) => s.create()) };
      groups.set(k, g);
    }
    for (const acc of g.accs) acc.add(row, i, rows);
  }
  // Without `by`, summarize returns one row even for an empty input (count() = 0).
  if (groups.size === 0 && byFns.length === 0) groups.set("", { keys: [], accs: slots.map((s) => s.create()) });
  const result: unknown[][] = [];
  for (const g of groups.values()) {
    const values: unknown[] = [...g.keys];
    const results = g.accs.map((a) => a.result());
    for (const o of outputs) {
      if ("fn" in o) {
        values.push(o.fn(results as unknown as Row, 0, []));
        continue;
      }
      const s = slots[o.slot]!;
      const r = results[o.slot];
      if (s.multi || s.star || s.arg) values.push(...(r as unknown[]).slice(0, s.width));
      else values.push(r);
    }
    result.push(values);
  }
  return finish(node, out, result);
}

function finish(node: Node, out: { name: string }[], valueRows: unknown[][]): Table {
  const rows = valueRows.map((vals) => {
    if (vals.length !== out.length) {
      throw new KqlEngineError(`internal: summarize produced ${vals.length} columns, expected ${out.length}`, node);
    }
    const r: Row = {};
    out.forEach((c, i) => {
      r[c.name] = vals[i] ?? null;
    });
    return r;
  });
  return { columns: schemaOf(node), rows };
}

function exprColumn(e: Node): string {
  return kindOf(e) === "NameReference" ? nameOf(e) : "";
}

function aggregateFactory(name: string, args: Node[], env: Env, call: Node): () => Accumulator {
  const factory = AGGREGATES[name];
  if (!factory) return unsupported(`aggregate function ${name}()`, call);
  const constIdx = CONSTANT_ARGS[name] ?? [];
  const constArgs = args.map((a, i) => (constIdx.includes(i) ? env.ctx.evalConstant(a, env.scope) : undefined));
  const fns = args.map((a, i) => (constIdx.includes(i) ? () => null : compileScalar(a, env)));
  return factory(fns, constArgs);
}

function argSlot(dir: 1 | -1, args: Node[], env: Env, input: Table, star: boolean): AggSlot {
  const target = compileScalar(args[0], env);
  let extra: Fn[] = star
    ? []
    : args.slice(1).map((a) => compileScalar(kindOf(a) === "SimpleNamedExpression" ? a.Expression : a, env));
  const inputNames = new Set(input.columns.map((c) => c.name));
  return {
    width: 1 + extra.length,
    star,
    arg: true,
    bindStar: (names) => {
      // The binder renames clashes with a numeric suffix (`TimeGenerated1`): map back to the input column.
      extra = names.map((n) => {
        const col = inputNames.has(n) ? n : n.replace(/\d+$/, "");
        if (!inputNames.has(col)) throw new KqlEngineError(`internal: arg_max(*) column ${n} not in input`, args[0]);
        return (row: Row) => row[col] ?? null;
      });
    },
    create: () => {
      let best: unknown = null;
      let bestRow: Row | undefined;
      let bestI = 0;
      let bestRows: Row[] = [];
      return {
        add(row, i, rows) {
          const v = target(row, i, rows);
          if (bestRow ? better(dir, v, best) : true) {
            best = v;
            bestRow = row;
            bestI = i;
            bestRows = rows;
          }
        },
        result: () =>
          bestRow ? [best, ...extra.map((f) => f(bestRow as Row, bestI, bestRows))] : [null, ...extra.map(() => null)],
      };
    },
  };
}
