/**
 * Late-published content end to end with the default configuration: the real API client, sink and file
 * state against the emulators, time simulated by the emulator's clock (the connector follows it through the
 * `Date` header, as it follows a real service's clock skew).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { withDefaults } from "../../connector/config/load.ts";
import { validateRawConfig } from "../../connector/config/validate.ts";
import { startEntraEmulator } from "../../connector/emulators/entra.ts";
import { startO365Emulator } from "../../connector/emulators/o365/index.ts";
import { startWorkspaceEmulator } from "../../connector/emulators/workspace/index.ts";
import { createLogger, MemoryLogSink } from "../../connector/log.ts";
import { runOnce } from "../../connector/pipeline/run.ts";
import { createRuntime } from "../../connector/pipeline/wire.ts";
import { realTimers } from "../../connector/source/rate-limit.ts";
import { startAzurite } from "../support/azurite.ts";
import { CLIENT, emulatorConfig, makeRecord, TENANT } from "./support.ts";

const SECRET = "late~Secret_Value.for-tests-31";
const MIN = 60_000;
const H = 60 * MIN;
const root = mkdtempSync(join(tmpdir(), "exo-late-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

async function environment(state?: Record<string, unknown>) {
  const dir = join(root, `e${++n}`);
  const entra = await startEntraEmulator({ clients: [{ tenantId: TENANT, clientId: CLIENT, secret: SECRET }] });
  const start = Date.now();
  const records = Array.from({ length: 300 }, (_, i) =>
    makeRecord(new Date(start - 3 * H - i * 6 * MIN).toISOString()),
  );
  // Only the blobs injected by each test are late, so every loss or recovery is accounted for.
  const publisher = { seed: 5, recordsPerBlob: 10, duplicateFraction: 0, lateFraction: 0 };
  const o365 = await startO365Emulator({ tenantId: TENANT, records, entra, pageSize: 20, publisher });
  const workspace = await startWorkspaceEmulator({
    dataDir: dir,
    verifyToken: (token) => entra.verify(token, "https://monitor.azure.com"),
  });
  const caFile = join(dir, "..", `ca${n}.pem`);
  writeFileSync(caFile, o365.caCert);
  // The default configuration: no overlap, sweep or lookback settings.
  const raw = emulatorConfig({
    secret: SECRET,
    o365,
    entra,
    workspace,
    caFile,
    state: state ?? { dir: join(dir, "state") },
  });
  assert.deepEqual(validateRawConfig(raw), []);
  const config = withDefaults(raw, dir);
  config.instance = "late";
  const logs = new MemoryLogSink();
  // The connector's clock is the emulator's (real time plus the simulated jumps).
  const runtime = await createRuntime(config, {
    logger: createLogger({ sink: logs, level: "info" }),
    now: () => o365.now(),
    sourceTimers: { ...realTimers, now: () => o365.now() },
  });
  return {
    o365,
    workspace,
    logs,
    runtime,
    /** Publishes one blob now whose contentCreated lies `lateMs` back: it was listable only from now on. */
    publishLate(lateMs: number, count = 5): string[] {
      const created = o365.now() - lateMs;
      const late = Array.from({ length: count }, (_, i) => makeRecord(new Date(created - H - i * 1000).toISOString()));
      o365.addRecords(late, {
        seed: Math.round(lateMs / MIN),
        recordsPerBlob: count,
        duplicateFraction: 0,
        latencyMinMs: H,
        latencyMaxMs: H,
        lateFraction: 1,
        lateDelayMs: lateMs,
      });
      return late.map((r) => r.Id as string);
    },
    /** Polls every `stepMs` of simulated time for `totalMs`. */
    async poll(totalMs: number, stepMs: number) {
      const reports = [];
      for (let t = 0; t < totalMs; t += stepMs) {
        o365.advanceBy(stepMs);
        const r = await runOnce(runtime);
        assert.equal(r.ok, true, JSON.stringify(r.results.map((x) => x.problems)));
        reports.push(r);
      }
      return reports;
    },
    async stop() {
      await runtime.close();
      await Promise.all([entra.stop(), o365.stop(), workspace.stop()]);
    },
  };
}

