/**
 * A lease holder killed mid-run (SIGKILL: no release, no commit): its leases expire and another instance
 * resumes from the last committed cursor, within the lease time, without losing a record. The killed
 * instance is the container job's command (`exo-audit run --once`) in a child process talking to the
 * emulators of this process over HTTPS (CA from the configuration and NODE_EXTRA_CA_CERTS).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { BlobServiceClient } from "@azure/storage-blob";
import { stringify } from "yaml";
import { runHosted } from "../../connector/hosting/run-hosted.ts";
import { createLogger, MemoryLogSink } from "../../connector/log.ts";
import { duplicates, type Fleet, startFleet } from "./support.ts";

const CLI = fileURLToPath(new URL("../../connector/cli.ts", import.meta.url));
const LEASE_SECONDS = 15;

async function leasedUnits(fleet: Fleet): Promise<string[]> {
  const c = BlobServiceClient.fromConnectionString(fleet.azurite!.connectionString).getContainerClient(fleet.container);
  const held: string[] = [];
  try {
    for await (const b of c.listBlobsFlat({ prefix: "leases/" })) {
      if (b.properties.leaseState === "leased") held.push(b.name);
    }
  } catch {
    // The container does not exist yet.
  }
  return held;
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("lease takeover after a crash", { timeout: 90_000 }, () => {
  let fleet: Fleet;
  let child: ChildProcess | undefined;
  before(async () => {
    fleet = await startFleet({
      tenants: 2,
      recordsPerTenant: 160,
      latencyMs: 60,
      recordsPerBlob: 8,
      leaseSeconds: LEASE_SECONDS,
    });
  });
  after(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await fleet.stop();
  });

  it("resumes a SIGKILLed instance's units from the committed cursor within the lease time and loses nothing", async (t) => {
    let stderr = "";
    child = spawn(process.execPath, [CLI, "run", "--once"], {
      env: {
        PATH: process.env.PATH,
        EXO_AUDIT_CONFIG_YAML: fleet.yaml("doomed"),
        NODE_EXTRA_CA_CERTS: fleet.caFile,
        EXO_AUDIT_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    child.stderr?.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child!.once("exit", (code) => resolve(code)));
    // Mid-run: it holds every unit's lease and some rows are acknowledged, but it is far from done.
    await waitFor("the child to deliver rows", () => fleet.workspace.rowsAccepted("ExchangeAudit_CL") >= 40, 30_000);
    assert.equal(child.exitCode, null, `the child finished too early:\n${stderr}`);
    const held = await leasedUnits(fleet);
    // Content types of a tenant run one after another: one lease per tenant at a time.
    assert.equal(held.length, 2, "the child holds a lease in each tenant");
    child.kill("SIGKILL");
    const killedAt = Date.now();
    await exited;
    const deliveredByChild = fleet.workspace.rowsAccepted("ExchangeAudit_CL");
    assert.ok(deliveredByChild < fleet.expectedIds().size, "killed before finishing");

    // Right after the crash the leases are still held: the survivor skips those units instead of racing.
    const logs = new MemoryLogSink();
    const survivor = () =>
      runHosted({
        env: { EXO_AUDIT_CONFIG_YAML: fleet.yaml("survivor") },
        logger: createLogger({ sink: logs, level: "info" }),
      });
    const first = await survivor();
    assert.equal(first.report.skipped.length, held.length, "no unit is taken while the dead holder's lease is valid");
    assert.equal(first.report.ok, true);

    // It retries (as the next timer tick would) and takes over once the leases expired.
    let takenOverAt: number | undefined;
    for (;;) {
      const r = await survivor();
      assert.equal(r.report.ok, true, JSON.stringify(r.report.results.map((x) => x.problems)));
      if (r.report.skipped.length === 0) {
        takenOverAt ??= Date.now();
        if (r.report.caughtUp) break;
      }
      assert.ok(Date.now() - killedAt < 45_000, "the survivor never took over");
      await new Promise((res) => setTimeout(res, 500));
    }
    const takeoverMs = takenOverAt! - killedAt;
    assert.ok(takeoverMs <= (LEASE_SECONDS + 6) * 1000, `took over after ${takeoverMs} ms`);

    const ids = await fleet.deliveredIds();
    t.diagnostic(`takeover ${takeoverMs} ms after SIGKILL (lease ${LEASE_SECONDS} s); ${duplicates(ids)} rows re-sent`);
    assert.deepEqual(new Set(ids), fleet.expectedIds(), "every record delivered (nothing lost)");
    // At-least-once across a crash: at most the batches acknowledged after the last commit come again, and
    // KQL de-duplication on RecordId hides them; the count stays below one batch per unit.
    assert.ok(duplicates(ids) <= 4 * 40, `${duplicates(ids)} re-sent rows`);
    const takeovers = logs.entries().filter((e) => e.msg === "lease acquired");
    assert.ok(takeovers.length >= 4, "every unit was leased by the survivor");
  });

  it("stops a holder whose lease was taken from it, and the new holder completes from the committed cursor", async (t) => {
    // Fresh state container: the same records are collected again, so count deliveries from here on.
    const container = `${fleet.container}-broken`;
    const yaml = (instance: string) => {
      const raw = fleet.raw(instance);
      (raw.state as { azure: { container: string } }).azure.container = container;
      return stringify(raw);
    };
    const from = (await fleet.deliveredIds()).length;
    const logs = new MemoryLogSink();
    const run = (instance: string) =>
      runHosted({
        env: { EXO_AUDIT_CONFIG_YAML: yaml(instance) },
        logger: createLogger({ sink: logs, level: "info" }),
      });
    // Slow blob downloads keep the first holder busy past its next lease renewal (every 5 s).
    for (const e of fleet.o365) e.faults.push({ kind: "slow", delayMs: 1_500, on: "blob", times: Infinity });
    const a = run("partitioned");
    const state = BlobServiceClient.fromConnectionString(fleet.azurite!.connectionString).getContainerClient(container);
    const leased = async () => {
      const names: string[] = [];
      for await (const b of state.listBlobsFlat({ prefix: "leases/" })) {
        if (b.properties.leaseState === "leased") names.push(b.name);
      }
      return names;
    };
    await waitFor("rows from the first holder", async () => (await fleet.deliveredIds()).length - from >= 24, 30_000);
    // As if the holder had been cut off from storage past its lease: the lease is broken and taken by another.
    const taken = await leased();
    assert.ok(taken.length > 0);
    for (const name of taken) await state.getBlobClient(name).getBlobLeaseClient().breakLease(0);
    const b = run("successor");
    const ra = await a;
    for (const e of fleet.o365) e.faults.clear();
    const rb = await b;

    // Within one renewal period (5 s) the first holder notices and stops those units. Until then both may
    // work: the ETag on the checkpoint lets only one of them commit each version (the other gets a conflict).
    const lost = ra.report.results.filter((r) => r.problems.some((p) => /lease was lost/.test(p)));
    assert.equal(lost.length, taken.length, "the first holder noticed every lost lease and stopped those units");
    assert.ok(lost.every((r) => !r.caughtUp));
    const conflicts = [...ra.report.results, ...rb.report.results].filter((r) =>
      r.problems.some((p) => /CheckpointConflictError/.test(p)),
    ).length;
    // The successor (and later runs) finish every unit; ETag checkpoints keep the two writers from regressing a cursor.
    let last = rb;
    for (let i = 0; i < 5 && !(last.report.caughtUp && last.report.ok); i++) last = await run("successor");
    assert.equal(last.report.ok, true, JSON.stringify(last.report.results.map((r) => r.problems)));
    assert.equal(last.report.caughtUp, true);
    const ids = (await fleet.deliveredIds()).slice(from);
    assert.deepEqual(new Set(ids), fleet.expectedIds(), "every record delivered once more into the fresh state");
    t.diagnostic(
      `${duplicates(ids)} rows sent by both holders around the broken lease; ${conflicts} checkpoint conflicts`,
    );
    assert.ok(duplicates(ids) <= 2 * 4 * 40);
  });
});
