/**
 * Compiles scalar expressions of the bound syntax tree into closures, once per operator: names are
 * resolved with the binder's symbols (column, let variable, parameter, function), never re-resolved.
 */
import { AGGREGATES } from "./aggregates.ts";
import type { Env, Fn, Row } from "./context.ts";
import { BUILTINS, SPECIAL } from "./functions.ts";
import { literalValue } from "./literals.ts";
import * as op from "./ops.ts";
import {
  argsOf,
  isTabular,
  KqlEngineError,
  kindOf,
  listOf,
  type Node,
  nameOf,
  scalarTypeOf,
  symbolKindOf,
  unsupported,
} from "./syntax.ts";
import { callUserFunction, isUserFunction } from "./user-functions.ts";
import { isNull, keyOf, Timespan, toStringValue } from "./values.ts";

const BINARY: Record<string, (a: unknown, b: unknown) => unknown> = {
  EqualExpression: op.eq,
  NotEqualExpression: op.ne,
  EqualTildeExpression: (a, b) => op.equalsCi(a, b),
  BangTildeExpression: (a, b) => !op.equalsCi(a, b),
  LessThanExpression: (a, b) => op.cmp("<", a, b),
  LessThanOrEqualExpression: (a, b) => op.cmp("<=", a, b),
  GreaterThanExpression: (a, b) => op.cmp(">", a, b),
  GreaterThanOrEqualExpression: (a, b) => op.cmp(">=", a, b),
  HasExpression: (a, b) => op.hasTerm(a, b),
  NotHasExpression: (a, b) => !op.hasTerm(a, b),
  HasCsExpression: (a, b) => op.hasTerm(a, b, true),
  NotHasCsExpression: (a, b) => !op.hasTerm(a, b, true),
  HasPrefixExpression: (a, b) => op.hasPrefix(a, b),
  NotHasPrefixExpression: (a, b) => !op.hasPrefix(a, b),
  HasPrefixCsExpression: (a, b) => op.hasPrefix(a, b, true),
  NotHasPrefixCsExpression: (a, b) => !op.hasPrefix(a, b, true),
  HasSuffixExpression: (a, b) => op.hasSuffix(a, b),
  NotHasSuffixExpression: (a, b) => !op.hasSuffix(a, b),
  HasSuffixCsExpression: (a, b) => op.hasSuffix(a, b, true),
  NotHasSuffixCsExpression: (a, b) => !op.hasSuffix(a, b, true),
  ContainsExpression: op.contains,
  NotContainsExpression: (a, b) => !op.contains(a, b),
  ContainsCsExpression: op.containsCs,
  NotContainsCsExpression: (a, b) => !op.containsCs(a, b),
  StartsWithExpression: op.startsWith,
  NotStartsWithExpression: (a, b) => !op.startsWith(a, b),
  StartsWithCsExpression: op.startsWithCs,
  NotStartsWithCsExpression: (a, b) => !op.startsWithCs(a, b),
  EndsWithExpression: op.endsWith,
  NotEndsWithExpression: (a, b) => !op.endsWith(a, b),
  EndsWithCsExpression: op.endsWithCs,
  NotEndsWithCsExpression: (a, b) => !op.endsWithCs(a, b),
};

const ARITH: Record<string, "+" | "-" | "*" | "/" | "%"> = {
  AddExpression: "+",
  SubtractExpression: "-",
  MultiplyExpression: "*",
  DivideExpression: "/",
  ModuloExpression: "%",
};

const constant =
  (v: unknown): Fn =>
  () =>
    v;

