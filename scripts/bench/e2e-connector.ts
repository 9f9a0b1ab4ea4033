/**
 * Child process of the end-to-end benchmark that runs the connector alone, started with the same Node.js
 * options and compile cache as the product's launchers (connector/hosting/node-flags.ts), so its peak RSS
 * and CPU time are the connector's own, not the benchmark harness's or the emulators'.
 * Usage: node <flags> scripts/bench/e2e-connector.ts <server-info.json> <work dir> [--no-audit-data]
 * Prints one JSON line: rows, duplicates, seconds, cpuSeconds, maxRss, sampledPeakRss, startRss.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
// The CLI's module graph, as `exo-audit run` loads it (its commands load their heavy parts only when run).
import "../../connector/cli.ts";
import { withDefaults } from "../../connector/config/load.ts";
import { silentLogger } from "../../connector/log.ts";
import { runOnce } from "../../connector/pipeline/run.ts";
import { createRuntime } from "../../connector/pipeline/wire.ts";

export interface ServerInfo {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  apiRoot: string;
  authorityHost: string;
  ca: string;
  ingestionEndpoint: string;
  dcrImmutableId: string;
  sourceRecords: number;
  blobs: number;
}

export interface ConnectorRunResult {
  rows: number;
  duplicates: number;
  seconds: number;
  cpuSeconds: number;
  /** Lifetime high-water mark of the process (bytes). */
  maxRss: number;
  sampledPeakRss: number;
  /** RSS once the modules are loaded, before the run. */
  startRss: number;
}

export async function connectorRun(
  info: ServerInfo,
  dir: string,
  caFile: string,
  keepAuditData = true,
): Promise<ConnectorRunResult> {
  const config = withDefaults(
    {
      allowCustomHosts: true,
      tenants: [
        {
          tenantId: info.tenantId,
          auth: { clientId: info.clientId, clientSecret: info.clientSecret },
          apiRoot: info.apiRoot,
          authorityHost: info.authorityHost,
          caFile,
        },
      ],
      ingestion: { endpoint: info.ingestionEndpoint, dcrImmutableId: info.dcrImmutableId, caFile },
      state: { dir: join(dir, "state") },
      deadLetter: { dir: join(dir, "dead-letters") },
      collection: { initialLookbackHours: 7 * 24 - 1, requestsPerMinute: 2000 },
      normalize: { keepAuditData },
    },
    dir,
  );
  const startRss = process.memoryUsage().rss;
  const runtime = await createRuntime(config, { logger: silentLogger });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let rows = 0;
  let duplicates = 0;
  let peakRss = 0;
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    if (process.env.EXO_BENCH_MEMLOG) {
      process.stderr.write(
        `mem rss=${mb(m.rss)} heapTotal=${mb(m.heapTotal)} heapUsed=${mb(m.heapUsed)} external=${mb(m.external)} arrayBuffers=${mb(m.arrayBuffers)}\n`,
      );
    }
  }, 200);
  try {
    for (let pass = 0; pass < 3; pass++) {
      const report = await runOnce(runtime);
      if (!report.ok) throw new Error(`connector run failed: ${report.results.flatMap((r) => r.problems).join("; ")}`);
      const delivered = report.results.reduce((n, r) => n + r.rowsOut, 0);
      rows += delivered;
      duplicates += report.results.reduce((n, r) => n + r.duplicates, 0);
      if (report.caughtUp && delivered === 0) break;
    }
  } finally {
    clearInterval(sampler);
    await runtime.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    rows,
    duplicates,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    sampledPeakRss: Math.max(peakRss, process.memoryUsage().rss),
    maxRss: process.resourceUsage().maxRSS * 1024,
    startRss,
  };
}

if (import.meta.main && process.argv[2] === "--warm-up") {
  // Loading the modules above filled the compile cache; nothing to run.
} else if (import.meta.main) {
  const [infoFile, dir, variant] = process.argv.slice(2);
  if (!infoFile || !dir) {
    process.stderr.write("usage: node scripts/bench/e2e-connector.ts <server-info.json> <work dir>\n");
    process.exit(2);
  }
  const info = JSON.parse(readFileSync(infoFile, "utf8")) as ServerInfo;
  const result = await connectorRun(info, dir, join(dir, "ca.pem"), variant !== "--no-audit-data");
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
