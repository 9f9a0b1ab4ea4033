/**
 * Fault matrix, mixed: fast-check draws a random sequence of source faults (throttling as 403/429, 5xx, resets
 * mid-body, truncated blobs, slow responses past the timeout, skewed Date headers, a lost subscription) and a
 * random per-request ingestion fault rate (503, 429, 500, resets, 413, slow uploads). Whatever the mix, after
 * at most a few runs every record is in the workspace, and duplicates stay within the batches whose upload
 * outcome the client could not know (reset or timed out after the service read them).
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import fc from "fast-check";
import type { Fault as SourceFault } from "../../connector/emulators/o365/index.ts";
import type { Fault as SinkFault } from "../../connector/emulators/workspace/index.ts";
import { faultEnvironment } from "./support.ts";

const BATCH = 25;

const sourceFault: fc.Arbitrary<SourceFault> = fc.oneof(
  fc.record({
    kind: fc.constant("throttle" as const),
    status: fc.constantFrom(403 as const, 429 as const),
    retryAfterSec: fc.option(fc.integer({ min: 1, max: 120 }), { nil: undefined }),
    on: fc.constantFrom("content" as const, "blob" as const),
  }),
  fc.record({
    kind: fc.constant("error" as const),
    status: fc.constantFrom(500, 502, 503, 504),
    on: fc.constantFrom("content" as const, "blob" as const),
  }),
  fc.record({ kind: fc.constant("reset-mid-body" as const), on: fc.constantFrom("content" as const, "blob" as const) }),
  fc.record({ kind: fc.constant("truncate-body" as const), on: fc.constant("blob" as const) }),
  fc.record({ kind: fc.constant("slow" as const), delayMs: fc.constant(900), on: fc.constant("blob" as const) }),
  fc.record({ kind: fc.constant("date-skew" as const), skewMs: fc.integer({ min: -20 * 60_000, max: 20 * 60_000 }) }),
);

const sinkFault: fc.Arbitrary<SinkFault> = fc.oneof(
  fc.record({
    kind: fc.constant("status" as const),
    status: fc.constantFrom(500, 503),
    retryAfterSeconds: fc.constant(5),
  }),
  fc.record({
    kind: fc.constant("status" as const),
    status: fc.constant(429),
    retryAfterSeconds: fc.integer({ min: 1, max: 90 }),
  }),
  fc.record({ kind: fc.constant("status" as const), status: fc.constant(413) }),
  fc.record({ kind: fc.constant("reset" as const) }),
  fc.record({ kind: fc.constant("delay" as const), ms: fc.constant(900) }),
);

const scenario = fc.record({
  source: fc.array(sourceFault, { minLength: 3, maxLength: 12 }),
  sink: fc.array(sinkFault, { minLength: 3, maxLength: 10 }),
  sinkRate: fc.double({ min: 0.1, max: 0.4, noNaN: true }),
  dropSubscription: fc.boolean(),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
});

it("delivers every record under a random mix of source and ingestion faults", { timeout: 120_000 }, async () => {
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(scenario, async (s) => {
      runs++;
      const env = await faultEnvironment({ records: 120, hours: 16, batchRows: BATCH });
      try {
        env.o365.faults.push(...s.source);
        let a = s.seed >>> 0;
        const rnd = () => {
          a = (Math.imul(a ^ (a >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
          return a / 4294967296;
        };
        let i = 0;
        let uncertain = 0;
        env.workspace.faults.setHook((ctx) => {
          if (!ctx.stream.includes("ExchangeAudit") || rnd() >= s.sinkRate) return undefined;
          const f = s.sink[i++ % s.sink.length]!;
          if (f.kind === "reset" || f.kind === "delay") uncertain++;
          return f;
        });
        if (s.dropSubscription) {
          setTimeout(() => env.o365.setSubscription("Audit.Exchange", "none"), 150).unref();
        }
        // A run may end failed (e.g. retries exhausted); the next one resumes from the checkpoint.
        let ok = false;
        for (let r = 0; r < 4 && !ok; r++) ok = (await env.runOnce()).ok;
        env.workspace.faults.setHook(undefined);
        if (!ok) ok = (await env.runOnce()).ok;
        await new Promise((r) => setTimeout(r, 1_000)); // held uploads land
        assert.ok(ok, `no clean run:\n${env.problems().slice(-2_000)}`);
        const ids = await env.delivered();
        const expected = env.expected();
        assert.ok(expected.size >= 100);
        assert.deepEqual(new Set(ids), expected, "every record delivered");
        const dup = ids.length - new Set(ids).size;
        assert.ok(dup <= uncertain * BATCH, `${dup} duplicates for ${uncertain} uncertain uploads`);
      } finally {
        await env.stop();
      }
    }),
    { numRuns: 4, seed: 20261122, endOnFailure: true },
  );
  assert.equal(runs, 4);
});
