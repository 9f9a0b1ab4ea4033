/** Literal expressions → runtime values (token text is parsed here: the Bridge build's values are unreliable). */
import { kindOf, type Node, textOf, unsupported } from "./syntax.ts";
import { parseDatetime, parseTimespan, Timespan } from "./values.ts";

/** Inner text of `kind(...)` literals like `datetime(2024-01-01)`, `int(null)`, `time(1.00:00:00)`. */
function inner(text: string): string | undefined {
  const m = /^[a-z]+\s*\(([\s\S]*)\)$/i.exec(text);
  return m ? m[1]!.trim() : undefined;
}

/** Parses a dynamic literal body (JSON, plus Kusto's `datetime(...)`/`timespan` values kept as text). */
export function parseDynamicText(text: string, node: Node): unknown {
  if (text === "null" || text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    // Kusto dynamic literals accept single-quoted strings and unquoted keys.
    try {
      const fixed = text
        .replace(/'((?:[^'\\]|\\.)*)'/g, (_m, s: string) => JSON.stringify(s.replace(/\\'/g, "'")))
        .replace(/([{,]\s*)([A-Za-z_][A-Za-z0-9_]*)\s*:/g, '$1"$2":');
      return JSON.parse(fixed);
    } catch {
      return unsupported("dynamic literal that is not JSON", node);
    }
  }
}

/** Value of a literal node, or `undefined` when the node is not a literal. */
export function literalValue(node: Node): unknown {
  const kind = kindOf(node);
  const text = textOf(node);
  switch (kind) {
    case "StringLiteralExpression":
    case "CompoundStringLiteralExpression":
      return String(node.LiteralValue ?? "");
    case "BooleanLiteralExpression": {
      const v = inner(text) ?? text;
      return v === "null" ? null : /^true$/i.test(v);
    }
    case "LongLiteralExpression":
    case "IntLiteralExpression":
    case "RealLiteralExpression":
    case "DecimalLiteralExpression": {
      const v = inner(text) ?? text;
      if (v === "null") return null;
      if (/^[+-]?nan$/i.test(v)) return Number.NaN;
      if (/^\+?inf$/i.test(v)) return Number.POSITIVE_INFINITY;
      if (/^-inf$/i.test(v)) return Number.NEGATIVE_INFINITY;
      const n = /^[+-]?0x/i.test(v) ? Number.parseInt(v, 16) : Number(v);
      if (Number.isNaN(n)) return unsupported(`numeric literal ${text}`, node);
      return n;
    }
    case "DateTimeLiteralExpression": {
      const v = inner(text) ?? text;
      if (v === "null" || v === "") return null;
      const d = parseDatetime(v.replace(/^['"]|['"]$/g, ""));
      if (!d) return unsupported(`datetime literal ${text}`, node);
      return d;
    }
    case "TimespanLiteralExpression": {
      const v = inner(text) ?? text;
      if (v === "null") return null;
      const t = parseTimespan(v);
      if (!t) return unsupported(`timespan literal ${text}`, node);
      return t;
    }
    case "GuidLiteralExpression": {
      const v = inner(text) ?? text;
      return v === "null" ? null : v.toLowerCase();
    }
    case "DynamicExpression":
      return parseDynamicText(inner(text) ?? "null", node);
    case "NullLiteralExpression":
      return null;
    case "TokenLiteralExpression":
      return text;
    default:
      return undefined;
  }
}

export { Timespan };
