/**
 * Dead letters on local disk: NDJSON, one file per UTC day (`dead-letters-YYYY-MM-DD.ndjson`), appended
 * one complete line per letter, fsynced on `close()` (and by `flush()`). A letter is one JSON object with
 * `time, stage, reason, source, recordId, payload` (+ optional `stream`, `errorCode`); see docs/sink.md
 * for replaying them.
 */
import { mkdir, open, readdir, readFile } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { DeadLetter, DeadLetterStore } from "./types.ts";

const FILE = /^dead-letters-(\d{4}-\d{2}-\d{2})\.ndjson$/;

export class FileDeadLetterStore implements DeadLetterStore {
  readonly dir: string;
  private readonly clock: () => Date;
  private readonly handles = new Map<string, FileHandle>();
  private chain: Promise<void> = Promise.resolve();
  private stored = 0;
  private closed = false;

  /** @param dir - folder for the daily files (created on first write). @param clock - for the file's day. */
  constructor(dir: string, clock: () => Date = () => new Date()) {
    this.dir = dir;
    this.clock = clock;
  }

  /** Path of the file letters of a UTC day go to. */
  fileFor(day: Date): string {
    return join(this.dir, `dead-letters-${day.toISOString().slice(0, 10)}.ndjson`);
  }

  /** Appends letters; resolves once they are written (one write call per `put`, complete lines). */
  put(letters: readonly DeadLetter[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error("dead-letter store is closed"));
    if (letters.length === 0) return Promise.resolve();
    const text = letters.map((l) => `${JSON.stringify(l)}\n`).join("");
    const next = this.chain.then(async () => {
      const path = this.fileFor(this.clock());
      let handle = this.handles.get(path);
      if (!handle) {
        await mkdir(this.dir, { recursive: true });
        handle = await open(path, "a");
        // Day rolled over: the previous day's file is complete; sync and close it.
        for (const [p, h] of this.handles) {
          await h.sync();
          await h.close();
          this.handles.delete(p);
        }
        this.handles.set(path, handle);
      }
      await handle.write(text);
      this.stored += letters.length;
    });
    this.chain = next.catch(() => {});
    return next;
  }

  count(): number {
    return this.stored;
  }

  /** fsyncs the open file so letters survive a crash. */
  async flush(): Promise<void> {
    await this.chain;
    for (const h of this.handles.values()) await h.sync();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chain;
    for (const h of this.handles.values()) {
      await h.sync();
      await h.close();
    }
    this.handles.clear();
  }
}

/** Reads every letter in a dead-letter folder, oldest day first (for replay and `exo-audit` tooling). */
export async function readDeadLetters(dir: string): Promise<DeadLetter[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const out: DeadLetter[] = [];
  for (const name of names.filter((n) => FILE.test(n)).sort()) {
    const text = await readFile(join(dir, name), "utf8");
    for (const line of text.split("\n")) {
      // A crash mid-write can leave a partial last line; skip it rather than failing the whole read.
      if (!line) continue;
      try {
        out.push(JSON.parse(line) as DeadLetter);
      } catch {}
    }
  }
  return out;
}
