/** Table-driven tests of the pure lateness, adaptive-overlap, sweep-planning and health-cadence arithmetic. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { advanceComplete, isCursorComplete, lateBlobs, markComplete } from "../../connector/pipeline/cursor.ts";
import { HealthCadence, mergeHealthRows } from "../../connector/pipeline/health-cadence.ts";
import {
  adaptiveOverlapMs,
  LATENESS_BUCKETS_S,
  latenessQuantile,
  latenessSummary,
  ROLLING_LIMIT,
  recordLateness,
} from "../../connector/pipeline/lateness.ts";
import {
  DEFAULT_SWEEPS,
  dueSweep,
  markSwept,
  startSweeps,
  sweepName,
  sweepWindows,
} from "../../connector/pipeline/sweeps.ts";
import { DEFAULT_WINDOW_POLICY, livePolicy, MAX_QUERY_WINDOW_MS } from "../../connector/pipeline/windows.ts";
import type { Cursor } from "../../connector/state/types.ts";
import { healthRow } from "../sink/rows.ts";

const H = 3_600_000;
const D = 24 * H;
const t = (s: string) => Date.parse(s);
const iso = (ms: number) => new Date(ms).toISOString();
const NOW = t("2026-03-10T12:00:00.000Z");
const onTime = (n: number) => Array<number>(n).fill(0);

describe("lateness distribution", () => {
  const cases: { name: string; seconds: number[]; p50: number | null; p99: number | null; max: number | null }[] = [
    { name: "has no quantiles before any observation", seconds: [], p50: null, p99: null, max: null },
    { name: "is all zero when every blob was listed on time", seconds: onTime(50), p50: 0, p99: 0, max: 0 },
    {
      name: "puts a rare 3 h blob in the maximum but not in the median",
      seconds: [...onTime(99), 3 * 3600],
      p50: 0,
      p99: 0,
      max: 10800,
    },
    {
      name: "gives bucket upper bounds, never above the maximum",
      seconds: [...onTime(90), ...Array<number>(10).fill(2000)],
      p50: 0,
      p99: 2000,
      max: 2000,
    },
    { name: "clamps negative lateness (clock skew) to on time", seconds: [-30, 0], p50: 0, p99: 0, max: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = latenessSummary(recordLateness(undefined, c.seconds));
      assert.deepEqual(s, { p50: c.p50, p99: c.p99, max: c.max });
    });
  }

  it("halves old observations beyond the rolling limit, so recent behaviour wins", () => {
    let stats = recordLateness(undefined, Array<number>(ROLLING_LIMIT).fill(7200));
    stats = recordLateness(stats, onTime(ROLLING_LIMIT));
    assert.ok(stats.counts.reduce((n, c) => n + c, 0) <= ROLLING_LIMIT);
    assert.equal(latenessQuantile(stats, 0.5), 0);
    assert.equal(stats.counts.length, LATENESS_BUCKETS_S.length);
  });
});

describe("adaptive overlap", () => {
  const floor = 2 * H;
  const ceiling = MAX_QUERY_WINDOW_MS - H;
  const cases: { name: string; seconds: number[]; overlapH: number }[] = [
    { name: "stays at the configured floor without observations", seconds: [], overlapH: 2 },
    { name: "stays at the floor when p99 is minutes", seconds: [...onTime(980), ...Array(20).fill(600)], overlapH: 2 },
    {
      name: "follows a p99 of 3 h with the 1.5 safety factor (4.5 h rounded up to 5 h)",
      seconds: [...onTime(95), ...Array(5).fill(3 * 3600)],
      overlapH: 5,
    },
    {
      name: "ignores stragglers rarer than 1 % (the sweeps recover them)",
      seconds: [...onTime(995), ...Array(5).fill(30 * 3600)],
      overlapH: 2,
    },
    {
      name: "never exceeds 24 h minus one step",
      seconds: [...onTime(50), ...Array(50).fill(20 * 3600)],
      overlapH: 23,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const stats = recordLateness(undefined, c.seconds);
      assert.equal(adaptiveOverlapMs(stats, floor, ceiling) / H, c.overlapH);
    });
  }

  it("shrinks the catch-up step so overlap plus step stays within one 24 h listing", () => {
    const p = livePolicy(DEFAULT_WINDOW_POLICY, recordLateness(undefined, Array(10).fill(10 * 3600)));
    assert.equal(p.overlapMs, 15 * H);
    assert.ok(p.catchUpWindowMs + p.overlapMs <= MAX_QUERY_WINDOW_MS);
    assert.equal(livePolicy(DEFAULT_WINDOW_POLICY, undefined), DEFAULT_WINDOW_POLICY);
  });
});

describe("reconciliation sweep planning", () => {
  const [hourly, daily] = DEFAULT_SWEEPS as [(typeof DEFAULT_SWEEPS)[0], (typeof DEFAULT_SWEEPS)[0]];
  const started = startSweeps(DEFAULT_SWEEPS, NOW, NOW - 7 * D);
  const cases: { name: string; at: number; due: string | null }[] = [
    { name: "runs nothing right after the clocks started", at: NOW + 59 * 60_000, due: null },
    { name: "runs the hourly sweep after an hour", at: NOW + H, due: "24h/60m" },
    { name: "runs the daily sweep (not both) when both are due", at: NOW + D, due: "168h/1440m" },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const due = dueSweep(started, DEFAULT_SWEEPS, c.at);
      assert.equal(due && sweepName(due), c.due);
    });
  }

  it("counts a daily sweep as the hourly one too", () => {
    const after = markSwept(started, daily, DEFAULT_SWEEPS, NOW + D);
    assert.equal(dueSweep(after, DEFAULT_SWEEPS, NOW + D + 30 * 60_000), null);
    assert.equal(sweepName(dueSweep(after, DEFAULT_SWEEPS, NOW + D + H)!), "24h/60m");
  });

  const windowCases: { name: string; since: number; until: number; windows: [string, string][] }[] = [
    {
      name: "lists the last 24 h up to the cursor's window start in one request",
      since: NOW - 7 * D,
      until: NOW - 2 * H,
      windows: [["2026-03-09T12:00:00.000Z", "2026-03-10T10:00:00.000Z"]],
    },
    {
      name: "never sweeps before the time sweeps started (blobs collected earlier were never remembered)",
      since: NOW - 5 * H,
      until: NOW - 2 * H,
      windows: [["2026-03-10T07:00:00.000Z", "2026-03-10T10:00:00.000Z"]],
    },
    { name: "lists nothing when the cursor starts before `since`", since: NOW - H, until: NOW - 2 * H, windows: [] },
  ];
  for (const c of windowCases) {
    it(c.name, () => {
      const state = { ...started, since: iso(c.since) };
      const got = sweepWindows(hourly, state, NOW, NOW - 7 * D, c.until).map((w) => [iso(w.start), iso(w.end)]);
      assert.deepEqual(got, c.windows);
    });
  }

  it("cuts the 7-day sweep into listings of at most 24 h from the retention floor", () => {
    const floor = NOW - 7 * D + 10 * 60_000;
    const got = sweepWindows(daily, started, NOW, floor, NOW - 2 * H);
    assert.equal(got[0]!.start, floor);
    assert.equal(got.at(-1)!.end, NOW - 2 * H);
    assert.ok(got.every((w) => w.end - w.start <= MAX_QUERY_WINDOW_MS && w.end > w.start));
    assert.equal(got.length, 7);
  });
});

describe("cursor completion and late blobs", () => {
  const base: Cursor = {
    windowStart: iso(NOW - 3 * H),
    windowEnd: iso(NOW - 10 * 60_000),
    doneContentIds: ["a", "b"],
    inBlob: {},
    version: 1,
    lateness: recordLateness(undefined, [0]),
  };
  const ref = (id: string, created: number) => ({
    ref: {
      contentId: id,
      contentCreated: iso(created),
      contentUri: "u",
      contentType: "Audit.Exchange",
      contentExpiration: "x",
    },
    skip: 0,
  });

  it("advances a complete window without listing it, carrying its done ids, lateness and the listed end", () => {
    assert.equal(isCursorComplete(base), false);
    const complete = markComplete({ ...base, doneContentIds: ["a", "b", "gone"] }, [
      ref("a", NOW).ref,
      ref("b", NOW).ref,
    ]);
    assert.equal(isCursorComplete(complete), true);
    const next = advanceComplete(complete, NOW, DEFAULT_WINDOW_POLICY)!;
    assert.equal(next.windowStart, iso(NOW - 10 * 60_000 - 2 * H));
    assert.equal(next.windowEnd, iso(NOW));
    assert.deepEqual(next.doneContentIds, ["a", "b"]);
    assert.equal(next.listedUntil, base.windowEnd);
    assert.deepEqual(next.lateness, base.lateness);
    assert.equal(isCursorComplete(next), false);
  });

  it("does not treat a window with a partly delivered blob as complete", () => {
    assert.equal(isCursorComplete({ ...markComplete(base, []), inBlob: { c: 3 } }), false);
  });

  it("calls late only the new blobs before the listed end that were not partly delivered", () => {
    const cursor = { ...base, listedUntil: iso(NOW - H), inBlob: { partly: 2 } };
    const late = lateBlobs(cursor, [
      ref("late", NOW - 2 * H),
      ref("fresh", NOW - 30 * 60_000),
      ref("partly", NOW - 2 * H),
    ]);
    assert.deepEqual(
      late.map((p) => p.ref.contentId),
      ["late"],
    );
    assert.deepEqual(lateBlobs(base, [ref("x", NOW - 2 * H)]), [], "nothing is late before a window completed");
  });
});

describe("health rows on a cadence", () => {
  const row = (at: number, over: Partial<ReturnType<typeof healthRow>> = {}) => ({
    ...healthRow(new Date(at)),
    Status: "ok",
    Gaps: 0,
    RecoveredBlobs: 0,
    RecoveredDetails: [],
    ...over,
  });
  const M = 60_000;
  const cases: {
    name: string;
    offers: { at: number; over?: Partial<ReturnType<typeof healthRow>> }[];
    sent: boolean[];
  }[] = [
    {
      name: "sends the first row and holds unchanged ones until the interval",
      offers: [{ at: 0 }, { at: 5 * M }, { at: 10 * M }, { at: 15 * M }],
      sent: [true, false, false, true],
    },
    {
      name: "sends at once when the status changes",
      offers: [{ at: 0 }, { at: 5 * M, over: { Status: "degraded" } }],
      sent: [true, true],
    },
    {
      name: "sends at once when content was recovered",
      offers: [{ at: 0 }, { at: 5 * M, over: { RecoveredBlobs: 1 } }],
      sent: [true, true],
    },
    { name: "sends at once on a gap", offers: [{ at: 0 }, { at: 5 * M, over: { Gaps: 1 } }], sent: [true, true] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const cadence = new HealthCadence(15 * M);
      assert.deepEqual(
        c.offers.map((o) => cadence.offer("unit", row(o.at, o.over), o.at) !== null),
        c.sent,
      );
    });
  }

  it("sums the counts of held rows into the next one sent, and drains what is held", () => {
    const cadence = new HealthCadence(15 * 60_000);
    cadence.offer("u", row(0), 0);
    cadence.offer("u", row(60_000, { RowsOut: 10, Requests: 2 }), 60_000);
    const sent = cadence.offer("u", row(120_000, { RowsOut: 5, Requests: 3, RecoveredBlobs: 1 }), 120_000)!;
    assert.equal(sent.RowsOut, 15);
    assert.equal(sent.Requests, 5);
    assert.deepEqual(cadence.drain(), []);
    cadence.offer("u", row(180_000, { RowsOut: 7 }), 180_000);
    assert.equal(cadence.drain()[0]!.RowsOut, 7);
    assert.equal(mergeHealthRows(row(0, { Gaps: 1 }), row(1, { Gaps: 2 })).Gaps, 3);
  });
});
