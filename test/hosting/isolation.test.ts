/**
 * Tenant isolation in one deployment: a tenant whose API answers AF429 or 5xx without end neither stalls nor
 * slows the other tenants (own API client, own request budget and back-off, units in parallel).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { stringify } from "yaml";
import type { Fault } from "../../connector/emulators/o365/index.ts";
import { runHosted } from "../../connector/hosting/run-hosted.ts";
import { silentLogger } from "../../connector/log.ts";
import { type Fleet, startFleet } from "./support.ts";

describe("tenant isolation", { timeout: 90_000 }, () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await startFleet({ tenants: 4, recordsPerTenant: 100, latencyMs: 2 });
  });
  after(() => fleet.stop());

  /** One run over `tenantCount` tenants with its own state container (so each run collects everything). */
  async function run(name: string, tenantCount: number, budgetMs?: number) {
    const raw = fleet.raw(name);
    raw.tenants = (raw.tenants as unknown[]).slice(0, tenantCount);
    const state = raw.state as { azure: { container: string } };
    state.azure.container = `${fleet.container}-${name}`;
    const started = Date.now();
    const { report } = await runHosted({
      env: { EXO_AUDIT_CONFIG_YAML: stringify(raw) },
      logger: silentLogger,
      ...(budgetMs ? { timeBudgetMs: budgetMs } : {}),
    });
    return { report, wallMs: Date.now() - started };
  }

  const healthy = (r: Awaited<ReturnType<typeof run>>) =>
    r.report.results.filter((x) => x.tenantId !== fleet.tenantIds[3]);

  let baselineMs = 0;
  it("measures the healthy tenants alone", async () => {
    const base = await run("baseline", 3);
    assert.equal(base.report.ok, true);
    assert.equal(base.report.caughtUp, true);
    baselineMs = Math.max(...base.report.results.map((x) => x.durationMs));
  });

  for (const [label, fault] of [
    ["AF429 throttling", { kind: "throttle", status: 403, retryAfterSec: 1, times: Infinity }],
    ["HTTP 503 errors", { kind: "error", status: 503, code: "AF50000", times: Infinity }],
  ] as [string, Fault][]) {
    it(`finishes the other tenants in their usual time while one tenant answers ${label} without end`, async (t) => {
      const faulty = fleet.o365[3]!;
      faulty.faults.clear();
      faulty.faults.push(fault);
      try {
        const budget = Math.max(6_000, baselineMs * 2);
        const r = await run(label.split(" ")[0]!.toLowerCase(), 4, budget);
        // The hosted run ends within its budget (plus the drain) even though one tenant never succeeds.
        assert.ok(r.wallMs <= budget + 5_000, `the run took ${r.wallMs} ms with a ${budget} ms budget`);
        const ok = healthy(r);
        assert.equal(ok.length, 6, "both content types of the three healthy tenants ran");
        for (const x of ok) {
          assert.equal(x.status, "ok", `${x.tenantId}/${x.contentType}: ${x.problems.join("; ")}`);
          assert.equal(x.caughtUp, true);
        }
        const healthyMs = Math.max(...ok.map((x) => x.durationMs));
        t.diagnostic(`healthy tenants ${healthyMs} ms with a faulty neighbour vs ${baselineMs} ms alone`);
        assert.ok(
          healthyMs <= baselineMs * 1.6 + 1_500,
          `healthy tenants took ${healthyMs} ms vs ${baselineMs} ms alone`,
        );
        const bad = r.report.results.filter((x) => x.tenantId === fleet.tenantIds[3]);
        assert.ok(bad.length >= 1 && bad.every((x) => !x.caughtUp), "the faulty tenant did not get through");
        assert.ok(faulty.requests.length > 0);
      } finally {
        faulty.faults.clear();
      }
    });
  }
});
