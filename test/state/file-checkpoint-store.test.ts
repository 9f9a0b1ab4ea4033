import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { cursorFor } from "../../connector/pipeline/cursor.ts";
import {
  CheckpointConflictError,
  CheckpointCorruptError,
  FileCheckpointStore,
  MemoryCheckpointStore,
  StateWriteError,
} from "../../connector/state/index.ts";

const root = mkdtempSync(join(tmpdir(), "exo-ckpt-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `d${++n}`);
const KEY = { tenantId: "7f3a1c2e-5b4d-4e8f-9a1b-2c3d4e5f6a7b", contentType: "Audit.Exchange" };
const T0 = Date.parse("2026-03-10T08:00:00Z");
const cursorAt = (h: number) => cursorFor({ start: T0 + h * 3_600_000, end: T0 + (h + 3) * 3_600_000 });

/** Makes a folder unwritable even for root (chattr +i); returns an undo function, or null when impossible. */
function makeReadOnly(dir: string): (() => void) | null {
  if (process.getuid?.() !== 0) {
    chmodSync(dir, 0o555);
    return () => chmodSync(dir, 0o755);
  }
  try {
    execFileSync("chattr", ["+i", dir], { stdio: "ignore" });
    return () => execFileSync("chattr", ["-i", dir], { stdio: "ignore" });
  } catch {
    return null;
  }
}

describe("FileCheckpointStore", () => {
  it("returns null before the first save and the saved cursor after it", async () => {
    const store = new FileCheckpointStore(freshDir());
    assert.equal(await store.load(KEY), null);
    const etag = await store.save(KEY, cursorAt(0), null);
    const loaded = await store.load(KEY);
    assert.deepEqual(loaded?.cursor, cursorAt(0));
    assert.equal(loaded?.etag, etag);
  });

  it("survives a new store instance (restart) and leaves no temp files behind", async () => {
    const dir = freshDir();
    await new FileCheckpointStore(dir).save(KEY, cursorAt(1));
    await new FileCheckpointStore(dir).save(KEY, cursorAt(2));
    assert.deepEqual((await new FileCheckpointStore(dir).load(KEY))?.cursor, cursorAt(2));
    assert.deepEqual(readdirSync(dir), ["7f3a1c2e-5b4d-4e8f-9a1b-2c3d4e5f6a7b__Audit.Exchange.json"]);
  });

  it("rejects a save with a stale etag (another writer won) and keeps the winner's cursor", async () => {
    const dir = freshDir();
    const a = new FileCheckpointStore(dir);
    const b = new FileCheckpointStore(dir);
    const e0 = await a.save(KEY, cursorAt(0), null);
    await b.save(KEY, cursorAt(5), e0);
    await assert.rejects(a.save(KEY, cursorAt(1), e0), CheckpointConflictError);
    assert.deepEqual((await a.load(KEY))?.cursor, cursorAt(5));
  });

  it("sees another writer's checkpoint of the same size (a process remembers only the version it wrote)", async () => {
    const dir = freshDir();
    const a = new FileCheckpointStore(dir);
    const b = new FileCheckpointStore(dir);
    const e0 = await a.save(KEY, cursorAt(0), null);
    assert.equal((await a.load(KEY))?.etag, e0);
    const before = readFileSync(a.pathOf(KEY), "utf8").length;
    const e1 = await b.save(KEY, cursorAt(1), e0);
    assert.equal(readFileSync(a.pathOf(KEY), "utf8").length, before);
    assert.deepEqual(await a.load(KEY), { cursor: cursorAt(1), etag: e1 });
    const e2 = await a.save(KEY, cursorAt(2), e1);
    await assert.rejects(b.save(KEY, cursorAt(3), e1), CheckpointConflictError);
    // Rewritten in place with the same length (an operator's edit): still noticed.
    const path = a.pathOf(KEY);
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(path, readFileSync(path, "utf8").replace("T10:00:00", "T11:00:00"));
    await assert.rejects(a.save(KEY, cursorAt(4), e2), CheckpointConflictError);
    assert.equal((await a.load(KEY))?.cursor.windowStart, "2026-03-10T11:00:00.000Z");
  });

  it("rejects creating a checkpoint that someone else created first", async () => {
    const dir = freshDir();
    await new FileCheckpointStore(dir).save(KEY, cursorAt(0), null);
    await assert.rejects(new FileCheckpointStore(dir).save(KEY, cursorAt(1), null), CheckpointConflictError);
  });

  it("serializes concurrent conditional saves: exactly one of two racing writers wins", async () => {
    const dir = freshDir();
    const e0 = await new FileCheckpointStore(dir).save(KEY, cursorAt(0), null);
    const results = await Promise.allSettled([
      new FileCheckpointStore(dir).save(KEY, cursorAt(1), e0),
      new FileCheckpointStore(dir).save(KEY, cursorAt(2), e0),
    ]);
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
    assert.ok(results.some((r) => r.status === "rejected" && r.reason instanceof CheckpointConflictError));
  });

  it("fails clearly and does not advance the cursor when the folder is read-only", async (t) => {
    const dir = freshDir();
    const store = new FileCheckpointStore(dir);
    const etag = await store.save(KEY, cursorAt(0), null);
    const undo = makeReadOnly(dir);
    if (!undo) return t.skip("cannot make a folder read-only here");
    try {
      await assert.rejects(store.save(KEY, cursorAt(1), etag), (err: unknown) => {
        assert.ok(err instanceof StateWriteError);
        assert.match(err.message, /cannot write checkpoint .*(permission denied|not permitted|read-only)/);
        return true;
      });
    } finally {
      undo();
    }
    assert.deepEqual((await store.load(KEY))?.cursor, cursorAt(0));
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes(".tmp-")),
      [],
    );
  });

  it("sees a checkpoint another process wrote after its own last read or write", async () => {
    const dir = freshDir();
    const mine = new FileCheckpointStore(dir);
    const other = new FileCheckpointStore(dir);
    const etag = await mine.save(KEY, cursorAt(0), null);
    assert.equal((await mine.load(KEY))?.etag, etag, "unchanged file: what this store wrote");
    const theirs = await other.save(KEY, cursorAt(1), etag);
    const loaded = await mine.load(KEY);
    assert.equal(loaded?.etag, theirs);
    assert.deepEqual(loaded?.cursor, cursorAt(1));
    writeFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith(".json"))!), "{");
    await assert.rejects(mine.load(KEY), CheckpointCorruptError, "a file changed by hand is read again");
  });

  it("refuses a corrupt checkpoint instead of silently starting over", async () => {
    const dir = freshDir();
    const store = new FileCheckpointStore(dir);
    await store.save(KEY, cursorAt(0));
    const path = store.pathOf(KEY);
    writeFileSync(path, readFileSync(path, "utf8").slice(0, 40));
    await assert.rejects(store.load(KEY), CheckpointCorruptError);
    writeFileSync(path, JSON.stringify({ version: 1, cursor: { version: 1, windowStart: "soon" } }));
    await assert.rejects(store.load(KEY), /windowStart is not a time/);
  });

  it("keeps keys apart and file names safe for any content type", async () => {
    const store = new FileCheckpointStore(freshDir());
    const other = { tenantId: KEY.tenantId, contentType: "Audit.Exchange@backfill/2026-03-01T00:00:00Z" };
    await store.save(KEY, cursorAt(0));
    await store.save(other, cursorAt(3));
    assert.deepEqual((await store.load(KEY))?.cursor, cursorAt(0));
    assert.deepEqual((await store.load(other))?.cursor, cursorAt(3));
    assert.doesNotMatch(store.pathOf(other).slice(root.length), /[:/@]2026/);
  });
});

describe("MemoryCheckpointStore", () => {
  it("applies the same etag rules as the file store", async () => {
    const store = new MemoryCheckpointStore();
    const e0 = await store.save(KEY, cursorAt(0), null);
    await assert.rejects(store.save(KEY, cursorAt(1), null), CheckpointConflictError);
    const e1 = await store.save(KEY, cursorAt(1), e0);
    await assert.rejects(store.save(KEY, cursorAt(2), e0), CheckpointConflictError);
    assert.equal((await store.load(KEY))?.etag, e1);
  });
});
