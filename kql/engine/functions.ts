/**
 * The scalar function registry. `BUILTINS` take evaluated arguments; `SPECIAL` functions need the
 * syntax (row position for `prev`/`next`, the input schema for `column_ifexists`, lazy arguments).
 */
import type { Env, Fn, QueryContext } from "./context.ts";
import { DATETIME_FUNCTIONS } from "./fn-datetime.ts";
import { DYNAMIC_FUNCTIONS } from "./fn-dynamic.ts";
import { MISC_FUNCTIONS } from "./fn-misc.ts";
import { STRING_FUNCTIONS } from "./fn-string.ts";
import { KqlEngineError, kindOf, type Node, nameOf, unsupported } from "./syntax.ts";
import { HIDDEN } from "./rows.ts";
import { coerce, normalizeType, typeNameOf } from "./values.ts";

/** A built-in scalar function over evaluated arguments. */
export type Builtin = (args: unknown[], ctx: QueryContext) => unknown;

type Compile = (node: Node, env: Env) => Fn;
type Special = (args: Node[], env: Env, call: Node, compile: Compile) => Fn;

export const BUILTINS: Record<string, Builtin> = {
  ...STRING_FUNCTIONS,
  ...DATETIME_FUNCTIONS,
  ...DYNAMIC_FUNCTIONS,
  ...MISC_FUNCTIONS,
};

function rowOffset(direction: 1 | -1): Special {
  return (args, env, call, compile) => {
    const value = compile(args[0], env);
    const offset = args[1] ? Number(env.ctx.evalConstant(args[1], env.scope)) : 1;
    const fallback = args[2] ? compile(args[2], env) : () => null;
    return (row, i, rows) => {
      if (!rows) throw new KqlEngineError("prev()/next() need a serialized row set", call);
      const j = i + direction * offset;
      return j >= 0 && j < rows.length ? value(rows[j]!, j, rows) : fallback(row, i, rows);
    };
  };
}

export const INGESTION_TIME = HIDDEN;

export const SPECIAL: Record<string, Special> = {
  // ingestion_time() is null unless the input row carried `_IngestionTime`/`_TimeReceived` (queries use coalesce).
  ingestion_time: () => (row) => row[INGESTION_TIME] ?? null,
  prev: rowOffset(-1),
  next: rowOffset(1),
  row_number: (args, env) => {
    const start = args[0] ? Number(env.ctx.evalConstant(args[0], env.scope)) : 1;
    if (args[1]) return unsupported("row_number() with a restart predicate", args[1]);
    return (_row, i) => i + start;
  },
  column_ifexists: (args, env, call, compile) => {
    const name = String(env.ctx.evalConstant(args[0], env.scope));
    const col = env.columns.find((c) => c.name === name);
    if (col) return (row) => row[name] ?? null;
    if (!args[1]) throw new KqlEngineError("column_ifexists() needs a default value", call);
    return compile(args[1], env);
  },
  // The declared type is exact (int vs long); only dynamic values need a runtime look.
  gettype: (args, env, _call, compile) => {
    const f = compile(args[0]!, env);
    const t = normalizeType(String(args[0]!.ResultType?.Name ?? "dynamic"));
    if (t !== "dynamic") return (row, i, rows) => (f(row, i, rows) === null && t !== "string" ? "null" : t);
    return (row, i, rows) => typeNameOf(f(row, i, rows));
  },
  // Conversion functions typed by the binder (`toint(x)` is int, `tolong(x)` long): coerce to that type.
  tostring: (args, env, _call, compile) => {
    const f = compile(args[0], env);
    return (row, i, rows) => coerce(f(row, i, rows), "string");
  },
  extract: (args, env, call, compile) => {
    if (args[3]) {
      const base = compileBuiltin("extract", args.slice(0, 3), env, compile);
      const type = typeofName(args[3], call);
      return (row, i, rows) => {
        const v = base(row, i, rows);
        return v === "" ? null : coerce(v, type);
      };
    }
    return compileBuiltin("extract", args, env, compile);
  },
};

function typeofName(node: Node, call: Node): string {
  if (kindOf(node) !== "TypeOfLiteralExpression") throw new KqlEngineError("expected typeof(...)", call);
  return normalizeType(String(node.ReferencedSymbol?.Name ?? nameOf(node)));
}

function compileBuiltin(name: string, args: Node[], env: Env, compile: Compile): Fn {
  const impl = BUILTINS[name]!;
  const fns = args.map((a) => compile(a, env));
  return (row, i, rows) =>
    impl(
      fns.map((f) => f(row, i, rows)),
      env.ctx,
    );
}
