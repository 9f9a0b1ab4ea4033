/**
 * Request-sized batches. Each row is serialized once and that string is both its size and its part of the
 * request body (see wire.ts): a batch's size is the exact byte length of the JSON array that goes on the
 * wire (brackets and commas included), so it stays under our limit and is always exactly one request.
 */

/** The largest batch the sink builds by default: the SDK's chunk limit, well under the service's 1,048,576. */
export const DEFAULT_MAX_BATCH_BYTES = 1_000_000;

/** A row ready to send: the object the SDK serializes and the size of that serialization. */
export interface PreparedRow {
  /** Position in the caller's input (for logs and dead letters). */
  index: number;
  row: Record<string, unknown>;
  /** UTF-8 bytes of `JSON.stringify(row)`. */
  bytes: number;
  /** `JSON.stringify(row)`, kept so the row is serialized once (serialized again when absent). */
  json?: string;
  /** The sink trimmed this row to fit the limits. */
  trimmed: boolean;
}

/** Bytes of the JSON array holding these rows: `[` + rows joined by `,` + `]`. */
export function arrayBytes(rows: readonly PreparedRow[]): number {
  let total = 2 + Math.max(0, rows.length - 1);
  for (const r of rows) total += r.bytes;
  return total;
}

/** The JSON array of these rows, exactly as sent: `[` + rows joined by `,` + `]`. */
export function arrayJson(rows: readonly PreparedRow[]): string {
  let out = "[";
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    out += (i > 0 ? "," : "") + (r.json ?? JSON.stringify(r.row));
  }
  return `${out}]`;
}

/**
 * The same JSON array as UTF-8 bytes, written row by row into one Buffer. Joining the rows' strings instead
 * makes V8 flatten a ~1 MB string per request, which lands in its large-object space (old generation) and
 * stays until the next full GC: about one row's size of old-generation garbage per row, the main reason the
 * old generation grew to ~4x its live size between collections (docs/performance.md). The Buffer is
 * released as soon as its request body is compressed.
 */
export function arrayBuffer(rows: readonly PreparedRow[]): Buffer {
  const out = Buffer.allocUnsafe(arrayBytes(rows));
  let at = 0;
  out[at++] = 0x5b; // [
  for (let i = 0; i < rows.length && at < out.length; i++) {
    const r = rows[i]!;
    if (i > 0) out[at++] = 0x2c; // ,
    at += out.write(r.json ?? JSON.stringify(r.row), at, "utf8");
  }
  // The sink's `bytes` always come from the row's JSON, so the array fills the Buffer exactly; a row whose
  // size was declared otherwise gets the joined string instead of a cut body.
  if (at !== out.length - 1) return Buffer.from(arrayJson(rows), "utf8");
  out[at] = 0x5d; // ]
  return out;
}

/** Packs rows, in order, into batches whose JSON array is at most `maxBatchBytes`, lazily. */
export function* packLazily(
  rows: Iterable<PreparedRow>,
  maxBatchBytes = DEFAULT_MAX_BATCH_BYTES,
): Generator<PreparedRow[]> {
  let current: PreparedRow[] = [];
  let size = 2;
  for (const r of rows) {
    const added = r.bytes + (current.length > 0 ? 1 : 0);
    if (current.length > 0 && size + added > maxBatchBytes) {
      yield current;
      current = [];
      size = 2;
    }
    size += r.bytes + (current.length > 0 ? 1 : 0);
    current.push(r);
  }
  if (current.length > 0) yield current;
}

/** Packs rows, in order, into batches whose JSON array is at most `maxBatchBytes`. */
export function packBatches(rows: readonly PreparedRow[], maxBatchBytes = DEFAULT_MAX_BATCH_BYTES): PreparedRow[][] {
  return [...packLazily(rows, maxBatchBytes)];
}

/** Splits a batch in two halves (for 413 and for isolating rows a 400 rejects). */
export function halves<T>(rows: readonly T[]): [T[], T[]] {
  const mid = Math.ceil(rows.length / 2);
  return [rows.slice(0, mid), rows.slice(mid)];
}
