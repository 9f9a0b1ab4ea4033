/**
 * Turning the caller's rows into request-sized batches, lazily: each row is serialized once (for its
 * size) right before its batch is needed, so the first requests are on the wire while later rows are
 * still being prepared. Rows too large for one request are trimmed (`Truncated`); rows that cannot be
 * trimmed or serialized are collected as dead letters, never dropped.
 */
import type { Logger } from "../log.ts";
import { sanitizeJson } from "../normalize/json-size.ts";
import { type PreparedRow, packLazily } from "./batches.ts";
import { type FitResult, fitRow, SerializedRow } from "./fit.ts";
import type { DeadLetter, SinkRow } from "./types.ts";

/** What preparation found, filled in as batches are pulled. */
export interface PreparationTally {
  /** Rows trimmed to fit one request. */
  truncated: number;
  /** Rows that cannot be sent at all, to be dead-lettered by the caller. */
  unfit: DeadLetter[];
}

export interface PrepareOptions {
  maxBatchBytes: number;
  stream: string;
  source: string;
  clock: () => number;
  logger: Logger;
}

/** A prepared row whose object is parsed back from its JSON only when asked (dead letters, 413 re-trims). */
function fromSerialized(index: number, s: SerializedRow): PreparedRow {
  let row: Record<string, unknown> | undefined;
  return {
    index,
    get row() {
      row ??= s.toRow();
      return row;
    },
    bytes: s.bytes,
    json: s.json,
    trimmed: s.cut.length > 0,
  };
}

function* preparedRows(
  rows: readonly SinkRow[],
  opts: PrepareOptions,
  tally: PreparationTally,
): Generator<PreparedRow> {
  const maxRowBytes = opts.maxBatchBytes - 2;
  const reject = (row: Record<string, unknown>, reason: string, errorCode: string, payload: unknown) =>
    tally.unfit.push({
      time: new Date(opts.clock()).toISOString(),
      stage: "ingestion",
      reason,
      source: opts.source,
      ...(typeof row?.RecordId === "string" ? { recordId: row.RecordId } : {}),
      payload,
      stream: opts.stream,
      errorCode,
    });
  /** Counts and logs a row trimmed to fit one request; true when it was. */
  const noteTrimmed = (index: number, cut: readonly string[]) => {
    if (cut.length === 0) return false;
    tally.truncated++;
    opts.logger.warn("row larger than one request; trimmed its largest fields", { index, fields: cut });
    return true;
  };
  for (let index = 0; index < rows.length; index++) {
    const given = rows[index]!;
    if (given instanceof SerializedRow && given.bytes <= maxRowBytes) {
      noteTrimmed(index, given.cut);
      yield fromSerialized(index, given);
      continue;
    }
    // A serialized row larger than this sink's (smaller) request limit is fitted again from its object.
    const row = given instanceof SerializedRow ? given.toRow() : given;
    let fitted: FitResult;
    try {
      fitted = fitRow(row, maxRowBytes);
    } catch (e) {
      // bigint, cycles: JSON cannot carry the row; keep a JSON-safe copy of it for the dead letter.
      reject(row, `row is not JSON-serializable: ${String(e)}`, "not-serializable", sanitizeJson(row));
      continue;
    }
    const trimmed = noteTrimmed(index, fitted.cut);
    if (fitted.bytes > maxRowBytes) {
      reject(
        row,
        `row of ${fitted.bytes} bytes cannot be trimmed under the ${maxRowBytes}-byte request limit`,
        "too-large",
        row,
      );
      continue;
    }
    yield { index, row: fitted.row, bytes: fitted.bytes, json: fitted.json, trimmed };
  }
}

/** Batches of prepared rows, produced on demand. */
export function preparedBatches(
  rows: readonly SinkRow[],
  opts: PrepareOptions,
  tally: PreparationTally,
): Generator<PreparedRow[]> {
  return packLazily(preparedRows(rows, opts, tally), opts.maxBatchBytes);
}
