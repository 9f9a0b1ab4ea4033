import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { exchangeRecords, type Harness, listAll, startHarness } from "./harness.ts";

const HOUR = 3_600_000;

describe("listing and fetching against the emulator", () => {
  let h: Harness;
  const now = Date.now();
  const records = exchangeRecords(600, now - 3 * HOUR, 10_000);

  before(async () => {
    h = await startHarness({
      records,
      publisher: { recordsPerBlob: 5, duplicateFraction: 0.05, lateFraction: 0, seed: 7 },
      pageSize: 7,
      nextPageHeader: "Nextpageuri",
    });
  });
  after(() => h.close());

  test("follows a lower-case Nextpageuri header across many pages to the end of the window", async () => {
    const client = h.client();
    const { refs, pages } = await listAll(client, new Date(now - 20 * HOUR), new Date(now));
    const expected = h.o365.blobs().filter((b) => b.created >= now - 20 * HOUR && b.created < now);
    assert.ok(pages > 10, `expected many pages, got ${pages}`);
    assert.equal(refs.length, expected.length);
    assert.deepEqual(new Set(refs.map((r) => r.contentId)), new Set(expected.map((b) => b.contentId)));
    for (const r of refs) {
      assert.equal(r.contentType, "Audit.Exchange");
      assert.ok(r.contentUri.startsWith(h.o365.apiRoot));
    }
  });

  test("splits a day into abutting windows without losing or repeating a blob", async () => {
    const client = h.client();
    const seen: string[] = [];
    for (let t = now - 20 * HOUR; t < now; t += HOUR) {
      const { refs } = await listAll(client, new Date(t), new Date(t + HOUR));
      seen.push(...refs.map((r) => r.contentId));
    }
    const expected = h.o365
      .blobs()
      .filter(
        (b) => b.created >= Math.floor((now - 20 * HOUR) / 1000) * 1000 && b.created < Math.floor(now / 1000) * 1000,
      );
    assert.equal(new Set(seen).size, seen.length, "no blob listed twice");
    assert.equal(seen.length, expected.length);
  });

  test("streams every record of every blob and sends PublisherIdentifier on every request, blob GETs included", async () => {
    const client = h.client({ publisherId: "11111111-2222-4333-8444-555555555555" });
    const firstRequest = h.o365.requests.length;
    const { refs } = await listAll(client, new Date(now - 24 * HOUR), new Date(now));
    let count = 0;
    for (const ref of refs) for await (const _ of client.fetchRecords(ref)) count++;
    const mine = h.o365.requests.slice(firstRequest);
    assert.ok(mine.some((r) => r.route === "blob"));
    assert.ok(mine.filter((r) => r.route === "content").length > 1, "paged listing");
    for (const r of mine)
      assert.equal(r.publisherIdentifier, "11111111-2222-4333-8444-555555555555", `${r.route} ${r.path}`);
    assert.deepEqual(h.o365.servedRecordIds(), new Set(records.map((r) => r.Id as string)));
    const stats = client.stats();
    assert.equal(stats.blobsFetched, refs.length);
    assert.equal(stats.recordsRead, count);
    assert.ok(count > records.length, "duplicates are delivered as the service does; dedup is the pipeline's job");
  });

  test("stops reading a blob early without leaking the connection", async () => {
    const client = h.client({ maxConnections: 1 });
    const { refs } = await listAll(client, new Date(now - 24 * HOUR), new Date(now));
    for (const ref of refs.slice(0, 5)) {
      for await (const _ of client.fetchRecords(ref)) break;
    }
    let n = 0;
    for await (const _ of client.fetchRecords(refs[5] as (typeof refs)[number])) n++;
    assert.ok(n >= 5);
  });
});
