/**
 * `join` (all kinds; default `innerunique` de-duplicates left rows per key before matching, as
 * documented) and `lookup` (default `leftouter`), both as hash joins on equality keys.
 */
import type { QueryContext, Row, Scope, Table } from "./context.ts";
import { operatorParams } from "./operators.ts";
import { KqlEngineError, kindOf, listOf, type Node, nameOf, schemaOf, unsupported } from "./syntax.ts";
import { isNull, keyOf } from "./values.ts";

const KINDS = new Set([
  "innerunique",
  "inner",
  "leftouter",
  "rightouter",
  "fullouter",
  "leftsemi",
  "leftanti",
  "leftantisemi",
  "anti",
  "rightsemi",
  "rightanti",
  "rightantisemi",
]);

/** Key column pairs from `on a, $left.b == $right.c`. */
function keyPairs(clause: Node): { left: string; right: string }[] {
  if (!clause || kindOf(clause) !== "JoinOnClause") return unsupported("join condition other than `on`", clause);
  return listOf(clause.Expressions).map((e: Node) => {
    const k = kindOf(e);
    if (k === "NameReference") return { left: nameOf(e), right: nameOf(e) };
    if (k === "EqualExpression" && kindOf(e.Left) === "PathExpression" && kindOf(e.Right) === "PathExpression") {
      const side = (p: Node) => nameOf(p.Expression).toLowerCase();
      const a = { side: side(e.Left), col: nameOf(e.Left.Selector) };
      const b = { side: side(e.Right), col: nameOf(e.Right.Selector) };
      if (a.side === "$left" && b.side === "$right") return { left: a.col, right: b.col };
      if (a.side === "$right" && b.side === "$left") return { left: b.col, right: a.col };
    }
    return unsupported("join key (only `col` and `$left.a == $right.b`)", e);
  });
}

const keyFor = (row: Row, cols: string[]): string | null => {
  let k = "";
  for (const c of cols) {
    const v = row[c];
    // Null keys never match (strings are never null: "" matches "").
    if (isNull(v)) return null;
    k += `${keyOf(v)}\u0001`;
  }
  return k;
};

/** Evaluates `join` or `lookup`. */
export function join(node: Node, left: Table, scope: Scope, ctx: QueryContext): Table {
  const isLookup = kindOf(node) === "LookupOperator";
  const params = operatorParams(node, ["kind"]);
  let kind = (params.get("kind") ?? (isLookup ? "leftouter" : "innerunique")).toLowerCase();
  if (!KINDS.has(kind)) return unsupported(`join kind ${kind}`, node);
  if (kind === "anti" || kind === "leftantisemi") kind = "leftanti";
  if (kind === "rightantisemi") kind = "rightanti";
  const right = ctx.evalTabular(node.Expression, scope);
  const pairs = keyPairs(isLookup ? node.LookupClause : node.ConditionClause);
  const lk = pairs.map((p) => p.left);
  const rk = pairs.map((p) => p.right);
  const out = schemaOf(node);
  const leftNames = left.columns.map((c) => c.name);
  const rightKeySet = new Set(rk);
  const rightNames = right.columns
    .map((c) => c.name)
    .filter((n) => !(isLookup && rightKeySet.has(n) && lk.includes(n)));
  const combined =
    kind === "leftsemi" || kind === "leftanti"
      ? leftNames
      : kind.startsWith("right") && kind !== "rightouter"
        ? rightNames
        : [...leftNames, ...rightNames];
  if (combined.length !== out.length) {
    throw new KqlEngineError(
      `internal: ${kind} join produced ${combined.length} columns, expected ${out.length}`,
      node,
    );
  }
  const outNames = out.map((c) => c.name);
  const nl = kind === "rightsemi" || kind === "rightanti" ? 0 : leftNames.length;
  const make = (l: Row | null, r: Row | null): Row => {
    const o: Row = {};
    for (let i = 0; i < outNames.length; i++) {
      o[outNames[i]!] = i < nl ? (l ? (l[leftNames[i]!] ?? null) : null) : r ? (r[rightNames[i - nl]!] ?? null) : null;
    }
    // Lookup keeps the left key values even when unmatched.
    return o;
  };
  const index = new Map<string, Row[]>();
  for (const r of right.rows) {
    const k = keyFor(r, rk);
    if (k === null) continue;
    const list = index.get(k);
    if (list) list.push(r);
    else index.set(k, [r]);
  }
  let leftRows = left.rows;
  if (kind === "innerunique") {
    const seen = new Set<string>();
    leftRows = leftRows.filter((l) => {
      const k = keyFor(l, lk);
      if (k === null) return true;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }
  const rows: Row[] = [];
  const matchedRight = new Set<Row>();
  for (const l of leftRows) {
    const k = keyFor(l, lk);
    const matches = k === null ? undefined : index.get(k);
    switch (kind) {
      case "inner":
      case "innerunique":
        if (matches) for (const r of matches) rows.push(make(l, r));
        break;
      case "leftouter":
      case "fullouter":
      case "rightouter":
        if (matches) {
          for (const r of matches) {
            matchedRight.add(r);
            rows.push(make(l, r));
          }
        } else if (kind !== "rightouter") rows.push(make(l, null));
        break;
      case "leftsemi":
        if (matches) rows.push(pickLeft(l, leftNames, outNames));
        break;
      case "leftanti":
        if (!matches) rows.push(pickLeft(l, leftNames, outNames));
        break;
      case "rightsemi":
      case "rightanti":
        if (matches) for (const r of matches) matchedRight.add(r);
        break;
    }
  }
  if (kind === "rightouter" || kind === "fullouter") {
    for (const r of right.rows) if (!matchedRight.has(r)) rows.push(make(null, r));
  }
  if (kind === "rightsemi" || kind === "rightanti") {
    for (const r of right.rows) {
      if (matchedRight.has(r) === (kind === "rightsemi")) rows.push(make(null, r));
    }
  }
  return { columns: out, rows };
}

function pickLeft(l: Row, leftNames: string[], outNames: string[]): Row {
  const o: Row = {};
  for (let i = 0; i < outNames.length; i++) o[outNames[i]!] = l[leftNames[i]!] ?? null;
  return o;
}
