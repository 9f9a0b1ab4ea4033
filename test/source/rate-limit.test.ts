import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { AF_CODES, classifyError, parseErrorBody } from "../../connector/source/af-codes.ts";
import { CLOUDS, resolveCloud } from "../../connector/source/clouds.ts";
import { backoffDelay, parseRetryAfter, type Timers, TokenBucket } from "../../connector/source/rate-limit.ts";
import { exchangeRecords, type Harness, listAll, startHarness } from "./harness.ts";

/** A fake clock whose sleep advances time instantly. */
function fakeTimers(start = 1_000_000): Timers & { slept: number[] } {
  let t = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
  };
}

describe("token bucket", () => {
  test("lets a burst through and then holds the sustained rate", async () => {
    const timers = fakeTimers();
    const bucket = new TokenBucket({ requestsPerMinute: 60, burst: 5, timers });
    const start = timers.now();
    for (let i = 0; i < 5; i++) await bucket.take();
    assert.equal(timers.now(), start, "burst is free");
    for (let i = 0; i < 10; i++) await bucket.take();
    const elapsed = timers.now() - start;
    assert.ok(elapsed >= 10_000 && elapsed < 10_100, `10 extra requests at 1/s took ${elapsed} ms`);
  });

  test("defaults to the documented 2,000 requests per minute", async () => {
    const timers = fakeTimers();
    const bucket = new TokenBucket({ timers });
    for (let i = 0; i < 2000 + bucket.burst; i++) await bucket.take();
    const elapsed = timers.now() - 1_000_000;
    assert.ok(elapsed >= 59_900 && elapsed <= 60_100, `2000 requests after the burst took ${elapsed} ms`);
  });

  test("blocks every waiter after a throttle pause", async () => {
    const timers = fakeTimers();
    const bucket = new TokenBucket({ requestsPerMinute: 6000, burst: 10, timers });
    bucket.pause(5_000);
    await bucket.take();
    assert.ok(timers.now() - 1_000_000 >= 5_000);
  });

  test("serves waiters first come, first served", async () => {
    const timers = fakeTimers();
    const bucket = new TokenBucket({ requestsPerMinute: 60, burst: 1, timers });
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => bucket.take().then(() => order.push(i))));
    assert.deepEqual(order, [0, 1, 2, 3]);
  });
});

describe("retry timing", () => {
  test("draws full-jitter delays below an exponentially growing, capped ceiling", () => {
    assert.equal(backoffDelay(0, { baseMs: 100, random: () => 0.999999 }), 99);
    assert.equal(backoffDelay(3, { baseMs: 100, random: () => 0.5 }), 400);
    assert.equal(backoffDelay(20, { baseMs: 100, maxMs: 1000, random: () => 0.5 }), 500);
    assert.equal(backoffDelay(2, { random: () => 0 }), 0);
  });

  test("parses Retry-After as seconds or as an HTTP date", () => {
    assert.equal(parseRetryAfter("7", 0), 7000);
    assert.equal(parseRetryAfter(new Date(65_000).toUTCString(), 5_000), 60_000);
    assert.equal(parseRetryAfter("soon", 0), undefined);
    assert.equal(parseRetryAfter(undefined, 0), undefined);
  });
});

