import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import { kqlSchema } from "../../connector/schema/derive.ts";
import { WORKSPACE_TABLES } from "../../connector/schema/table-schema.ts";
import { buildArtifacts, solutionMetadata } from "../../scripts/build/index.ts";
import { type ConnectorUiConfig, connectorQueries } from "../../scripts/build/data-connector.ts";
import { EXPORT_ROOT, KQL_TESTS, solutionFolder } from "../../scripts/build/upstream-export.ts";
import type { ParserFunction } from "../../kql/content/load.ts";
import { analyze, builtinTables, buildGlobalState, type TableSchemaJson } from "../../kql/kusto.ts";
import { ciParserText } from "../../scripts/validate/check-ci.ts";

const built = buildArtifacts();
const files = new Map(
  built.artifacts
    .filter((a) => a.path.startsWith(`${EXPORT_ROOT}/`))
    .map((a) => [a.path.slice(EXPORT_ROOT.length + 1), a.data] as const),
);
const text = (path: string) => files.get(path)!.toString("utf8");
const under = (prefix: string) => [...files.keys()].filter((p) => p.startsWith(prefix)).sort();
const SOL = solutionFolder(solutionMetadata());

test("lays the solution out as an Azure-Sentinel pull request, one file per content item", () => {
  const c = built.content;
  assert.equal(under(`${SOL}/Analytic Rules/`).length, c.rules.length);
  assert.equal(under(`${SOL}/Hunting Queries/`).length, c.hunting.length);
  assert.equal(under(`${SOL}/Parsers/`).length, c.parsers.length);
  assert.equal(under(`${SOL}/Workbooks/`).length, c.workbooks.length);
  assert.deepEqual(under(`${SOL}/Data Connectors/`), [`${SOL}/Data Connectors/ExchangeAuditConnector.json`]);
  const version = solutionMetadata().version;
  for (const f of ["mainTemplate.json", "createUiDefinition.json", `${version}.zip`]) {
    assert.ok(
      files.get(`${SOL}/Package/${f}`)!.equals(built.artifacts.find((a) => a.path === `dist/solution/${f}`)!.data),
    );
  }
  for (const f of ["ReleaseNotes.md", "SolutionMetadata.json"]) assert.ok(files.has(`${SOL}/${f}`), f);
  const data = JSON.parse(text(under(`${SOL}/Data/`)[0]!));
  for (const key of ["Analytic Rules", "Hunting Queries", "Parsers", "Workbooks", "Data Connectors"]) {
    for (const rel of data[key]) assert.ok(files.has(`${SOL}/${rel}`), `${key}: ${rel}`);
  }
  assert.doesNotMatch(JSON.stringify(data), /[A-Z]:\\|\/work\/|\/home\//, "no machine paths");
  assert.match(text(`${SOL}/ReleaseNotes.md`), new RegExp(`\\| ${version} \\|.*${c.rules.length} analytic rules`));
});

test("CustomTables are derived from connector/schema and WorkbooksMetadata names both preview images", () => {
  for (const t of WORKSPACE_TABLES) {
    assert.deepEqual(JSON.parse(text(`${KQL_TESTS}/CustomTables/${t.tableName}.json`)), kqlSchema(t));
  }
  const entries = JSON.parse(text("Workbooks/WorkbooksMetadata.json")) as Record<string, unknown>[];
  assert.equal(entries.length, built.content.workbooks.length);
  // the keys of Azure-Sentinel's .script/utils/schemas/workbooksMetadataSchema.json (additionalProperties: false)
  const required = [
    "workbookKey",
    "logoFileName",
    "description",
    "dataTypesDependencies",
    "dataConnectorsDependencies",
  ];
  required.push("previewImagesFileNames", "version", "title", "templateRelativePath", "subtitle", "provider");
  const optional = ["featureFlag", "source", "author", "support", "categories"];
  optional.push("threatAnalysisTactics", "threatAnalysisTechniques");
  assert.equal(new Set(entries.map((e) => e.workbookKey)).size, entries.length, "unique workbook keys");
  for (const e of entries) {
    for (const k of required) assert.ok(k in e, `${e.workbookKey}: ${k}`);
    for (const k of Object.keys(e)) assert.ok(required.includes(k) || optional.includes(k), `${e.workbookKey}: ${k}`);
    const key = String(e.workbookKey);
    assert.deepEqual(e.previewImagesFileNames, [`${key}Black.png`, `${key}White.png`]);
    assert.deepEqual(e.dataConnectorsDependencies, ["ExchangeAuditConnector"]);
    const wb = JSON.parse(text(`${SOL}/Workbooks/${e.templateRelativePath}`));
    assert.equal(wb.fromTemplateId, `sentinel-${key}`);
  }
});

test("every KQL text of the export compiles against its own CustomTables/CustomFunctions and built-in tables only", () => {
  const custom = under(`${KQL_TESTS}/CustomTables/`).map((p) => JSON.parse(text(p)) as TableSchemaJson);
  const functions = under(`${KQL_TESTS}/CustomFunctions/`).map((p) => {
    const f = JSON.parse(text(p)) as {
      FunctionName: string;
      FunctionParameters: { Name: string; Type: string }[];
      FunctionResultColumns: { Name: string; Type: string }[];
    };
    const defaults: Record<string, string> = { datetime: "datetime(null)", dynamic: "dynamic([])", bool: "false" };
    const params = f.FunctionParameters.map((x) => `${x.Name}:${x.Type}=${defaults[x.Type] ?? "''"}`).join(", ");
    const cols = f.FunctionResultColumns.map((c) => `['${c.Name}']:${c.Type}`).join(", ");
    return { name: f.FunctionName, parameters: `(${params})`, body: `datatable(${cols})[]` };
  });
  // our own tables are NOT declared: only what the export itself ships, as upstream
  const ownNames = new Set(WORKSPACE_TABLES.map((t) => t.tableName));
  const tables = [...builtinTables().filter((t) => !ownNames.has(t.Name)), ...custom];
  const globals = buildGlobalState({ tables, functions });
  const failures: string[] = [];
  const check = (where: string, query: string) => {
    const errors = analyze(query, globals).errors.filter((e) => !e.message.includes("_GetWatchlist"));
    for (const e of errors) failures.push(`${where}:${e.line}:${e.column} ${e.message}`);
  };
  for (const p of [...under(`${SOL}/Analytic Rules/`), ...under(`${SOL}/Hunting Queries/`)]) {
    check(p, (parse(text(p)) as { query: string }).query);
  }
  for (const p of under(`${SOL}/Parsers/`)) check(p, ciParserText(parse(text(p)) as ParserFunction).text);
  const ui = JSON.parse(text(`${SOL}/Data Connectors/ExchangeAuditConnector.json`)) as ConnectorUiConfig;
  for (const q of connectorQueries(ui)) check(`Data Connectors ${q.field}`, q.query);
  assert.deepEqual(failures, []);
  assert.ok(under(`${SOL}/Analytic Rules/`).length > 0);
});

test("every text file of the export is ASCII, as the NonAscii test wants", () => {
  for (const p of [
    ...under(`${SOL}/Analytic Rules/`),
    ...under(`${SOL}/Hunting Queries/`),
    ...under(`${SOL}/Parsers/`),
  ]) {
    assert.doesNotMatch(text(p), /[^\x00-\x7f]/, p);
  }
});
