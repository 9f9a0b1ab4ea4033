/**
 * Artifacts derived from the table definitions in `table-schema.ts`. Nothing here is hand-copied:
 * the DCR, the ARM table resources, the KQL validation schema and the docs all call these functions.
 */
import {
  type ColumnDef,
  EXCHANGE_AUDIT_TABLE,
  type KustoType,
  SUMMARY_TABLES,
  type SummaryTableDef,
  TABLES,
  type TableDef,
} from "./table-schema.ts";

/** What the ARM and KQL schemas need of any custom table. */
type AnyTable = TableDef | SummaryTableDef;

/** Column types accepted in a DCR `streamDeclarations` entry. */
export type DcrColumnType = "string" | "int" | "long" | "real" | "boolean" | "dynamic" | "datetime";
/** Column types accepted in a `Microsoft.OperationalInsights/workspaces/tables` schema. */
export type TableColumnType = "string" | "int" | "long" | "real" | "boolean" | "dateTime" | "dynamic";

const DCR_TYPE: Record<KustoType, DcrColumnType> = {
  datetime: "datetime",
  string: "string",
  int: "int",
  long: "long",
  real: "real",
  bool: "boolean",
  dynamic: "dynamic",
};

const TABLE_TYPE: Record<KustoType, TableColumnType> = {
  datetime: "dateTime",
  string: "string",
  int: "int",
  long: "long",
  real: "real",
  bool: "boolean",
  dynamic: "dynamic",
};

/**
 * Tables whose rows carry the event time in `EventTime`: the connector omits `TimeGenerated` and the
 * transform copies it, so one place decides what TimeGenerated means.
 */
function timeFromEventTime(table: TableDef): boolean {
  return table.columns.some((c) => c.name === "EventTime");
}

/** Columns the connector sends on the table's input stream. */
export function streamColumns(table: TableDef): readonly ColumnDef[] {
  return timeFromEventTime(table) ? table.columns.filter((c) => c.name !== "TimeGenerated") : table.columns;
}

export function dcrStreamDeclaration(table: TableDef): { columns: { name: string; type: DcrColumnType }[] } {
  return { columns: streamColumns(table).map((c) => ({ name: c.name, type: DCR_TYPE[c.type] })) };
}

/**
 * The DCR transformation for a table. It only uses operators allowed in transforms (extend, project,
 * iff, isnull, now) and projects exactly the table's columns, so the output matches the table.
 */
export function dcrTransform(table: TableDef): string {
  const projection = table.columns.map((c) => c.name).join(", ");
  if (timeFromEventTime(table)) {
    return `source | extend TimeGenerated = iff(isnull(EventTime), now(), EventTime) | project ${projection}`;
  }
  return `source | extend TimeGenerated = iff(isnull(TimeGenerated), now(), TimeGenerated) | project ${projection}`;
}

/** Output stream name of a custom table in a DCR data flow. */
export function outputStream(table: TableDef): string {
  return `Custom-${table.tableName}`;
}

/** `properties.schema` of the ARM `workspaces/tables` resource. */
export function armTableSchema(table: AnyTable): {
  name: string;
  description: string;
  columns: { name: string; type: TableColumnType; description: string }[];
} {
  return {
    name: table.tableName,
    description: table.description,
    columns: table.columns.map((c) => ({ name: c.name, type: TABLE_TYPE[c.type], description: c.description })),
  };
}

/** Table schema in the Azure-Sentinel KQL validation format (`{Name, Properties:[{Name, Type}]}`). */
export function kqlSchema(table: AnyTable): { Name: string; Properties: { Name: string; Type: KustoType }[] } {
  return { Name: table.tableName, Properties: table.columns.map((c) => ({ Name: c.name, Type: c.type })) };
}

/** The `source` table a DCR transform sees: the stream's columns. */
export function kqlTransformSourceSchema(table: TableDef): {
  Name: string;
  Properties: { Name: string; Type: KustoType }[];
} {
  return { Name: "source", Properties: streamColumns(table).map((c) => ({ Name: c.name, Type: c.type })) };
}

/** Markdown column reference, written to `docs/table-reference.md` by `npm run build` and checked by tests. */
export function tableReferenceMarkdown(): string {
  const lines: string[] = [
    "# Table reference",
    "",
    "Generated from `connector/schema/table-schema.ts` (do not edit by hand; `npm run build` rewrites it and",
    "`test/schema/drift.test.ts` fails when it is stale).",
    "",
  ];
  for (const table of TABLES) {
    lines.push(`## ${table.tableName}`, "", table.description, "");
    lines.push(
      `Input stream: \`${table.streamName}\`. Transform: \`${dcrTransform(table).replace(/\|/g, "\\|")}\``,
      "",
    );
    lines.push("| Column | Type | Description |", "| --- | --- | --- |");
    for (const c of table.columns) {
      lines.push(`| ${c.name} | ${c.type} | ${c.description.replace(/\|/g, "\\|")} |`);
    }
    lines.push("");
  }
  for (const table of SUMMARY_TABLES) {
    lines.push(`## ${table.tableName}`, "", table.description, "");
    lines.push(`Written by a Log Analytics summary rule: \`${table.summaryRule}\` (no DCR stream).`, "");
    lines.push("| Column | Type | Description |", "| --- | --- | --- |");
    for (const c of table.columns) {
      lines.push(`| ${c.name} | ${c.type} | ${c.description.replace(/\|/g, "\\|")} |`);
    }
    lines.push("");
  }
  return lines.join("\n");
}

/** Names of the required columns of `ExchangeAudit_CL`, for row validation. */
export const EXCHANGE_AUDIT_COLUMN_NAMES: readonly string[] = EXCHANGE_AUDIT_TABLE.columns.map((c) => c.name);
