/**
 * Checks a row against a table's declared column types (from `connector/schema/table-schema.ts`), the way the
 * Logs Ingestion API will read it: every column present, null or a value of the declared type.
 */
import { type ColumnDef, EXCHANGE_AUDIT_TABLE, type KustoType } from "../schema/table-schema.ts";

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
/** ISO 8601 in UTC with a `Z`, as the normalizer writes datetimes. */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$/;

function typeOk(value: unknown, type: KustoType): boolean {
  switch (type) {
    case "datetime":
      return typeof value === "string" && ISO_UTC.test(value) && !Number.isNaN(Date.parse(value));
    case "string":
      return typeof value === "string";
    case "int":
      return Number.isInteger(value) && (value as number) >= INT32_MIN && (value as number) <= INT32_MAX;
    case "long":
      return Number.isSafeInteger(value);
    case "real":
      return typeof value === "number" && Number.isFinite(value);
    case "bool":
      return typeof value === "boolean";
    case "dynamic":
      return typeof value === "object";
  }
}

/**
 * Lists what is wrong with a row: missing columns, columns not in the table, values of the wrong type.
 * Empty when the row is well-formed.
 */
export function rowTypeErrors(
  row: Record<string, unknown>,
  columns: readonly ColumnDef[] = EXCHANGE_AUDIT_TABLE.columns,
): string[] {
  const errors: string[] = [];
  const names = new Set(columns.map((c) => c.name));
  for (const c of columns) {
    if (!Object.hasOwn(row, c.name)) {
      errors.push(`missing column ${c.name}`);
      continue;
    }
    const v = row[c.name];
    if (v !== null && !typeOk(v, c.type))
      errors.push(`column ${c.name} (${c.type}) has ${JSON.stringify(v)?.slice(0, 80)}`);
  }
  for (const key of Object.keys(row)) if (!names.has(key)) errors.push(`unexpected column ${key}`);
  return errors;
}
