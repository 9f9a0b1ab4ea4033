import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { FileDedupStore, MemoryDedupStore } from "../../connector/state/index.ts";
import { IdHashSet, hashId } from "../../connector/state/id-hash-set.ts";
import { normalizeRecord } from "../../connector/normalize/index.ts";

const root = mkdtempSync(join(tmpdir(), "exo-dedup-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `d${++n}`);
const DAY = 86_400_000;
const T0 = Date.parse("2026-03-10T12:00:00Z");
const ids = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(4, "0")}-1b2c-4d5e-8f90-a1b2c3d4e5f6`);

describe("FileDedupStore", () => {
  it("reports only the ids it was told were delivered", async () => {
    const store = new FileDedupStore(freshDir(), { now: () => T0 });
    await store.remember(["a1", "a2"], T0);
    assert.deepEqual([...(await store.seen(["a1", "b1", "a2"]))].sort(), ["a1", "a2"]);
  });

  it("remembers delivered ids across a restart", async () => {
    const dir = freshDir();
    const first = new FileDedupStore(dir, { now: () => T0 });
    await first.remember(ids("aa", 500), T0);
    await first.close();
    const second = new FileDedupStore(dir, { now: () => T0 + 3_600_000 });
    const seen = await second.seen([...ids("aa", 500), ...ids("bb", 10)]);
    assert.equal(seen.size, 500);
    assert.equal(statSync(join(dir, "ids-2026-03-10.bin")).size, 500 * 8);
  });

  it("forgets ids after the retention and deletes their shard files", async () => {
    const dir = freshDir();
    let now = T0;
    const store = new FileDedupStore(dir, { retentionDays: 8, now: () => now });
    await store.remember(["old"], T0);
    await store.flush();
    now = T0 + 5 * DAY;
    await store.remember(["new"], now);
    await store.flush();
    assert.equal((await store.seen(["old"])).size, 1, "still inside 8 days");
    now = T0 + 9 * DAY;
    assert.equal((await store.seen(["old"])).size, 0);
    await store.flush();
    assert.deepEqual(readdirSync(dir), ["ids-2026-03-15.bin"]);
    const restarted = new FileDedupStore(dir, { retentionDays: 8, now: () => now });
    assert.deepEqual([...(await restarted.seen(["old", "new"]))], ["new"]);
  });

  it("keeps memory under the cap by dropping the oldest days first", async () => {
    const dir = freshDir();
    const store = new FileDedupStore(dir, { maxIds: 250, now: () => T0 + 2 * DAY });
    await store.remember(ids("d0", 100), T0);
    await store.remember(ids("d1", 100), T0 + DAY);
    await store.remember(ids("d2", 100), T0 + 2 * DAY);
    assert.ok(store.size <= 250);
    assert.deepEqual(store.daysInMemory(), ["2026-03-11", "2026-03-12"]);
    assert.equal((await store.seen(ids("d2", 100))).size, 100);
    await store.flush();
    const restarted = new FileDedupStore(dir, { maxIds: 250, now: () => T0 + 2 * DAY });
    assert.equal((await restarted.seen(ids("d2", 100))).size, 100, "newest days are loaded first");
    assert.ok(restarted.size <= 250);
  });

  it("keeps ids remembered while a flush is writing (several tenants share one store)", async () => {
    const dir = freshDir();
    const store = new FileDedupStore(dir, { now: () => T0 });
    await store.remember(ids("aa", 300), T0);
    const writes = [store.flush(), store.remember(ids("bb", 300), T0), store.flush(), store.remember(ids("cc", 5), T0)];
    await Promise.all(writes);
    await store.close();
    const restarted = new FileDedupStore(dir, { now: () => T0 });
    assert.equal((await restarted.seen([...ids("aa", 300), ...ids("bb", 300), ...ids("cc", 5)])).size, 605);
  });

  it("ignores a partial trailing entry left by a crash during an append", async () => {
    const dir = freshDir();
    const store = new FileDedupStore(dir, { now: () => T0 });
    await store.remember(["x1", "x2"], T0);
    await store.close();
    appendFileSync(join(dir, "ids-2026-03-10.bin"), Buffer.from([1, 2, 3]));
    const restarted = new FileDedupStore(dir, { now: () => T0 });
    assert.equal((await restarted.seen(["x1", "x2", "x3"])).size, 2);
  });
});

describe("IdHashSet", () => {
  it("holds 200,000 GUID-like ids without a false positive or a miss", () => {
    const set = new IdHashSet();
    const a = ids("a", 200_000);
    for (const id of a) set.add(...hashId(id));
    assert.equal(set.size, 200_000);
    assert.ok(a.every((id) => set.has(...hashId(id))));
    assert.equal(ids("b", 200_000).filter((id) => set.has(...hashId(id))).length, 0);
  });
});

describe("MemoryDedupStore", () => {
  it("expires ids after the retention", async () => {
    let now = T0;
    const store = new MemoryDedupStore({ retentionDays: 8, now: () => now });
    await store.remember(["r1"], T0);
    assert.equal((await store.seen(["r1"])).size, 1);
    now = T0 + 8 * DAY + 1;
    assert.equal((await store.seen(["r1"])).size, 0);
  });
});

describe("record ids compared case-insensitively (issue 18, failure 9)", () => {
  const lower = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
  const upper = lower.toUpperCase();

  it("a GUID remembered in upper case is seen in lower case, and the other way round, by every store", async () => {
    const now = Date.now();
    for (const make of [() => new FileDedupStore(freshDir(), { now: () => now }), () => new MemoryDedupStore()]) {
      const a = make();
      await a.remember([upper], now);
      assert.deepEqual([...(await a.seen([lower, upper]))].sort(), [upper, lower].sort());
      const b = make();
      await b.remember([lower], now);
      assert.deepEqual([...(await b.seen([upper]))], [upper]);
    }
  });

  it("non-GUID ids stay case-sensitive", async () => {
    const store = new FileDedupStore(freshDir(), { now: () => T0 });
    await store.remember(["Record-A"], T0);
    assert.deepEqual([...(await store.seen(["record-a"]))], []);
  });

  it("state written before ids were folded (an upper-case GUID's hash) still matches the lower-case id", async () => {
    const dir = freshDir();
    const old = new FileDedupStore(dir, { now: () => T0 });
    await old.close(); // creates the folder
    const [a, b] = hashId(upper);
    appendFileSync(join(dir, "ids-2026-03-10.bin"), Buffer.from(new Uint32Array([a, b]).buffer));
    const store = new FileDedupStore(dir, { now: () => T0 });
    assert.deepEqual([...(await store.seen([lower]))], [lower]);
  });

  it("the normalizer writes a GUID RecordId in lower case", () => {
    const r = normalizeRecord(
      { Id: upper, RecordType: 2, CreationTime: "2026-03-10T12:00:00", Operation: "Send", Workload: "Exchange" },
      { subjects: "keep", keepAuditData: false, ingestionSource: "api", sourceContentId: "test" },
    );
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.row.RecordId, lower);
  });
});
