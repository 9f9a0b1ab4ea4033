import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  armTableSchema,
  dcrStreamDeclaration,
  dcrTransform,
  kqlSchema,
  streamColumns,
  tableReferenceMarkdown,
} from "../../connector/schema/derive.ts";
import { EXCHANGE_AUDIT_TABLE, HEALTH_TABLE, TABLES } from "../../connector/schema/table-schema.ts";
import { analyze, buildGlobalState, resultColumns } from "../../kql/kusto.ts";

const RESERVED = new Set(["tenantid", "type", "id", "_resourceid", "_subscriptionid", "uniqueid", "title"]);

test("every table stays within Log Analytics column rules", () => {
  for (const table of TABLES) {
    assert.ok(table.columns.length <= 500, `${table.tableName} has more than 500 columns`);
    const seen = new Set<string>();
    for (const c of table.columns) {
      assert.match(c.name, /^[A-Za-z][A-Za-z0-9_]{0,44}$/, `${table.tableName}.${c.name}: invalid column name`);
      assert.ok(!RESERVED.has(c.name.toLowerCase()), `${table.tableName}.${c.name} is a reserved column name`);
      assert.ok(!seen.has(c.name.toLowerCase()), `${table.tableName}.${c.name} is declared twice`);
      seen.add(c.name.toLowerCase());
      assert.ok(c.description.length > 10, `${table.tableName}.${c.name} needs a description`);
    }
    assert.equal(table.columns[0]?.name, "TimeGenerated", `${table.tableName} must start with TimeGenerated`);
    assert.match(table.tableName, /_CL$/);
    assert.match(table.streamName, /^Custom-/);
  }
});

test("the DCR stream declaration carries every column the connector sends, with the mapped type", () => {
  for (const table of TABLES) {
    const declared = dcrStreamDeclaration(table).columns;
    const sent = streamColumns(table);
    assert.deepEqual(
      declared.map((c) => c.name),
      sent.map((c) => c.name),
    );
    for (const [i, c] of sent.entries()) {
      const expected = c.type === "bool" ? "boolean" : c.type;
      assert.equal(declared[i]?.type, expected, `${table.streamName}.${c.name}`);
    }
  }
  assert.ok(!dcrStreamDeclaration(EXCHANGE_AUDIT_TABLE).columns.some((c) => c.name === "TimeGenerated"));
  assert.ok(dcrStreamDeclaration(HEALTH_TABLE).columns.some((c) => c.name === "TimeGenerated"));
});

test("each DCR transform outputs exactly the table's columns and types, per Microsoft's Kusto analyser", () => {
  for (const table of TABLES) {
    const globals = buildGlobalState({ transformSourceFor: table.streamName });
    const transform = dcrTransform(table);
    assert.ok(transform.length <= 15_360, "transformKql over the 15,360 character limit");
    const { code, errors } = analyze(transform, globals);
    assert.deepEqual(errors, [], `${table.tableName} transform has errors`);
    assert.deepEqual(
      resultColumns(code),
      table.columns.map((c) => ({ name: c.name, type: c.type })),
    );
  }
});

test("the ARM table definition and the KQL schema list the same columns as the schema module", () => {
  for (const table of TABLES) {
    assert.deepEqual(
      armTableSchema(table).columns.map((c) => c.name),
      table.columns.map((c) => c.name),
    );
    assert.deepEqual(
      kqlSchema(table).Properties.map((p) => `${p.Name}:${p.Type}`),
      table.columns.map((c) => `${c.name}:${c.type}`),
    );
    const armTypes = new Set(armTableSchema(table).columns.map((c) => c.type));
    for (const t of armTypes)
      assert.ok(["string", "int", "long", "real", "boolean", "dateTime", "dynamic"].includes(t));
  }
});

test("the generated column reference in docs/ is up to date (run npm run build to refresh it)", () => {
  const onDisk = readFileSync(new URL("../../docs/table-reference.md", import.meta.url), "utf8");
  assert.equal(onDisk, tableReferenceMarkdown());
});