type Env = Awaited<ReturnType<typeof environment>>;

async function recoveredScenario(env: Env) {
  const first = await runOnce(env.runtime);
  assert.equal(first.caughtUp, true);
  const late = [3 * H, 12 * H, 30 * H].map((ms) => ({ ms, ids: env.publishLate(ms) }));
  await env.poll(25 * H, H);
  const ids = (await env.workspace.readTable("ExchangeAudit_CL")).map((r) => r.RecordId as string);
  assert.equal(ids.length, new Set(ids).size, "no record delivered twice");
  assert.deepEqual(new Set(ids), env.o365.recordIds(), "nothing lost");

  const health = await env.workspace.readTable("ExchangeAuditHealth_CL");
  const recovered = health.flatMap(
    (r) => (r.RecoveredDetails ?? []) as { contentCreated: string; latenessSeconds: number; records: number }[],
  );
  assert.equal(recovered.length, 3, JSON.stringify(recovered));
  // Lateness = the sweep that first listed it - contentCreated: at most one sweep interval (+ a poll) more.
  const sweepInterval = (ms: number) => (ms < 23 * H ? H : 24 * H);
  for (const { ms } of late) {
    const hit = recovered.find(
      (r) => r.latenessSeconds >= ms / 1000 && r.latenessSeconds <= (ms + sweepInterval(ms) + H) / 1000,
    );
    assert.ok(hit, `the blob ${ms / H} h late is reported recovered with its lateness: ${JSON.stringify(recovered)}`);
    assert.equal(hit.records, 5);
  }
  const sweeps = health.filter((r) => Number(r.RecoveredBlobs) > 0).map((r) => r.Sweep);
  assert.deepEqual(sweeps, ["24h/60m", "168h/1440m"], "3 h and 12 h by the hourly sweep, 30 h by the daily one");
  const lastRow = health.at(-1)!;
  assert.ok(Number(lastRow.LatenessMaxSeconds) >= 30 * 3600, "the rolling maximum holds the 30 h straggler");
  assert.equal(lastRow.LatenessP50Seconds, 0, "most blobs were listed on time");
  assert.ok(Number(lastRow.OverlapHours) >= 2 && Number(lastRow.OverlapHours) <= 23);
  assert.ok(health.every((r) => Number(r.Gaps) === 0));
  assert.ok(env.logs.entries().some((e) => String(e.msg).startsWith("recovered late content")));
  return health;
}

describe("late-published content (default configuration)", { timeout: 240_000 }, () => {
  it("loses nothing published 3 h, 12 h and 30 h late, and reports each as recovered with its lateness", async () => {
    const env = await environment();
    try {
      await recoveredScenario(env);
      // Sweeps skip blobs already seen by contentId: blob downloads equal the blobs there are, no more.
      const fetched = env.o365.requests.filter((r) => r.route === "blob").length;
      assert.equal(fetched, env.o365.blobs().length, "no blob downloaded twice");
    } finally {
      await env.stop();
    }
  });

  it("keeps the lateness distribution and sweep state in Azure Blob state too", async () => {
    const azurite = await startAzurite();
    const env = await environment({
      azure: { connectionString: azurite.connectionString, container: "exo-audit-late" },
    });
    try {
      await recoveredScenario(env);
    } finally {
      await env.stop();
      await azurite.stop();
    }
  });

  it("still reports content older than the API's 7 days as a gap", async () => {
    const env = await environment();
    try {
      await runOnce(env.runtime);
      env.o365.advanceBy(8 * 24 * H);
      const report = await runOnce(env.runtime);
      const health = await env.workspace.readTable("ExchangeAuditHealth_CL");
      assert.equal(health.at(-1)!.Status, "degraded");
      assert.match(String(health.at(-1)!.Message), /can no longer be listed/);
      assert.ok(report.results[0]!.lost, "the range beyond the retention is reported lost");
    } finally {
      await env.stop();
    }
  });
});
