/**
 * Issue 18, failures 3, 4 and 5: hosts pinned by cloud, `config check` refusing exactly what `run` refuses, and
 * misspelled or conflicting environment variables named.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { configCheckReport } from "../../connector/commands/config.ts";
import { unknownVariables } from "../../connector/config/env.ts";
import { onDotBoundary, pinnedHostProblem, urlShapeProblem } from "../../connector/config/hosts.ts";
import { loadConfig } from "../../connector/config/load.ts";
import { loadRunConfig } from "../../connector/hosting/config.ts";
import { HOSTED_SETTINGS, IGNORED_SETTINGS } from "../../connector/hosting/settings.ts";
import { validateIngestionEndpoint } from "../../connector/sink/endpoint.ts";

const root = mkdtempSync(join(tmpdir(), "exo-hosts-"));
after(() => rmSync(root, { recursive: true, force: true }));

describe("hosts pinned by cloud", () => {
  const cases: Array<[Parameters<typeof pinnedHostProblem>[0], string, string, boolean]> = [
    ["authorityHost", "https://login.microsoftonline.com", "commercial", true],
    ["authorityHost", "https://login.windows.net", "gcc", true],
    ["authorityHost", "https://login.microsoftonline.us", "gcchigh", true],
    ["authorityHost", "https://login.microsoftonline.com", "dod", false],
    ["authorityHost", "https://login.evil.example", "commercial", false],
    ["authorityHost", "https://login.microsoftonline.com.evil.example", "commercial", false],
    ["apiRoot", "https://manage.office.com", "commercial", true],
    ["apiRoot", "https://manage-gcc.office.com", "gcc", true],
    ["apiRoot", "https://manage.office365.us", "gcchigh", true],
    ["apiRoot", "https://manage.protection.apps.mil", "dod", true],
    ["apiRoot", "https://manage.office.com", "gcchigh", false],
    ["apiRoot", "https://manage.office.com.evil.example", "commercial", false],
    ["apiRoot", "https://127.0.0.1:8443", "commercial", false],
    ["ingestion.endpoint", "https://dce-1a2b.westeurope-1.ingest.monitor.azure.com", "public", true],
    ["ingestion.endpoint", "https://dcr-x.usgovvirginia-1.ingest.monitor.azure.us", "usgov", true],
    ["ingestion.endpoint", "https://dcr-x.chinaeast2-1.ingest.monitor.azure.cn", "china", true],
    ["ingestion.endpoint", "https://dcr-x.usgovvirginia-1.ingest.monitor.azure.us", "public", false],
    ["ingestion.endpoint", "https://x.ingest.evil.example", "public", false],
    ["ingestion.endpoint", "https://x.ingest.monitor.azure.com.evil.example", "public", false],
    ["ingestion.endpoint", "https://evilingest.monitor.azure.com", "public", false],
    ["ingestion.authorityHost", "https://login.chinacloudapi.cn", "china", true],
    ["ingestion.authorityHost", "https://login.chinacloudapi.cn", "public", false],
  ];
  for (const [setting, url, cloud, ok] of cases) {
    it(`${setting} ${url} in ${cloud} is ${ok ? "accepted" : "refused"}`, () => {
      const p = pinnedHostProblem(setting, url, cloud);
      if (ok) assert.equal(p, undefined);
      else assert.match(String(p), /allowCustomHosts/);
    });
  }

  it("matches suffixes on a dot boundary only", () => {
    assert.ok(onDotBoundary("a.ingest.monitor.azure.com", "ingest.monitor.azure.com"));
    assert.ok(!onDotBoundary("aingest.monitor.azure.com", "ingest.monitor.azure.com"));
    assert.ok(!onDotBoundary("ingest.monitor.azure.com.evil.example", "ingest.monitor.azure.com"));
  });

  it("refuses user:password, http and paths where an origin is due", () => {
    assert.match(String(urlShapeProblem("https://u:p@manage.office.com", { origin: true })), /password/);
    assert.match(String(urlShapeProblem("http://manage.office.com", { origin: true })), /https/);
    assert.match(String(urlShapeProblem("https://h/api/v1.0", { origin: true })), /origin/);
    assert.equal(urlShapeProblem("https://x.ingest.monitor.azure.com/", { origin: false }), undefined);
  });

  it("the sink refuses an ingestion host that only contains '.ingest.'", () => {
    assert.throws(() => validateIngestionEndpoint("https://x.ingest.evil.example"), /does not look like/);
    assert.throws(() => validateIngestionEndpoint("https://u:p@x.westeurope-1.ingest.monitor.azure.com"), /password/);
    assert.doesNotThrow(() => validateIngestionEndpoint("https://x.westeurope-1.ingest.monitor.azure.com"));
  });
});

describe("config check runs the validation run runs", () => {
  const T = "7f3a1c2e-5b4d-4e8f-9a1b-2c3d4e5f6a7b";
  const C = "0b5e6c1a-3d2f-4a8b-9c7d-1e2f3a4b5c6d";
  const config = (tenant: Record<string, unknown>, ingestion: Record<string, unknown> = {}, top = {}) => {
    const f = join(root, `c-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(
      f,
      JSON.stringify({
        ...top,
        tenants: [{ tenantId: T, auth: { clientId: C, managedIdentity: true }, ...tenant }],
        ingestion: {
          endpoint: "https://dce-1.westeurope-1.ingest.monitor.azure.com",
          dcrImmutableId: `dcr-${"a".repeat(32)}`,
          ...ingestion,
        },
        state: { dir: join(root, "state") },
      }),
      { mode: 0o600 },
    );
    return f;
  };
  const bad: Array<[string, string, string]> = [
    ["a foreign authority", config({ authorityHost: "https://login.evil.example" }), "tenants[0].authorityHost"],
    ["a look-alike API root", config({ apiRoot: "https://manage.office.com.evil.example" }), "tenants[0].apiRoot"],
    ["an API root with a path", config({ apiRoot: "https://manage.office.com/api/v1.0" }), "tenants[0].apiRoot"],
    ["user:password in the API root", config({ apiRoot: "https://u:p@manage.office.com" }), "tenants[0].apiRoot"],
    [
      "an ingestion host with '.ingest.' inside",
      config({}, { endpoint: "https://x.ingest.evil.example" }),
      "ingestion.endpoint",
    ],
    [
      "user:password in the endpoint",
      config({}, { endpoint: "https://u:p@d.westeurope-1.ingest.monitor.azure.com" }),
      "ingestion.endpoint",
    ],
  ];
  for (const [what, file, path] of bad) {
    it(`'config check' and 'run' both refuse ${what} (${path})`, async () => {
      const r = configCheckReport(file);
      assert.equal(r.code, 1, r.text);
      assert.ok(r.text.includes(path), r.text);
      const write = process.stderr.write;
      let err = "";
      process.stderr.write = ((c: string) => {
        err += c;
        return true;
      }) as typeof process.stderr.write;
      try {
        assert.equal(await loadRunConfig("run", file), null);
      } finally {
        process.stderr.write = write;
      }
      assert.ok(err.includes(path), err);
    });
  }

  it("allowCustomHosts: true accepts emulator hosts in both", async () => {
    const f = config(
      { apiRoot: "https://127.0.0.1:8443", authorityHost: "https://127.0.0.1:8444" },
      { endpoint: "https://127.0.0.1:8445" },
      { allowCustomHosts: true },
    );
    assert.equal(configCheckReport(f).code, 0);
    assert.notEqual(await loadRunConfig("run", f), null);
  });
});

describe("environment variables (issue 18, failure 5)", () => {
  it("warns about a misspelled EXO_AUDIT_* variable with a did-you-mean", () => {
    const problems = unknownVariables({
      EXO_AUDIT_POLL_INTERVAL: "60",
      EXO_AUDIT_CLIENTSECRET: "x",
      EXO_AUDIT_TENANT_IDD: "x",
      EXO_AUDIT_CONFIG: "f.yaml",
      EXO_AUDIT_CONFIG_YAML: "",
      OTHER: "1",
    });
    const by = Object.fromEntries(problems.map((p) => [p.path, p]));
    assert.deepEqual(Object.keys(by), ["EXO_AUDIT_CLIENTSECRET", "EXO_AUDIT_POLL_INTERVAL", "EXO_AUDIT_TENANT_IDD"]);
    assert.match(by.EXO_AUDIT_POLL_INTERVAL!.message, /did you mean EXO_AUDIT_POLL_INTERVAL_SEC\?/);
    assert.match(by.EXO_AUDIT_CLIENTSECRET!.message, /did you mean EXO_AUDIT_CLIENT_SECRET\?/);
    assert.match(by.EXO_AUDIT_TENANT_IDD!.message, /did you mean EXO_AUDIT_TENANT_ID\?/);
    for (const p of problems) assert.equal(p.severity, "warning");
  });

  it("knows every app setting of the hosting layer", () => {
    for (const name of [...HOSTED_SETTINGS.map((x) => x.name), ...IGNORED_SETTINGS]) {
      if (name.startsWith("EXO_AUDIT_")) assert.deepEqual(unknownVariables({ [name]: "x" }), [], name);
    }
  });

  it("a conflict between a variable and the file names both", () => {
    const T = "7f3a1c2e-5b4d-4e8f-9a1b-2c3d4e5f6a7b";
    const f = join(root, "conflict.yaml");
    writeFileSync(
      f,
      JSON.stringify({
        tenants: [{ tenantId: T, auth: { clientId: T, clientSecret: "s" } }],
        ingestion: {
          endpoint: "https://d.westeurope-1.ingest.monitor.azure.com",
          dcrImmutableId: `dcr-${"a".repeat(32)}`,
        },
      }),
      { mode: 0o600 },
    );
    const loaded = loadConfig({ file: f, env: { EXO_AUDIT_CERTIFICATE_PATH: "/c.pem", EXO_AUDIT_POLL_INTERVAL: "5" } });
    const conflict = loaded.problems.find((p) => p.path === "tenants[0].auth");
    assert.ok(conflict, JSON.stringify(loaded.problems));
    assert.match(conflict.message, /EXO_AUDIT_CERTIFICATE_PATH sets tenants\[0\]\.auth\.certificatePath/);
    assert.match(conflict.message, /the file sets .*tenants\[0\]\.auth\.clientSecret/);
    assert.ok(loaded.problems.some((p) => p.path === "EXO_AUDIT_POLL_INTERVAL" && p.severity === "warning"));
  });
});