describe("AF code table", () => {
  test("classifies AF429 as throttling whether it arrives as HTTP 403 or 429", () => {
    assert.equal(classifyError(403, "AF429"), "throttle");
    assert.equal(classifyError(429, "AF429"), "throttle");
    assert.equal(classifyError(429, undefined), "throttle");
  });

  test("maps every documented reaction", () => {
    assert.equal(classifyError(403, "AF10001"), "fatal");
    assert.equal(classifyError(400, "AF20022"), "resubscribe");
    assert.equal(classifyError(400, "AF20023"), "resubscribe");
    assert.equal(classifyError(400, "AF20030"), "window");
    assert.equal(classifyError(400, "AF20055"), "window");
    assert.equal(classifyError(400, "AF20031"), "relist");
    assert.equal(classifyError(400, "AF20051"), "expired");
    assert.equal(classifyError(404, "AF20050"), "missing");
    assert.equal(classifyError(404, undefined), "missing");
    assert.equal(classifyError(500, "AF50000"), "retry");
    assert.equal(classifyError(500, "AF50006"), "retry");
    assert.equal(classifyError(503, undefined), "retry");
    assert.equal(classifyError(408, undefined), "retry");
    assert.equal(classifyError(400, "AF59999"), "retry");
    assert.equal(classifyError(400, undefined), "fatal");
    for (const code of Object.keys(AF_CODES)) assert.match(code, /^AF\d+$/);
  });

  test("reads the error code from JSON bodies and from text", () => {
    assert.deepEqual(parseErrorBody('{"error":{"code":"AF20022","message":"No subscription"}}'), {
      code: "AF20022",
      message: "No subscription",
    });
    assert.deepEqual(parseErrorBody("Response Code 403: {'error':{'code':'AF429','message':'Too many requests.'}}"), {
      code: "AF429",
    });
    assert.deepEqual(parseErrorBody("<html>bad gateway</html>"), {});
  });
});

describe("clouds", () => {
  test("selects API root, token scope and authority from one cloud value", () => {
    assert.deepEqual(resolveCloud({ cloud: "gcchigh" }), CLOUDS.gcchigh);
    assert.equal(resolveCloud({ cloud: "dod" }).apiRoot, "https://manage.protection.apps.mil");
    assert.equal(resolveCloud({ cloud: "gcc" }).apiRoot, "https://manage-gcc.office.com");
    assert.equal(resolveCloud({ cloud: "gcc" }).tokenScope, "https://manage.office.com/.default");
    assert.equal(resolveCloud().authorityHost, "https://login.microsoftonline.com");
  });

  test("accepts emulator overrides but only https origins", () => {
    assert.equal(resolveCloud({ apiRoot: "https://127.0.0.1:8443/" }).apiRoot, "https://127.0.0.1:8443");
    assert.throws(() => resolveCloud({ apiRoot: "http://127.0.0.1:8443" }), /https/);
    assert.throws(() => resolveCloud({ authorityHost: "https://login.example/tenant" }), /without a path/);
    assert.throws(() => resolveCloud({ cloud: "china" }), /unknown cloud/);
  });
});

describe("request budget against the emulator", () => {
  let h: Harness;
  const now = Date.now();
  before(async () => {
    h = await startHarness({
      records: exchangeRecords(200, now - 3 * 3_600_000, 20_000),
      publisher: { recordsPerBlob: 5, duplicateFraction: 0, lateFraction: 0 },
      pageSize: 2,
    });
  });
  after(() => h.close());

  test("spaces real requests at the configured rate", async () => {
    const bucket = new TokenBucket({ requestsPerMinute: 1200, burst: 1 }); // one request per 50 ms
    const client = h.client({ bucket });
    const first = h.o365.requests.length;
    const t0 = Date.now();
    const { pages } = await listAll(client, new Date(now - 12 * 3_600_000), new Date(now));
    const elapsed = Date.now() - t0;
    const sent = h.o365.requests.length - first;
    assert.ok(sent >= 10, `${sent} requests`);
    assert.equal(sent, pages);
    assert.ok(elapsed >= (sent - 1) * 50 - 20, `${sent} requests in ${elapsed} ms`);
  });

  test("slows down under the server's quota and still completes", async () => {
    const client = h.client({ bucket: new TokenBucket({ requestsPerMinute: 600_000 }) });
    h.o365.faults.push({ kind: "throttle", status: 403, times: 5 });
    const { refs } = await listAll(client, new Date(now - 12 * 3_600_000), new Date(now));
    assert.ok(refs.length > 0);
    assert.equal(client.stats().throttled, 5);
  });
});
