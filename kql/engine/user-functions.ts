/**
 * Calls of user-defined functions: `let f = (a:string, b:int=2) {...}` lambdas and database functions
 * (our parsers). The binder supplies the body bound at the call site (`GetCalledFunctionBody`), where
 * parameters appear as variables; we bind them to the call's arguments (or the declared defaults).
 */
import { type Env, type Fn, Scope, type Table } from "./context.ts";
import { runStatements } from "./evaluator.ts";
import { compileScalar } from "./scalar.ts";
import { argsOf, isTabular, KqlEngineError, kindOf, listOf, type Node, nameOf, symbolKindOf } from "./syntax.ts";

/** True for functions declared by the query (`let`) or the database (parsers), not built-ins. */
export function isUserFunction(sym: Node): boolean {
  if (symbolKindOf(sym) !== "Function") return false;
  const sig = sym.Signatures?.getItem?.(0);
  return !!(sig?.Declaration || sig?.Body);
}

/**
 * Evaluates a user function call. `mode` "scalar" returns a row closure; "table" returns the table.
 * `pipedInput` is the implicit first argument of `invoke`.
 */
export function callUserFunction(node: Node, name: string, env: Env, mode: "scalar"): Fn;
export function callUserFunction(node: Node, name: string, env: Env, mode: "table", pipedInput?: Table): Table;
export function callUserFunction(
  node: Node,
  name: string,
  env: Env,
  mode: "scalar" | "table",
  pipedInput?: Table,
): Fn | Table {
  const sym = node.ReferencedSymbol;
  const body = node.GetCalledFunctionBody?.();
  if (!body) throw new KqlEngineError(`cannot expand function ${name}()`, node);
  const binding = env.scope.get(name);
  // Database functions see only the database; query lambdas see the scope they were declared in.
  const parent = binding?.kind === "function" ? binding.scope : new Scope();
  const scope = new Scope(parent);
  const sig = sym.Signatures.getItem(0);
  const params: Node[] = [];
  for (let i = 0; i < (sig.Parameters?.Count ?? 0); i++) params.push(sig.Parameters.getItem(i));
  const allArgs: Node[] = kindOf(node) === "FunctionCallExpression" ? argsOf(node) : [];
  const positional = allArgs.filter((a) => kindOf(a) !== "SimpleNamedExpression");
  const named = new Map<string, Node>(
    allArgs.filter((a) => kindOf(a) === "SimpleNamedExpression").map((a) => [nameOf(a.Name), a.Expression]),
  );
  let argIndex = 0;
  params.forEach((p, pi) => {
    const pname = String(p.Name);
    if (pi === 0 && pipedInput) {
      scope.set(pname, { kind: "table", get: () => pipedInput });
      return;
    }
    // Positional arguments come first; named ones (`f(x, flag=true)`) bind by parameter name.
    const arg = named.get(pname) ?? (named.size && argIndex >= positional.length ? undefined : positional[argIndex++]);
    if (arg) {
      if (isTabular(arg) || p.IsTabular) {
        let cached: Table | undefined;
        scope.set(pname, { kind: "table", get: () => (cached ??= env.ctx.evalTabular(arg, env.scope)) });
      } else {
        scope.set(pname, { kind: "scalar", fn: compileScalar(arg, env) });
      }
      return;
    }
    if (!p.DefaultValue) throw new KqlEngineError(`missing argument '${pname}' in call of ${name}()`, node);
    const v = env.ctx.evalConstant(p.DefaultValue, new Scope());
    scope.set(pname, { kind: "scalar", fn: () => v });
  });
  const fnBody = kindOf(body) === "FunctionBody" ? body : null;
  const statements = fnBody ? listOf(fnBody.Statements) : [];
  const expr = fnBody ? fnBody.Expression : body;
  runStatements(statements, scope, env.ctx);
  if (mode === "table") return env.ctx.evalTabular(expr, scope);
  return compileScalar(expr, { ...env, scope });
}

export { nameOf };
