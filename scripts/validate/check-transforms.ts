/**
 * The DCR transforms derived from the table schema must be valid KQL against their input stream and
 * must output exactly the table's columns with the table's types (otherwise ingestion drops columns).
 */
import { dcrTransform } from "../../connector/schema/derive.ts";
import { TABLES } from "../../connector/schema/table-schema.ts";
import type { CheckContext } from "./context.ts";

const FILE = "connector/schema/derive.ts";

export function checkTransforms(ctx: CheckContext): void {
  for (const table of TABLES) {
    const field = `dcrTransform(${table.tableName})`;
    const text = dcrTransform(table);
    if (text.length > 15360) {
      ctx.offenders.push({ file: FILE, field, message: `transform is ${text.length} characters; the limit is 15360` });
    }
    ctx.pending.push({
      job: { text, transformSourceFor: table.streamName },
      done({ errors, columns }) {
        for (const e of errors) ctx.offenders.push({ file: FILE, field, message: `KQL at ${e.column}: ${e.message}` });
        if (!columns) return;
        const got = columns.map((c) => `${c.name}:${c.type}`).join(", ");
        const want = table.columns.map((c) => `${c.name}:${c.type}`).join(", ");
        if (got !== want) {
          ctx.offenders.push({ file: FILE, field, message: `transform outputs (${got}) but the table has (${want})` });
        }
      },
    });
  }
}
