import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatApiTime } from "../../connector/source/time.ts";
import {
  clampWindow,
  DEFAULT_WINDOW_POLICY,
  initialWindow,
  MAX_QUERY_WINDOW_MS,
  makeWindowPolicy,
  nextWindow,
  retentionFloor,
  stepLength,
} from "../../connector/pipeline/windows.ts";

const H = 3_600_000;
const M = 60_000;
const D = 24 * H;
const t = (s: string) => Date.parse(s);
const w = (start: string, end: string) => ({ start: t(start), end: t(end) });
const show = (x: { start: number; end: number } | null) =>
  x && { start: new Date(x.start).toISOString(), end: new Date(x.end).toISOString() };
const NOW = "2026-03-10T12:00:00.000Z";
const P = DEFAULT_WINDOW_POLICY;
/** The default policy without catch-up steps: every step one hour (the live, caught-up behaviour). */
const P1 = makeWindowPolicy({ catchUpWindowMs: H });

describe("window policy", () => {
  const cases: { name: string; opts: Parameters<typeof makeWindowPolicy>[0]; error?: RegExp }[] = [
    { name: "accepts 1 h windows with a 2 h overlap (defaults)", opts: {} },
    {
      name: "accepts a 22 h window with a 2 h overlap (exactly 24 h listed)",
      opts: { windowHours: 22, overlapHours: 2 },
    },
    { name: "rejects a window plus overlap above 24 h", opts: { windowHours: 23, overlapHours: 2 }, error: /24 h/ },
    { name: "rejects a zero window", opts: { windowHours: 0 }, error: /longer than 0/ },
    { name: "rejects a negative overlap", opts: { overlapHours: -1 }, error: /negative/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if (c.error) assert.throws(() => makeWindowPolicy(c.opts), c.error);
      else assert.ok(makeWindowPolicy(c.opts).windowMs + makeWindowPolicy(c.opts).overlapMs <= MAX_QUERY_WINDOW_MS);
    });
  }
});

describe("initial window", () => {
  const cases = [
    {
      name: "starts at the retention floor plus margin when looking back 7 days",
      now: NOW,
      policy: P1,
      want: w("2026-03-03T12:10:00Z", "2026-03-03T13:10:00Z"),
    },
    {
      name: "takes a catch-up step of up to 22 h when starting 7 days back",
      now: NOW,
      policy: P,
      want: w("2026-03-03T12:10:00Z", "2026-03-04T10:10:00Z"),
    },
    {
      name: "starts 4 h back with a 4 h lookback",
      now: NOW,
      policy: makeWindowPolicy({ initialLookbackHours: 4, catchUpWindowMs: H }),
      want: w("2026-03-10T08:00:00Z", "2026-03-10T09:00:00Z"),
    },
    {
      name: "takes a 3 h catch-up step with a 4 h lookback (one regular step left to now)",
      now: NOW,
      policy: makeWindowPolicy({ initialLookbackHours: 4 }),
      want: w("2026-03-10T08:00:00Z", "2026-03-10T11:00:00Z"),
    },
    {
      name: "never ends in the future when the lookback is shorter than a window",
      now: NOW,
      policy: makeWindowPolicy({ initialLookbackHours: 0.5 }),
      want: w("2026-03-10T11:30:00Z", "2026-03-10T12:00:00Z"),
    },
    {
      name: "drops milliseconds so a stored start is re-sent exactly",
      now: "2026-03-10T12:00:00.750Z",
      policy: makeWindowPolicy({ initialLookbackHours: 2 }),
      want: w("2026-03-10T10:00:00Z", "2026-03-10T11:00:00Z"),
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(show(initialWindow(t(c.now), c.policy)), show(c.want)));
  }
});

describe("clamping a stored window", () => {
  const cases = [
    {
      name: "keeps a recent stored window exactly (re-list with the stored start)",
      stored: w("2026-03-10T09:17:23Z", "2026-03-10T11:17:23Z"),
      want: w("2026-03-10T09:17:23Z", "2026-03-10T11:17:23Z"),
    },
    {
      name: "clamps a start older than retention and names the lost range",
      stored: w("2026-03-01T00:00:00Z", "2026-03-01T03:00:00Z"),
      want: w("2026-03-03T12:10:00Z", "2026-03-03T13:10:00Z"),
      lost: w("2026-03-01T00:00:00Z", "2026-03-03T12:10:00Z"),
    },
    {
      name: "keeps the stored end when it lies past the floor",
      stored: w("2026-03-03T11:00:00Z", "2026-03-03T14:00:00Z"),
      want: w("2026-03-03T12:10:00Z", "2026-03-03T14:00:00Z"),
      lost: w("2026-03-03T11:00:00Z", "2026-03-03T12:10:00Z"),
    },
    {
      name: "never lists into the future",
      stored: w("2026-03-10T11:00:00Z", "2026-03-10T13:00:00Z"),
      want: w("2026-03-10T11:00:00Z", "2026-03-10T12:00:00Z"),
    },
    {
      name: "returns nothing to list when the window starts in the future (clock moved back)",
      stored: w("2026-03-10T12:30:00Z", "2026-03-10T13:30:00Z"),
      want: null,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = clampWindow(c.stored, t(NOW), P);
      assert.deepEqual(show(r.window), show(c.want));
      assert.deepEqual(show(r.lost ?? null), show(c.lost ?? null));
    });
  }
});

