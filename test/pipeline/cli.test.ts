/** The `run`, `backfill` and `config` commands as a user runs them: child processes against the emulators. */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { stringify } from "yaml";
import { backfillCommand } from "../../connector/commands/backfill.ts";
import { configCheckReport, configCommand } from "../../connector/commands/config.ts";
import { runCommand } from "../../connector/commands/run.ts";
import { startEntraEmulator, type EntraEmulator } from "../../connector/emulators/entra.ts";
import { startO365Emulator, type O365Emulator } from "../../connector/emulators/o365/index.ts";
import { startWorkspaceEmulator, type WorkspaceEmulator } from "../../connector/emulators/workspace/index.ts";
import { CLIENT, makeRecord, TENANT } from "./support.ts";

const CLI = new URL("../../connector/cli.ts", import.meta.url).pathname;
const SECRET = "cli~Secret_Value.for-tests-91";
const H = 3_600_000;
const root = mkdtempSync(join(tmpdir(), "exo-cli-"));
let entra: EntraEmulator;
let o365: O365Emulator;
let workspace: WorkspaceEmulator;
let configFile: string;

function run(
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: root, ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

/**
 * Runs the CLI in this process, capturing stderr (the commands tested this way write nothing to stdout, which
 * belongs to the test runner's reporter).
 */
async function runInProcess(args: string[]): Promise<{ code: number; stderr: string }> {
  const { main } = await import("../../connector/cli.ts");
  let stderr = "";
  const err = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await main(args), stderr };
  } finally {
    process.stderr.write = err;
  }
}

const logLines = (stderr: string) =>
  stderr
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

before(async () => {
  const end = Date.now() - 2 * H;
  const records = Array.from({ length: 120 }, (_, i) => makeRecord(new Date(end - i * 10 * 60_000).toISOString()));
  entra = await startEntraEmulator({ clients: [{ tenantId: TENANT, clientId: CLIENT, secret: SECRET }] });
  o365 = await startO365Emulator({
    tenantId: TENANT,
    records,
    entra,
    publisher: { seed: 3, recordsPerBlob: 10, lateFraction: 0 },
  });
  workspace = await startWorkspaceEmulator({
    dataDir: root,
    verifyToken: (token) => entra.verify(token, "https://monitor.azure.com"),
  });
  writeFileSync(join(root, "ca.pem"), o365.caCert);
  configFile = join(root, "exo-audit.yaml");
  writeFileSync(
    configFile,
    stringify({
      instance: "cli-test",
      allowCustomHosts: true,
      tenants: [
        {
          tenantId: TENANT,
          auth: { clientId: CLIENT, clientSecret: SECRET },
          apiRoot: o365.apiRoot,
          authorityHost: entra.authorityHost,
          caFile: "ca.pem",
        },
      ],
      ingestion: { endpoint: workspace.endpoint, dcrImmutableId: workspace.dcrImmutableId, caFile: "ca.pem" },
      state: { dir: "state" },
      collection: { initialLookbackHours: 30, pollIntervalSec: 30, requestsPerMinute: 60000 },
    }),
  );
  chmodSync(configFile, 0o600);
});
after(async () => {
  await Promise.all([entra?.stop(), o365?.stop(), workspace?.stop()]);
  rmSync(root, { recursive: true, force: true });
});

describe("exo-audit commands", { timeout: 60_000 }, () => {
  it("documents every option in the usage of run, backfill and config", () => {
    assert.match(runCommand.usage, /^Usage: exo-audit run \[--config FILE\] \[--once\]/);
    for (const o of ["--once", "--time-budget", "--config"]) assert.ok(runCommand.usage.includes(o));
    for (const o of ["--from", "--to", "--tenant", "--content-type", "7 days"])
      assert.ok(backfillCommand.usage.includes(o));
    for (const o of ["check", "schema", "env", "--json"]) assert.ok(configCommand.usage.includes(o));
  });

  it("'config check' lists every problem and exits 1", async () => {
    const bad = join(root, "bad.yaml");
    writeFileSync(
      bad,
      "tenants:\n  - tenantId: nope\n    auth: {}\ningestion:\n  endpoint: http://x\n  dcrImmutableId: dcr-1\nfoo: 1\n",
    );
    const r = configCheckReport(bad);
    assert.equal(r.code, 1);
    for (const needle of [
      "tenants[0].tenantId",
      "tenants[0].auth",
      "ingestion.endpoint",
      "ingestion.dcrImmutableId",
      "foo",
    ]) {
      assert.ok(r.text.includes(needle), `${needle} missing from:\n${r.text}`);
    }
    const json = JSON.parse(configCheckReport(bad, true).text) as { valid: boolean; problems: unknown[] };
    assert.equal(json.valid, false);
    assert.ok(json.problems.length >= 5);
  });

  it("'config check' shows the effective configuration with the secret redacted", async () => {
    const r = configCheckReport(configFile);
    assert.equal(r.code, 0, r.text);
    assert.match(r.text, /No problems found/);
    assert.match(r.text, /clientSecret: "?\[redacted\]"?/);
    assert.ok(!r.text.includes(SECRET));
  });

  it("'run --once' catches up, logs lag as JSON and exits 0", async () => {
    const r = await runInProcess(["run", "--once", "--config", configFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stderr.includes(SECRET), "no secret in logs");
    const health = logLines(r.stderr).find((l) => l.msg === "health");
    assert.ok(health, r.stderr);
    assert.equal(health.status, "ok");
    assert.equal(typeof health.lagSeconds, "number");
    const ids = (await workspace.readTable("ExchangeAudit_CL")).map((x) => x.RecordId);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(new Set(ids), o365.recordIds());
  });

  it("'backfill' refuses a start outside the 7-day retention with a clear message", async () => {
    const r = await runInProcess([
      "backfill",
      "--from",
      new Date(Date.now() - 8 * 24 * H).toISOString(),
      "--config",
      configFile,
    ]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /older than the Management Activity API's 7-day retention.*earliest possible start/);
  });

  it("'backfill' collects a past range under its own checkpoint and skips what 'run' delivered", async () => {
    const from = new Date(Date.now() - 20 * H).toISOString().slice(0, 16);
    const r = await runInProcess(["backfill", "--from", from, "--config", configFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /backfill complete: 0 rows delivered, \d+ duplicates skipped, 0 gaps/);
    assert.ok(
      logLines(r.stderr).some((l) => l.msg === "backfill progress"),
      "JSON progress when not a TTY",
    );
  });

  it("'run' (separate process) polls until SIGTERM, then drains, commits and exits 0", async () => {
    const { child, done } = run(["run", "--config", configFile]);
    let seen = "";
    await new Promise<void>((resolve) => {
      child.stderr!.on("data", (d) => {
        seen += d;
        if (seen.includes('"msg":"run finished"')) resolve();
      });
    });
    child.kill("SIGTERM");
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /SIGTERM received: finishing in-flight batches and committing/);
  });
});
