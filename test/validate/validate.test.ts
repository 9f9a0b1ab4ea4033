import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { REPO_ROOT } from "../../kql/content/load.ts";
import { formatOffender, type Offender, type ValidationResult, validateContent } from "../../scripts/validate/index.ts";

const BROKEN = fileURLToPath(new URL("./fixtures/broken/", import.meta.url));

interface Expected {
  file: string;
  field: string;
  message: RegExp;
  /** Text whose first occurrence in the file marks the expected line:column. */
  at?: string;
  line?: number;
}

const R = "analytics-rules/";
const EXPECTED: Expected[] = [
  {
    file: `${R}unknown-column.yaml`,
    field: "query",
    message: /MailboxOwnerSmtp.*does not refer/,
    at: "MailboxOwnerSmtp",
  },
  {
    file: `${R}cloud-application-guid-appid.yaml`,
    field: "entityMappings[2].fieldMappings[0].columnName",
    message: /'ClientAppId' \(string\) holds an application GUID.*integer Defender for Cloud Apps app id/,
  },
  { file: `${R}bad-technique.yaml`, field: "relevantTechniques[0]", message: /T1649 is not in the Sentinel/ },
  { file: `${R}technique-without-tactic.yaml`, field: "relevantTechniques[1]", message: /T1098 needs.*Persistence/ },
  {
    file: `${R}bad-entity-identifier.yaml`,
    field: "entityMappings[1].fieldMappings[2].identifier",
    message: /'SmtpAddress' is not an identifier of entity type Mailbox/,
  },
  {
    file: `${R}missing-required-identifier.yaml`,
    field: "entityMappings[0].fieldMappings",
    message: /missing required identifiers for type Account/,
  },
  {
    file: `${R}period-less-than-frequency.yaml`,
    field: "queryPeriod",
    message: /greater than or equal to queryFrequency/,
  },
  { file: `${R}short-frequency-long-period.yaml`, field: "queryFrequency", message: /at least 1 hour/ },
  { file: `${R}frequency-out-of-range.yaml`, field: "queryFrequency", message: /outside.*14 days/ },
  { file: `${R}frequency-out-of-range.yaml`, field: "queryPeriod", message: /outside.*14 days/ },
  { file: `${R}bad-version.yaml`, field: "version", message: /must be a string/ },
  { file: `${R}duplicate-id-b.yaml`, field: "id", message: /duplicate id .*duplicate-id-a\.yaml/ },
  { file: `${R}query-too-long.yaml`, field: "query", message: /longer than 10000 characters/ },
  {
    file: `${R}entity-column-not-in-output.yaml`,
    field: "entityMappings[1].fieldMappings[0].columnName",
    message: /'ClientIPAddress' is not an output column/,
  },
  {
    file: `${R}entity-column-not-in-output.yaml`,
    field: "customDetails.Target",
    message: /'TargetMailbox' is not an output/,
  },
  {
    file: `${R}too-many-placeholders.yaml`,
    field: "alertDetailsOverride.alertDisplayNameFormat",
    message: /4 \{\{placeholders\}\}.*at most 3/,
  },
  {
    file: `${R}legacy-custom-entity.yaml`,
    field: "query",
    message: /legacy column AccountCustomEntity/,
    at: "AccountCustomEntity",
  },
  { file: `${R}invalid-yaml.yaml`, field: "(file)", message: /invalid YAML/, line: 7 },
  { file: `${R}schema-limits.yaml`, field: "severity", message: /one of: Informational/ },
  { file: `${R}schema-limits.yaml`, field: "querFrequency", message: /not a known field/ },
  { file: `${R}schema-limits.yaml`, field: "triggerOperator", message: /one of: gt, lt/ },
  { file: `${R}schema-limits.yaml`, field: "triggerThreshold", message: /<= 10000/ },
  { file: `${R}schema-limits.yaml`, field: "tactics[1]", message: /one of: InitialAccess/ },
  { file: `${R}schema-limits.yaml`, field: "customDetails.1stKey", message: /start with a letter/ },
  {
    file: `${R}schema-limits.yaml`,
    field: "eventGroupingSettings.aggregationKind",
    message: /SingleAlert, AlertPerResult/,
  },
  { file: "hunting-queries/long-description.yaml", field: "description", message: /longer than 255/ },
  {
    file: "hunting-queries/unknown-table.yaml",
    field: "query",
    message: /ExchangeAuditLogs_CL.*does not refer/,
    at: "ExchangeAuditLogs_CL",
  },
  { file: "parsers/BrokenParser.yaml", field: "FunctionQuery", message: /'ActorUpn' does not refer/, at: "ActorUpn" },
  { file: `${R}upstream-ci.yaml`, field: "(file)", message: /locale segment/, at: "https://docs.microsoft.com/en-us" },
  { file: `${R}upstream-ci.yaml`, field: "(file)", message: /non-ASCII character 'Ü' \(U\+00DC\)/, at: "Überweisung" },
  {
    file: `${R}upstream-ci.yaml`,
    field: "(file)",
    message: /'Sentinel' not preceded by 'Microsoft'/,
    at: "Sentinel.",
  },
  {
    file: `${R}upstream-ci.yaml`,
    field: "requiredDataConnectors[0].connectorId",
    message: /unknown connectorId 'ExchangeAuditConnectr'/,
  },
  { file: `${R}upstream-ci.yaml`, field: "customDetails.SessionId", message: /ends in "id"/ },
  {
    file: "parsers/CiPreambleParser.yaml",
    field: "FunctionParams",
    message: /CI let-preamble 'let eventresult= ''\*'';'/,
  },
  {
    file: "workbooks/undeclared-parameter.json",
    field: "items[1].content.query",
    message: /undeclared parameter \{Operation\}/,
    at: "{Operation}",
  },
  {
    file: "workbooks/undeclared-parameter.json",
    field: "items[1].content.query",
    message: /unknown parameter format \{Operations:lable\}/,
    at: "{Operations:lable}",
  },
  { file: "workbooks/subscription-id.json", field: "(file)", message: /subscription id/, at: "subscriptions/0b4f2a86" },
  { file: "workbooks/subscription-id.json", field: "fallbackResourceIds[0]", message: /concrete resource id/ },
  { file: "workbooks/subscription-id.json", field: "fromTemplateId", message: /sentinel-UserWorkbook/ },
  {
    file: "workbooks/text-parameter-in-quotes.json",
    field: "items[1].content.query",
    message: /text parameter \{Mailbox\} is pasted as typed inside '\.\.\.'/,
    at: "{Mailbox}",
  },
  {
    file: "workbooks/bad-query.json",
    field: "items[1].content.query",
    message: /'Operaton' does not refer/,
    at: "Operaton",
  },
];

