/**
 * Checks rows against a DCR stream declaration the way the emulator models the service: declared
 * columns must carry a value of a compatible JSON type, undeclared properties are dropped silently.
 *
 * The real service's exact coercion rules and 400 body for schema errors are not documented
 * (logs-ingestion reference §6, "UNVERIFIED"); the emulator is deliberately strict about the mismatches
 * that matter for this connector (text where a number is declared, an object where a string is declared,
 * an unparseable datetime) so the sink's quarantine path can be tested.
 */
import type { StreamColumn } from "./dcr.ts";

export type CheckResult = { ok: true; row: Record<string, unknown> } | { ok: false; error: string };

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  const t = typeof value;
  if (t === "object") return "an object";
  const shown = JSON.stringify(value);
  const short = shown.length > 40 ? `${shown.slice(0, 40)}…` : shown;
  return `a ${t} (${short})`;
}

/** Returns the value as stored for the column type, or an error sentence. */
function coerce(value: unknown, col: StreamColumn): { value: unknown } | { error: string } {
  const bad = { error: `column '${col.name}' is declared ${col.type} but the value is ${describe(value)}` };
  switch (col.type) {
    case "string":
      if (typeof value === "string") return { value };
      // Scalars are rendered as text by the service; structured values are a schema mismatch.
      if (typeof value === "number" || typeof value === "boolean") return { value: String(value) };
      return bad;
    case "int":
      if (typeof value === "number" && Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) {
        return { value };
      }
      return bad;
    case "long":
      if (typeof value === "number" && Number.isInteger(value)) return { value };
      return bad;
    case "real":
      if (typeof value === "number" && Number.isFinite(value)) return { value };
      return bad;
    case "boolean":
      if (typeof value === "boolean") return { value };
      return bad;
    case "datetime": {
      if (typeof value !== "string") return bad;
      const ms = Date.parse(value);
      if (Number.isNaN(ms)) return { error: `column '${col.name}' is declared datetime but '${value}' is not a date` };
      return { value: new Date(ms).toISOString() };
    }
    case "dynamic":
      return { value };
  }
}

/**
 * Validates one element of the request body. Keeps declared columns only (the service ignores other
 * properties), in declaration order, and drops nulls.
 */
export function checkRow(element: unknown, columns: readonly StreamColumn[], index: number): CheckResult {
  if (element === null || typeof element !== "object" || Array.isArray(element)) {
    return { ok: false, error: `element ${index} of the body is ${describe(element)}, expected a JSON object` };
  }
  const input = element as Record<string, unknown>;
  const row: Record<string, unknown> = {};
  for (const col of columns) {
    const v = input[col.name];
    if (v === undefined || v === null) continue;
    const r = coerce(v, col);
    if ("error" in r) return { ok: false, error: `row ${index}: ${r.error}` };
    row[col.name] = r.value;
  }
  return { ok: true, row };
}
