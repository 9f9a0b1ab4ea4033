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
  /** Fields cut by this call (empty when the row already fit). */
  cut: string[];
}

/** Returns the row unchanged when it serializes to at most `maxRowBytes`, else a trimmed copy. */
export function fitRow(row: Record<string, unknown>, maxRowBytes: number, knownBytes?: number): FitResult {
  const bytes = knownBytes ?? Buffer.byteLength(JSON.stringify(row), "utf8");
  if (bytes <= maxRowBytes) return { row, bytes, cut: [] };
  const fitted = fitRowToLimits(row, { maxRowBytes });
  return { row: fitted.row, bytes: Buffer.byteLength(JSON.stringify(fitted.row), "utf8"), cut: fitted.truncated };
}
