import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { withDefaults } from "../../connector/config/load.ts";
import { createLogger, MemoryLogSink } from "../../connector/log.ts";
import { buildHealthRow } from "../../connector/pipeline/health.ts";
import { backfillKey, runContinuously, runOnce } from "../../connector/pipeline/run.ts";
import { createRuntime } from "../../connector/pipeline/wire.ts";
import { HEALTH_COLUMNS } from "../../connector/schema/table-schema.ts";
import { MemoryDeadLetterStore } from "../../connector/sink/dead-letter-memory.ts";
import { MemoryCheckpointStore, MemoryDedupStore } from "../../connector/state/index.ts";
import type { CursorKey, Lease, LeaseManager } from "../../connector/state/types.ts";
import { FakeSource, makeBlob, makeRecord, RecordingSink, TENANT } from "./support.ts";

const H = 3_600_000;
const NOW = Date.parse("2026-03-10T15:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

function config(extra: Record<string, unknown> = {}) {
  return withDefaults(
    {
      tenants: [{ tenantId: TENANT, auth: { managedIdentity: true }, contentTypes: ["Audit.Exchange"] }],
      ingestion: {
        endpoint: "https://exo-a1b2.westeurope-1.ingest.monitor.azure.com",
        dcrImmutableId: "dcr-0123456789abcdef0123456789abcdef",
      },
      collection: { initialLookbackHours: 12, batchRows: 20, ...extra },
      instance: "unit",
    },
    "/nonexistent",
  );
}

async function runtimeWith(source: FakeSource, extra: { leases?: LeaseManager; now?: () => number } = {}) {
  const sink = new RecordingSink();
  const checkpoints = new MemoryCheckpointStore();
  const logs = new MemoryLogSink();
  const runtime = await createRuntime(config(), {
    clientFor: () => source,
    sink,
    checkpoints,
    dedup: new MemoryDedupStore({ now: () => NOW }),
    deadLetters: new MemoryDeadLetterStore(),
    logger: createLogger({ sink: logs, level: "debug" }),
    now: extra.now ?? (() => NOW),
    ...(extra.leases ? { leases: extra.leases } : {}),
  });
  return { runtime, sink, checkpoints, logs };
}

function blobs(source: FakeSource, hours: number, perBlob = 5) {
  for (let t = NOW - hours * H; t < NOW - H; t += 30 * 60_000) {
    source.blobs.push(
      makeBlob(
        iso(t),
        Array.from({ length: perBlob }, () => makeRecord(iso(t - H))),
      ),
    );
  }
}

describe("runs", () => {
  it("sends one health row per tenant and content type with every health column", async () => {
    const source = new FakeSource(() => NOW);
    blobs(source, 6);
    const { runtime, sink } = await runtimeWith(source);
    const report = await runOnce(runtime);
    assert.equal(report.ok, true);
    assert.equal(sink.health.length, 1);
    const row = sink.health[0]!;
    assert.deepEqual(Object.keys(row).sort(), HEALTH_COLUMNS.map((c) => c.name).sort());
    assert.equal(row.Status, "ok");
    assert.equal(row.RowsOut, sink.audit.length);
    assert.equal(row.ConnectorTenant, TENANT);
    assert.equal(row.Instance, "unit");
    assert.equal(row.LagSeconds, (NOW - Date.parse(source.blobs.at(-1)!.ref.contentCreated)) / 1000);
  });

  it("marks a health row degraded with gap details when content expired", async () => {
    const row = buildHealthRow(
      {
        tenantId: TENANT,
        contentType: "Audit.Exchange",
        status: "degraded",
        problems: [],
        caughtUp: true,
        stopped: false,
        blobsFetched: 3,
        recordsIn: 10,
        rowsOut: 10,
        duplicates: 0,
        deadLettered: 0,
        gaps: [
          {
            contentType: "Audit.Exchange",
            contentId: "c1",
            contentCreated: "2026-03-03T15:05:00.000Z",
            windowStart: "2026-03-03T15:00:00.000Z",
            windowEnd: "2026-03-03T18:00:00.000Z",
            code: "AF20051",
            message: "Content older than 7 days cannot be retrieved",
          },
        ],
        durationMs: 12,
      },
      {
        runId: "r1",
        instance: "i",
        now: NOW,
        source: { requests: 5, retries: 2, throttled: 1, blobsFetched: 3, recordsRead: 10 },
      },
    );
    assert.equal(row.Status, "degraded");
    assert.equal(row.Gaps, 1);
    assert.deepEqual((row.GapDetails as { code: string }[])[0]?.code, "AF20051");
    assert.match(String(row.Message), /could not be retrieved \(AF20051\).*lost.*1 throttled/);
    assert.equal(row.Retries, 2);
    assert.equal(row.LagSeconds, null);
  });

  it("stops at its time budget, commits what was acknowledged and resumes next run", async () => {
    const source = new FakeSource(() => NOW);
    blobs(source, 12, 40);
    const { runtime, sink, checkpoints } = await runtimeWith(source);
    const expected = source.blobs.reduce((n, b) => n + b.records.length, 0);
    sink.beforeAck = () => new Promise((r) => setTimeout(r, 15));
    const first = await runOnce(runtime, { timeBudgetMs: 60 });
    assert.equal(first.caughtUp, false);
    assert.equal(first.results[0]!.stopped, true);
    assert.ok(sink.audit.length < expected);
    assert.ok((await checkpoints.load({ tenantId: TENANT, contentType: "Audit.Exchange" }))!.cursor);
    sink.beforeAck = undefined;
    const second = await runOnce(runtime);
    assert.equal(second.caughtUp, true);
    assert.equal(sink.audit.length, expected);
    assert.equal(new Set(sink.ids()).size, expected);
  });

  it("skips a unit whose lease another instance holds, and stops when a held lease is lost", async () => {
    const source = new FakeSource(() => NOW);
    blobs(source, 12, 40);
    const lost = new AbortController();
    let grant = false;
    const leases: LeaseManager = {
      async tryAcquire(key: CursorKey): Promise<Lease | null> {
        if (!grant) return null;
        return { key, signal: lost.signal, release: async () => {} };
      },
    };
    const { runtime, sink } = await runtimeWith(source, { leases });
    const skipped = await runOnce(runtime);
    assert.equal(skipped.results.length, 0);
    assert.deepEqual(skipped.skipped, [{ tenantId: TENANT, contentType: "Audit.Exchange" }]);
    assert.equal(sink.calls, 0);
    grant = true;
    sink.beforeAck = () => {
      if (sink.calls === 2) lost.abort();
    };
    const r = await runOnce(runtime);
    assert.equal(r.results[0]!.stopped, true);
    assert.match(r.results[0]!.problems.join(" "), /lease was lost/);
    assert.equal(sink.health.at(-1)!.Status, "degraded");
  });

  it("polls until its signal aborts, holds unchanged health rows for the cadence and sends them at the stop", async () => {
    const source = new FakeSource(() => NOW);
    blobs(source, 4);
    const { runtime, sink } = await runtimeWith(source);
    const stop = new AbortController();
    let runs = 0;
    let polledRequests = 0;
    const last = await runContinuously(runtime, {
      signal: stop.signal,
      intervalMs: 5,
      onRun: () => {
        polledRequests = source.stats().requests;
        if (++runs === 3) stop.abort();
      },
    });
    assert.equal(runs, 3);
    assert.equal(last?.ok, true);
    // First poll at once; the two unchanged ones held (15-minute cadence) and sent merged when stopping.
    assert.equal(sink.health.length, 2);
    assert.equal(
      sink.health.reduce((n, r) => n + Number(r.Requests), 0),
      polledRequests,
    );
  });

  it("checks the subscription at a unit's first run and then hourly, not at every poll", async () => {
    let clock = NOW;
    const source = new FakeSource(() => clock);
    blobs(source, 4);
    const { runtime } = await runtimeWith(source, { now: () => clock });
    const subscriptionChecks: number[] = [];
    for (let poll = 0; poll < 14; poll++) {
      const before = source.subscribed.length;
      await runOnce(runtime);
      if (source.subscribed.length > before) subscriptionChecks.push(poll);
      clock += 5 * 60_000;
    }
    assert.deepEqual(subscriptionChecks, [0, 12], "at the first poll and an hour (12 polls) later");
  });

  it("keeps a unit running when its reconciliation sweep cannot list, and sweeps again at the next poll", async () => {
    let clock = NOW;
    let failLongListings = false;
    class FlakySource extends FakeSource {
      override async *listContent(contentType: string, start: Date, end: Date) {
        if (failLongListings && end.getTime() - start.getTime() > 5 * H) {
          failLongListings = false;
          throw new Error("AF50000 internal error");
        }
        yield* super.listContent(contentType, start, end);
      }
    }
    const source = new FlakySource(() => clock);
    blobs(source, 10);
    const { runtime, sink } = await runtimeWith(source, { now: () => clock });
    await runOnce(runtime);
    clock += 61 * 60_000;
    failLongListings = true;
    const failed = await runOnce(runtime);
    assert.equal(failed.ok, true, "the unit did not fail");
    assert.equal(failed.results[0]!.sweep, undefined);
    assert.equal(sink.health.at(-1)!.Status, "degraded");
    assert.match(String(sink.health.at(-1)!.Message), /reconciliation sweep not completed/);
    clock += 5 * 60_000;
    const retried = await runOnce(runtime);
    assert.equal(retried.results[0]!.sweep, "24h/60m", "the sweep stayed due and ran at the next poll");
  });

  it("backfills a past range under its own checkpoint without touching the live cursor", async () => {
    const source = new FakeSource(() => NOW);
    blobs(source, 30);
    const { runtime, sink, checkpoints } = await runtimeWith(source);
    const range = { from: NOW - 30 * H, to: NOW - 20 * H };
    const r = await runOnce(runtime, { backfill: range });
    assert.equal(r.ok, true);
    assert.equal(r.caughtUp, true);
    const inRange = source.blobs.filter((b) => {
      const c = Date.parse(b.ref.contentCreated);
      return c >= range.from && c < range.to;
    });
    assert.equal(
      sink.audit.length,
      inRange.reduce((n, b) => n + b.records.length, 0),
    );
    assert.equal(await checkpoints.load({ tenantId: TENANT, contentType: "Audit.Exchange" }), null);
    const bf = await checkpoints.load(backfillKey(TENANT, "Audit.Exchange", range));
    assert.equal(bf?.cursor.windowEnd, iso(range.to));
    for (const c of source.listCalls) assert.ok(Date.parse(c.end) <= range.to && Date.parse(c.start) >= range.from);
  });

  it("never reads far ahead of acknowledged delivery (bounded memory on a 5,000-record blob)", async () => {
    const source = new FakeSource(() => NOW);
    source.blobs.push(
      makeBlob(
        iso(NOW - 2 * H),
        Array.from({ length: 5000 }, () => makeRecord(iso(NOW - 3 * H))),
      ),
    );
    const { runtime, sink } = await runtimeWith(source);
    let maxAhead = 0;
    sink.beforeAck = (rows) => {
      maxAhead = Math.max(maxAhead, source.stats().recordsRead - (sink.audit.length + rows.length));
    };
    await runOnce(runtime);
    assert.equal(sink.audit.length, 5000);
    // One batch filling (20 rows) plus one normalized chunk (200 records) per reader at most.
    assert.ok(maxAhead <= 20 + 200 + 1, `read ${maxAhead} records ahead of delivery`);
  });
});

describe("backfill progress bar", () => {
  it("draws the share of the range done on a terminal and nothing elsewhere", async () => {
    const { createProgressBar } = await import("../../connector/pipeline/progress-bar.ts");
    const written: string[] = [];
    const tty = { isTTY: true, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    const from = Date.parse("2026-03-09T00:00:00Z");
    const bar = createProgressBar(from, from + 10 * H, tty, 10);
    bar.update(
      { tenantId: TENANT, contentType: "Audit.Exchange" },
      { window: { start: from + 4 * H, end: from + 6 * H }, blobsListed: 4, blobsDone: 2, rowsOut: 1234 },
    );
    bar.done();
    assert.match(written[0]!, /^\r\[#####\.{5}\] {2}50% {2}Audit\.Exchange up to 2026-03-09 06:00 UTC {2}rows 1234/);
    assert.equal(written[1], "\n");
    const pipe = { isTTY: false, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    const quiet = createProgressBar(from, from + H, pipe);
    quiet.update(
      { tenantId: TENANT, contentType: "x" },
      { window: { start: from, end: from + H }, blobsListed: 0, blobsDone: 0, rowsOut: 0 },
    );
    assert.equal(written.length, 2);
  });
});
