/** `exo-audit import --config`: the Azure path, against the local Entra and workspace emulators. */
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { runImport } from "../../connector/commands/import.ts";
import type { CommandIo } from "../../connector/commands/normalize.ts";
import { type EntraEmulator, startEntraEmulator } from "../../connector/emulators/entra.ts";
import { startWorkspaceEmulator, type WorkspaceEmulator } from "../../connector/emulators/workspace/index.ts";

const TENANT = "5d1f0e2a-7c3b-4a9d-8e6f-1b2c3d4e5f60";
const CLIENT = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
const SECRET = "import~Secret_Value.for-tests-42";
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/exports/${name}`, import.meta.url));

const root = mkdtempSync(join(tmpdir(), "exo-import-cfg-"));
let entra: EntraEmulator;
let workspace: WorkspaceEmulator;
let configFile: string;

async function exo(args: string[]) {
  let stdout = "";
  let stderr = "";
  const io: CommandIo = {
    out(t) {
      stdout += t;
    },
    err(t) {
      stderr += t;
    },
  };
  const code = await runImport(args, io);
  return { code, stdout, stderr };
}

before(async () => {
  entra = await startEntraEmulator({ clients: [{ tenantId: TENANT, clientId: CLIENT, secret: SECRET }] });
  workspace = await startWorkspaceEmulator({
    dataDir: join(root, "ws"),
    verifyToken: (token) => entra.verify(token, "https://monitor.azure.com"),
  });
  writeFileSync(join(root, "ca.pem"), workspace.caCert);
  configFile = join(root, "exo-audit.yaml");
  writeFileSync(
    configFile,
    stringify({
      allowCustomHosts: true,
      tenants: [
        {
          tenantId: TENANT,
          auth: { clientId: CLIENT, clientSecret: SECRET },
          authorityHost: entra.authorityHost,
          caFile: "ca.pem",
        },
      ],
      ingestion: { endpoint: workspace.endpoint, dcrImmutableId: workspace.dcrImmutableId, caFile: "ca.pem" },
      state: { dir: "state" },
      normalize: { subjects: "hash" },
    }),
  );
  chmodSync(configFile, 0o600);
});
after(async () => {
  await Promise.all([entra?.stop(), workspace?.stop()]);
  rmSync(root, { recursive: true, force: true });
});

test("import --config authenticates, sends to the configured workspace and applies the configured privacy", async () => {
  const r = await exo(["--config", configFile, fixture("ual-export-csv.csv")]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Logs Ingestion endpoint https:\/\/127\.0\.0\.1/);
  const rows = await workspace.readTable("ExchangeAudit_CL");
  assert.equal(rows.length, 3);
  assert.ok(rows.every((row) => row.ConnectorTenant === TENANT));
  const send = rows.find((row) => row.Operation === "Send");
  assert.match(String(send?.Subject), /^[0-9a-f]{64}$/);
});

test("a second import with the same configuration skips what was delivered", async () => {
  const r = await exo(["--config", configFile, fixture("ual-export-csv.csv"), fixture("classic-portal.csv")]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.duplicates, 3);
  assert.equal(report.accepted, 2);
  assert.equal((await workspace.readTable("ExchangeAudit_CL")).length, 5);
});

test("refuses a tenant that is not configured", async () => {
  await assert.rejects(
    exo(["--config", configFile, "--tenant", "00000000-0000-4000-8000-000000000000", fixture("classic-portal.csv")]),
    /not in the configuration/,
  );
});