/** Compiles a scalar expression into a closure. Unsupported constructs throw {@link KqlEngineError}. */
export function compileScalar(node: Node, env: Env): Fn {
  const kind = kindOf(node);
  const lit = literalValue(node);
  if (lit !== undefined) return constant(lit);
  switch (kind) {
    case "ParenthesizedExpression":
      return compileScalar(node.Expression, env);
    case "NameReference":
      return compileName(node, env);
    case "PathExpression":
      return compilePath(node, env);
    case "ElementExpression":
      return compileElement(node, env);
    case "BracketedExpression":
      return compileScalar(node.Expression, env);
    case "AndExpression": {
      const l = compileScalar(node.Left, env);
      const r = compileScalar(node.Right, env);
      return (row, i, rows) => {
        const a = l(row, i, rows);
        if (a === false) return false;
        return op.and(a, r(row, i, rows));
      };
    }
    case "OrExpression": {
      const l = compileScalar(node.Left, env);
      const r = compileScalar(node.Right, env);
      return (row, i, rows) => {
        const a = l(row, i, rows);
        if (a === true) return true;
        return op.or(a, r(row, i, rows));
      };
    }
    case "UnaryMinusExpression": {
      const e = compileScalar(node.Expression, env);
      return (row, i, rows) => op.arith("*", e(row, i, rows), -1, false);
    }
    case "UnaryPlusExpression":
      return compileScalar(node.Expression, env);
    case "InExpression":
    case "NotInExpression":
    case "InCsExpression":
    case "NotInCsExpression":
      return compileIn(node, env, kind);
    case "HasAnyExpression":
    case "HasAllExpression":
      return compileHasAny(node, env, kind === "HasAllExpression");
    case "BetweenExpression":
    case "NotBetweenExpression": {
      const v = compileScalar(node.Left, env);
      const lo = compileScalar(node.Right.First, env);
      const hi = compileScalar(node.Right.Second, env);
      const negate = kind === "NotBetweenExpression";
      return (row, i, rows) => {
        const x = v(row, i, rows);
        const a = lo(row, i, rows);
        let b = hi(row, i, rows);
        // `between (start .. timespan)` means start .. start + timespan.
        if (a instanceof Date && b instanceof Timespan) b = new Date(a.getTime() + b.ms);
        const r = op.and(op.cmp(">=", x, a), op.cmp("<=", x, b));
        return r === null ? null : negate ? !r : r;
      };
    }
    case "MatchesRegexExpression": {
      const l = compileScalar(node.Left, env);
      const rx = regexOf(compileScalar(node.Right, env), node);
      return (row, i, rows) => (rx(row, i, rows) as RegExp).test(toStringValue(l(row, i, rows)));
    }
    case "FunctionCallExpression":
      return compileCall(node, env);
    case "ToScalarExpression": {
      let cached: { v: unknown } | undefined;
      return () => {
        if (!cached) {
          const t = env.ctx.evalTabular(node.Expression, env.scope);
          const first = t.rows[0];
          cached = { v: first && t.columns.length ? first[t.columns[0]!.name] : null };
        }
        return cached.v;
      };
    }
  }
  const arith = ARITH[kind];
  if (arith) {
    const l = compileScalar(node.Left, env);
    const r = compileScalar(node.Right, env);
    const t = scalarTypeOf(node);
    const integer = t === "long" || t === "int";
    return (row, i, rows) => op.arith(arith, l(row, i, rows), r(row, i, rows), integer);
  }
  const bin = BINARY[kind];
  if (bin) {
    const l = compileScalar(node.Left, env);
    const r = compileScalar(node.Right, env);
    return (row, i, rows) => bin(l(row, i, rows), r(row, i, rows));
  }
  return unsupported(`expression ${kind}`, node);
}

/** Compiles a Kusto regex (RE2 syntax; a leading `(?i)` becomes the JS `i` flag). */
export function regexOf(pattern: Fn, node: Node): Fn {
  const cache = new Map<string, RegExp>();
  return (row, i, rows) => {
    const p = toStringValue(pattern(row, i, rows));
    let rx = cache.get(p);
    if (!rx) {
      try {
        rx = /^\(\?i\)/.test(p) ? new RegExp(p.slice(4), "i") : new RegExp(p);
      } catch (err) {
        throw new KqlEngineError(`invalid regular expression: ${(err as Error).message}`, node);
      }
      cache.set(p, rx);
    }
    return rx;
  };
}

function compileName(node: Node, env: Env): Fn {
  const sym = node.ReferencedSymbol;
  const sk = symbolKindOf(sym);
  const name = nameOf(node);
  if (sk === "Column") return (row: Row) => row[name] ?? null;
  if (sk === "Variable" || sk === "Parameter") {
    const b = env.scope.get(name);
    if (b?.kind === "scalar") return b.fn;
    if (b?.kind === "table") return unsupported(`tabular variable '${name}' used as a scalar`, node);
    return unsupported(`unbound variable '${name}'`, node);
  }
  if (sk === "Function") return compileCall(node, env);
  return unsupported(`name '${name}' (${sk || "unresolved"})`, node);
}

function compilePath(node: Node, env: Env): Fn {
  const target = node.Expression;
  const targetSym = target?.ReferencedSymbol;
  const selector = nameOf(node.Selector);
  if (kindOf(target) === "NameReference" && symbolKindOf(targetSym) === "Tuple") {
    const side = nameOf(target).toLowerCase();
    if (!env.joinSide || (side !== "$left" && side !== "$right")) return unsupported("tuple reference", node);
    return env.joinSide(side === "$left" ? "left" : "right", selector, node);
  }
  const obj = compileScalar(target, env);
  return (row, i, rows) => member(obj(row, i, rows), selector);
}

