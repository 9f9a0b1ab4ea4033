/**
 * Checkpoints as one JSON file per (tenant, content type) in a local folder, written atomically, with
 * content-hash etags for optimistic concurrency between processes sharing the folder.
 */
import { createHash } from "node:crypto";
import { mkdir, open, readFile, rm, stat, unlink } from "node:fs/promises";
import type { BigIntStats } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { cursorProblems } from "../pipeline/cursor.ts";
import { StateWriteError, describeFsError, writeAll, writeFileAtomic } from "./atomic-file.ts";
import { CheckpointConflictError } from "./types.ts";
import type { CheckpointStore, Cursor, CursorKey, StoredCursor } from "./types.ts";

/** A stored checkpoint that cannot be read or understood; collection stops instead of starting over. */
export class CheckpointCorruptError extends Error {
  override readonly name = "CheckpointCorruptError";
}

interface CheckpointDocument {
  version: 1;
  key: CursorKey;
  savedAt: string;
  cursor: Cursor;
}

/** File name safe on every platform for any key (GUIDs and content types pass unchanged). */
export function checkpointFileName(key: CursorKey): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  return `${safe(key.tenantId)}__${safe(key.contentType)}.json`;
}

const etagOf = (bytes: string | Uint8Array) => createHash("sha256").update(bytes).digest("hex").slice(0, 32);

const LOCK_STALE_MS = 30_000;
const LOCK_WAIT_MS = 5_000;
/** An empty lock file older than this was abandoned: its writer records its pid right after creating it. */
const OWNERLESS_LOCK_MS = 1_000;

/**
 * File-backed {@link CheckpointStore}.
 *
 * `save(key, cursor, etag)`: `etag` undefined = unconditional write; `null` = the checkpoint must not exist yet;
 * a string = the stored checkpoint must still have that etag, else `CheckpointConflictError`. Write failures
 * (disk full, read-only folder) throw `StateWriteError` and leave the previous checkpoint untouched.
 */
/**
 * Identity of one version of a file. Every save renames a new file over it: another inode while this one is in
 * use, and another modification time. (Not ctime: the rename changes it after the writer took its stats.)
 */
const versionOf = (s: BigIntStats) => `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}`;

/** The file's version, or null when it does not exist. */
async function fileVersion(path: string): Promise<string | null> {
  try {
    return versionOf(await stat(path, { bigint: true }));
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return null;
    throw err;
  }
}

export class FileCheckpointStore implements CheckpointStore {
  readonly dir: string;
  private ready: Promise<void> | undefined;
  /**
   * The checkpoint files this process last read or wrote: their version (see versionOf), bytes and etag. A
   * continuous run loads and conditionally saves the same file every poll; while the file is still the version
   * known here, a stat replaces reading and hashing it. Any other writer replaces the file, which changes it.
   */
  private readonly known = new Map<string, { version: string; bytes: string; etag: string }>();

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Path of the checkpoint file of `key`. */
  pathOf(key: CursorKey): string {
    return join(this.dir, checkpointFileName(key));
  }

  async load(key: CursorKey): Promise<StoredCursor | null> {
    const path = this.pathOf(key);
    let bytes: string;
    let etag: string;
    try {
      const version = await fileVersion(path);
      if (version === null) {
        this.known.delete(path);
        return null;
      }
      const known = this.known.get(path);
      if (known?.version === version) ({ bytes, etag } = known);
      else {
        this.known.delete(path);
        bytes = await readFile(path, "utf8");
        etag = etagOf(bytes);
        // Remembered only when the file did not change while it was read.
        if ((await fileVersion(path)) === version) this.known.set(path, { version, bytes, etag });
      }
    } catch (err) {
      if ((err as { code?: string }).code === "ENOENT") return null;
      const { reason } = describeFsError(err);
      throw new CheckpointCorruptError(`cannot read checkpoint ${path}: ${reason}`, { cause: err });
    }
    let doc: CheckpointDocument;
    try {
      doc = JSON.parse(bytes) as CheckpointDocument;
    } catch (err) {
      throw new CheckpointCorruptError(
        `checkpoint ${path} is not valid JSON; fix or delete it (deleting restarts collection at the retention edge)`,
        { cause: err },
      );
    }
    const problems = cursorProblems(doc?.cursor);
    if (problems.length > 0) {
      throw new CheckpointCorruptError(`checkpoint ${path} is invalid: ${problems.join("; ")}`);
    }
    return { cursor: doc.cursor, etag };
  }

