import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  ConfigError,
  ENV_BINDINGS,
  loadConfig,
  loadConfigOrThrow,
  redactConfig,
} from "../../connector/config/index.ts";

const root = mkdtempSync(join(tmpdir(), "exo-config-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function file(text: string, mode = 0o600): string {
  const p = join(root, `c${++n}.yaml`);
  writeFileSync(p, text);
  chmodSync(p, mode);
  return p;
}

const GOOD = `
tenants:
  - tenantId: 7f3a1c2e-5b4d-4e8f-9a1b-2c3d4e5f6a7b
    auth:
      clientId: 0b5e6c1a-3d2f-4a8b-9c7d-1e2f3a4b5c6d
      certificatePath: certs/exo-audit.pem
ingestion:
  endpoint: https://exo-audit-dce-a1b2.westeurope-1.ingest.monitor.azure.com
  dcrImmutableId: dcr-0123456789abcdef0123456789abcdef
state:
  dir: ./state
collection:
  windowHours: 2
`;

describe("configuration", () => {
  it("fills the documented defaults and resolves paths against the config file's folder", () => {
    const { config, warnings } = loadConfigOrThrow({ file: file(GOOD), env: {} });
    assert.deepEqual(warnings, []);
    assert.equal(config.tenants[0]?.contentTypes.join(), "Audit.Exchange");
    assert.equal(config.tenants[0]?.publisherId, "7f3a1c2e-5b4d-4e8f-9a1b-2c3d4e5f6a7b");
    assert.equal(config.tenants[0]?.auth.certificatePath, join(root, "certs/exo-audit.pem"));
    assert.equal(config.state.dir, join(root, "state"));
    assert.equal(config.deadLetter.dir, join(root, "state", "dead-letters"));
    assert.equal(config.collection.pollIntervalSec, 300);
    assert.equal(config.collection.windowHours, 2);
    assert.equal(config.collection.overlapHours, 2);
    assert.equal(config.collection.requestsPerMinute, 2000);
    assert.equal(config.ingestion.streams.audit, "Custom-ExchangeAudit");
    assert.equal(config.ingestion.auth.tenantId, "7f3a1c2e-5b4d-4e8f-9a1b-2c3d4e5f6a7b", "tenant identity reused");
    assert.equal(config.normalize.subjects, "keep");
  });

  it("lets environment variables win over the file", () => {
    const { config } = loadConfigOrThrow({
      file: file(GOOD),
      env: {
        EXO_AUDIT_WINDOW_HOURS: "3",
        EXO_AUDIT_CONTENT_TYPES: "Audit.Exchange, Audit.General",
        EXO_AUDIT_KEEP_AUDIT_DATA: "false",
      },
    });
    assert.equal(config.collection.windowHours, 3);
    assert.deepEqual(config.tenants[0]?.contentTypes, ["Audit.Exchange", "Audit.General"]);
    assert.equal(config.normalize.keepAuditData, false);
  });

  it("sends the MSSP's publisher id for every customer tenant of one configuration, and each tenant's own without it", () => {
    const customers = [
      "7f3a1c2e-5b4d-4e8f-9a1b-2c3d4e5f6a7b",
      "2c3d4e5f-6071-4829-8b3c-4d5e6f7a8b92",
      "3d4e5f60-7182-493a-9c4d-5e6f7a8b9ca3",
    ];
    const mssp = "11111111-2222-4333-8444-555555555555";
    const text = GOOD.replace(
      /tenants:\n[\s\S]*?(?=ingestion:)/,
      `tenants:\n${customers
        .map(
          (id) =>
            `  - tenantId: ${id}\n    auth:\n      clientId: 0b5e6c1a-3d2f-4a8b-9c7d-1e2f3a4b5c6d\n      certificatePath: certs/exo-audit.pem\n`,
        )
        .join("")}`,
    );
    const shared = loadConfigOrThrow({ file: file(text), env: { EXO_AUDIT_PUBLISHER_ID: mssp } }).config;
    assert.deepEqual(
      shared.tenants.map((t) => [t.tenantId, t.publisherId]),
      customers.map((id) => [id, mssp]),
    );
    const own = loadConfigOrThrow({ file: file(text), env: {} }).config;
    assert.deepEqual(
      own.tenants.map((t) => t.publisherId),
      customers,
    );
  });

  it("builds a single-tenant configuration from the environment alone", () => {
    const loaded = loadConfig({
      cwd: root,
      env: {
        EXO_AUDIT_TENANT_ID: "7f3a1c2e-5b4d-4e8f-9a1b-2c3d4e5f6a7b",
        EXO_AUDIT_MANAGED_IDENTITY: "true",
        EXO_AUDIT_INGESTION_ENDPOINT: "https://x-a1b2.eastus-1.ingest.monitor.azure.com",
        EXO_AUDIT_DCR_IMMUTABLE_ID: "dcr-0123456789abcdef0123456789abcdef",
      },
    });
    assert.deepEqual(loaded.problems, []);
    assert.equal(loaded.config?.tenants[0]?.auth.managedIdentity, true);
    assert.equal(loaded.config?.state.dir, join(root, "exo-audit-state"));
  });

  it("defaults to an hourly 24 h and a daily 7-day reconciliation sweep and health rows every 15 minutes", () => {
    const { config } = loadConfigOrThrow({ file: file(GOOD), env: {} });
    assert.deepEqual(config.collection.sweeps, [
      { everyMinutes: 60, horizonHours: 24 },
      { everyMinutes: 1440, horizonHours: 168 },
    ]);
    assert.equal(config.collection.healthIntervalSec, 900);
    const none = loadConfigOrThrow({ file: file(`${GOOD}  sweeps: []\n`), env: {} });
    assert.deepEqual(none.config.collection.sweeps, [], "an empty list turns sweeps off");
  });

  it("rejects sweeps beyond the API's 7 days or more often than every 5 minutes", () => {
    const bad = file(`${GOOD}  sweeps:\n    - { everyMinutes: 1, horizonHours: 200 }\n`);
    const { problems } = loadConfig({ file: bad, env: {} });
    const paths = problems.filter((p) => p.severity === "error").map((p) => p.path);
    assert.ok(paths.includes("collection.sweeps[0].everyMinutes"), JSON.stringify(problems));
    assert.ok(paths.includes("collection.sweeps[0].horizonHours"), JSON.stringify(problems));
  });

  it("lists every problem at once", () => {
    const bad = file(`
tenants:
  - tenantId: contoso.onmicrosoft.com
    contentTypes: [Audit.Exchang]
    auth:
      clientSecret: s3cr3t-value-123
      certificatePath: a.pem
  - tenantId: 7f3a1c2e-5b4d-4e8f-9a1b-2c3d4e5f6a7b
    auth:
      clientSecret: "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/exo/)"
ingestion:
  endpoint: https://exo-dce-a1b2.westeurope-1.metrics.ingest.monitor.azure.com
  dcrImmutableId: exo-audit-dcr
  streams: { audit: ExchangeAudit }
collection:
  windowHours: 23
  overlapHours: 2
  pollInterval: 60
state:
  dir: ./s
  azure: { container: x }
`);
    const loaded = loadConfig({ file: bad, env: { EXO_AUDIT_BATCH_ROWS: "many" } });
    assert.equal(loaded.config, undefined);
    const errors = loaded.problems.filter((p) => p.severity === "error").map((p) => `${p.path}: ${p.message}`);
    const expect: [string, RegExp][] = [
      ["EXO_AUDIT_BATCH_ROWS", /not a whole number/],
      ["tenants[0].tenantId", /GUID/],
      ["tenants[0].contentTypes[0]", /one of Audit.Exchange/],
      ["tenants[0].auth", /certificatePath and clientSecret are all set|clientSecret and certificatePath/],
      ["tenants[1].auth.clientId", /required for/],
      ["tenants[1].auth.clientSecret", /unresolved Key Vault reference/],
      ["ingestion.endpoint", /metrics ingestion endpoint/],
      ["ingestion.dcrImmutableId", /immutable id/],
      ["ingestion.streams.audit", /Custom-/],
      ["collection.pollInterval", /unknown setting/],
      ["collection.windowHours", /at most 24/],
      ["state", /either dir or azure/],
      ["state.azure", /exactly one of accountUrl and connectionString/],
      ["state.azure.container", /invalid format/],
    ];
    for (const [path, re] of expect) {
      assert.ok(
        errors.some((e) => e.startsWith(`${path}: `) && re.test(e)),
        `missing ${path} ${re}\n${errors.join("\n")}`,
      );
    }
    assert.throws(
      () => loadConfigOrThrow({ file: bad, env: {} }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.ok(e.problems.length >= 12);
        assert.match(e.message, /configuration has \d+ problems/);
        return true;
      },
    );
  });

  it("reports YAML syntax errors with their line", () => {
    const loaded = loadConfig({ file: file("tenants:\n  - tenantId: [\n"), env: {} });
    assert.match(loaded.problems[0]?.path ?? "", /:\d+:\d+$/);
    // Issue 18, minor: no spurious "is required" for keys the broken file may well set.
    assert.ok(!loaded.problems.some((p) => /is required/.test(p.message)), JSON.stringify(loaded.problems));
  });

  it("warns when a file holding a secret is readable by others", () => {
    const text = GOOD.replace("certificatePath: certs/exo-audit.pem", "clientSecret: s3cr3t-value-123");
    const open = loadConfig({ file: file(text, 0o644), env: {} });
    assert.ok(open.config);
    assert.match(open.problems.find((p) => p.severity === "warning")?.message ?? "", /readable by others.*chmod 600/);
    assert.deepEqual(loadConfig({ file: file(text, 0o600), env: {} }).problems, []);
    assert.deepEqual(loadConfig({ file: file(GOOD, 0o644), env: {} }).problems, [], "no secret, no warning");
  });

  it("redacts secrets in the printed configuration", () => {
    const text = GOOD.replace("certificatePath: certs/exo-audit.pem", "clientSecret: s3cr3t-value-123");
    const { config } = loadConfigOrThrow({ file: file(text), env: {} });
    const shown = JSON.stringify(redactConfig(config));
    assert.doesNotMatch(shown, /s3cr3t/);
    assert.match(shown, /"clientSecret":"\[redacted\]"/);
  });

  it("documents every setting of the schema and every environment variable", () => {
    const doc = readFileSync(new URL("../../docs/configuration.md", import.meta.url), "utf8");
    const schema = JSON.parse(
      readFileSync(new URL("../../connector/config/config.schema.json", import.meta.url), "utf8"),
    ) as Record<string, unknown>;
    const keys: string[] = [];
    const walk = (node: Record<string, unknown>, prefix: string) => {
      const defs = schema.definitions as Record<string, Record<string, unknown>>;
      const resolved = typeof node.$ref === "string" ? defs[node.$ref.split("/").pop()!]! : node;
      const props = (resolved.properties ?? (resolved.items as Record<string, unknown> | undefined)?.properties) as
        | Record<string, Record<string, unknown>>
        | undefined;
      if (!props) return;
      const itemPrefix = resolved.items ? `${prefix}[]` : prefix;
      for (const [k, v] of Object.entries(props)) {
        const key = itemPrefix ? `${itemPrefix}.${k}` : k;
        keys.push(key);
        walk(v, key);
      }
    };
    walk(schema, "");
    assert.ok(keys.length > 40);
    for (const k of keys) assert.ok(doc.includes(`\`${k}\``), `docs/configuration.md does not document \`${k}\``);
    for (const b of ENV_BINDINGS) assert.ok(doc.includes(`\`${b.name}\``), `docs/configuration.md lacks ${b.name}`);
  });
});

describe("configuration sources", () => {
  it("says where configuration can come from when there is none", () => {
    const loaded = loadConfig({ cwd: root, env: {} });
    assert.equal(loaded.problems.length, 1);
    assert.match(loaded.problems[0]!.message, /--config FILE.*EXO_AUDIT_CONFIG.*exo-audit\.yaml/);
  });

  it("reports a missing config file by name", () => {
    const loaded = loadConfig({ file: join(root, "nope.yaml"), env: {} });
    assert.ok(loaded.problems.some((p) => p.path.endsWith("nope.yaml") && p.message === "config file not found"));
  });
});
