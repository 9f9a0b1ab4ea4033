/**
 * Fast row construction. Rows are plain objects; copying a 70-column row with `{...row}` for every
 * operator dominated run time (dictionary-mode objects, GC). A generated object literal per output
 * schema gives V8 one stable shape and copies fields directly.
 */
import type { Row } from "./context.ts";

export type RowBuilder = (r: Row, v: unknown[]) => Row;

const cache = new Map<string, RowBuilder>();

/** Hidden row field holding the ingestion time (input rows give it as `_IngestionTime` or `_TimeReceived`). */
export const HIDDEN = "$ingestion_time";

/**
 * A function building a row with the columns `names` (in order): a column listed in `fromValues` takes
 * `v[index]`, every other column is copied from `r` (missing → null).
 */
export function rowBuilder(names: readonly string[], fromValues: ReadonlyMap<string, number> = new Map()): RowBuilder {
  const key = `${JSON.stringify(names)}|${JSON.stringify([...fromValues])}`;
  let b = cache.get(key);
  if (!b) {
    const fields = names.map((n) => {
      const k = JSON.stringify(n);
      const idx = fromValues.get(n);
      return idx === undefined ? `${k}: r[${k}] ?? null` : `${k}: v[${idx}]`;
    });
    // ingestion_time() reads a hidden field that must survive extend/project-away like Kusto's row metadata.
    fields.push(`${JSON.stringify(HIDDEN)}: r[${JSON.stringify(HIDDEN)}]`);
    // Column names come from the binder; JSON.stringify quotes them safely as property keys.
    b = new Function("r", "v", `return {${fields.join(", ")}};`) as RowBuilder;
    if (cache.size > 2000) cache.clear();
    cache.set(key, b);
  }
  return b;
}
