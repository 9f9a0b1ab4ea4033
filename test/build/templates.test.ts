import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { TABLES } from "../../connector/schema/table-schema.ts";
import { API_VERSIONS, ROLES } from "../../scripts/build/api-versions.ts";
import { type Artifact, buildArtifacts, solutionMetadata, writeArtifacts } from "../../scripts/build/index.ts";
import { REPO_ROOT } from "../../kql/content/load.ts";
import { analyze, buildGlobalState, resultColumns } from "../../kql/kusto.ts";
import { ArmSchemaValidator, allResources, armSchemasAvailable, type Resource } from "./arm-schemas.ts";
import { readZip } from "./zip-read.ts";

type Template = {
  parameters?: Record<string, unknown>;
  variables?: Record<string, unknown>;
  resources: Resource[];
  outputs?: Record<string, { type: string; value: unknown }>;
};

const first = buildArtifacts();
const artifact = (path: string): Artifact => {
  const a = first.artifacts.find((x) => x.path === path);
  assert.ok(a, `${path} is built`);
  return a;
};
const json = (path: string) => JSON.parse(artifact(path).data.toString("utf8"));
const infra: Template = json("dist/infra/azuredeploy.json");
const solution: Template = json("dist/solution/mainTemplate.json");
const TEMPLATES: [string, Template][] = [
  ["dist/infra/azuredeploy.json", infra],
  ["dist/solution/mainTemplate.json", solution],
];

test("builds byte-identical artifacts from the same input, with no timestamps", () => {
  const second = buildArtifacts();
  assert.deepEqual(
    second.artifacts.map((a) => a.path),
    first.artifacts.map((a) => a.path),
  );
  for (const a of second.artifacts) {
    assert.ok(a.data.equals(artifact(a.path).data), `${a.path} differs between two builds`);
  }
  // Content text may quote dates; the generated envelopes must not carry build times.
  for (const path of ["dist/infra/azuredeploy.json", "dist/solution/createUiDefinition.json"]) {
    assert.doesNotMatch(artifact(path).data.toString("utf8"), /20\d\d-\d\d-\d\dT\d\d:\d\d/, path);
  }
});

test("every resource type/apiVersion pair validates against Microsoft's published ARM schemas", (t) => {
  if (!armSchemasAvailable()) {
    t.skip("../shared/arm-schemas (Microsoft's ARM JSON schemas) is not present next to the repository");
    return;
  }
  const validator = new ArmSchemaValidator();
  const failures: string[] = [];
  const unschematized = new Set<string>();
  for (const [file, template] of TEMPLATES) {
    for (const e of validator.checkEnvelope(template)) failures.push(`${file} envelope: ${e}`);
    for (const r of allResources(template)) {
      const c = validator.check(r);
      if (c.mode === "none") unschematized.add(`${c.type}@${c.apiVersion}`);
      for (const e of c.errors) failures.push(`${file} ${c.type}@${c.apiVersion} ${c.name}: ${e}`);
    }
  }
  assert.deepEqual(failures, []);
  // Microsoft publishes no schema for these pairs (not in the folder): two infrastructure types, and the
  // solution-package versions the V3 packaging tool emits (api-versions.ts PACKAGE_API_VERSION_SOURCES).
  // Anything else must be covered.
  const known = new Set([
    "Microsoft.Insights/components@2020-02-02",
    "Microsoft.Insights/workbooks@2022-04-01",
    "Microsoft.Insights/workbooks@2021-08-01",
    "Microsoft.OperationalInsights/workspaces/providers/dataConnectors@2021-03-01-preview",
  ]);
  for (const k of unschematized) assert.ok(known.has(k), `no published schema found for ${k}`);
});

test("uses only allow-listed API versions", () => {
  for (const [file, template] of TEMPLATES) {
    for (const r of allResources(template)) {
      const allowed = (API_VERSIONS as Record<string, string>)[r.type];
      assert.ok(allowed, `${file}: resource type ${r.type} is not in the allow-list`);
      assert.equal(r.apiVersion, allowed, `${file}: ${r.type}`);
    }
  }
});

