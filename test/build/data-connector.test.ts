import assert from "node:assert/strict";
import { test } from "node:test";
import { buildArtifacts } from "../../scripts/build/index.ts";
import {
  CONNECTOR_ID,
  connectorQueries,
  connectorUiConfig,
  DEFAULT_TEMPLATE_URL,
} from "../../scripts/build/data-connector.ts";
import { infraTemplate } from "../../scripts/build/infra.ts";
import { analyze, buildGlobalState } from "../../kql/kusto.ts";
import { allResources } from "./arm-schemas.ts";

type R = { type: string; name?: string; kind?: string; properties?: Record<string, unknown> };
const main = (templateUrl?: string) =>
  JSON.parse(
    buildArtifacts(undefined, undefined, { templateUrl })
      .artifacts.find((a) => a.path === "dist/solution/mainTemplate.json")!
      .data.toString(),
  ) as { variables: Record<string, string>; resources: R[] };

test("every connector query passes the Kusto semantic check the rules pass, and a broken one fails it", () => {
  const globals = buildGlobalState();
  const ui = connectorUiConfig();
  const queries = connectorQueries(ui);
  assert.ok(queries.length >= 6, "graph, samples, last-data-received per table, connectivity");
  for (const q of queries) assert.deepEqual(analyze(q.query, globals).errors, [], q.field);
  assert.notDeepEqual(analyze(`${ui.dataTypes[0]!.name} | where NoSuchColumn == 1`, globals).errors, []);
});

test("every table the connector names in dataTypes is created by the infrastructure template", () => {
  const tables = new Set(
    (infraTemplate() as { resources: R[] }).resources
      .filter((r) => r.type === "Microsoft.OperationalInsights/workspaces/tables")
      // properties is an ARM expression (retention depends on the plan); the table name ends the resource name
      .map((r) =>
        String(r.name)
          .replace(/^.*\//, "")
          .replace(/'\)\]$/, ""),
      ),
  );
  const ui = connectorUiConfig();
  assert.ok(ui.dataTypes.length >= 2);
  for (const d of ui.dataTypes) assert.ok(tables.has(d.name), `${d.name} is not in dist/infra/azuredeploy.json`);
  // health rows count: the connectivity query reads both tables
  for (const d of ui.dataTypes) assert.match(ui.connectivityCriterias[0]!.value[0]!, new RegExp(d.name));
});

test("the page lists permissions and a Deploy to Azure button for the template URL given to the build", () => {
  const ui = connectorUiConfig("https://example.org/x/azuredeploy.json");
  const text = JSON.stringify(ui);
  for (const needle of ["ActivityFeed.Read", "Monitoring Metrics Publisher", "logsIngestionEndpoint"]) {
    assert.ok(text.includes(needle), needle);
  }
  assert.ok(text.includes(encodeURIComponent("https://example.org/x/azuredeploy.json")));
  assert.ok(JSON.stringify(connectorUiConfig()).includes(encodeURIComponent(DEFAULT_TEMPLATE_URL)));
  const custom = JSON.stringify(main("https://example.org/y/azuredeploy.json"));
  assert.ok(custom.includes(encodeURIComponent("https://example.org/y/azuredeploy.json")));
});

test("the package carries the connector as a DataConnector item that Content Hub lists with the rules", () => {
  const t = main();
  const resources = allResources(t as never) as R[];
  const dc = resources.filter((r) => r.type === "Microsoft.OperationalInsights/workspaces/providers/dataConnectors");
  assert.equal(dc.length, 1);
  assert.equal(dc[0]!.kind, "GenericUI");
  const templates = t.resources.filter((r) => r.type.endsWith("/contentTemplates"));
  const dcTemplate = templates.find((r) => r.properties?.contentKind === "DataConnector")!;
  const idVar = /^\[variables\('(_[^']+)'\)\]$/.exec(String(dcTemplate.properties!.contentId))![1]!;
  assert.equal(t.variables[idVar.slice(1)], CONNECTOR_ID);
  const pkg = t.resources.find((r) => r.type.endsWith("/contentPackages"))!;
  const criteria = (pkg.properties!.dependencies as { criteria: { kind: string; contentId: string }[] }).criteria;
  assert.ok(criteria.some((c) => c.kind === "DataConnector" && c.contentId === `[variables('${idVar}')]`));
  const wbMeta = resources.filter(
    (r) => r.type.endsWith("/metadata") && (r.properties as { kind: string }).kind === "Workbook",
  );
  assert.ok(wbMeta.length > 0);
  for (const m of wbMeta) {
    const deps = (m.properties as { dependencies: { criteria: { kind: string; contentId: string }[] } }).dependencies;
    assert.ok(deps.criteria.some((c) => c.kind === "DataConnector" && c.contentId === CONNECTOR_ID));
    assert.ok(deps.criteria.some((c) => c.kind === "DataType" && c.contentId === "ExchangeAudit_CL"));
  }
});
