/**
 * Reads workspace tables from `<dataDir>/workspace/<Table>.ndjson` (the layout the workspace emulator
 * writes) as a lazy table provider for the KQL test engine.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TableProvider } from "./engine/context.ts";

/** A provider reading each table once, on first use; a missing file is an empty table. */
export function workspaceTables(dataDir: string): TableProvider {
  const cache = new Map<string, Record<string, unknown>[]>();
  return (name) => {
    let rows = cache.get(name);
    if (!rows) {
      rows = readNdjson(join(dataDir, "workspace", `${name}.ndjson`));
      cache.set(name, rows);
    }
    return rows;
  };
}

/** Parses an NDJSON file; a malformed line is an error naming file and line (never skipped silently). */
export function readNdjson(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) return [];
  const out: Record<string, unknown>[] = [];
  const lines = readFileSync(path, "utf8").split("\n");
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch (err) {
      throw new Error(`${path}:${i + 1}: invalid JSON line (${(err as Error).message})`);
    }
  });
  return out;
}