function compileElement(node: Node, env: Env): Fn {
  const obj = compileScalar(node.Expression, env);
  const index = compileScalar(node.Selector, env);
  return (row, i, rows) => member(obj(row, i, rows), index(row, i, rows));
}

/** Dynamic member access: `bag.key`, `bag["key"]`, `array[0]`, `array[-1]`; missing → null. */
export function member(obj: unknown, key: unknown): unknown {
  if (isNull(obj) || isNull(key)) return null;
  if (typeof obj === "string") {
    // Kusto treats a dynamic string holding JSON as that JSON only after parse_json; stay strict.
    return null;
  }
  if (Array.isArray(obj)) {
    if (typeof key !== "number") return null;
    const idx = key < 0 ? obj.length + key : key;
    return obj[idx] ?? null;
  }
  if (typeof obj === "object") return (obj as Record<string, unknown>)[String(key)] ?? null;
  return null;
}

function inValues(list: Node, env: Env): () => unknown[] {
  const parts = listOf(list.Expressions ?? list).map((e: Node) => {
    if (isTabular(e)) {
      let cached: unknown[] | undefined;
      return () => {
        if (!cached) {
          const t = env.ctx.evalTabular(e, env.scope);
          const col = t.columns[0]?.name;
          cached = col === undefined ? [] : t.rows.map((r) => r[col]);
        }
        return cached;
      };
    }
    const f = compileScalar(e, env);
    return () => {
      const v = f({}, 0, []);
      return Array.isArray(v) ? v : [v];
    };
  });
  return () => parts.flatMap((p: () => unknown[]) => p());
}

function compileIn(node: Node, env: Env, kind: string): Fn {
  const left = compileScalar(node.Left, env);
  const values = inValues(node.Right, env);
  const ci = kind === "InCsExpression" || kind === "NotInCsExpression";
  const negate = kind.startsWith("Not");
  let set: Set<string> | undefined;
  const keyFor = (v: unknown) =>
    ci ? `s${toStringValue(v).toLowerCase()}` : typeof v === "string" ? `s${v}` : keyOf(v);
  return (row, i, rows) => {
    if (!set)
      set = new Set(
        values()
          .filter((v) => !isNull(v))
          .map(keyFor),
      );
    const v = left(row, i, rows);
    if (isNull(v)) return negate;
    const hit = set.has(keyFor(v)) || (!ci && typeof v === "number" && set.has(`s${v}`));
    return negate ? !hit : hit;
  };
}

function compileHasAny(node: Node, env: Env, all: boolean): Fn {
  const left = compileScalar(node.Left, env);
  const values = inValues(node.Right, env);
  let needles: unknown[] | undefined;
  return (row, i, rows) => {
    needles ??= values();
    const v = left(row, i, rows);
    return all ? needles.every((n) => op.hasTerm(v, n)) : needles.some((n) => op.hasTerm(v, n));
  };
}

function compileCall(node: Node, env: Env): Fn {
  const sym = node.ReferencedSymbol;
  const name = kindOf(node) === "NameReference" ? nameOf(node) : nameOf(node.Name);
  if (isUserFunction(sym)) return callUserFunction(node, name, env, "scalar") as Fn;
  if (env.aggregate && (AGGREGATES[name] || name === "arg_max" || name === "arg_min")) return env.aggregate(node, name);
  const argNodes = kindOf(node) === "NameReference" ? [] : argsOf(node);
  const special = SPECIAL[name];
  if (special) return special(argNodes, env, node, compileScalar);
  const impl = BUILTINS[name];
  if (!impl) {
    if (symbolKindOf(sym) === "Function" && sym?.IsAggregate) {
      return unsupported(`aggregate function ${name}() outside summarize`, node);
    }
    return unsupported(`function ${name}()`, node);
  }
  const args = argNodes.map((a: Node) => compileScalar(a, env));
  const ctx = env.ctx;
  switch (args.length) {
    case 0:
      return () => impl([], ctx);
    case 1: {
      const a = args[0]!;
      return (row, i, rows) => impl([a(row, i, rows)], ctx);
    }
    case 2: {
      const a = args[0]!;
      const b = args[1]!;
      return (row, i, rows) => impl([a(row, i, rows), b(row, i, rows)], ctx);
    }
    default:
      return (row, i, rows) =>
        impl(
          args.map((f: Fn) => f(row, i, rows)),
          ctx,
        );
  }
}
