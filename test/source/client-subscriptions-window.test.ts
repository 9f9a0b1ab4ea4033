import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { isManagementApiError, isWindowError } from "../../connector/source/errors.ts";
import { formatApiTime } from "../../connector/source/time.ts";
import { exchangeRecords, type Harness, listAll, startHarness } from "./harness.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const now = Date.now();
const records = exchangeRecords(60, now - 3 * HOUR, 60_000);

describe("subscriptions", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      records,
      subscriptions: [],
      startWhenEnabled: "AF20024",
      publisher: { recordsPerBlob: 10, duplicateFraction: 0, lateFraction: 0 },
    });
  });
  after(() => h.close());

  test("starts missing subscriptions and treats AF20024 (already enabled) as success", async () => {
    const client = h.client();
    await client.ensureSubscriptions(["Audit.Exchange"]);
    assert.equal(h.o365.startRequests.length, 1);
    await client.startSubscription("Audit.Exchange");
    assert.equal(h.o365.startRequests.length, 2);
    const { refs } = await listAll(client, new Date(now - 12 * HOUR), new Date(now));
    assert.ok(refs.length > 0);
  });

  test("re-subscribes on AF20022 during listing, keeping the spacing between start requests", async () => {
    h.o365.setSubscription("Audit.Exchange", "none");
    h.o365.setSubscription("Audit.General", "none");
    const client = h.client({ subscriptionStartSpacingMs: 400 });
    const starts = h.o365.startRequests.length;
    const { refs } = await listAll(client, new Date(now - 12 * HOUR), new Date(now));
    assert.ok(refs.length > 0);
    assert.equal(client.stats().resubscribes, 1);
    await listAll(client, new Date(now - 12 * HOUR), new Date(now), "Audit.General");
    const times = h.o365.startRequests.slice(starts);
    assert.equal(times.length, 2);
    assert.ok(
      (times[1] as number) - (times[0] as number) >= 390,
      `spacing ${(times[1] as number) - (times[0] as number)} ms`,
    );
  });

  test("re-subscribes when a tenant admin disabled the subscription (AF20023)", async () => {
    h.o365.setSubscription("Audit.Exchange", "disabled");
    const client = h.client();
    const { refs } = await listAll(client, new Date(now - 12 * HOUR), new Date(now));
    assert.ok(refs.length > 0);
  });

  test("rejects an invalid content type as fatal (AF20020) without retrying", async () => {
    const client = h.client();
    await assert.rejects(
      client.startSubscription("Audit.Nope"),
      (err: unknown) => isManagementApiError(err) && err.afCode === "AF20020" && err.reaction === "fatal",
    );
  });
});

describe("time windows and clock skew", () => {
  test("formats afternoon times on a 24-hour UTC clock", () => {
    assert.equal(formatApiTime(new Date("2026-03-10T15:30:45.999Z")), "2026-03-10T15:30:45");
    assert.equal(formatApiTime(new Date("2026-03-10T00:00:00Z")), "2026-03-10T00:00:00");
  });

  test("refuses windows the API would reject without sending a request", async () => {
    const h = await startHarness({ records });
    try {
      const client = h.client();
      const before = h.o365.requests.length;
      const cases: Array<[Date, Date, string]> = [
        [new Date(now), new Date(now - HOUR), "START_NOT_BEFORE_END"],
        [new Date(now - HOUR), new Date(now - HOUR), "START_NOT_BEFORE_END"],
        [new Date(now - 25 * HOUR), new Date(now), "LONGER_THAN_24H"],
        [new Date(now - 7 * DAY - HOUR), new Date(now - 7 * DAY), "START_OLDER_THAN_7D"],
      ];
      for (const [s, e, problem] of cases) {
        await assert.rejects(listAll(client, s, e), (err: unknown) => isWindowError(err) && err.problem === problem);
      }
      assert.equal(h.o365.requests.length, before);
    } finally {
      await h.close();
    }
  });

  test("learns a server clock two hours ahead from Date and reports the window as too old", async () => {
    const h = await startHarness({ records, startTime: Date.now() + 2 * HOUR });
    try {
      const client = h.client();
      // Locally valid (7 days minus 10 minutes back), but 7 d + 1 h 50 min back for the server: AF20030.
      const start = new Date(Date.now() - 7 * DAY + 10 * 60_000);
      await assert.rejects(listAll(client, start, new Date(start.getTime() + HOUR)), (err: unknown) => {
        assert.ok(isWindowError(err));
        assert.equal(err.problem, "START_OLDER_THAN_7D");
        assert.ok(Math.abs(err.earliestStart.getTime() - (Date.now() + 2 * HOUR - 7 * DAY)) < 5_000);
        return true;
      });
      assert.ok(Math.abs(client.clockSkewMs() - 2 * HOUR) < 2_000, `skew ${client.clockSkewMs()}`);
      // With the learned skew the corrected window passes and the retry is not needed.
      const fixed = new Date(client.serverNow().getTime() - 7 * DAY + 10 * 60_000);
      const { refs } = await listAll(client, fixed, new Date(fixed.getTime() + HOUR));
      assert.deepEqual(refs, []);
    } finally {
      await h.close();
    }
  });

  test("retries a window rejection once when the corrected clock says the window is fine", async () => {
    const h = await startHarness({ records });
    try {
      const client = h.client();
      h.o365.faults.push({ kind: "error", status: 400, code: "AF20030", on: "content" });
      const { refs } = await listAll(client, new Date(now - 12 * HOUR), new Date(now));
      assert.ok(refs.length > 0);
      h.o365.faults.push({ kind: "error", status: 400, code: "AF20055", on: "content", times: 2 });
      await assert.rejects(
        listAll(client, new Date(now - 12 * HOUR), new Date(now)),
        (err: unknown) => isManagementApiError(err) && err.afCode === "AF20055",
      );
    } finally {
      await h.close();
    }
  });

  test("ignores a Date header within the threshold and learns a skewed one", async () => {
    const h = await startHarness({ records });
    try {
      const client = h.client();
      await client.ensureSubscriptions(["Audit.Exchange"]);
      assert.equal(client.clockSkewMs(), 0);
      h.o365.faults.push({ kind: "date-skew", skewMs: -10 * 60_000 });
      await client.ensureSubscriptions(["Audit.Exchange"]);
      assert.ok(Math.abs(client.clockSkewMs() + 10 * 60_000) < 2_000);
    } finally {
      await h.close();
    }
  });
});