  async save(key: CursorKey, cursor: Cursor, etag?: string | null): Promise<string> {
    await this.ensureDir();
    const path = this.pathOf(key);
    const doc: CheckpointDocument = { version: 1, key, savedAt: new Date().toISOString(), cursor };
    const bytes = `${JSON.stringify(doc, null, 1)}\n`;
    const known = this.known.get(path);
    this.known.delete(path);
    if (etag === undefined) return this.write(path, bytes);
    const unlock = await this.lock(path);
    try {
      const version = await fileVersion(path);
      const current =
        version === null
          ? null
          : known?.version === version
            ? known.etag
            : await readFile(path, "utf8").then(
                (b) => etagOf(b),
                (err: { code?: string }) => {
                  if (err.code === "ENOENT") return null;
                  throw err;
                },
              );
      if (current !== etag) {
        throw new CheckpointConflictError(
          `checkpoint ${path} was changed by another writer (expected ${etag ?? "no checkpoint"}, found ${current ?? "none"}); another instance may be collecting the same tenant and content type`,
        );
      }
      return await this.write(path, bytes);
    } finally {
      await unlock();
    }
  }

  /** Writes atomically and remembers the version written; returns its etag. */
  private async write(path: string, bytes: string): Promise<string> {
    const stats = await writeFileAtomic(path, bytes, "checkpoint", { stat: true });
    const etag = etagOf(bytes);
    if (stats) this.known.set(path, { version: versionOf(stats), bytes, etag });
    return etag;
  }

  private ensureDir(): Promise<void> {
    this.ready ??= mkdir(this.dir, { recursive: true }).then(
      () => undefined,
      (err: unknown) => {
        this.ready = undefined;
        const { code, reason } = describeFsError(err);
        throw new StateWriteError(`cannot create state folder ${this.dir}: ${reason}`, { cause: err, code });
      },
    );
    return this.ready;
  }

  /** Cross-process mutex for the read-compare-write of a conditional save (O_EXCL lock file). */
  private async lock(path: string): Promise<() => Promise<void>> {
    const lockPath = `${path}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const fh = await open(lockPath, "wx");
        // Owner recorded so a restart can tell a lock left by a killed process (SIGKILL, OOM) from a live one.
        await writeAll(fh, `${process.pid} ${hostname()}\n`).finally(() => fh.close());
        return () => unlinkIfPresent(lockPath);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code !== "EEXIST") {
          const { reason } = describeFsError(err);
          throw new StateWriteError(`cannot write checkpoint ${path}: ${reason}${code ? ` (${code})` : ""}`, {
            cause: err,
            code,
          });
        }
        // A lock left by a crashed process must not block collection forever.
        const age = await stat(lockPath).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        );
        if (age > LOCK_STALE_MS || (await lockOwnerIsDead(lockPath, age))) await rm(lockPath, { force: true });
        else if (Date.now() > deadline) {
          throw new CheckpointConflictError(`checkpoint ${path} is locked by another writer (${lockPath})`);
        } else await new Promise((r) => setTimeout(r, 10));
      }
    }
  }
}

/** Removes a file; a file already gone is fine (`rm({ force })` costs twice the CPU for the same). */
async function unlinkIfPresent(path: string): Promise<void> {
  await unlink(path).catch((err: { code?: string }) => {
    if (err.code !== "ENOENT") throw err;
  });
}

/**
 * True when the lock file names a process of this host that no longer exists (left by a crash), or names no
 * owner at all although it is older than a writer needs to record one: a process killed between creating the
 * file and writing its pid leaves it empty (found by the crash test's "checkpoint" kills).
 */
async function lockOwnerIsDead(lockPath: string, ageMs: number): Promise<boolean> {
  const text = await readFile(lockPath, "utf8").catch(() => "");
  const m = /^(\d+) (\S+)$/.exec(text.trim());
  if (!m) return text.trim() === "" && ageMs > OWNERLESS_LOCK_MS;
  if (m[2] !== hostname() || Number(m[1]) === process.pid) return false;
  try {
    process.kill(Number(m[1]), 0);
    return false;
  } catch (err) {
    return (err as { code?: string }).code === "ESRCH";
  }
}
