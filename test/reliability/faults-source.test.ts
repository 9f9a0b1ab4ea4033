/**
 * Fault matrix, source side: each failure of the Management Activity API (through the O365 and Entra
 * emulators) leaves the pipeline correct: every record delivered once, the documented reaction, a clear log.
 * Waits run on a fake clock (support.ts), so the real backoff and Retry-After durations are asserted.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runOnce } from "../../connector/pipeline/run.ts";
import { assertComplete, publishFresh, withFaultEnvironment } from "./support.ts";

describe("fault matrix: Management Activity API", { timeout: 60_000 }, () => {
  it("honours AF429 throttling answered as HTTP 403 and as HTTP 429 with Retry-After", async () => {
    await withFaultEnvironment({}, async (env) => {
      env.o365.faults.push(
        { kind: "throttle", status: 403, on: "content", times: 2 },
        { kind: "throttle", status: 429, retryAfterSec: 37, on: "blob", times: 3 },
        { kind: "throttle", status: 403, publisherIdZero: true, on: "blob", times: 1 },
      );
      const report = await env.runOnce();
      await assertComplete(env, report);
      assert.ok(
        env.clock.waits.some((w) => w >= 37_000 && w < 38_000),
        `Retry-After 37 s honoured (waits: ${env.clock.waits.join(",")})`,
      );
      assert.equal(env.o365.faults.length, 0, "every injected throttle was hit");
      assert.match(env.problems(), /throttled the tenant; backing off/, "throttling is logged as a warning");
      assert.match(env.problems(), /all-zero PublisherId/, "the PublisherId=0 variant is called out");
    });
  });

  it("retries bursts of 5xx answers on listing and blob requests", async () => {
    await withFaultEnvironment({}, async (env) => {
      env.o365.faults.push(
        { kind: "error", status: 503, on: "content", times: 3 },
        { kind: "error", status: 500, code: "AF50000", on: "blob", times: 4 },
      );
      const report = await env.runOnce();
      await assertComplete(env, report);
      assert.equal(env.o365.faults.length, 0);
      assert.ok(env.o365.requests.filter((r) => r.status >= 500).length >= 7);
      assert.match(env.problems(), /API request failed; retrying/, "each retry is logged as a warning");
    });
  });

  it("re-reads a blob whose connection was reset mid-body or whose JSON was truncated", async () => {
    await withFaultEnvironment({}, async (env) => {
      env.o365.faults.push(
        { kind: "reset-mid-body", on: "blob", times: 2 },
        { kind: "truncate-body", on: "blob", times: 2 },
        { kind: "reset-mid-body", on: "content", times: 1 },
      );
      const report = await env.runOnce();
      await assertComplete(env, report);
      assert.equal(env.o365.faults.length, 0);
      assert.match(env.problems(), /blob body broke off|failed without a response|retrying/);
    });
  });

  it("times out responses slower than the request timeout and retries them", async () => {
    await withFaultEnvironment({}, async (env) => {
      env.o365.faults.push({ kind: "slow", delayMs: 2_000, on: "blob", times: 1 });
      env.o365.faults.push({ kind: "slow", delayMs: 2_000, on: "content", times: 1 });
      const started = Date.now();
      const report = await env.runOnce();
      await assertComplete(env, report);
      assert.ok(Date.now() - started < 20_000);
      assert.match(env.logs.lines.join("\n"), /time(d)? ?out/i, "the timeout is logged");
    });
  });

  it("re-creates a subscription lost mid-run (AF20022) and goes on", async () => {
    await withFaultEnvironment({}, async (env) => {
      let dropped = false;
      const first = await env.runtime();
      // Drop the subscription after the first listing of the run.
      const timer = setInterval(() => {
        if (!dropped && env.o365.requests.some((r) => r.route === "content" && r.status === 200)) {
          env.o365.setSubscription("Audit.Exchange", "none");
          dropped = true;
        }
      }, 1);
      try {
        const report = await runOnce(first);
        await first.close();
        clearInterval(timer);
        assert.ok(dropped, "the subscription was dropped mid-run");
        // The same run, or the next, resubscribes and completes.
        const again = report.ok ? report : await env.runOnce();
        await assertComplete(env, again);
        assert.ok(env.o365.startRequests.length >= 2, "the subscription was started again");
        assert.match(env.logs.lines.join("\n"), /AF20022|subscri/i);
      } finally {
        clearInterval(timer);
      }
    });
  });

  it("reports an expired blob (AF20051) as a gap and loses nothing else", async () => {
    await withFaultEnvironment({}, async (env) => {
      env.o365.faults.push({
        kind: "error",
        status: 400,
        code: "AF20051",
        message: "Content requested with the key x has already expired. Content older than 7 days cannot be retrieved.",
        on: "blob",
        times: 1,
      });
      const report = await env.runOnce();
      const r = report.results[0]!;
      assert.equal(r.gaps.length, 1, "one gap reported");
      assert.equal(r.gaps[0]!.code, "AF20051");
      assert.equal(r.status, "degraded");
      const gapBlob = env.o365.blobs().find((b) => b.contentId === r.gaps[0]!.contentId)!;
      const lost = new Set(gapBlob.records.map((x) => String((x as { Id: string }).Id)));
      assert.ok(lost.size > 0);
      const ids = await env.delivered();
      const expected = [...env.expected()].filter((id) => !lost.has(id));
      assert.deepEqual(new Set(ids), new Set(expected), "every record outside the expired blob delivered");
      assert.equal(ids.length, new Set(ids).size);
      const health = await env.workspace.readTable("ExchangeAuditHealth_CL");
      assert.equal(health.at(-1)!.Gaps, 1);
      assert.equal(health.at(-1)!.Status, "degraded");
      assert.match(env.problems(), /AF20051|expired/, "the gap is logged as a warning");
      // A second run does not retry the expired blob forever or lose anything more.
      const second = await env.runOnce();
      assert.equal(second.ok, true);
      assert.deepEqual(new Set(await env.delivered()), new Set(expected));
    });
  });

  it("refreshes tokens that expired while the connector was running", async () => {
    // 3 s tokens (Entra issues ~1 h ones). One long-lived runtime: a run, a pause past every token's expiry,
    // new records, another run on the same (now stale) cached tokens.
    await withFaultEnvironment({ tokenLifetimeSec: 3 }, async (env) => {
      const rt = await env.runtime();
      try {
        assert.equal((await runOnce(rt)).ok, true);
        const issued = env.entra.issued();
        await new Promise((r) => setTimeout(r, 3_300));
        const fresh = publishFresh(env.o365, 30, 8);
        await assertComplete(env, await runOnce(rt));
        assert.ok([...fresh].every((id) => env.o365.recordIds().has(id)));
        assert.ok(
          env.entra.issued() >= issued + 2,
          `API and ingestion tokens re-issued (${issued} → ${env.entra.issued()})`,
        );
        assert.ok(!/401/.test(env.problems()), "no request failed for an expired token");
      } finally {
        await rt.close();
      }
    });
  });

  for (const skewMin of [-45, 30]) {
    it(`collects correctly when the server clock is ${skewMin < 0 ? "behind" : "ahead"} by ${Math.abs(skewMin)} minutes`, async () => {
      await withFaultEnvironment({}, async (env) => {
        env.o365.faults.push({ kind: "date-skew", skewMs: skewMin * 60_000, times: Number.POSITIVE_INFINITY });
        const report = await env.runOnce();
        assert.equal(report.ok, true);
        const listed = env.o365.requests.filter((r) => r.route === "content");
        assert.ok(listed.length > 0 && listed.every((r) => r.status === 200), "no listing rejected");
        // The connector follows the server's clock: blobs the server has published by ITS now are collected.
        const serverNow = env.o365.now() + skewMin * 60_000;
        const ids = await env.delivered();
        assert.equal(ids.length, new Set(ids).size, "no record delivered twice");
        const due = env.o365.blobs().filter((b) => b.created < serverNow - 2 * 60_000);
        assert.ok(due.length > 0);
        for (const b of due) for (const r of b.records) assert.ok(ids.includes(String((r as { Id: string }).Id)));
        // Time passes (the emulator's clock moves on): the next run collects the rest, nothing lost or repeated.
        env.o365.advanceBy(Math.max(0, -skewMin) * 60_000 + 10 * 60_000);
        await assertComplete(env, await env.runOnce());
      });
    });
  }
});
