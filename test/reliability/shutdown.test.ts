/**
 * Issue 18, failures 1 and 2: stopping is bounded whatever fails (workspace, API, authority), and a token Entra
 * refuses for good fails the run at once with the setting to fix. The connector is a child process
 * (`exo-audit run --once`, `exo-audit import`) against the emulators of this process, as an operator runs it.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { type EntraEmulator, startEntraEmulator } from "../../connector/emulators/entra.ts";
import { type O365Emulator, startO365Emulator } from "../../connector/emulators/o365/index.ts";
import { startWorkspaceEmulator, type WorkspaceEmulator } from "../../connector/emulators/workspace/index.ts";
import { readNdjson } from "../../kql/tables-from-disk.ts";
import { CLIENT, makeRecord, TENANT } from "../pipeline/support.ts";

const CLI = new URL("../../connector/cli.ts", import.meta.url).pathname;
const SECRET = "shutdown~Secret_Value.for-tests-18";
const H = 3_600_000;
const root = mkdtempSync(join(tmpdir(), "exo-shutdown-"));
let entra: EntraEmulator;
let o365: O365Emulator;
let workspace: WorkspaceEmulator;
let runNo = 0;

interface Child {
  child: ChildProcess;
  stderr: () => string;
  done: Promise<{ code: number | null; at: number }>;
}

function writeConfig(opts: { secret?: string; ingestionSecret?: string } = {}): string {
  const dir = join(root, `run-${++runNo}`);
  const file = `${dir}.yaml`;
  const auth = (secret: string) => ({ clientId: CLIENT, clientSecret: secret });
  writeFileSync(
    file,
    JSON.stringify({
      allowCustomHosts: true,
      tenants: [
        {
          tenantId: TENANT,
          auth: auth(opts.secret ?? SECRET),
          apiRoot: o365.apiRoot,
          authorityHost: entra.authorityHost,
          caFile: join(root, "ca.pem"),
        },
      ],
      ingestion: {
        endpoint: workspace.endpoint,
        dcrImmutableId: workspace.dcrImmutableId,
        caFile: join(root, "ca.pem"),
        ...(opts.ingestionSecret ? { auth: { ...auth(opts.ingestionSecret), tenantId: TENANT } } : {}),
      },
      state: { dir: join(dir, "state") },
      collection: { initialLookbackHours: 30, requestsPerMinute: 60000, batchRows: 20 },
    }),
    { mode: 0o600 },
  );
  return file;
}

function spawnCli(args: string[]): Child {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: root, NODE_NO_WARNINGS: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  child.stdout!.resume();
  const done = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.on("close", (code) => resolve({ code, at: Date.now() })),
  );
  return { child, stderr: () => err, done };
}

/** Waits until the child's log contains `needle` (or it exits); true when seen. */
async function waitFor(c: Child, needle: string, timeoutMs = 30_000): Promise<boolean> {
  let exited = false;
  void c.done.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (!exited && Date.now() < deadline) {
    if (c.stderr().includes(needle)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return c.stderr().includes(needle);
}

/** SIGTERM once `needle` appears; returns the exit code and how long the stop took. */
async function termWhen(c: Child, needle: string): Promise<{ code: number | null; stopMs: number }> {
  assert.ok(await waitFor(c, needle), `never logged '${needle}':\n${c.stderr().slice(-2000)}`);
  const sent = Date.now();
  c.child.kill("SIGTERM");
  const timer = setTimeout(() => c.child.kill("SIGKILL"), 30_000);
  const { code, at } = await c.done;
  clearTimeout(timer);
  return { code, stopMs: at - sent };
}

const auditRows = () => readNdjson(workspace.tablePath("ExchangeAudit_CL"));
const healthRows = () => readNdjson(workspace.tablePath("ExchangeAuditHealth_CL"));

before(async () => {
  const end = Date.now() - 2 * H;
  const records = Array.from({ length: 60 }, (_, i) => makeRecord(new Date(end - i * 10 * 60_000).toISOString()));
  entra = await startEntraEmulator({ clients: [{ tenantId: TENANT, clientId: CLIENT, secret: SECRET }] });
  o365 = await startO365Emulator({ tenantId: TENANT, records, entra, publisher: { seed: 5, recordsPerBlob: 10 } });
  workspace = await startWorkspaceEmulator({
    dataDir: root,
    verifyToken: (token) => entra.verify(token, "https://monitor.azure.com"),
  });
  writeFileSync(join(root, "ca.pem"), o365.caCert);
});
beforeEach(() => {
  workspace.faults.clear();
  o365.faults.clear();
  entra.setOutage(false);
});
after(async () => {
  await Promise.all([entra?.stop(), o365?.stop(), workspace?.stop()]);
  rmSync(root, { recursive: true, force: true });
});

describe("bounded shutdown (issue 18, failure 1)", { timeout: 120_000 }, () => {
  it("SIGTERM while the workspace answers 503 exits 143 within seconds and commits nothing unacknowledged", async () => {
    workspace.faults.push({ fault: { kind: "status", status: 503 }, times: 1_000_000 });
    const config = writeConfig();
    const before = auditRows().length;
    const c = spawnCli(["run", "--once", "--config", config]);
    const { code, stopMs } = await termWhen(c, "Logs Ingestion upload failed transiently");
    assert.equal(code, 143, c.stderr().slice(-2000));
    assert.ok(stopMs < 10_000, `stopping took ${stopMs} ms`);
    assert.equal(auditRows().length, before);
    // Nothing was committed past what was acknowledged: with the workspace healthy, the next run delivers all.
    workspace.faults.clear();
    const again = spawnCli(["run", "--once", "--config", config]);
    assert.equal((await again.done).code, 0, again.stderr().slice(-2000));
    const ids = new Set(auditRows().map((r) => String(r.RecordId).toLowerCase()));
    assert.equal(ids.size, 60);
  });

  it("the time budget cuts a failing upload's retries and exits 1, saying it stopped while retrying", async () => {
    workspace.faults.push({ fault: { kind: "status", status: 503 }, times: 1_000_000 });
    const started = Date.now();
    const c = spawnCli(["run", "--once", "--time-budget", "10", "--config", writeConfig()]);
    const timer = setTimeout(() => c.child.kill("SIGKILL"), 60_000);
    const { code, at } = await c.done;
    clearTimeout(timer);
    assert.equal(code, 1, c.stderr().slice(-2000));
    assert.ok(at - started < 25_000, `took ${at - started} ms with a 10 s budget`);
    assert.match(c.stderr(), /stopped while retrying an upload/);
  });

  it("SIGTERM while the Management Activity API answers 503 exits 143 within seconds", async () => {
    o365.faults.push({ kind: "error", status: 503, on: ["list", "start", "content"], times: Infinity });
    const c = spawnCli(["run", "--once", "--config", writeConfig()]);
    const { code, stopMs } = await termWhen(c, "retrying");
    assert.equal(code, 143, c.stderr().slice(-2000));
    assert.ok(stopMs < 10_000, `stopping took ${stopMs} ms`);
  });

  it("SIGTERM while Entra ID is unavailable (AADSTS90033, transient) exits 143 within seconds", async () => {
    entra.setOutage(true);
    const c = spawnCli(["run", "--once", "--config", writeConfig()]);
    const { code, stopMs } = await termWhen(c, "Logs Ingestion upload failed transiently");
    assert.equal(code, 143, c.stderr().slice(-2000));
    assert.ok(stopMs < 10_000, `stopping took ${stopMs} ms`);
  });
});

describe("bounded shutdown with a black-holed authority", { timeout: 120_000 }, () => {
  it("SIGTERM while Entra ID does not answer token requests at all exits 143 within seconds", async () => {
    entra.setOutage("hang");
    const c = spawnCli(["run", "--once", "--config", writeConfig()]);
    assert.ok(await waitFor(c, "run started"), c.stderr());
    await new Promise((r) => setTimeout(r, 1500));
    const sent = Date.now();
    c.child.kill("SIGTERM");
    const timer = setTimeout(() => c.child.kill("SIGKILL"), 30_000);
    const { code, at } = await c.done;
    clearTimeout(timer);
    assert.equal(code, 143, c.stderr().slice(-2000));
    assert.ok(at - sent < 10_000, `stopping took ${at - sent} ms`);
  });
});

describe("permanent errors fail at once (issue 18, failure 2)", { timeout: 120_000 }, () => {
  it("a wrong client secret (AADSTS7000215) fails the run in seconds, names the settings, sends no health row", async () => {
    const healthBefore = healthRows().length;
    const started = Date.now();
    const c = spawnCli(["run", "--once", "--config", writeConfig({ secret: "wrong-secret-value" })]);
    const { code, at } = await c.done;
    assert.equal(code, 1, c.stderr().slice(-2000));
    assert.ok(at - started < 15_000, `took ${at - started} ms`);
    assert.match(c.stderr(), /AADSTS7000215 \(invalid client secret\).*fix tenants\[\]\.auth\.clientSecret/);
    // The health row's upload meets the same refusal: one token request, no retries, nothing stored.
    assert.match(c.stderr(), /could not send the health row.*AADSTS7000215.*fix ingestion\.auth\.clientSecret/);
    assert.doesNotMatch(c.stderr(), /upload failed transiently/);
    assert.equal(healthRows().length, healthBefore);
    assert.ok(!c.stderr().includes("wrong-secret-value"), "the secret was logged");
  });

  it("a wrong ingestion secret under import fails at once naming ingestion.auth.clientSecret", async () => {
    const file = join(root, "export.jsonl");
    writeFileSync(file, `${JSON.stringify(makeRecord(new Date(Date.now() - 3 * H).toISOString()))}\n`);
    const started = Date.now();
    const c = spawnCli(["import", file, "--config", writeConfig({ ingestionSecret: "wrong-ingestion-secret" })]);
    const { code, at } = await c.done;
    assert.equal(code, 1, c.stderr().slice(-2000));
    assert.ok(at - started < 15_000, `took ${at - started} ms`);
    assert.match(c.stderr(), /AADSTS7000215.*fix ingestion\.auth\.clientSecret/);
    assert.ok(!c.stderr().includes("wrong-ingestion-secret"), "the secret was logged");
  });
});
