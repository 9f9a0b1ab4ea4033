/**
 * Issue 18, failure 6: one CA setting per endpoint. The workspace emulator runs as its own process with its
 * own CA, beside Entra and the Management Activity API (this process, another CA), then Entra too runs as its
 * own process, and the connector (another process) collects through all of them: the ingestion token is requested from Entra with Entra's CA, not with
 * `ingestion.caFile`, and a bundle of both CAs (unique subjects per emulator process) works for every endpoint.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { randomBytes, X509Certificate } from "node:crypto";
import { type EntraEmulator, startEntraEmulator } from "../../connector/emulators/entra.ts";
import { type O365Emulator, startO365Emulator } from "../../connector/emulators/o365/index.ts";
import { readNdjson } from "../../kql/tables-from-disk.ts";
import { CLIENT, emulatorConfig, makeRecord, TENANT } from "../pipeline/support.ts";

const CLI = new URL("../../connector/cli.ts", import.meta.url).pathname;
const WORKSPACE_MAIN = new URL("../../connector/emulators/workspace/main.ts", import.meta.url).pathname;
const ENTRA_MAIN = new URL("../../connector/emulators/entra-main.ts", import.meta.url).pathname;
const SECRET = "ca~Secret_Value.for-tests-06";
const root = mkdtempSync(join(tmpdir(), "exo-ca-"));
let entra: EntraEmulator;
let o365: O365Emulator;
let workspaceProc: ChildProcess;
let workspace: { endpoint: string; dcrImmutableId: string; caCert: string; dataDir: string };

before(async () => {
  const end = Date.now() - 2 * 3_600_000;
  const records = Array.from({ length: 40 }, (_, i) => makeRecord(new Date(end - i * 10 * 60_000).toISOString()));
  entra = await startEntraEmulator({ clients: [{ tenantId: TENANT, clientId: CLIENT, secret: SECRET }] });
  o365 = await startO365Emulator({ tenantId: TENANT, records, entra, publisher: { seed: 9, recordsPerBlob: 10 } });
  workspaceProc = spawn(process.execPath, [WORKSPACE_MAIN, "--data-dir", join(root, "ws")], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const first = await new Promise<string>((resolve) =>
    createInterface({ input: workspaceProc.stdout! }).once("line", resolve),
  );
  workspace = JSON.parse(first);
});
after(async () => {
  workspaceProc?.stdin?.end();
  await Promise.all([entra?.stop(), o365?.stop()]);
  rmSync(root, { recursive: true, force: true });
});

function runOnce(config: Record<string, unknown>): Promise<{ code: number | null; stderr: string }> {
  const file = join(root, `c-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  const child = spawn(process.execPath, [CLI, "run", "--once", "--config", file], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: root, NODE_NO_WARNINGS: "1" },
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  child.stdout.resume();
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stderr })));
}

const config = (tenantCa: string, ingestionCa: string, state: string) => ({
  ...emulatorConfig({
    secret: SECRET,
    o365,
    entra,
    workspace,
    caFile: tenantCa,
    ingestionCaFile: ingestionCa,
    state: { dir: join(root, state) },
  }),
  collection: { initialLookbackHours: 30, requestsPerMinute: 60000 },
});

describe("CA per endpoint with emulators in separate processes", { timeout: 120_000 }, () => {
  it("each emulator process has its own CA subject", () => {
    const a = new X509Certificate(entra.caCert).subject;
    const b = new X509Certificate(workspace.caCert).subject;
    assert.notEqual(a, b);
  });

  it("collects with the ingestion CA for the ingestion endpoint only (the token uses the tenant's CA)", async () => {
    const entraCa = join(root, "entra-o365.pem");
    const workspaceCa = join(root, "workspace.pem");
    writeFileSync(entraCa, entra.caCert);
    writeFileSync(workspaceCa, workspace.caCert);
    const r = await runOnce(config(entraCa, workspaceCa, "state-a"));
    assert.equal(r.code, 0, r.stderr.slice(-3000));
    const ids = new Set(
      readNdjson(join(workspace.dataDir, "workspace", "ExchangeAudit_CL.ndjson")).map((x) => x.RecordId),
    );
    assert.equal(ids.size, 40);
  });

  it("collects through Entra, O365 and the workspace emulator as three processes, one CA setting each", async () => {
    const signingKey = randomBytes(32).toString("hex");
    const clients = [{ tenantId: TENANT, clientId: CLIENT, secret: SECRET }];
    const entraProc = spawn(process.execPath, [ENTRA_MAIN], {
      stdio: ["pipe", "pipe", "inherit"],
      env: { ...process.env, EMULATOR_CLIENTS: JSON.stringify(clients), EMULATOR_SIGNING_KEY: signingKey },
    });
    // This process verifies the tokens the Entra process signs (same key) for its O365 emulator.
    const verifier = await startEntraEmulator({ clients, signingKey });
    const end = Date.now() - 2 * 3_600_000;
    const records = Array.from({ length: 20 }, (_, i) => makeRecord(new Date(end - i * 10 * 60_000).toISOString()));
    const api = await startO365Emulator({
      tenantId: TENANT,
      records,
      entra: verifier,
      publisher: { seed: 11, recordsPerBlob: 10 },
    });
    try {
      const remote = JSON.parse(
        await new Promise<string>((resolve) => createInterface({ input: entraProc.stdout! }).once("line", resolve)),
      ) as { authorityHost: string; caCert: string };
      assert.notEqual(new X509Certificate(remote.caCert).subject, new X509Certificate(api.caCert).subject);
      const files = { api: join(root, "api.pem"), authority: join(root, "authority.pem"), ws: join(root, "ws.pem") };
      writeFileSync(files.api, api.caCert);
      writeFileSync(files.authority, remote.caCert);
      writeFileSync(files.ws, workspace.caCert);
      const before = readNdjson(join(workspace.dataDir, "workspace", "ExchangeAudit_CL.ndjson")).length;
      const r = await runOnce({
        allowCustomHosts: true,
        tenants: [
          {
            tenantId: TENANT,
            auth: { clientId: CLIENT, clientSecret: SECRET },
            apiRoot: api.apiRoot,
            authorityHost: remote.authorityHost,
            caFile: files.api,
            authorityCaFile: files.authority,
          },
        ],
        ingestion: { endpoint: workspace.endpoint, dcrImmutableId: workspace.dcrImmutableId, caFile: files.ws },
        state: { dir: join(root, "state-three") },
        collection: { initialLookbackHours: 30, requestsPerMinute: 60000 },
      });
      assert.equal(r.code, 0, r.stderr.slice(-3000));
      const after = readNdjson(join(workspace.dataDir, "workspace", "ExchangeAudit_CL.ndjson")).length;
      assert.equal(after - before, 20);
    } finally {
      entraProc.stdin?.end();
      await Promise.all([verifier.stop(), api.stop()]);
    }
  });

  it("collects with one bundle of both CAs for every endpoint", async () => {
    const bundle = join(root, "bundle.pem");
    writeFileSync(bundle, `${workspace.caCert}\n${entra.caCert}\n`);
    const r = await runOnce(config(bundle, bundle, "state-b"));
    assert.equal(r.code, 0, r.stderr.slice(-3000));
  });
});
