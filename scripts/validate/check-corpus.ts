/**
 * Checks across all content: GUID ids unique over every kind, display names unique per kind, file
 * names unique per kind case-insensitively (Sentinel requires globally unique rule file names; a
 * hunting query may share its rule's file name, as Azure-Sentinel's "hunting version" files do).
 */
import { basename } from "node:path";
import type { CheckContext, Doc } from "./context.ts";
import { report } from "./context.ts";

export interface CorpusEntry {
  kind: string;
  doc: Doc<{ id?: unknown; name?: unknown; FunctionAlias?: unknown }>;
}

export function checkCorpus(ctx: CheckContext, entries: readonly CorpusEntry[]): void {
  const firstById = new Map<string, CorpusEntry>();
  const firstByName = new Map<string, CorpusEntry>();
  const firstByFile = new Map<string, string>();
  for (const e of entries) {
    const { id, name, FunctionAlias } = e.doc.data ?? {};
    if (typeof id === "string" && id !== "") {
      const key = id.toLowerCase();
      const first = firstById.get(key);
      if (first) report(ctx, e.doc, ["id"], `duplicate id ${id}: also used by ${first.doc.file}`);
      else firstById.set(key, e);
    }
    const display = typeof name === "string" ? name : typeof FunctionAlias === "string" ? FunctionAlias : undefined;
    if (display !== undefined) {
      const key = `${e.kind}|${display.trim().toLowerCase()}`;
      const first = firstByName.get(key);
      const field = typeof name === "string" ? "name" : "FunctionAlias";
      if (first) report(ctx, e.doc, [field], `duplicate ${field} '${display}': also used by ${first.doc.file}`);
      else firstByName.set(key, e);
    }
  }
  for (const { kind, doc } of entries) {
    const file = doc.file;
    const key = `${kind}|${basename(file).toLowerCase()}`;
    const first = firstByFile.get(key);
    if (first && first !== file) {
      ctx.offenders.push({ file, field: "(file)", message: `file name clashes with ${first} (names must be unique)` });
    } else if (!first) firstByFile.set(key, file);
  }
}
