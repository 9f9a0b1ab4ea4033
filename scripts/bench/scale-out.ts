/**
 * Scale-out: throughput of 1, 2 and 4 connector instances sharing 8 emulated tenants (2 content types each,
 * so 16 units) through the blob leases of one Azurite state container. Every instance is a separate
 * `exo-audit run --once` process (the Container Apps Job command), so instances really run in parallel;
 * the emulators answer with an added latency per API response, as the real API does (it, not our CPU, is
 * what limits a single instance). Each configuration collects the same data from a fresh state container.
 *
 * Read the ratio with the machine in mind: the emulators, Azurite and every instance share its cores.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { NODE_RUNTIME_FLAGS } from "../../connector/hosting/node-flags.ts";
import { startFleet } from "../../test/hosting/support.ts";
import type { BenchResult } from "./types.ts";

/** Per-response latency of the emulated API: list and blob requests of the real API take 100-500 ms. */
const LATENCY_MS = 200;
const CLI = fileURLToPath(new URL("../../bin/exo-audit.js", import.meta.url));

function runInstance(yaml: string, caFile: string): { child: ChildProcess; done: Promise<void> } {
  // Started like the container job: the product's Node.js options and launcher (compile cache included).
  const child = spawn(process.execPath, [...NODE_RUNTIME_FLAGS, CLI, "run", "--once"], {
    env: { PATH: process.env.PATH, EXO_AUDIT_CONFIG_YAML: yaml, NODE_EXTRA_CA_CERTS: caFile },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const done = new Promise<void>((resolve, reject) =>
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`instance exited ${code}:\n${stderr.slice(-2000)}`)),
    ),
  );
  return { child, done };
}

export async function run(options: { quick: boolean } = { quick: false }): Promise<BenchResult[]> {
  const recordsPerTenant = options.quick ? 120 : 480;
  const fleet = await startFleet({
    tenants: 8,
    recordsPerTenant,
    latencyMs: LATENCY_MS,
    recordsPerBlob: 20,
    pageSize: 20,
    duplicateFraction: 0.02,
    collection: { concurrency: 4 },
  });
  try {
    const expected = fleet.expectedIds().size;
    const results: BenchResult[] = [];
    let single = 0;
    for (const instances of [1, 2, 4]) {
      const before = fleet.workspace.rowsAccepted("ExchangeAudit_CL");
      const started = performance.now();
      const runs = Array.from({ length: instances }, (_, i) => {
        const raw = fleet.raw(`bench-${instances}-${i + 1}`);
        (raw.state as { azure: { container: string } }).azure.container = `${fleet.container}-x${instances}`;
        return runInstance(stringify(raw), fleet.caFile);
      });
      await Promise.all(runs.map((r) => r.done));
      const seconds = (performance.now() - started) / 1000;
      const delivered = fleet.workspace.rowsAccepted("ExchangeAudit_CL") - before;
      if (delivered !== expected) {
        throw new Error(`${instances} instance(s) delivered ${delivered} rows, expected exactly ${expected}`);
      }
      // How the leases split the 16 units: units that delivered rows, per instance (from the health rows).
      const health = await fleet.workspace.readTable("ExchangeAuditHealth_CL");
      const split = new Map<string, number>();
      for (const h of health) {
        const inst = String(h.Instance);
        if (inst.startsWith(`bench-${instances}-`) && Number(h.RowsOut) > 0)
          split.set(inst, (split.get(inst) ?? 0) + 1);
      }
      const perSecond = delivered / seconds;
      if (instances === 1) single = perSecond;
      results.push({
        name: `${instances} instance${instances === 1 ? "" : "s"}, 8 tenants x 2 content types`,
        unit: "records/s",
        value: perSecond,
        ...(instances > 1 ? { baseline: { name: "1 instance", value: single }, ratio: perSecond / single } : {}),
        notes: `${delivered} records in ${seconds.toFixed(1)} s incl. process start; exactly once; units per instance ${[...split.values()].sort((a, b) => b - a).join("/")}; API latency ${LATENCY_MS} ms; ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)}`,
      });
    }
    return results;
  } finally {
    await fleet.stop();
  }
}

if (import.meta.main) {
  for (const r of await run({ quick: process.argv.includes("--quick") })) {
    process.stdout.write(`${JSON.stringify(r)}\n`);
  }
}
