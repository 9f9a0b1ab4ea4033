/**
 * Worker thread of the `continuous` benchmark: hosts Entra and, per contender, a Management Activity API
 * emulator and a workspace emulator, so the main thread's CPU time (`process.threadCpuUsage`) is the client's
 * alone. The two API emulators serve the same records with the same seeds (blob for blob identical) under two
 * tenant ids, so each contender has its own clock and its own per-tenant request budget. Time is simulated:
 * an emulator's clock is the real clock plus an offset the main thread moves in a shared buffer (slot = index).
 * Answers `{q: "requests", i}` (requests by route) and `{q: "outcome", i}` (blobs, delivered ids, recovered).
 */
import { parentPort, workerData } from "node:worker_threads";
import { generateDataset } from "../../connector/dataset/index.ts";
import { startEntraEmulator } from "../../connector/emulators/entra.ts";
import { startO365Emulator } from "../../connector/emulators/o365/index.ts";
import { startWorkspaceEmulator } from "../../connector/emulators/workspace/index.ts";

const MIN = 60_000;
const H = 60 * MIN;
const { clock, tenantIds, clientId, secret, mailboxes, days, t0, dataDir, stragglers } = workerData as {
  clock: SharedArrayBuffer;
  tenantIds: string[];
  clientId: string;
  secret: string;
  mailboxes: number;
  days: number;
  t0: number;
  dataDir: string;
  /** Extra blobs with a fixed lateness: [hours after t0 of contentCreated, lateness in hours]. */
  stragglers: [number, number][];
};
const offset = new Float64Array(clock);

// Events from one hour before t0: with 60-90 min of publication latency every blob is created after t0.
const records = [...generateDataset({ mailboxes, days, seed: 7, end: new Date(t0 + days * 24 * H - H) }).records()];
const entra = await startEntraEmulator({ clients: tenantIds.map((tenantId) => ({ tenantId, clientId, secret })) });
const emulators = await Promise.all(tenantIds.map((tenantId, i) => startApi(tenantId, () => Date.now() + offset[i]!)));

async function startApi(tenantId: string, now: () => number) {
  const o365 = await startO365Emulator({
    tenantId,
    entra,
    records,
    now,
    subscriptions: ["Audit.Exchange"],
    // Microsoft could not make the API page in its own tests: pages are large (reference §3).
    pageSize: 200,
    // Default lateness: the documented distribution (connector/emulators/o365/lateness.ts).
    publisher: { seed: 7, recordsPerBlob: 10, duplicateFraction: 0.01, contentTypeOf: () => "Audit.Exchange" },
  });
  let straggled = 0;
  for (const [atH, lateH] of stragglers) {
    const base = records[straggled++ % records.length] as Record<string, unknown>;
    const late = Array.from({ length: 10 }, (_, i) => ({
      ...base,
      Id: `57a66e25-0000-4000-8000-${String(straggled * 100 + i).padStart(12, "0")}`,
      CreationTime: new Date(t0 + atH * H - H - i * 1000).toISOString().slice(0, 19),
    }));
    o365.addRecords(late, {
      seed: 100 + straggled,
      recordsPerBlob: 10,
      latencyMinMs: H,
      latencyMaxMs: H,
      duplicateFraction: 0,
      lateFraction: 1,
      lateDelayMs: lateH * H,
      contentTypeOf: () => "Audit.Exchange",
    });
  }
  return o365;
}
records.length = 0;
const verifyToken = (token: string) => entra.verify(token, "https://monitor.azure.com");
const workspaces = [
  await startWorkspaceEmulator({ dataDir: `${dataDir}/ours`, verifyToken }),
  await startWorkspaceEmulator({ dataDir: `${dataDir}/naive`, verifyToken }),
];

parentPort!.postMessage({
  apiRoots: emulators.map((e) => e.apiRoot),
  authorityHost: entra.authorityHost,
  ca: emulators[0]!.caCert,
  workspaces: workspaces.map((w) => ({ endpoint: w.endpoint, dcrImmutableId: w.dcrImmutableId })),
});

parentPort!.on("message", async (m: { q: string; i?: number }) => {
  const o365 = emulators[m.i ?? 0]!;
  if (m.q === "requests") {
    const byRoute: Record<string, number> = {};
    for (const r of o365.requests.splice(0)) byRoute[r.route] = (byRoute[r.route] ?? 0) + 1;
    parentPort!.postMessage(byRoute);
  } else if (m.q === "outcome") {
    const ws = workspaces[m.i ?? 0]!;
    const audit = await ws.readTable("ExchangeAudit_CL");
    const health = await ws.readTable("ExchangeAuditHealth_CL");
    parentPort!.postMessage({
      blobs: o365.blobs().map((b) => ({
        created: b.created,
        visibleAt: b.visibleAt,
        ids: [...new Set(b.records.map((r) => String((r as { Id: unknown }).Id)))],
      })),
      delivered: audit.map((r) => String(r.RecordId)),
      recoveredRecords: health.reduce((n, r) => n + Number(r.RecoveredRecords ?? 0), 0),
      recoveredBlobs: health.reduce((n, r) => n + Number(r.RecoveredBlobs ?? 0), 0),
    });
  } else if (m.q === "stop") {
    await Promise.all([...emulators.map((e) => e.stop()), entra.stop(), ...workspaces.map((w) => w.stop())]);
    parentPort!.postMessage("stopped");
    parentPort!.close();
  }
});
