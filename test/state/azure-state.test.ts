import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  BlobCheckpointStore,
  BlobDeadLetterStore,
  BlobDedupStore,
  BlobLeaseManager,
  stateContainer,
} from "../../connector/state/azure/index.ts";
import { CheckpointConflictError, type Cursor } from "../../connector/state/types.ts";
import { type Azurite, startAzurite } from "../support/azurite.ts";

let azurite: Azurite;
before(async () => {
  azurite = await startAzurite();
});
after(async () => {
  await azurite?.stop();
});

const key = { tenantId: "0b7e2f4c-3d1a-4c55-9f6e-2a8b1c9d0e11", contentType: "Audit.Exchange" };
const cursor = (windowStart: string): Cursor => ({
  windowStart,
  windowEnd: "2026-03-10T11:00:00.000Z",
  doneContentIds: ["a$b$c"],
  inBlob: { d$e: 120 },
  version: 1,
});

const container = (name: string) => stateContainer({ connectionString: azurite.connectionString, container: name });

test("a checkpoint round-trips and a stale ETag is refused as a conflict", async () => {
  const store = new BlobCheckpointStore(await container("checkpoints-a"));
  assert.equal(await store.load(key), null);
  const first = await store.save(key, cursor("2026-03-10T10:00:00.000Z"));
  const loaded = await store.load(key);
  assert.deepEqual(loaded?.cursor, cursor("2026-03-10T10:00:00.000Z"));
  assert.equal(loaded?.etag, first);
  const second = await store.save(key, cursor("2026-03-10T11:00:00.000Z"), first);
  assert.notEqual(second, first);
  // Another instance still holding the first ETag must not overwrite the newer cursor.
  await assert.rejects(store.save(key, cursor("2026-03-10T09:00:00.000Z"), first), CheckpointConflictError);
  // Nor may a second "first write" clobber an existing cursor.
  await assert.rejects(store.save(key, cursor("2026-03-10T09:00:00.000Z")), CheckpointConflictError);
  assert.equal((await store.load(key))?.cursor.windowStart, "2026-03-10T11:00:00.000Z");
});

test("only one instance holds the lease of a cursor until it releases it", async () => {
  const c = await container("leases-a");
  const one = new BlobLeaseManager(c, { leaseSeconds: 15, instance: "one" });
  const two = new BlobLeaseManager(c, { leaseSeconds: 15, instance: "two" });
  const lease = await one.tryAcquire(key);
  assert.ok(lease);
  assert.equal(await two.tryAcquire(key), null);
  assert.ok(await two.tryAcquire({ ...key, contentType: "Audit.General" }), "other cursors stay free");
  await lease.release();
  const taken = await two.tryAcquire(key);
  assert.ok(taken, "released lease is acquired by the other instance");
  await taken.release();
});

test("a crashed holder's lease expires and another instance takes over", { timeout: 40_000 }, async () => {
  const c = await container("leases-b");
  const crashed = new BlobLeaseManager(c, { leaseSeconds: 15, renewEveryMs: 3_600_000, instance: "crashed" });
  const lease = await crashed.tryAcquire(key);
  assert.ok(lease); // never renewed, never released: as if the process was killed
  const survivor = new BlobLeaseManager(c, { leaseSeconds: 15, instance: "survivor" });
  assert.equal(await survivor.tryAcquire(key), null);
  const started = Date.now();
  let taken = null;
  while (!taken && Date.now() - started < 25_000) {
    await sleep(1_000);
    taken = await survivor.tryAcquire(key);
  }
  assert.ok(taken, "lease taken over after expiry");
  assert.ok(Date.now() - started >= 10_000, "not before the lease time");
  await taken.release();
});

test("a holder whose lease is taken away is told to stop through its signal", { timeout: 40_000 }, async () => {
  const c = await container("leases-c");
  const holder = new BlobLeaseManager(c, { leaseSeconds: 15, renewEveryMs: 500, instance: "holder" });
  const lease = await holder.tryAcquire(key);
  assert.ok(lease);
  // An operator (or a bug) breaks the lease: the next renewal fails.
  await c
    .getBlockBlobClient("leases/0b7e2f4c-3d1a-4c55-9f6e-2a8b1c9d0e11/Audit.Exchange")
    .getBlobLeaseClient()
    .breakLease(0);
  const started = Date.now();
  while (!lease.signal.aborted && Date.now() - started < 5_000) await sleep(100);
  assert.ok(lease.signal.aborted, "lease loss aborts the holder");
  await lease.release();
});

test("delivered record ids are remembered across instances and forgotten after the retention", async () => {
  const c = await container("dedup-a");
  let now = Date.parse("2026-03-10T12:00:00Z");
  const first = new BlobDedupStore(c, { tenantId: key.tenantId, now: () => now });
  await first.remember(["id-1", "id-2"], now - 86_400_000);
  await first.remember(["id-3"], now);
  await first.flush();
  const second = new BlobDedupStore(c, { tenantId: key.tenantId, now: () => now });
  assert.deepEqual([...(await second.seen(["id-1", "id-3", "id-9"]))].sort(), ["id-1", "id-3"]);
  now += 8.5 * 86_400_000;
  const later = new BlobDedupStore(c, { tenantId: key.tenantId, now: () => now });
  assert.deepEqual([...(await later.seen(["id-1", "id-2", "id-3"]))], []);
  await later.flush();
  const names: string[] = [];
  for await (const b of c.listBlobsFlat({ prefix: "dedup/" })) names.push(b.name);
  assert.deepEqual(names, [], "expired day shards are deleted");
});

test("dead letters are appended per day as NDJSON", async () => {
  const c = await container("dead-a");
  const store = new BlobDeadLetterStore(c);
  const letter = (i: number) => ({
    time: `2026-03-10T12:00:0${i}.000Z`,
    stage: "ingestion",
    reason: "400 InvalidColumnType: RecordType",
    source: "Custom-ExchangeAudit",
    recordId: `r${i}`,
    payload: { RecordId: `r${i}` },
  });
  await store.put([letter(1), letter(2)]);
  await store.put([letter(3)]);
  assert.equal(store.count(), 3);
  const text = (await c.getAppendBlobClient("dead-letters/2026-03-10.ndjson").downloadToBuffer()).toString();
  assert.deepEqual(
    text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).recordId),
    ["r1", "r2", "r3"],
  );
});
