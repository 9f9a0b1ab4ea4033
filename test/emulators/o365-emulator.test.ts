import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Agent, request } from "undici";
import { createTokenProvider, type ClosableTokenProvider } from "../../connector/auth/index.ts";
import { type EntraEmulator, startEntraEmulator } from "../../connector/emulators/entra.ts";
import { type O365Emulator, startO365Emulator } from "../../connector/emulators/o365/index.ts";
import { publishBlobs } from "../../connector/emulators/o365/publisher.ts";
import { CLIENT_ID, exchangeRecords, SECRET, TENANT } from "../source/harness.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const fmt = (t: number) => new Date(t).toISOString().slice(0, 19);

describe("deterministic publisher", () => {
  const t0 = Date.parse("2026-03-10T12:00:00Z");
  const records = exchangeRecords(2000, t0, 5_000);

  test("gives the same blobs for the same seed", () => {
    const a = publishBlobs(records, { seed: 42 });
    const b = publishBlobs(records, { seed: 42 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(
      publishBlobs(records, { seed: 43 }).map((x) => x.created),
      a.map((x) => x.created),
    );
  });

  test("publishes 60 to 90 minutes after the events, never before them", () => {
    const byId = new Map(records.map((r) => [r.Id, Date.parse(`${r.CreationTime}Z`)]));
    for (const blob of publishBlobs(records, { seed: 1, duplicateFraction: 0 })) {
      for (const r of blob.records as Array<{ Id: string }>) {
        const lag = blob.created - (byId.get(r.Id) as number);
        assert.ok(lag >= 60 * 60_000, `lag ${lag}`);
      }
      assert.equal(blob.expiration - blob.created, 7 * DAY);
    }
  });

  test("re-delivers a fraction of records in later blobs with reordered keys", () => {
    const blobs = publishBlobs(records, { seed: 3, duplicateFraction: 0.05 });
    const seen = new Map<string, { blob: number; keys: string }>();
    let dups = 0;
    blobs.forEach((b, i) => {
      for (const r of b.records as Array<Record<string, unknown>>) {
        const prev = seen.get(r.Id as string);
        if (prev) {
          dups++;
          assert.ok(i > prev.blob, "duplicate comes in a later blob");
          assert.notEqual(Object.keys(r).join(), prev.keys, "keys reordered");
        } else seen.set(r.Id as string, { blob: i, keys: Object.keys(r).join() });
      }
    });
    assert.equal(seen.size, records.length);
    assert.ok(dups > 50 && dups < 200, `${dups} duplicates`);
  });

  test("marks a fraction of blobs as published late", () => {
    const blobs = publishBlobs(records, { seed: 5, lateFraction: 0.2, lateDelayMs: 4 * HOUR });
    const late = blobs.filter((b) => b.visibleAt > b.created);
    assert.ok(late.length > 0 && late.length < blobs.length);
    for (const b of late) assert.equal(b.visibleAt - b.created, 4 * HOUR);
  });

  test("by default spreads lateness as documented: most within minutes, a tail of hours, rare stragglers beyond 12 h", () => {
    const many = Array.from({ length: 40 }, (_, i) => i);
    const lateness = many.flatMap((seed) =>
      publishBlobs(records, { seed, recordsPerBlob: 1 }).map((b) => b.visibleAt - b.created),
    );
    const share = (f: (ms: number) => boolean) => lateness.filter(f).length / lateness.length;
    assert.ok(lateness.length > 30_000, `${lateness.length} blobs`);
    assert.ok(share((ms) => ms <= 5 * 60_000) > 0.96, "most within 5 minutes");
    assert.ok(share((ms) => ms > 2 * HOUR) > 0.004, "a tail of hours");
    assert.ok(share((ms) => ms > 12 * HOUR) > 0.0005, "stragglers beyond 12 h");
    assert.ok(Math.max(...lateness) <= 36 * HOUR, "none beyond the modelled 36 h");
  });

  test("an explicit fixed lateness replaces the distribution", () => {
    const blobs = publishBlobs(records, { seed: 5, lateFraction: 0 });
    assert.ok(blobs.every((b) => b.visibleAt === b.created));
  });
});

describe("O365 emulator API", () => {
  let entra: EntraEmulator;
  let o365: O365Emulator;
  let tokens: ClosableTokenProvider;
  let agent: Agent;
  const start = Date.parse("2026-03-10T12:00:00Z");
  const records = exchangeRecords(300, start - 2 * HOUR, 20_000);

  before(async () => {
    entra = await startEntraEmulator({ clients: [{ tenantId: TENANT, clientId: CLIENT_ID, secret: SECRET }] });
    o365 = await startO365Emulator({
      tenantId: TENANT,
      entra,
      records,
      startTime: start,
      pageSize: 4,
      nextPageHeader: "Nextpageuri",
      publisher: { recordsPerBlob: 10, lateFraction: 0.3, lateDelayMs: 3 * HOUR, duplicateFraction: 0 },
    });
    tokens = await createTokenProvider({
      method: "secret",
      tenantId: TENANT,
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      authorityHost: entra.authorityHost,
      ca: entra.caCert,
    });
    agent = new Agent({ connect: { ca: o365.caCert } });
  });
  after(async () => {
    await agent.close();
    await tokens.close();
    await o365.stop();
    await entra.stop();
  });

  async function call(method: "GET" | "POST", path: string, token?: string) {
    const t = token ?? (await tokens.getToken("https://manage.office.com/.default")).token;
    const res = await request(`${o365.apiRoot}${path}`, {
      method,
      dispatcher: agent,
      headers: { authorization: `Bearer ${t}` },
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : null };
  }
  const base = `/api/v1.0/${TENANT}/activity/feed`;

  test("rejects requests without a valid token for the API audience", async () => {
    assert.equal((await call("GET", `${base}/subscriptions/list`, "not-a-token")).status, 401);
    const monitor = await tokens.getToken("https://monitor.azure.com/.default");
    assert.equal((await call("GET", `${base}/subscriptions/list`, monitor.token)).status, 401);
  });

  test("answers AF20022 until the subscription is started, and start is idempotent", async () => {
    const list = await call("GET", `${base}/subscriptions/content?contentType=Audit.Exchange`);
    assert.equal(list.body.error.code, "AF20022");
    assert.equal((await call("POST", `${base}/subscriptions/start?contentType=Audit.Exchange`)).body.status, "enabled");
    assert.equal((await call("POST", `${base}/subscriptions/start?contentType=Audit.Exchange`)).status, 200);
    assert.deepEqual((await call("GET", `${base}/subscriptions/list`)).body, [
      { contentType: "Audit.Exchange", status: "enabled", webhook: null },
    ]);
    assert.equal(
      (await call("POST", `${base}/subscriptions/start?contentType=Audit.Bogus`)).body.error.code,
      "AF20020",
    );
  });

  test("enforces the window rules with the service's codes", async () => {
    const now = o365.now();
    const q = (s: number, e: number) =>
      `${base}/subscriptions/content?contentType=Audit.Exchange&startTime=${fmt(s)}&endTime=${fmt(e)}`;
    assert.equal((await call("GET", q(now, now - HOUR))).body.error.code, "AF20055");
    assert.equal((await call("GET", q(now - 25 * HOUR, now))).body.error.code, "AF20030");
    assert.equal((await call("GET", q(now - 7 * DAY - 2 * HOUR, now - 7 * DAY))).body.error.code, "AF20030");
    assert.equal(
      (await call("GET", q(now - 7 * DAY - 30 * 60_000, now - 7 * DAY))).status,
      200,
      "one hour of tolerance",
    );
    assert.equal(
      (await call("GET", `${base}/subscriptions/content?contentType=Audit.Exchange&startTime=${fmt(now - HOUR)}`)).body
        .error.code,
      "AF20030",
    );
    assert.equal(
      (await call("GET", `${base}/subscriptions/content?contentType=Audit.Exchange`)).status,
      200,
      "neither = last 24 h",
    );
    assert.equal(
      (
        await call(
          "GET",
          `${base}/subscriptions/content?contentType=Audit.Exchange&startTime=2026-03-10&endTime=2026-03-10T06:00`,
        )
      ).status,
      200,
    );
  });

  test("pages with an absolute Nextpageuri and rejects a forged cursor", async () => {
    const first = await call(
      "GET",
      `${base}/subscriptions/content?contentType=Audit.Exchange&startTime=${fmt(start - 12 * HOUR)}&endTime=${fmt(start)}`,
    );
    assert.equal(first.body.length, 4);
    const next = first.headers.nextpageuri as string;
    assert.ok(next.startsWith(`${o365.apiRoot}/api/v1/`));
    const u = new URL(next);
    assert.equal((await call("GET", `${u.pathname}${u.search}`)).status, 200);
    u.searchParams.set("nextPage", "garbage");
    assert.equal((await call("GET", `${u.pathname}${u.search}`)).body.error.code, "AF20031");
  });

  test("shows late blobs only once their publication time has come", async () => {
    const late = o365
      .blobs()
      .filter((b) => b.visibleAt > b.created && b.created <= o365.now() && b.visibleAt > o365.now());
    assert.ok(late.length > 0);
    const listAllIds = async () => {
      const ids: string[] = [];
      let path: string | undefined =
        `${base}/subscriptions/content?contentType=Audit.Exchange&startTime=${fmt(start - 12 * HOUR)}&endTime=${fmt(start)}`;
      while (path) {
        const r = await call("GET", path);
        ids.push(...r.body.map((b: { contentId: string }) => b.contentId));
        const n = r.headers.nextpageuri as string | undefined;
        path = n ? new URL(n).pathname + new URL(n).search : undefined;
      }
      return ids;
    };
    const before = await listAllIds();
    assert.ok(!before.includes(late[0]?.contentId as string));
    o365.advanceBy(4 * HOUR);
    try {
      const afterIds = await listAllIds();
      for (const b of late) assert.ok(afterIds.includes(b.contentId));
    } finally {
      o365.advanceBy(-4 * HOUR);
    }
  });

  test("serves blobs until they expire, then answers AF20051", async () => {
    const blob = o365
      .blobs()
      .find((b) => b.visibleAt <= o365.now()) as typeof o365.blobs extends () => readonly (infer B)[] ? B : never;
    const path = `${base}/audit/${blob.contentId}`;
    const ok = await call("GET", path);
    assert.equal(ok.body.length, blob.records.length);
    o365.advanceTo(blob.expiration + 1000);
    try {
      const gone = await call("GET", path);
      assert.equal(gone.status, 400);
      assert.equal(gone.body.error.code, "AF20051");
    } finally {
      o365.advanceTo(start);
    }
  });

  test("logs whether each request carried a PublisherIdentifier and sets Date from its clock", async () => {
    const n = o365.requests.length;
    const r = await call("GET", `${base}/subscriptions/list?PublisherIdentifier=${TENANT}`);
    await call("GET", `${base}/subscriptions/list`);
    assert.equal(o365.requests[n]?.publisherIdentifier, TENANT);
    assert.equal(o365.requests[n + 1]?.publisherIdentifier, null);
    assert.ok(Math.abs(Date.parse(r.headers.date as string) - o365.now()) < 2000);
  });

  test("throttles with AF429 as HTTP 403 showing an all-zero PublisherId when it is missing", async () => {
    o365.faults.push({ kind: "throttle", status: 403 });
    const r = await call("GET", `${base}/subscriptions/list`);
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, "AF429");
    assert.match(r.body.error.message, /PublisherId=00000000-0000-0000-0000-000000000000/);
  });
});

describe("local source environment", () => {
  test("runs both emulators with matching auth and client settings", async () => {
    const { startLocalSource } = await import("../../connector/emulators/o365/local.ts");
    const { createManagementActivityClient } = await import("../../connector/source/index.ts");
    const now = Date.now();
    const env = await startLocalSource({
      records: exchangeRecords(100, now - 3 * HOUR, 30_000),
      publisher: { lateFraction: 0 },
    });
    const tokens = await createTokenProvider(env.auth);
    const client = createManagementActivityClient({ ...env.client, tokenProvider: tokens });
    try {
      await client.ensureSubscriptions(["Audit.Exchange"]);
      let n = 0;
      for await (const page of client.listContent("Audit.Exchange", new Date(now - 12 * HOUR), new Date(now))) {
        for (const ref of page) for await (const _ of client.fetchRecords(ref)) n++;
      }
      assert.ok(n >= 100);
      assert.equal(env.o365.servedRecordIds().size, 100);
    } finally {
      await client.close();
      await tokens.close();
      await env.stop();
    }
  });
});