test('contains no blank properties (null, "", [], {}) anywhere, except the {} ARM requires per user-assigned identity', () => {
  const blanks: string[] = [];
  const walk = (v: unknown, path: string) => {
    if (/\.identity\.userAssignedIdentities\.\[[^\]]+\]$/.test(path) && JSON.stringify(v) === "{}") return;
    // an empty parameter default is allowed (ARM-TTK exempts parameter defaults); an empty property is not
    if (v === null || (v === "" && !/\.parameters\.[^.]+\.defaultValue$/.test(path))) blanks.push(path);
    else if (Array.isArray(v)) {
      if (v.length === 0) blanks.push(path);
      v.forEach((x, i) => {
        walk(x, `${path}[${i}]`);
      });
    } else if (typeof v === "object") {
      const entries = Object.entries(v as object);
      if (entries.length === 0) blanks.push(path);
      for (const [k, x] of entries) walk(x, `${path}.${k}`);
    }
  };
  for (const [file, template] of TEMPLATES) walk(template, file);
  walk(json("dist/solution/createUiDefinition.json"), "createUiDefinition");
  assert.deepEqual(blanks, []);
});

test("references every template parameter somewhere other than its own declaration", () => {
  for (const [file, template] of TEMPLATES) {
    const { parameters = {}, ...rest } = template;
    for (const name of Object.keys(parameters)) {
      const others = { ...parameters };
      delete others[name];
      const text = JSON.stringify({ rest, others });
      assert.ok(text.includes(`parameters('${name}')`), `${file}: parameter ${name} is never used`);
    }
  }
});

test("references every template variable somewhere other than its own declaration (ARM-TTK Variables Must Be Referenced)", () => {
  for (const [file, template] of TEMPLATES) {
    const { variables = {}, ...rest } = template;
    for (const name of Object.keys(variables)) {
      const others = { ...variables };
      delete others[name];
      const text = JSON.stringify({ rest, others });
      assert.ok(text.includes(`variables('${name}')`), `${file}: variable ${name} is never used`);
    }
  }
});

test("the createUiDefinition outputs are the solution template's parameters, all that have no default", () => {
  const ui = json("dist/solution/createUiDefinition.json");
  const params = solution.parameters as Record<string, { defaultValue?: unknown }>;
  const outputs = Object.keys(ui.parameters.outputs);
  for (const o of outputs) assert.ok(o in params, `output ${o} is not a template parameter`);
  for (const [name, p] of Object.entries(params)) {
    if (p.defaultValue === undefined)
      assert.ok(outputs.includes(name), `parameter ${name} has no default and no output`);
  }
  assert.deepEqual(
    ui.parameters.steps.map((s: { name: string; bladeTitle: string }) => s.name),
    ["dataconnectors", "parsers", "workbooks", "analytics", "huntingqueries"],
  );
  for (const s of ui.parameters.steps) assert.ok(s.bladeTitle, `step ${s.name} has a bladeTitle`);
  const basics = ui.parameters.config.basics;
  assert.equal(basics.resourceGroup.allowExisting, true);
  assert.equal(basics.location.visible, false);
  assert.ok(basics.subscription.resourceProviders.length > 0);
});

