import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryLogSink, createLogger } from "../../connector/log.ts";
import { normalizeRecord } from "../../connector/normalize/index.ts";
import { type CollectDeps, collectContentType } from "../../connector/pipeline/collect.ts";
import { cursorFor } from "../../connector/pipeline/cursor.ts";
import { DEFAULT_WINDOW_POLICY, makeWindowPolicy } from "../../connector/pipeline/windows.ts";
import { MemoryDeadLetterStore } from "../../connector/sink/dead-letter-memory.ts";
import { MemoryCheckpointStore, MemoryDedupStore } from "../../connector/state/index.ts";
import { FakeSource, makeBlob, makeRecord, RecordingSink, TENANT } from "./support.ts";

const H = 3_600_000;
const NOW = Date.parse("2026-03-10T12:00:00Z");
const KEY = { tenantId: TENANT, contentType: "Audit.Exchange" };
const iso = (ms: number) => new Date(ms).toISOString();

function setup(now = () => NOW) {
  const source = new FakeSource(now);
  const sink = new RecordingSink();
  const checkpoints = new MemoryCheckpointStore();
  const dedup = new MemoryDedupStore({ now });
  const deadLetters = new MemoryDeadLetterStore();
  const logs = new MemoryLogSink();
  const deps: CollectDeps = {
    client: source,
    sink,
    checkpoints,
    dedup,
    deadLetters,
    normalize: normalizeRecord,
    logger: createLogger({ sink: logs, level: "debug" }),
    now,
  };
  return { source, sink, checkpoints, dedup, deadLetters, logs, deps };
}

const opts = (extra: Partial<Parameters<typeof collectContentType>[1]> = {}) => ({
  tenantId: TENANT,
  contentType: "Audit.Exchange",
  policy: makeWindowPolicy({ initialLookbackHours: 72 }),
  batchRows: 7,
  concurrency: 3,
  ...extra,
});

/** Blobs every 20 min over `hours`, each with 1-6 records; some records duplicated in a later blob. */
function scenario(source: FakeSource, fromMs: number, hours: number, dups = true): string[] {
  const ids: string[] = [];
  let prev: Record<string, unknown>[] = [];
  for (let t = fromMs; t < fromMs + hours * H; t += 20 * 60_000) {
    const records = Array.from({ length: 1 + ((t / 60_000) % 6) }, (_, i) =>
      makeRecord(iso(t - 90 * 60_000 - i * 1000)),
    );
    ids.push(...records.map((r) => r.Id as string));
    // Microsoft re-delivers records in later blobs (FAQ): same Id, keys in another order.
    const dup = dups && prev[0] ? [Object.fromEntries(Object.entries(prev[0]).reverse())] : [];
    source.blobs.push(makeBlob(iso(t + 17_000), [...records, ...dup]));
    prev = records;
  }
  return ids;
}

