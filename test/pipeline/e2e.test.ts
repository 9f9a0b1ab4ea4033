/**
 * The pipeline against the real modules: Entra, O365 and workspace emulators over HTTPS, the real API client
 * and token provider (MSAL), the real Logs Ingestion sink and the file state stores.
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
import { createRuntime, type RuntimeOverrides } from "../../connector/pipeline/wire.ts";
import { SinkError } from "../../connector/sink/errors.ts";
import type { RowSink } from "../../connector/sink/types.ts";
import { startAzurite } from "../support/azurite.ts";
import { CLIENT, emulatorConfig, makeRecord, TENANT } from "./support.ts";

const SECRET = "e2e~Secret_Value.for-tests-77";
const H = 3_600_000;
const root = mkdtempSync(join(tmpdir(), "exo-e2e-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

async function environment(
  records: unknown[],
  late = { lateFraction: 0.15, lateDelayMs: 70 * 60_000 },
  state?: Record<string, unknown>,
) {
  const dir = join(root, `e${++n}`);
  const entra = await startEntraEmulator({ clients: [{ tenantId: TENANT, clientId: CLIENT, secret: SECRET }] });
  const o365 = await startO365Emulator({
    tenantId: TENANT,
    records,
    entra,
    pageSize: 7,
    publisher: {
      seed: 11,
      recordsPerBlob: 15,
      duplicateFraction: 0.05,
      ...late,
    },
  });
  const workspace = await startWorkspaceEmulator({
    dataDir: dir,
    verifyToken: (token) => entra.verify(token, "https://monitor.azure.com"),
  });
  const caFile = join(root, "ca.pem");
  writeFileSync(caFile, o365.caCert);
  const raw = {
    ...emulatorConfig({ secret: SECRET, o365, entra, workspace, caFile, state: state ?? { dir: join(dir, "state") } }),
    collection: { initialLookbackHours: 96, batchRows: 40, concurrency: 3, requestsPerMinute: 60000 },
  };
  assert.deepEqual(validateRawConfig(raw), []);
  const config = withDefaults(raw, dir);
  config.instance = "e2e";
  const logs = new MemoryLogSink();
  // Everything real: the ingestion credential is built from the tenant's auth settings (secret, emulated authority).
  const overrides: RuntimeOverrides = { logger: createLogger({ sink: logs, level: "info" }) };
  return {
    entra,
    o365,
    workspace,
    config,
    logs,
    runtime: (extra: RuntimeOverrides = {}) => createRuntime(config, { ...overrides, ...extra }),
    async stop() {
      await Promise.all([entra.stop(), o365.stop(), workspace.stop()]);
    },
  };
}

/** Exchange records spread over the last `hours` hours, newest 2 h ago (all published by now). */
function records(count: number, hours: number): Record<string, unknown>[] {
  const end = Date.now() - 2 * H;
  return Array.from({ length: count }, (_, i) =>
    makeRecord(new Date(end - Math.floor((i * hours * H) / count)).toISOString()),
  );
}

async function deliveredIds(workspace: { readTable(t: string): Promise<Record<string, unknown>[]> }) {
  return (await workspace.readTable("ExchangeAudit_CL")).map((r) => r.RecordId as string);
}