/** 1-based line and column of the first occurrence of `needle` in a fixture file. */
function positionOf(file: string, needle: string): { line: number; column: number } {
  const text = readFileSync(join(BROKEN, file), "utf8");
  const idx = text.indexOf(needle);
  assert.ok(idx >= 0, `${needle} not in ${file}`);
  const before = text.slice(0, idx);
  return { line: before.split("\n").length, column: idx - before.lastIndexOf("\n") };
}

const matches = (o: Offender, e: Expected) => o.file === e.file && o.field === e.field && e.message.test(o.message);

// One in-process cold run of the broken fixtures shared by the tests below (the Kusto service loads once);
// it fills a private cache file that the cache test then reads.
const cacheDir = mkdtempSync(join(tmpdir(), "exo-validate-cache-"));
const cacheFile = join(cacheDir, "kql.json");
after(() => rmSync(cacheDir, { recursive: true, force: true }));
let brokenRun: Promise<ValidationResult> | undefined;
const brokenResult = () => {
  brokenRun ??= validateContent({ root: BROKEN, transforms: false, workers: 1, cache: cacheFile });
  return brokenRun;
};
const brokenOffenders = async () => (await brokenResult()).offenders;

test("lists every offender of the broken fixtures with its file, field and position", async () => {
  const offenders = await brokenOffenders();
  const missing = EXPECTED.filter((e) => !offenders.some((o) => matches(o, e)));
  assert.deepEqual(
    missing.map((e) => `${e.file} ${e.field} ${e.message}`),
    [],
    `not reported; got:\n${offenders.map(formatOffender).join("\n")}`,
  );
  const unexpected = offenders.filter((o) => !EXPECTED.some((e) => matches(o, e)));
  assert.deepEqual(unexpected.map(formatOffender), [], "offenders no fixture asked for");
  for (const e of EXPECTED) {
    const o = offenders.find((x) => matches(x, e))!;
    if (e.at) {
      const want = positionOf(e.file, e.at);
      assert.deepEqual({ line: o.line, column: o.column }, want, `position of ${e.file} ${e.field}`);
    }
    if (e.line) assert.equal(o.line, e.line, `line of ${e.file} ${e.field}`);
    if (!e.at && !e.line && e.field !== "(file)") assert.ok(o.line, `${e.file} ${e.field} has a line number`);
  }
});

