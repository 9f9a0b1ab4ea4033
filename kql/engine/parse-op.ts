/**
 * `parse` / `parse-where` (kinds simple and regex): the pattern becomes an anchored regular expression;
 * rows that do not match get empty/null columns (`parse`) or are dropped (`parse-where`).
 */
import type { Env, Row, Table } from "./context.ts";
import { literalValue } from "./literals.ts";
import { operatorParams } from "./operators.ts";
import { rowBuilder } from "./rows.ts";
import { compileScalar } from "./scalar.ts";
import { kindOf, listOf, type Node, nameOf, schemaOf, unsupported } from "./syntax.ts";
import { coerce, normalizeType, toStringValue } from "./values.ts";

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** `parse` and `parse-where`. */
export function parseOperator(node: Node, input: Table, env: Env, dropUnmatched = false): Table {
  const params = operatorParams(node, ["kind", "flags"]);
  const kind = (params.get("kind") ?? "simple").toLowerCase();
  if (kind !== "simple" && kind !== "regex") return unsupported(`parse kind=${kind}`, node);
  const cols = schemaOf(node);
  const types = new Map(cols.map((c) => [c.name, c.type]));
  const patterns = listOf(node.Patterns);
  const captures: string[] = [];
  let rx = "^";
  patterns.forEach((p: Node, i: number) => {
    const k = kindOf(p);
    const last = i === patterns.length - 1;
    if (k === "StarExpression") rx += last ? ".*" : ".*?";
    else if (k === "NameDeclaration" || k === "NameAndTypeDeclaration") {
      captures.push(nameOf(k === "NameDeclaration" ? p : p.Name));
      rx += last ? "(.*)" : "(.*?)";
    } else {
      const lit = literalValue(p);
      if (typeof lit !== "string") unsupported(`parse pattern element ${k}`, p);
      rx += kind === "regex" ? lit : escapeRegex(lit);
    }
  });
  const flags = (params.get("flags") ?? "").replace(/[^imsU]/g, "").replace("U", "");
  const regex = new RegExp(rx, `${flags}s`.replace(/s+/, "s"));
  const source = compileScalar(node.Expression, env);
  const build = rowBuilder(
    cols.map((c) => c.name),
    new Map(captures.map((n, j) => [n, j])),
  );
  const rows: Row[] = [];
  input.rows.forEach((row, i) => {
    const m = regex.exec(toStringValue(source(row, i, input.rows)));
    if (!m && dropUnmatched) return;
    const values = captures.map((name, j) => {
      const t = normalizeType(types.get(name) ?? "string");
      return m ? coerce(m[j + 1], t) : coerce(null, t);
    });
    rows.push(build(row, values));
  });
  return { columns: cols, rows };
}