describe("pipeline end to end (emulators)", { timeout: 60_000 }, () => {
  it("delivers every record of a three-day scenario exactly once, late-published blobs included", async () => {
    const env = await environment(records(700, 72));
    try {
      const runtime = await env.runtime();
      const first = await runOnce(runtime);
      assert.equal(first.ok, true, JSON.stringify(first.results.map((r) => r.problems)));
      assert.equal(first.caughtUp, true);
      // A blob published now whose contentCreated lies 40 min back, inside the window collected above.
      const now = env.o365.now();
      const lateRecords = [
        makeRecord(new Date(now - 100 * 60_000).toISOString()),
        makeRecord(new Date(now - 99 * 60_000).toISOString()),
      ];
      env.o365.addRecords(lateRecords, { latencyMinMs: 60 * 60_000, latencyMaxMs: 60 * 60_000, lateFraction: 0 });
      // And the randomly late blobs (visible 70 min after contentCreated) become visible.
      env.o365.advanceBy(80 * 60_000);
      const second = await runOnce(runtime);
      assert.equal(second.ok, true);
      assert.ok(second.results[0]!.rowsOut >= 2, "the second run collected the late-published blobs");
      await runtime.close();

      const ids = await deliveredIds(env.workspace);
      assert.equal(ids.length, new Set(ids).size, "no record delivered twice");
      assert.deepEqual(new Set(ids), env.o365.recordIds(), "every record delivered");
      assert.ok(first.results[0]!.duplicates > 0, "the publisher's re-deliveries were dropped");

      const health = await env.workspace.readTable("ExchangeAuditHealth_CL");
      assert.equal(health.length, 2);
      assert.equal(health[0]!.ConnectorTenant, TENANT);
      assert.equal(health[0]!.ContentType, "Audit.Exchange");
      assert.equal(health[0]!.Instance, "e2e");
      assert.equal(typeof health[1]!.LagSeconds, "number");
      assert.ok(env.o365.requests.every((r) => r.route === "unknown" || r.publisherIdentifier === TENANT));
    } finally {
      await env.stop();
    }
  });

  it("loses nothing and re-sends nothing when the sink fails mid-run and the connector restarts", async () => {
    const env = await environment(records(400, 30), { lateFraction: 0, lateDelayMs: 0 });
    try {
      let calls = 0;
      const failing = (real: RowSink): RowSink => ({
        async send(stream, rows, signal) {
          if (stream === "audit" && ++calls === 4) {
            throw new SinkError("retries-exhausted", "HTTP 503 after 4 attempts", { status: 503 });
          }
          return real.send(stream, rows, signal);
        },
        close: () => real.close(),
      });
      const base = await env.runtime();
      const crashed = await env.runtime({ sink: failing(base.sink) });
      const r1 = await runOnce(crashed);
      assert.equal(r1.ok, false);
      assert.match(r1.results[0]!.problems.join(" "), /SinkError/);
      const partial = await deliveredIds(env.workspace);
      assert.ok(partial.length > 0 && partial.length < env.o365.recordIds().size);
      await crashed.close();
      await base.close();

      // Restart: fresh process state (new runtime, stores re-read from disk).
      const restarted = await env.runtime();
      const r2 = await runOnce(restarted);
      assert.equal(r2.ok, true);
      await restarted.close();
      const ids = await deliveredIds(env.workspace);
      assert.equal(ids.length, new Set(ids).size, "no acknowledged row sent twice");
      assert.deepEqual(new Set(ids), env.o365.recordIds());
    } finally {
      await env.stop();
    }
  });

  it("collects with Azure Storage state (Azurite): leases, blob checkpoints and de-duplication shards", async () => {
    const azurite = await startAzurite();
    const env = await environment(
      records(200, 20),
      { lateFraction: 0, lateDelayMs: 0 },
      {
        azure: { connectionString: azurite.connectionString, container: "exo-audit-e2e" },
      },
    );
    try {
      const runtime = await env.runtime();
      assert.ok(runtime.leases, "hosted state brings leases");
      const r = await runOnce(runtime);
      assert.equal(r.ok, true, JSON.stringify(r.results.map((x) => x.problems)));
      assert.deepEqual(r.skipped, []);
      const stored = await runtime.checkpoints.load({ tenantId: TENANT, contentType: "Audit.Exchange" });
      assert.ok(stored, "the checkpoint lives in the state container");
      assert.ok(Date.now() - Date.parse(stored.cursor.windowEnd) < 10 * 60_000, "caught up to now");
      await runtime.close();
      // A second instance resumes from the blob checkpoint and finds nothing new.
      const again = await env.runtime();
      const r2 = await runOnce(again);
      assert.equal(r2.results[0]!.rowsOut, 0);
      await again.close();
      const ids = await deliveredIds(env.workspace);
      assert.equal(ids.length, new Set(ids).size);
      assert.deepEqual(new Set(ids), env.o365.recordIds());
    } finally {
      await env.stop();
      await azurite.stop();
    }
  });
});