test("declares every DCR data-flow stream and maps each output stream to a table with the transform's exact columns", () => {
  const dcrs = infra.resources.filter((r) => r.type === "Microsoft.Insights/dataCollectionRules");
  assert.equal(dcrs.length, 1);
  const dcr = dcrs[0]!;
  assert.equal(dcr.kind, "Direct");
  const props = dcr.properties as {
    streamDeclarations: Record<string, { columns: { name: string; type: string }[] }>;
    dataFlows: { streams: string[]; destinations: string[]; transformKql: string; outputStream: string }[];
    destinations: { logAnalytics: { name: string }[] };
  };
  const destinations = props.destinations.logAnalytics.map((d) => d.name);
  // table properties are `union(plan-dependent retention, schema)`: the schemas are template variables
  const schemas = infra.variables?.tableSchemas as Record<
    string,
    { name: string; columns: { name: string; type: string }[] }
  >;
  const tables = new Map(
    infra.resources
      .filter((r) => r.type === "Microsoft.OperationalInsights/workspaces/tables")
      .map((r) => {
        const name = /variables\('tableSchemas'\)\.(\w+)/.exec(String(r.properties))?.[1] ?? "";
        const schema = schemas[name]!;
        assert.equal(schema.name, name);
        return [schema.name, schema.columns] as const;
      }),
  );
  assert.equal(props.dataFlows.length, TABLES.length);
  const toTableType: Record<string, string> = { bool: "boolean", datetime: "dateTime" };
  for (const flow of props.dataFlows) {
    assert.equal(flow.streams.length, 1, "one stream per data flow with a transform");
    const stream = flow.streams[0]!;
    assert.ok(stream.startsWith("Custom-") && props.streamDeclarations[stream], `stream ${stream} is declared`);
    for (const d of flow.destinations) assert.ok(destinations.includes(d), `destination ${d} is defined`);
    assert.ok(flow.transformKql.length <= 15_360);
    const tableName = flow.outputStream.replace(/^Custom-/, "");
    const columns = tables.get(tableName);
    assert.ok(columns, `output stream ${flow.outputStream} has a table resource`);
    const { code, errors } = analyze(flow.transformKql, buildGlobalState({ transformSourceFor: stream }));
    assert.deepEqual(errors, [], `transform of ${stream} is valid KQL`);
    const out = (resultColumns(code) ?? []).map((c) => ({ name: c.name, type: toTableType[c.type] ?? c.type }));
    assert.deepEqual(
      columns.map((c) => ({ name: c.name, type: c.type })),
      out,
      `${tableName} columns equal the transform output`,
    );
    for (const c of columns) assert.ok(c.name.length <= 45, `${c.name} is at most 45 characters`);
  }
  assert.ok(
    (dcr.dependsOn as string[]).some((d) => d.includes("ExchangeAudit_CL")),
    "DCR depends on its tables",
  );
});

test("assigns only the listed least-privilege roles, to the connector identity as a service principal", () => {
  const nested = infra.resources.find((r) => r.type === "Microsoft.Resources/deployments")!;
  const passed = (nested.properties as { parameters: Record<string, { value: string }> }).parameters;
  assert.match(passed.principalId!.value, /userAssignedIdentities.*\.principalId\]$/);
  const assignments = allResources(infra).filter((r) => r.type === "Microsoft.Authorization/roleAssignments");
  assert.deepEqual(
    infra.resources.filter((r) => r.type === "Microsoft.Authorization/roleAssignments"),
    [],
    "every assignment is in the nested deployment that knows the principal id",
  );
  const roleIds = assignments.map((r) => {
    const p = r.properties as { roleDefinitionId: string; principalType: string; principalId: string };
    assert.equal(p.principalType, "ServicePrincipal");
    assert.equal(p.principalId, "[parameters('principalId')]");
    assert.match(String(r.name), /^\[guid\(resourceId\(.*parameters\('principalId'\), '[0-9a-f-]{36}'\)\]$/);
    assert.ok(typeof r.scope === "string" && r.scope !== "", "scoped to one resource, not the resource group");
    return /'([0-9a-f-]{36})'\)\]$/.exec(p.roleDefinitionId)?.[1];
  });
  assert.deepEqual([...roleIds].sort(), Object.values(ROLES).sort());
  const publisher = assignments.find((r) => JSON.stringify(r).includes(ROLES.monitoringMetricsPublisher))!;
  assert.match(String(publisher.scope), /^\[format\('Microsoft\.Insights\/dataCollectionRules\/\{0\}'/);
});

