/**
 * Renders workbook JSON files to static HTML pages over a local data directory: the entry point of
 * `exo-audit workbook render`, the demo and the build's preview images. The KQL engine is loaded on first
 * use (it costs ~30 MB and a second of start-up that the connector's `run` must not pay).
 *
 * | outcome of a workbook     | result                                                                  |
 * | ------------------------- | ----------------------------------------------------------------------- |
 * | every item ran            | `problems` empty                                                        |
 * | an item failed            | the page shows the error in place; `problems` names item and message    |
 * | the file is not JSON      | thrown (nothing to draw)                                                |
 */
import { readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { TableProvider } from "../../kql/engine/context.ts";
import { type Theme, workbookPage } from "./page.ts";
import { type ItemResult, runWorkbook } from "./run.ts";

export type { Theme } from "./page.ts";

export interface RenderOptions {
  dataDir: string;
  now: Date;
  params?: Record<string, string>;
  theme?: Theme;
}

export interface RenderedWorkbook {
  file: string;
  title: string;
  html: string;
  /** "item: message" for every item that could not run or draw. */
  problems: string[];
  /** Query items by state, and the time spent in queries. */
  counts: Record<string, number>;
  queryMs: number;
}

async function engine(dataDir: string): Promise<{
  tables: TableProvider;
  execute: typeof import("../../kql/engine/evaluator.ts")["executeQuery"];
  toJson: (v: unknown) => unknown;
  functions: ReturnType<typeof import("../../kql/content/load.ts")["parserFunctionDefs"]>;
}> {
  const [{ parserFunctionDefs }, { executeQuery }, { toJsonValue }, { workspaceTables }] = await Promise.all([
    import("../../kql/content/load.ts"),
    import("../../kql/engine/evaluator.ts"),
    import("../../kql/engine/values.ts"),
    import("../../kql/tables-from-disk.ts"),
  ]);
  return {
    tables: workspaceTables(dataDir),
    execute: executeQuery,
    toJson: toJsonValue,
    functions: parserFunctionDefs(),
  };
}

function flatten(items: ItemResult[]): ItemResult[] {
  return items.flatMap((i) => (i.kind === "group" ? [i, ...flatten(i.items)] : [i]));
}

/** Renders each file; tables are read once for all of them. */
export async function renderWorkbooks(files: string[], opts: RenderOptions): Promise<RenderedWorkbook[]> {
  const e = await engine(opts.dataDir);
  return files.map((file) => {
    const workbook = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    const run = runWorkbook(workbook, { ...e, now: opts.now, params: opts.params ?? {} });
    const { html, problems: drawProblems } = workbookPage(run, {
      theme: opts.theme ?? "light",
      footer: `${basename(file)} rendered by exo-audit over ${opts.dataDir} at ${opts.now.toISOString()}`,
    });
    const problems: string[] = [];
    const counts: Record<string, number> = {};
    let queryMs = 0;
    for (const item of flatten(run.items)) {
      if (item.kind === "unsupported") problems.push(`${item.name}: item type ${String(item.type)} is not supported`);
      if (item.kind !== "query") continue;
      counts[item.state] = (counts[item.state] ?? 0) + 1;
      queryMs += item.ms;
      if (item.state === "error") problems.push(`${item.name}: ${item.message}`);
    }
    problems.push(...drawProblems);
    return { file, title: run.title, html, problems, counts, queryMs };
  });
}

/** `<out>/<workbook file name>.html`. */
export function pagePath(outDir: string, file: string): string {
  return join(outDir, `${basename(file).replace(/\.json$/i, "")}.html`);
}

export function writePage(outDir: string, page: RenderedWorkbook): string {
  const path = pagePath(outDir, page.file);
  writeFileSync(path, page.html);
  return path;
}