describe("next window", () => {
  const cases = [
    {
      name: "moves the end one step and re-lists the 2 h overlap",
      cur: w("2026-03-09T00:00:00Z", "2026-03-09T03:00:00Z"),
      want: w("2026-03-09T01:00:00Z", "2026-03-09T04:00:00Z"),
    },
    {
      name: "never moves the start before the current start (first window shorter than the overlap)",
      cur: w("2026-03-09T00:00:00Z", "2026-03-09T01:00:00Z"),
      want: w("2026-03-09T00:00:00Z", "2026-03-09T02:00:00Z"),
    },
    {
      name: "stops the end at now",
      cur: w("2026-03-10T09:00:00Z", "2026-03-10T11:30:00Z"),
      want: w("2026-03-10T09:30:00Z", "2026-03-10T12:00:00Z"),
    },
    {
      name: "reports caught up when the end is younger than the minimum step",
      cur: w("2026-03-10T09:00:00Z", "2026-03-10T11:59:30Z"),
      want: null,
    },
    {
      name: "keeps the start inside the retention",
      cur: w("2026-03-03T11:00:00Z", "2026-03-03T12:30:00Z"),
      want: w("2026-03-03T12:10:00Z", "2026-03-03T13:30:00Z"),
    },
    {
      name: "formats afternoon windows with a 24-hour clock",
      cur: w("2026-03-09T13:00:00Z", "2026-03-09T15:00:00Z"),
      want: w("2026-03-09T13:00:00Z", "2026-03-09T16:00:00Z"),
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(show(nextWindow(c.cur, t(NOW), P1)), show(c.want)));
  }

  const catchUp = [
    {
      name: "takes a step of at most 22 h (24 h listed with the overlap) when days behind",
      cur: w("2026-03-05T00:00:00Z", "2026-03-05T03:00:00Z"),
      want: w("2026-03-05T01:00:00Z", "2026-03-06T01:00:00Z"),
    },
    {
      name: "shortens the catch-up step so one regular step remains before now",
      cur: w("2026-03-10T00:00:00Z", "2026-03-10T05:00:00Z"),
      want: w("2026-03-10T03:00:00Z", "2026-03-10T11:00:00Z"),
    },
    {
      name: "takes regular steps within two steps of now",
      cur: w("2026-03-10T07:00:00Z", "2026-03-10T10:00:00Z"),
      want: w("2026-03-10T08:00:00Z", "2026-03-10T11:00:00Z"),
    },
  ];
  for (const c of catchUp) {
    it(c.name, () => {
      const got = nextWindow(c.cur, t(NOW), P);
      assert.deepEqual(show(got), show(c.want));
      assert.ok(got && got.end - got.start <= MAX_QUERY_WINDOW_MS);
    });
  }

  it("computes step lengths from the distance to the horizon", () => {
    assert.equal(stepLength(t(NOW) - 10 * D, t(NOW), P), 22 * H);
    assert.equal(stepLength(t(NOW) - 5 * H, t(NOW), P), 4 * H);
    assert.equal(stepLength(t(NOW) - 2 * H, t(NOW), P), H);
    assert.equal(stepLength(t(NOW) - 10 * D, t(NOW), P1), H);
  });

  it("stops a backfill at its end even when now is later", () => {
    const stopAt = t("2026-03-09T05:30:00Z");
    assert.deepEqual(
      show(nextWindow(w("2026-03-09T02:00:00Z", "2026-03-09T05:00:00Z"), t(NOW), P1, stopAt)),
      show(w("2026-03-09T03:00:00Z", "2026-03-09T05:30:00Z")),
    );
    assert.equal(nextWindow(w("2026-03-09T03:00:00Z", "2026-03-09T05:30:00Z"), t(NOW), P1, stopAt), null);
  });

  for (const [label, policy, expectedSteps] of [
    ["hourly steps", P1, Math.ceil((7 * D - 10 * M - H) / H)],
    ["catch-up steps", P, 8],
  ] as const) {
    it(`walks a 7-day catch-up with ${label} in windows of at most 24 h that abut and never pass now`, () => {
      const now = t(NOW);
      let cur = initialWindow(now, policy);
      let steps = 0;
      let coveredTo = cur.end;
      for (;;) {
        assert.ok(cur.end - cur.start <= MAX_QUERY_WINDOW_MS);
        assert.ok(cur.start >= retentionFloor(now, policy));
        assert.ok(cur.end <= now);
        const next = nextWindow(cur, now, policy);
        if (!next) break;
        assert.ok(next.start <= cur.end, "no gap between windows");
        assert.ok(next.end > cur.end, "always progresses");
        coveredTo = next.end;
        cur = next;
        steps++;
      }
      assert.equal(coveredTo, now);
      assert.equal(steps, expectedSteps);
    });
  }

  for (let hour = 13; hour <= 23; hour++) {
    it(`formats a window at ${hour}:00 UTC with hour ${hour}, not ${hour - 12}`, () => {
      const now = Date.UTC(2026, 2, 10, hour, 5, 0);
      const win = nextWindow(
        { start: Date.UTC(2026, 2, 10, hour - 3, 0), end: Date.UTC(2026, 2, 10, hour - 1, 0) },
        now,
        P1,
      );
      assert.ok(win);
      const hh = String(hour).padStart(2, "0");
      assert.equal(formatApiTime(new Date(win.end)), `2026-03-10T${hh}:00:00`);
      assert.match(
        formatApiTime(new Date(win.start)),
        new RegExp(`^2026-03-10T${String(hour - 3).padStart(2, "0")}:00:00$`),
      );
    });
  }
});