test("puts no secrets in outputs and keeps storage and Key Vault identity-only", () => {
  for (const [file, template] of TEMPLATES) {
    for (const [name, o] of Object.entries(template.outputs ?? {})) {
      assert.doesNotMatch(o.type, /secure/i, `${file} output ${name}`);
      assert.doesNotMatch(
        JSON.stringify(o.value),
        /list[A-Z]\w*\(|listKeys|ConnectionString|InstrumentationKey|primaryKey|secret/i,
        `${file} output ${name}`,
      );
    }
    for (const [name, p] of Object.entries(template.parameters ?? {})) {
      if (/secure/i.test((p as { type: string }).type)) assert.ok(!("defaultValue" in (p as object)), name);
    }
  }
  assert.deepEqual(Object.keys(infra.outputs ?? {}).sort(), [
    "certificateName",
    "containerJobName",
    "dataCollectionRuleId",
    "dataCollectionRuleImmutableId",
    "functionAppName",
    "identityClientId",
    "identityPrincipalId",
    "identityResourceId",
    "keyVaultName",
    "keyVaultUri",
    "logsIngestionEndpoint",
    "storageAccountName",
  ]);
  const storage = infra.resources.find((r) => r.type === "Microsoft.Storage/storageAccounts")!;
  assert.equal((storage.properties as { allowSharedKeyAccess: boolean }).allowSharedKeyAccess, false);
  assert.equal((storage.properties as { minimumTlsVersion: string }).minimumTlsVersion, "TLS1_2");
  const vault = infra.resources.find((r) => r.type === "Microsoft.KeyVault/vaults")!;
  assert.equal((vault.properties as { enableRbacAuthorization: boolean }).enableRbacAuthorization, true);
  const site = infra.resources.find((r) => r.type === "Microsoft.Web/sites")!;
  const settings = JSON.stringify(site.properties);
  assert.match(settings, /AzureWebJobsStorage__accountName/);
  assert.doesNotMatch(settings, /AccountKey=|"AzureWebJobsStorage"/);
});

test("selects the hosting resources with the hosting parameter", () => {
  const hosting = infra.parameters?.hosting as { allowedValues: string[] };
  assert.deepEqual(hosting.allowedValues, ["functions", "containerAppsJob", "none"]);
  const conditionOf = (type: string) => infra.resources.find((r) => r.type === type)?.condition;
  assert.equal(conditionOf("Microsoft.Web/sites"), "[equals(parameters('hosting'), 'functions')]");
  assert.equal(conditionOf("Microsoft.App/jobs"), "[equals(parameters('hosting'), 'containerAppsJob')]");
  assert.equal(conditionOf("Microsoft.Insights/dataCollectionRules"), undefined, "the DCR is always deployed");
  const job = infra.resources.find((r) => r.type === "Microsoft.App/jobs")!;
  assert.match(JSON.stringify(job), /"cronExpression":"\[parameters\('jobCronExpression'\)\]"/);
});

test("packages every content item as a content template with Content Hub mappings", () => {
  const { content } = first;
  const templates = solution.resources.filter((r) => r.type.endsWith("/contentTemplates"));
  const kinds = templates.map((r) => (r.properties as { contentKind: string }).contentKind);
  const count = (k: string) => kinds.filter((x) => x === k).length;
  assert.equal(count("AnalyticsRule"), content.rules.length);
  assert.equal(count("HuntingQuery"), content.hunting.length);
  assert.equal(count("Parser"), content.parsers.length);
  assert.equal(count("Workbook"), content.workbooks.length);
  const pkg = solution.resources.find((r) => r.type.endsWith("/contentPackages"))!;
  const criteria = (pkg.properties as { dependencies: { criteria: unknown[] } }).dependencies.criteria;
  assert.equal(criteria.length, templates.length);
  assert.equal((pkg.properties as { version: string }).version, "[variables('_solutionVersion')]");
  assert.equal(solution.variables?._solutionVersion, solutionMetadata().version);

  const rules = allResources(solution).filter((r) => r.type === "Microsoft.SecurityInsights/AlertRuleTemplates");
  assert.equal(rules.length, content.rules.length);
  for (const r of rules) {
    const p = r.properties as Record<string, unknown>;
    const source = content.rules.find((x) => x.data.id === r.name)!.data;
    assert.equal(p.displayName, source.name);
    assert.equal(p.enabled, false);
    assert.equal(r.kind, source.kind);
    for (const t of (p.techniques as string[] | undefined) ?? []) assert.match(t, /^T\d{4}$/);
    if (source.kind === "Scheduled") {
      assert.match(String(p.queryFrequency), /^P(\d+D)?(T(\d+H)?(\d+M)?)?$/);
      assert.match(String(p.queryPeriod), /^P(\d+D)?(T(\d+H)?(\d+M)?)?$/);
      assert.match(String(p.triggerOperator), /^(GreaterThan|LessThan|Equal|NotEqual)$/);
    } else {
      assert.equal(p.queryFrequency, undefined);
    }
  }
  const hunting = allResources(solution).filter((r) => r.type === "Microsoft.OperationalInsights/savedSearches");
  for (const h of hunting) {
    const p = h.properties as { category: string; tags: { name: string }[] };
    assert.equal(p.category, "Hunting Queries");
    assert.ok(p.tags.some((t) => t.name === "tactics"));
  }
  const functions = solution.resources.filter(
    (r) => r.type === "Microsoft.OperationalInsights/workspaces/savedSearches",
  );
  assert.equal(functions.length, content.parsers.length, "parsers are deployed as workspace functions");
});

test("the solution zip holds the two package files byte for byte", () => {
  const zip = readZip(artifact(`dist/solution/${solutionMetadata().version}.zip`).data);
  assert.deepEqual([...zip.keys()], ["mainTemplate.json", "createUiDefinition.json"]);
  assert.ok(zip.get("mainTemplate.json")!.equals(artifact("dist/solution/mainTemplate.json").data));
  assert.ok(zip.get("createUiDefinition.json")!.equals(artifact("dist/solution/createUiDefinition.json").data));
});

test("writes the artifacts and the generated docs under the output root", () => {
  const out = mkdtempSync(join(tmpdir(), "exo-build-"));
  try {
    writeArtifacts(first.artifacts, out);
    const catalog = readFileSync(join(out, "docs", "content-catalog.md"), "utf8");
    for (const r of first.content.rules) assert.ok(catalog.includes(r.data.name.replace(/\|/g, "\\|")), r.file);
    const reference = readFileSync(join(out, "docs", "table-reference.md"), "utf8");
    for (const t of TABLES) assert.ok(reference.includes(`## ${t.tableName}`));
    assert.ok(
      readFileSync(join(out, "dist", "infra", "azuredeploy.json")).equals(artifact("dist/infra/azuredeploy.json").data),
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  assert.ok(REPO_ROOT);
});

const FIXTURE_ROOT = new URL("./fixtures/content/", import.meta.url).pathname;

test("maps a fixture pack of every kind to Content Hub resources field by field", (t) => {
  const built = buildArtifacts(FIXTURE_ROOT);
  assert.deepEqual(built.problems, []);
  const main: Template = JSON.parse(
    built.artifacts.find((a) => a.path === "dist/solution/mainTemplate.json")!.data.toString(),
  );
  const resources = allResources(main);
  const nrt = resources.find((r) => r.name === "0f3d9a52-7c1e-4b8a-9e2f-5a6b7c8d9e01")!;
  assert.equal(nrt.kind, "NRT");
  const p = nrt.properties as Record<string, unknown>;
  assert.equal(p.queryFrequency, undefined);
  assert.equal(p.triggerOperator, undefined);
  assert.deepEqual(p.techniques, ["T1562"]);
  assert.deepEqual(p.customDetails, { BypassTarget: "Target" });
  assert.deepEqual(p.eventGroupingSettings, { aggregationKind: "AlertPerResult" });
  assert.equal(
    (p.incidentConfiguration as { groupingConfiguration: { lookbackDuration: string } }).groupingConfiguration
      .lookbackDuration,
    "PT5H",
  );
  assert.equal(p.suppressionDuration, "PT1H");
  assert.equal(p.suppressionEnabled, false);

  const scheduled = resources.find(
    (r) => r.type === "Microsoft.SecurityInsights/AlertRuleTemplates" && r.kind === "Scheduled",
  )!;
  const sp = scheduled.properties as Record<string, unknown>;
  assert.deepEqual(
    [sp.queryFrequency, sp.queryPeriod, sp.triggerOperator, sp.triggerThreshold],
    ["PT1H", "PT1H", "GreaterThan", 0],
  );

  const hunting = resources.find((r) => r.type === "Microsoft.OperationalInsights/savedSearches")!;
  assert.deepEqual((hunting.properties as { tags: unknown }).tags, [
    { name: "description", value: "Build fixture listing mailbox permission changes per actor." },
    { name: "tactics", value: "Persistence,Collection" },
    { name: "techniques", value: "T1098.002,T1114.002" },
  ]);
  const fn = main.resources.find((r) => r.type === "Microsoft.OperationalInsights/workspaces/savedSearches")!;
  assert.deepEqual(
    [
      (fn.properties as Record<string, unknown>).functionAlias,
      (fn.properties as Record<string, unknown>).functionParameters,
    ],
    ["FixtureAllowList", "disabled:bool=false"],
  );
  const wb = resources.find((r) => r.type === "Microsoft.Insights/workbooks")!;
  assert.equal(wb.kind, "shared");
  assert.match(String(wb.name), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const wp = wb.properties as { serializedData: string; displayName: string };
  assert.deepEqual(JSON.parse(wp.serializedData), {
    ...JSON.parse(readFileSync(join(FIXTURE_ROOT, "workbooks/exchange-overview.json"), "utf8")),
    fromTemplateId: "sentinel-ExoAuditExchangeOverview",
  });
  assert.equal(wp.displayName, "[parameters('workbook1-name')]");
  assert.equal((main.parameters!["workbook1-name"] as { defaultValue: string }).defaultValue, "Exchange Overview");

  if (!armSchemasAvailable()) {
    t.diagnostic("../shared/arm-schemas not present: schema validation of the fixture pack skipped");
    return;
  }
  const validator = new ArmSchemaValidator();
  const errors = resources.flatMap((r) => validator.check(r).errors.map((e) => `${r.type} ${r.name}: ${e}`));
  assert.deepEqual(errors, []);
});

test("deploy/main.bicep passes every ARM template parameter through and re-exports every output", () => {
  const bicep = artifact("deploy/main.bicep").data.toString("utf8");
  assert.equal(bicep, readFileSync(join(REPO_ROOT, "deploy", "main.bicep"), "utf8"), "deploy/main.bicep is up to date");
  assert.match(bicep, /module connector '\.\.\/dist\/infra\/azuredeploy\.json'/);
  const params = [...bicep.matchAll(/^param (\w+) (\w+)( = .*)?$/gm)];
  assert.deepEqual(
    params.map((m) => m[1]),
    Object.keys(infra.parameters ?? {}),
  );
  for (const [, name, , def] of params) {
    const p = infra.parameters?.[name!] as { defaultValue?: unknown };
    assert.equal(def === undefined, p.defaultValue === undefined, `${name}: required in both or in neither`);
    assert.match(bicep, new RegExp(`^    ${name}: ${name}$`, "m"), `${name} is passed to the module`);
  }
  const outputs = [...bicep.matchAll(/^output (\w+) string = .*connector\.outputs\.(\w+)/gm)];
  assert.deepEqual(
    outputs.map((m) => [m[1], m[2]]),
    Object.keys(infra.outputs ?? {}).map((o) => [o, o]),
  );
});

test("the build CLI writes to --out and --check reports missing or stale files without writing", () => {
  const out = mkdtempSync(join(tmpdir(), "exo-build-cli-"));
  const script = join(REPO_ROOT, "scripts", "build.ts");
  const run = (...args: string[]) =>
    spawnSync(
      process.execPath,
      [script, "--root", FIXTURE_ROOT, "--out", out, "--skip-validate", "--no-previews", ...args],
      {
        encoding: "utf8",
      },
    );
  try {
    const missing = run("--check");
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /out of date: dist\/solution\/mainTemplate\.json/);
    const written = run();
    assert.equal(written.status, 0, written.stderr);
    assert.match(written.stdout, /wrote dist\/infra\/azuredeploy\.json/);
    assert.equal(run("--check").status, 0);
    writeFileSync(join(out, "docs", "content-catalog.md"), "edited by hand\n");
    const stale = run("--check");
    assert.equal(stale.status, 1);
    assert.match(stale.stderr, /docs\/content-catalog\.md/);
    const help = spawnSync(process.execPath, [script, "--help"], { encoding: "utf8" });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--skip-validate/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
