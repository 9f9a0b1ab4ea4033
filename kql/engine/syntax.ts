/**
 * Helpers over the syntax tree of Microsoft's Kusto parser/binder (Kusto.Language via its Bridge.NET
 * build): node kind names, list access, bound types and symbols, and the engine's error type.
 */
import { type K, kustoLanguage, lineColumn } from "../kusto.ts";

export type Node = K;

let kindNames: Record<number, string> | undefined;
let symbolKindNames: Record<number, string> | undefined;

function enumNames(e: Record<string, unknown>): Record<number, string> {
  const out: Record<number, string> = {};
  for (const k of Object.keys(e)) if (typeof e[k] === "number") out[e[k] as number] = k;
  return out;
}

/** The `SyntaxKind` name of a node (`PipeExpression`, `FilterOperator`, ...). */
export function kindOf(node: Node): string {
  if (!kindNames) kindNames = enumNames(kustoLanguage().Syntax.SyntaxKind);
  return kindNames[node.Kind] ?? String(node.Kind);
}

/** The `SymbolKind` name of a symbol (`Column`, `Table`, `Variable`, `Function`, ...). */
export function symbolKindOf(symbol: Node): string {
  if (!symbolKindNames) symbolKindNames = enumNames(kustoLanguage().Symbols.SymbolKind);
  return symbolKindNames[symbol?.Kind] ?? "";
}

/** Elements of a `SyntaxList` / `SeparatedSyntaxList` (separators dropped). */
export function listOf(list: Node): Node[] {
  const out: Node[] = [];
  if (!list) return out;
  for (let i = 0; i < list.Count; i++) {
    const item = list.getItem(i);
    out.push(kindOf(item) === "SeparatedElement" ? item.Element : item);
  }
  return out;
}

/** The argument expressions of a function call. */
export function argsOf(call: Node): Node[] {
  return listOf(call.ArgumentList.Expressions);
}

/** Source text of a node without trivia. */
export const textOf = (node: Node): string => String(node.ToString(0)).trim();

/** The name a `NameReference`/`NameDeclaration`/`TokenName` spells (brackets removed). */
export function nameOf(node: Node): string {
  const n = node.SimpleName ?? node.Name?.SimpleName;
  if (n != null) return String(n);
  return textOf(node).replace(/^\[['"](.*)['"]\]$/, "$1");
}

/** Scalar result type name (`string`, `long`, `datetime`, `dynamic`, ...) of an expression. */
export function scalarTypeOf(node: Node): string {
  const t = node?.ResultType;
  if (!t) return "unknown";
  return String(t.Name ?? "unknown");
}

/** True when the binder typed the expression as a table. */
export function isTabular(node: Node): boolean {
  const t = node?.ResultType;
  return !!t && symbolKindOf(t) === "Table";
}

/** Columns (name, type) the binder computed for a tabular node. */
export function schemaOf(node: Node): { name: string; type: string }[] {
  const t = node?.ResultType;
  if (!t?.Columns) throw new Error(`internal: no tabular schema on ${kindOf(node)}`);
  const out: { name: string; type: string }[] = [];
  for (let i = 0; i < t.Columns.Count; i++) {
    const c = t.Columns.getItem(i);
    out.push({ name: String(c.Name), type: String(c.Type.Name) });
  }
  return out;
}

/** The query text the tree was parsed from (for error positions). */
let currentText = "";
export function setQueryText(text: string): void {
  currentText = text;
}

/**
 * Raised for anything the engine does not support or cannot evaluate: never a silent wrong answer.
 * The message names the construct and its line:column in the query.
 */
export class KqlEngineError extends Error {
  override readonly name = "KqlEngineError";
  readonly line?: number;
  readonly column?: number;
  constructor(message: string, node?: Node) {
    let where = "";
    let pos: { line: number; column: number } | undefined;
    if (node && typeof node.TextStart === "number") {
      const start = typeof node.GetPositionInOriginalTree === "function" ? safePos(node) : node.TextStart;
      pos = lineColumn(currentText, start);
      where = ` (at ${pos.line}:${pos.column}: ${truncate(textOf(node))})`;
    }
    super(`${message}${where}`);
    this.line = pos?.line;
    this.column = pos?.column;
  }
}

function safePos(node: Node): number {
  try {
    const p = node.GetPositionInOriginalTree(node.TextStart);
    return typeof p === "number" && p >= 0 ? p : node.TextStart;
  } catch {
    return node.TextStart;
  }
}

const truncate = (s: string) => (s.length > 60 ? `${s.slice(0, 57)}...` : s);

/** Throws a {@link KqlEngineError} for an unsupported construct. */
export function unsupported(what: string, node: Node): never {
  throw new KqlEngineError(`unsupported by the KQL test engine: ${what}`, node);
}
