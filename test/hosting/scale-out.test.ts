/**
 * Several connector instances at once on the same tenants, sharing one Azurite state container: the blob
 * leases split the (tenant, content type) units, the ETag checkpoints keep the cursors consistent, and every
 * record reaches the workspace exactly once.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { runHosted } from "../../connector/hosting/run-hosted.ts";
import { createLogger, MemoryLogSink } from "../../connector/log.ts";
import { duplicates, type Fleet, startFleet } from "./support.ts";

describe("hosted scale-out on shared Azure state", { timeout: 60_000 }, () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await startFleet({ tenants: 4, recordsPerTenant: 120, latencyMs: 2 });
  });
  after(() => fleet.stop());

  it("collects every record exactly once with three instances running at the same time", async () => {
    const logs = new MemoryLogSink();
    const instances = ["inst-a", "inst-b", "inst-c"];
    const results = await Promise.all(
      instances.map((name) =>
        runHosted({
          env: { EXO_AUDIT_CONFIG_YAML: fleet.yaml(name) },
          logger: createLogger({ sink: logs, level: "info", fields: { instance: name } }),
        }),
      ),
    );
    for (const r of results) assert.equal(r.report.ok, true, JSON.stringify(r.report.results.map((x) => x.problems)));

    const units = fleet.tenantIds.length * 2;
    // Every unit was worked on by at least one instance; while one held its lease the others skipped it.
    const worked = results.flatMap((r) => r.report.results.map((x) => `${x.tenantId}/${x.contentType}`));
    assert.equal(new Set(worked).size, units);
    const skipped = results.reduce((n, r) => n + r.report.skipped.length, 0);
    assert.ok(skipped > 0, "the instances contended for the same units");
    // Rows of each unit came from one instance (a later lease holder finds the cursor caught up).
    const rowsBy = new Map<string, string[]>();
    for (const r of results) {
      for (const x of r.report.results) {
        if (x.rowsOut === 0) continue;
        const key = `${x.tenantId}/${x.contentType}`;
        rowsBy.set(key, [...(rowsBy.get(key) ?? []), r.instance]);
      }
    }
    for (const [unit, holders] of rowsBy) assert.equal(holders.length, 1, `${unit} delivered by ${holders.join(", ")}`);
    assert.ok(new Set([...rowsBy.values()].flat()).size >= 2, "the work was shared by more than one instance");

    const ids = await fleet.deliveredIds();
    assert.equal(duplicates(ids), 0, "no record delivered twice (before any KQL de-duplication)");
    assert.deepEqual(new Set(ids), fleet.expectedIds(), "every record delivered");

    // A further round of all three finds nothing new and still duplicates nothing.
    const again = await Promise.all(
      instances.map((name) =>
        runHosted({ env: { EXO_AUDIT_CONFIG_YAML: fleet.yaml(name) }, logger: createLogger({ sink: logs }) }),
      ),
    );
    assert.equal(
      again.reduce((n, r) => n + r.report.results.reduce((m, x) => m + x.rowsOut, 0), 0),
      0,
    );
    assert.equal(duplicates(await fleet.deliveredIds()), 0);
    const health = await fleet.workspace.readTable("ExchangeAuditHealth_CL");
    assert.deepEqual(new Set(health.map((h) => h.ConnectorTenant)), new Set(fleet.tenantIds));
    assert.ok(!logs.lines.some((l) => l.includes("hosting~Secret")), "no secret in the logs");
  });
});
