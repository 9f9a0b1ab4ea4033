/**
 * Making a single row fit one request. Uses the normalizer's `fitRowToLimits` (one implementation of
 * trimming for the whole product): it cuts the largest fields first, keeps `RecordId`, marks a cut
 * `AuditData`, and names every cut field in `Truncated`, so the row is delivered visibly trimmed, never dropped.
 */
import { fitRowToLimits } from "../normalize/truncate.ts";

export interface FitResult {
  row: Record<string, unknown>;
  /** UTF-8 bytes of `JSON.stringify(row)`. */
  bytes: number;
  /** `JSON.stringify(row)`: the row's part of the request body. */
  json: string;
  /** Fields cut by this call (empty when the row already fit). */
  cut: string[];
}

/** Returns the row unchanged when it serializes to at most `maxRowBytes`, else a trimmed copy. */
export function fitRow(row: Record<string, unknown>, maxRowBytes: number): FitResult {
  const json = JSON.stringify(row);
  const bytes = Buffer.byteLength(json, "utf8");
  if (bytes <= maxRowBytes) return { row, bytes, json, cut: [] };
  const fitted = fitRowToLimits(row, { maxRowBytes });
  const fittedJson = JSON.stringify(fitted.row);
  return { row: fitted.row, bytes: Buffer.byteLength(fittedJson, "utf8"), json: fittedJson, cut: fitted.truncated };
}
