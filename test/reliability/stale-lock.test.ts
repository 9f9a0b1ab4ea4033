/**
 * Restart after SIGKILL: a checkpoint lock file left by a killed process must not block the restarted
 * connector (found by the crash test: the restart failed with CheckpointConflictError for 30 s), while a
 * lock held by a live process still does.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { FileCheckpointStore } from "../../connector/state/file-checkpoint-store.ts";
import { CheckpointConflictError } from "../../connector/state/types.ts";

const key = { tenantId: "7f3a1c2e-5b4d-4e8f-9a1b-2c3d4e5f6a7b", contentType: "Audit.Exchange" };
const cursor = {
  windowStart: "2026-03-10T09:00:00.000Z",
  windowEnd: "2026-03-10T10:00:00.000Z",
  doneContentIds: [],
  inBlob: {},
  version: 1 as const,
};

test("a lock left by a killed process is taken over at once; a live owner's lock is respected", async () => {
  const dir = mkdtempSync(join(tmpdir(), "exo-lock-"));
  try {
    mkdirSync(dir, { recursive: true });
    const store = new FileCheckpointStore(dir);
    const lock = `${store.pathOf(key)}.lock`;
    // A pid that existed and is gone: a child that already exited.
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid;
    writeFileSync(lock, `${dead} ${hostname()}\n`);
    const started = Date.now();
    await store.save(key, cursor, null);
    assert.ok(Date.now() - started < 2_000, "no wait for the stale-lock timeout");
    assert.ok(await store.load(key));

    // The parent of this test process is alive: its lock blocks, and the save fails with a conflict.
    writeFileSync(lock, `${process.ppid} ${hostname()}\n`);
    const stored = await store.load(key);
    await assert.rejects(store.save(key, cursor, stored!.etag), CheckpointConflictError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an empty lock file left by a process killed before it wrote its pid is taken over after a second", async () => {
  const dir = mkdtempSync(join(tmpdir(), "exo-lock-"));
  try {
    const store = new FileCheckpointStore(dir);
    await store.save(key, cursor, null);
    const lock = `${store.pathOf(key)}.lock`;
    // Just created by a live writer that has not written its pid yet: respected (the save waits, then wins).
    writeFileSync(lock, "");
    const started = Date.now();
    const stored = await store.load(key);
    await store.save(key, cursor, stored!.etag);
    const waited = Date.now() - started;
    assert.ok(waited >= 900 && waited < 4_000, `waited ${waited} ms for the ownerless lock`);
    assert.ok(await store.load(key));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
