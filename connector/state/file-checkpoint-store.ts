/**
 * Checkpoints as one JSON file per (tenant, content type) in a local folder, written atomically, with
 * content-hash etags for optimistic concurrency between processes sharing the folder.
 */
import { createHash } from "node:crypto";
import { mkdir, open, readFile, rm, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { cursorProblems } from "../pipeline/cursor.ts";
import { StateWriteError, describeFsError, writeFileAtomic } from "./atomic-file.ts";
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

/** Inode, size and mtime of a file (null when absent or unreadable): every atomic write changes the inode. */
async function fileIdentity(path: string): Promise<string | null> {
  try {
    const s = await stat(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch {
    return null;
  }
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
 *
 * `load` returns the checkpoint this store last read or wrote while the file is unchanged (same inode, size and
 * mtime: every write renames a new file into place), so continuous mode does not re-read and re-hash the file
 * at every poll; a write by another process changes the inode and is read.
 */
export class FileCheckpointStore implements CheckpointStore {
  readonly dir: string;
  private ready: Promise<void> | undefined;
  private readonly known = new Map<string, { file: string; stored: StoredCursor }>();

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Path of the checkpoint file of `key`. */
  pathOf(key: CursorKey): string {
    return join(this.dir, checkpointFileName(key));
  }

  async load(key: CursorKey): Promise<StoredCursor | null> {
    const path = this.pathOf(key);
    const file = await fileIdentity(path);
    const known = this.known.get(path);
    if (file && known?.file === file) return known.stored;
    let bytes: string;
    try {
      bytes = await readFile(path, "utf8");
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
    const stored = { cursor: doc.cursor, etag: etagOf(bytes) };
    // Identity taken before the read: a write in between makes the next load read again.
    if (file) this.known.set(path, { file, stored });
    return stored;
  }

  /** Remembers what was just written, with the identity of the file now in place. */
  private async remember(path: string, cursor: Cursor, etag: string): Promise<string> {
    const file = await fileIdentity(path);
    if (file) this.known.set(path, { file, stored: { cursor, etag } });
    else this.known.delete(path);
    return etag;
  }

  async save(key: CursorKey, cursor: Cursor, etag?: string | null): Promise<string> {
    await this.ensureDir();
    const path = this.pathOf(key);
    const doc: CheckpointDocument = { version: 1, key, savedAt: new Date().toISOString(), cursor };
    const bytes = `${JSON.stringify(doc, null, 1)}\n`;
    const known = this.known.get(path);
    this.known.delete(path);
    if (etag === undefined) {
      await writeFileAtomic(path, bytes, "checkpoint");
      return this.remember(path, cursor, etagOf(bytes));
    }
    const unlock = await this.lock(path);
    try {
      // Under the lock: an unchanged file (same identity) still has the etag this store knows.
      const file = await fileIdentity(path);
      const current =
        file && known?.file === file
          ? known.stored.etag
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
      await writeFileAtomic(path, bytes, "checkpoint");
      return await this.remember(path, cursor, etagOf(bytes));
    } finally {
      await unlock();
    }
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
        await fh.writeFile(`${process.pid} ${hostname()}\n`).finally(() => fh.close());
        return () => rm(lockPath, { force: true });
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
