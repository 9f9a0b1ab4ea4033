/**
 * Continuous mode against a naive poller, the same simulated days on the same emulator (issue 16, item 6).
 *
 * Tenant: the generated organisation (100 mailboxes x 2 days, `--quick` 30 x 1), 10 records per blob, 1 %
 * re-delivered, every blob late by the emulator's documented default distribution (90 % at once, 97 % within 5 min, a tail of
 * hours, 0.1 % beyond 12 h), plus 8 stragglers 1, 3, 6, 9, 12, 18, 23 and 30 h late; pages of 200.
 * Both contenders poll every 5 simulated minutes for the content days plus one day (stragglers surface), with
 * the real client, MSAL, normalizer and Logs Ingestion sink, against emulators in a worker thread:
 *
 * | Contender | Per poll                                                                                   |
 * |-----------|--------------------------------------------------------------------------------------------|
 * | ours      | `runOnce` with the default configuration: adaptive overlap, sweeps, checkpoint, de-dup       |
 * | naive     | list the last 5 minutes, first page only, no overlap, no checkpoint, no de-dup (the peer's) |
 *
 * Figures: records lost (of the blobs visible a day before the end, so a daily sweep had its chance) and
 * recovered; API requests per 1,000 records delivered; client CPU (main thread) per simulated hour.
 * Run alone: `node scripts/bench/continuous.ts [--quick]`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { withDefaults } from "../../connector/config/load.ts";
import { createLogger, silentLogger } from "../../connector/log.ts";
import { normalizeOptions } from "../../connector/normalize/index.ts";
import { HealthCadence } from "../../connector/pipeline/health-cadence.ts";
import { runOnce } from "../../connector/pipeline/run.ts";
import { createRuntime, type Runtime } from "../../connector/pipeline/wire.ts";
import { realTimers } from "../../connector/source/rate-limit.ts";
import type { BenchResult } from "./types.ts";

const TENANTS = ["7e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b", "8f2e3d4c-5b6a-4798-8b1c-2d3e4f5a6b7c"];
const CLIENT = "2f3e4d5c-6b7a-4980-8a1b-2c3d4e5f6a7b";
const SECRET = "continuous~bench-secret";
const MIN = 60_000;
const H = 60 * MIN;
const POLL_MS = 5 * MIN;
const STRAGGLERS: [number, number][] = [
  [2, 1],
  [3, 3],
  [4, 6],
  [5, 9],
  [6, 12],
  [7, 18],
  [8, 23],
  [1, 30],
];

interface Outcome {
  blobs: { created: number; visibleAt: number; ids: string[] }[];
  delivered: string[];
  recoveredRecords: number;
  recoveredBlobs: number;
}

interface Measured {
  lost: number;
  lostUpTo24h: number;
  recovered: number;
  delivered: number;
  duplicates: number;
  requests: number;
  listings: number;
  perThousand: number;
  cpuPerHourMs: number;
}

function ask<T>(worker: Worker, q: Record<string, unknown>): Promise<T> {
  return new Promise((resolve) => {
    worker.once("message", (m: T) => resolve(m));
    worker.postMessage(q);
  });
}

function threadCpuMs(): number {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
}

export async function run(options: { quick?: boolean } = {}): Promise<BenchResult[]> {
  const mailboxes = options.quick ? 30 : 100;
  const days = options.quick ? 1 : 2;
  const simulatedMs = (days + 1) * 24 * H;
  const dir = mkdtempSync(join(tmpdir(), "exo-bench-continuous-"));
  const clock = new SharedArrayBuffer(16);
  const offset = new Float64Array(clock);
  const t0 = Math.floor(Date.now() / 1000) * 1000;
  const worker = new Worker(new URL("./continuous-emulators.ts", import.meta.url), {
    workerData: {
      clock,
      tenantIds: TENANTS,
      clientId: CLIENT,
      secret: SECRET,
      mailboxes,
      days,
      t0,
      dataDir: dir,
      stragglers: STRAGGLERS,
    },
  });
  const env = await new Promise<{
    apiRoots: string[];
    authorityHost: string;
    ca: string;
    workspaces: { endpoint: string; dcrImmutableId: string }[];
  }>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, env.ca);
  const runtimeFor = (ws: number) => {
    const now = () => Date.now() + offset[ws]!;
    const config = withDefaults(
      {
        allowCustomHosts: true,
        tenants: [
          {
            tenantId: TENANTS[ws]!,
            auth: { clientId: CLIENT, clientSecret: SECRET },
            apiRoot: env.apiRoots[ws]!,
            authorityHost: env.authorityHost,
            caFile,
          },
        ],
        ingestion: {
          endpoint: env.workspaces[ws]!.endpoint,
          dcrImmutableId: env.workspaces[ws]!.dcrImmutableId,
          caFile,
        },
        state: { dir: join(dir, `state${ws}`) },
        // Continuous from the start of the simulated period; everything else is the default configuration.
        collection: { initialLookbackHours: 1 },
      },
      dir,
    );
    const logger = process.env.EXO_BENCH_VERBOSE ? createLogger({ level: "debug" }) : silentLogger;
    return createRuntime(config, { logger, now, sourceTimers: { ...realTimers, now } });
  };

  const measure = async (ws: number, poll: (rt: Runtime) => Promise<void>): Promise<Measured> => {
    const rt = await runtimeFor(ws);
    await ask(worker, { q: "requests", i: ws });
    const cpu0 = threadCpuMs();
    for (let t = 0; t < simulatedMs; t += POLL_MS) {
      offset[ws] = t + POLL_MS;
      await poll(rt);
      if (process.env.EXO_BENCH_VERBOSE && t % H === 0) process.stderr.write(`${ws ? "naive" : "ours"} ${t / H} h\n`);
    }
    const cpu = threadCpuMs() - cpu0;
    const byRoute = await ask<Record<string, number>>(worker, { q: "requests", i: ws });
    await rt.close();
    const out = await ask<Outcome>(worker, { q: "outcome", i: ws });
    const end = t0 + simulatedMs;
    const delivered = new Set(out.delivered);
    let lost = 0;
    let lostUpTo24h = 0;
    for (const b of out.blobs) {
      // Judged only where a daily sweep had its chance: visible a day (plus a poll) before the end.
      if (b.visibleAt > end - 24 * H - H) continue;
      const missing = b.ids.filter((id) => !delivered.has(id)).length;
      lost += missing;
      if (b.visibleAt - b.created <= 24 * H) lostUpTo24h += missing;
    }
    const requests = Object.values(byRoute).reduce((n, c) => n + c, 0);
    return {
      lost,
      lostUpTo24h,
      recovered: out.recoveredRecords,
      delivered: delivered.size,
      duplicates: out.delivered.length - delivered.size,
      requests,
      listings: byRoute.content ?? 0,
      perThousand: (requests / Math.max(1, delivered.size)) * 1000,
      cpuPerHourMs: cpu / (simulatedMs / H),
    };
  };

  try {
    // What `runContinuously` does per poll (without its real-time pause): health rows on their cadence.
    const health = new HealthCadence(900_000);
    // CPU per poll by kind: nothing new, new content delivered, a reconciliation sweep ran.
    const perPoll: Record<string, number[]> = { quiet: [], data: [], sweep: [] };
    const ours = await measure(0, async (rt) => {
      const c0 = threadCpuMs();
      const r = await runOnce(rt, { health });
      const unit = r.results[0];
      perPoll[unit?.sweep ? "sweep" : (unit?.rowsOut ?? 0) > 0 ? "data" : "quiet"]!.push(threadCpuMs() - c0);
      if (!r.ok) throw new Error(`our run failed: ${r.results.flatMap((x) => x.problems).join("; ")}`);
    });
    const avg = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0);
    const opts = normalizeOptions({ ingestionSource: "api", connectorTenant: TENANTS[1]! });
    const naive = await measure(1, async (rt) => {
      const client = rt.tenants[0]!.client;
      const end = Math.floor((Date.now() + offset[1]!) / 1000) * 1000;
      let refs: { contentId: string; contentUri: string; contentCreated: string }[] = [];
      for await (const page of client.listContent("Audit.Exchange", new Date(end - POLL_MS), new Date(end))) {
        refs = page;
        break; // first page only
      }
      for (const ref of refs) {
        const rows = [];
        for await (const raw of client.fetchRecords(ref as Parameters<typeof client.fetchRecords>[0])) {
          const r = rt.normalize(raw, { ...opts, sourceContentId: ref.contentId });
          if (r.ok) rows.push(r.row);
        }
        if (rows.length > 0) await rt.sink.send("audit", rows);
      }
    });
    const notes = (m: Measured) =>
      `${m.delivered} records delivered (${m.duplicates} duplicates), ${m.lost} lost (${m.lostUpTo24h} up to 24 h late), ${m.recovered} recovered; ${m.requests} requests (${m.listings} listings)`;
    const hours = simulatedMs / H;
    return [
      {
        name: `continuous: records lost, ${mailboxes} mailboxes x ${days} d polled ${hours} simulated h`,
        unit: "records",
        value: ours.lost,
        baseline: { name: "naive 5-min poller", value: naive.lost },
        notes: `ours: ${notes(ours)} | naive: ${notes(naive)}`,
      },
      {
        name: "continuous: records recovered late by reconciliation sweeps",
        unit: "records",
        value: ours.recovered,
        baseline: { name: "naive 5-min poller", value: naive.recovered },
      },
      {
        name: "continuous: API requests per 1,000 records delivered",
        unit: "requests",
        value: Number(ours.perThousand.toFixed(1)),
        baseline: { name: "naive 5-min poller", value: Number(naive.perThousand.toFixed(1)) },
        ratio: Number((ours.perThousand / naive.perThousand).toFixed(2)),
        notes: "lower is better; goal <= 1.2x",
      },
      {
        name: "continuous: our client CPU per poll (main thread)",
        unit: "ms",
        value: Number(((ours.cpuPerHourMs * POLL_MS) / H).toFixed(2)),
        notes: Object.entries(perPoll)
          .map(([k, v]) => `${k}: ${v.length} polls, ${avg(v).toFixed(2)} ms each`)
          .join("; "),
      },
      {
        name: "continuous: client CPU per simulated hour (main thread)",
        unit: "ms",
        value: Number(ours.cpuPerHourMs.toFixed(1)),
        baseline: { name: "naive 5-min poller", value: Number(naive.cpuPerHourMs.toFixed(1)) },
        ratio: Number((ours.cpuPerHourMs / naive.cpuPerHourMs).toFixed(2)),
        notes: "lower is better; goal <= 2x",
      },
    ];
  } finally {
    await ask(worker, { q: "stop" });
    await worker.terminate();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  for (const r of await run({ quick: process.argv.includes("--quick") })) console.log(JSON.stringify(r));
}