describe("collection pipeline", () => {
  it("delivers every record of a multi-day scenario exactly once", async () => {
    const { source, sink, checkpoints, deps } = setup();
    const ids = scenario(source, NOW - 70 * H, 69);
    const r = await collectContentType(deps, opts());
    assert.equal(r.status, "ok", r.problems.join("; "));
    assert.equal(r.caughtUp, true);
    assert.deepEqual([...sink.ids()].sort(), [...ids].sort());
    assert.ok(r.duplicates >= source.blobs.length - 1, "re-delivered records are dropped");
    assert.deepEqual(source.subscribed, ["Audit.Exchange"]);
    const stored = await checkpoints.load(KEY);
    assert.equal(stored?.cursor.windowEnd, iso(NOW));
    assert.deepEqual(stored?.cursor.inBlob, {});
    // A second run finds nothing new.
    const again = await collectContentType(deps, opts());
    assert.equal(again.rowsOut, 0);
    assert.equal(sink.ids().length, ids.length);
  });

  it("never lists more than 24 h, before retention, into the future or with a moved start", async () => {
    const { source, deps } = setup();
    scenario(source, NOW - 60 * H, 10);
    await collectContentType(deps, opts({ policy: makeWindowPolicy({ windowHours: 20, overlapHours: 4 }) }));
    assert.ok(source.listCalls.length >= 4);
    for (const c of source.listCalls) assert.ok(Date.parse(c.end) - Date.parse(c.start) <= 24 * H);
  });

  it("collects a late-published blob inside an already collected window", async () => {
    let now = NOW;
    const { source, sink, deps } = setup(() => now);
    scenario(source, NOW - 5 * H, 5);
    await collectContentType(deps, opts());
    const before = sink.ids().length;
    // Published (listed) only now, with a contentCreated 40 min before the collected end.
    const late = makeBlob(iso(NOW - 40 * 60_000), [makeRecord(iso(NOW - 3 * H)), makeRecord(iso(NOW - 3 * H))]);
    source.blobs.push(late);
    now = NOW + 10 * 60_000;
    const r = await collectContentType(deps, opts());
    assert.equal(r.rowsOut, 2);
    assert.equal(sink.ids().length, before + 2);
    assert.equal(source.fetches.filter((f) => f === late.ref.contentId).length, 1);
    assert.equal(source.fetches.length, source.blobs.length, "done blobs of the overlap are not fetched again");
  });

  it("commits a continuous poll that delivers one batch once, as the complete window", async () => {
    let now = NOW;
    const { source, sink, checkpoints, deps } = setup(() => now);
    scenario(source, NOW - 5 * H, 5, false);
    const live = opts({ batchRows: 500, lateContent: { sweeps: [] } });
    await collectContentType(deps, live);
    const saved: string[] = [];
    const save = checkpoints.save.bind(checkpoints);
    checkpoints.save = (key, cursor, etag) => {
      saved.push(`${cursor.listedUntil === cursor.windowEnd ? "complete" : "open"} ${cursor.windowEnd}`);
      return save(key, cursor, etag);
    };
    for (const minutes of [5, 10]) {
      now = NOW + minutes * 60_000;
      source.blobs.push(makeBlob(iso(now - 60_000), [makeRecord(iso(now - 20 * 60_000))]));
      const before = sink.ids().length;
      const r = await collectContentType(deps, live);
      assert.equal(r.status, "ok", r.problems.join("; "));
      assert.equal(sink.ids().length, before + 1);
    }
    assert.deepEqual(saved, [`complete ${iso(NOW + 5 * 60_000)}`, `complete ${iso(NOW + 10 * 60_000)}`]);
    const stored = (await checkpoints.load(KEY))!.cursor;
    assert.equal(stored.listedUntil, stored.windowEnd);
    assert.deepEqual(stored.inBlob, {});
  });

  it("never commits past an unacknowledged batch and loses nothing after a sink failure", async () => {
    const { source, sink, checkpoints, deps } = setup();
    const ids = scenario(source, NOW - 10 * H, 8, false);
    sink.failOnCall = 4;
    const failed = await collectContentType(deps, opts({ concurrency: 1 }));
    assert.equal(failed.status, "failed");
    assert.match(failed.problems.join(" "), /SinkError: HTTP 503/);
    assert.equal(sink.calls, 4);
    const acknowledged = sink.ids().length;
    assert.ok(acknowledged > 0 && acknowledged < ids.length);
    // The committed cursor accounts for exactly the acknowledged records: done blobs + in-blob counts.
    const stored = (await checkpoints.load(KEY))!.cursor;
    const claimed = source.blobs.reduce(
      (n, b) =>
        n +
        (stored.doneContentIds.includes(b.ref.contentId) ? b.records.length : (stored.inBlob[b.ref.contentId] ?? 0)),
      0,
    );
    assert.equal(claimed, acknowledged);
    // Restart with a healthy sink and an empty de-duplication memory: only the cursor prevents re-sending.
    sink.failOnCall = undefined;
    const listedBefore = source.listCalls.length;
    const r = await collectContentType({ ...deps, dedup: new MemoryDedupStore() }, opts({ concurrency: 1 }));
    assert.equal(source.listCalls[listedBefore]?.start, stored.windowStart, "re-listed with the stored start");
    assert.equal(r.status, "ok", r.problems.join("; "));
    assert.deepEqual([...new Set(sink.ids())].sort(), [...ids].sort(), "no loss");
    assert.equal(sink.ids().length - new Set(sink.ids()).size, 0, "no acknowledged row sent twice");
  });

  it("resumes mid-blob without re-sending acknowledged lines", async () => {
    const { source, sink, checkpoints, deps } = setup();
    const records = Array.from({ length: 35 }, () => makeRecord(iso(NOW - 3 * H)));
    const big = makeBlob(iso(NOW - 2 * H), records);
    source.blobs.push(big);
    sink.failOnCall = 3;
    await collectContentType(deps, opts({ policy: makeWindowPolicy({ initialLookbackHours: 3 }) }));
    const stored = (await checkpoints.load(KEY))!.cursor;
    assert.deepEqual(stored.inBlob, { [big.ref.contentId]: 14 });
    sink.failOnCall = undefined;
    await collectContentType(
      { ...deps, dedup: new MemoryDedupStore() },
      opts({ policy: makeWindowPolicy({ initialLookbackHours: 3 }) }),
    );
    assert.deepEqual(
      sink.ids(),
      records.map((r) => r.Id),
    );
    const done = (await checkpoints.load(KEY))!.cursor;
    assert.deepEqual(done.inBlob, {});
    assert.ok(done.doneContentIds.includes(big.ref.contentId));
  });

  it("clamps a stale cursor with a warning naming the lost range", async () => {
    const { source, checkpoints, logs, sink, deps } = setup();
    scenario(source, NOW - 6 * H, 2);
    await checkpoints.save(
      KEY,
      cursorFor({ start: Date.parse("2026-02-25T06:00:00Z"), end: Date.parse("2026-02-25T09:00:00Z") }),
    );
    const r = await collectContentType(deps, opts());
    assert.equal(r.status, "degraded");
    assert.deepEqual(r.lost, { start: Date.parse("2026-02-25T06:00:00Z"), end: Date.parse("2026-03-03T12:10:00Z") });
    const warn = logs.entries().find((e) => e.level === "warn" && String(e.msg).includes("retention"));
    assert.ok(warn, "a warning is logged");
    assert.match(String(warn.msg), /2026-02-25T06:00:00\.000Z and 2026-03-03T12:10:00\.000Z/);
    assert.ok(sink.ids().length > 0, "collection continues from the retention edge");
  });

  it("records an expired blob as a gap, marks it done and keeps going", async () => {
    const { source, sink, logs, checkpoints, deps } = setup();
    scenario(source, NOW - 4 * H, 3);
    const gone = makeBlob(iso(NOW - 2 * H), [makeRecord(iso(NOW - 3 * H))], { unavailable: "AF20051" });
    source.blobs.push(gone);
    const r = await collectContentType(deps, opts());
    assert.equal(r.status, "degraded");
    assert.equal(r.gaps.length, 1);
    assert.equal(r.gaps[0]?.code, "AF20051");
    assert.equal(r.gaps[0]?.contentId, gone.ref.contentId);
    assert.ok(logs.entries().some((e) => e.level === "warn" && String(e.msg).includes("data loss")));
    assert.ok(sink.ids().length > 0);
    assert.equal(r.caughtUp, true);
    assert.equal((await checkpoints.load(KEY))?.cursor.windowEnd, iso(NOW));
  });

  it("keeps a failing blob pending (not done) while the other blobs are delivered", async () => {
    const { source, sink, checkpoints, deps } = setup();
    const flaky = makeBlob(iso(NOW - 2 * H), [makeRecord(iso(NOW - 3 * H)), makeRecord(iso(NOW - 3 * H))], {
      failAfter: 1,
    });
    source.blobs.push(flaky);
    scenario(source, NOW - 3 * H, 2);
    const r = await collectContentType(deps, opts({ policy: makeWindowPolicy({ initialLookbackHours: 3 }) }));
    assert.equal(r.status, "failed");
    const cur = (await checkpoints.load(KEY))!.cursor;
    assert.ok(!cur.doneContentIds.includes(flaky.ref.contentId));
    assert.equal(cur.inBlob[flaky.ref.contentId], 1);
    assert.ok(sink.ids().length > 1);
    flaky.failAfter = undefined;
    const again = await collectContentType(deps, opts({ policy: makeWindowPolicy({ initialLookbackHours: 3 }) }));
    assert.equal(again.status, "ok", again.problems.join("; "));
    assert.equal(new Set(sink.ids()).size, sink.ids().length);
  });

  it("dead-letters records the normalizer rejects, with the reason, and counts them", async () => {
    const { source, sink, deadLetters, deps } = setup();
    source.blobs.push(makeBlob(iso(NOW - 2 * H), [makeRecord(iso(NOW - 3 * H)), { Operation: "Send" }, "garbage"]));
    const r = await collectContentType(deps, opts({ policy: makeWindowPolicy({ initialLookbackHours: 3 }) }));
    assert.equal(r.deadLettered, 2);
    assert.equal(r.status, "degraded");
    assert.equal(sink.ids().length, 1);
    assert.match(deadLetters.letters[1]!.reason, /not valid JSON/);
    assert.deepEqual(
      deadLetters.letters.slice(0, 1).map((l) => [l.stage, l.reason]),
      [["normalize", "record has no Id"]],
    );
    assert.match(deadLetters.letters[0]!.source, /#2$/);
  });

  it("drains and commits acknowledged batches when stopped by its signal", async () => {
    const { source, sink, checkpoints, deps } = setup();
    const ids = scenario(source, NOW - 20 * H, 18, false);
    const stop = new AbortController();
    sink.beforeAck = () => {
      if (sink.calls === 3) stop.abort();
    };
    const r = await collectContentType(deps, opts({ signal: stop.signal }));
    assert.equal(r.stopped, true);
    assert.equal(r.status, "ok");
    assert.ok(sink.ids().length < ids.length);
    const saved = (await checkpoints.load(KEY))!.cursor;
    sink.beforeAck = undefined;
    await collectContentType({ ...deps, dedup: new MemoryDedupStore() }, opts());
    assert.deepEqual([...sink.ids()].sort(), [...ids].sort(), "the next run continues exactly where it stopped");
    assert.ok(saved.windowStart);
  });

  it("uses the default policy without listing before the retention edge", async () => {
    const { source, deps } = setup();
    await collectContentType(deps, { tenantId: TENANT, contentType: "Audit.Exchange", policy: DEFAULT_WINDOW_POLICY });
    assert.equal(source.listCalls[0]?.start, "2026-03-03T12:10:00.000Z");
    assert.equal(source.listCalls.at(-1)?.end, iso(NOW));
  });

  it("keeps delivering (at-least-once) when the de-duplication memory is unavailable", async () => {
    const { source, sink, logs, deps } = setup();
    const ids = scenario(source, NOW - 6 * H, 5, false);
    const broken = {
      seen: async () => {
        throw new Error("storage account unreachable");
      },
      remember: async () => {
        throw new Error("storage account unreachable");
      },
      flush: async () => {},
      close: async () => {},
    };
    const r = await collectContentType({ ...deps, dedup: broken }, opts());
    assert.equal(r.status, "ok", r.problems.join("; "));
    assert.deepEqual([...sink.ids()].sort(), [...ids].sort());
    assert.ok(logs.entries().some((e) => e.level === "warn" && String(e.msg).includes("de-duplication lookup failed")));
  });
});