test("accepts the baseline fixtures that differ from the broken ones only in the defect", async () => {
  const offenders = await brokenOffenders();
  for (const clean of [`${R}valid-baseline.yaml`, `${R}duplicate-id-a.yaml`, "workbooks/valid-workbook.json"]) {
    assert.deepEqual(offenders.filter((o) => o.file === clean).map(formatOffender), []);
  }
});

test("accepts the repository content pack and the DCR transforms in under 10 seconds", async (t) => {
  const result = await validateContent({ root: REPO_ROOT, cache: false });
  assert.deepEqual(result.offenders.map(formatOffender), [], "the content pack must validate");
  assert.ok(result.counts.queries >= 2, "at least the two DCR transforms are analysed");
  t.diagnostic(`validated ${result.counts.queries} KQL texts in ${Math.round(result.elapsedMs)} ms`);
  // Wall time is only meaningful when other processes leave the cores free (CI runs tests in parallel).
  if (loadavg()[0]! < availableParallelism()) {
    assert.ok(result.elapsedMs < 10_000, `validation took ${Math.round(result.elapsedMs)} ms`);
  } else {
    t.diagnostic(`load average ${loadavg()[0]!.toFixed(1)} exceeds the core count: time budget not asserted`);
  }
});

test("reuses cached analyses of unchanged queries and reports the same offenders", async () => {
  const cold = await brokenResult();
  const stored = JSON.parse(readFileSync(cacheFile, "utf8")) as { entries: Record<string, unknown> };
  const entries = Object.keys(stored.entries).length;
  // the fixtures share query texts, and identical analyses share one entry
  assert.ok(entries > 0 && entries <= cold.counts.queries, `${entries} cache entries`);
  const warm = await validateContent({ root: BROKEN, transforms: false, workers: 1, cache: cacheFile });
  assert.deepEqual(warm.offenders, cold.offenders);
});

test("the CLI exits 1 and prints file:line offenders for a broken root, 0 with --help", () => {
  const node = process.execPath;
  const script = join(REPO_ROOT, "scripts", "validate.ts");
  // a one-file root keeps the child process cheap
  const root = mkdtempSync(join(tmpdir(), "exo-validate-"));
  mkdirSync(join(root, "analytics-rules"));
  copyFileSync(
    join(BROKEN, "analytics-rules", "unknown-column.yaml"),
    join(root, "analytics-rules", "unknown-column.yaml"),
  );
  const bad = spawnSync(node, [script, "--root", root, "--no-transforms", "--no-cache"], { encoding: "utf8" });
  rmSync(root, { recursive: true, force: true });
  assert.equal(bad.status, 1, bad.stderr);
  assert.match(bad.stdout, /analytics-rules\/unknown-column\.yaml:22:11 {2}query {2}KQL: /);
  assert.match(bad.stdout, /validate: \d+ problem\(s\) .* in \d+\.\d\d s/);
  const help = spawnSync(node, [script, "--help"], { encoding: "utf8" });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--root <dir>/);
  const usage = spawnSync(node, [script, "--bogus"], { encoding: "utf8" });
  assert.equal(usage.status, 2);
});
