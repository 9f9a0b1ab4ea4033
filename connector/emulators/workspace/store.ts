/**
 * The emulated workspace tables: one NDJSON file per table under `<dataDir>/workspace/`. Writes to a
 * table are chained so every request's rows land as complete lines, in acknowledgement order.
 */
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";

export class TableStore {
  readonly dir: string;
  private readonly chains = new Map<string, Promise<void>>();
  private readonly counts = new Map<string, number>();
  private ready: Promise<unknown> | undefined;

  constructor(dataDir: string) {
    this.dir = join(dataDir, "workspace");
  }

  /** Path of a table's NDJSON file. */
  tablePath(tableName: string): string {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(tableName)) throw new Error(`invalid table name: ${tableName}`);
    return join(this.dir, `${tableName}.ndjson`);
  }

  /** Appends rows as one write of complete lines; resolves when they are on disk (page cache). */
  append(tableName: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    const text = rows.map((r) => `${JSON.stringify(r)}\n`).join("");
    this.ready ??= mkdir(this.dir, { recursive: true });
    const prev = this.chains.get(tableName) ?? this.ready;
    const next = prev.then(async () => {
      await appendFile(this.tablePath(tableName), text, "utf8");
      this.counts.set(tableName, (this.counts.get(tableName) ?? 0) + rows.length);
    });
    // Keep the chain alive after a failed write; the failing request itself still sees the error.
    this.chains.set(
      tableName,
      next.catch(() => {}),
    );
    return next;
  }

  /** Rows this emulator instance accepted into a table. */
  accepted(tableName: string): number {
    return this.counts.get(tableName) ?? 0;
  }

  /** Every row in a table's file (including rows from earlier runs on the same data dir). */
  async read(tableName: string): Promise<Record<string, unknown>[]> {
    let text: string;
    try {
      text = await readFile(this.tablePath(tableName), "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
    return text
      .split("\n")
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /** Waits for pending writes. */
  async flush(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }
}
