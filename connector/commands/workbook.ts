/** `exo-audit workbook render`: workbook JSON files to static HTML pages over local data. */
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { parseNow } from "./query.ts";
import { type Command, UsageError, parseCommandArgs } from "./types.ts";

const USAGE = `Usage: exo-audit workbook render FILE... [--data-dir DIR] [--out DIR] [--param NAME=VALUE]...
                                 [--theme light|dark] [--now ISO]

Renders each Azure Monitor workbook JSON file (such as workbooks/*.json) to a static HTML page, running
every query item with the local KQL engine over DIR/workspace/<Table>.ndjson. Parameters are resolved as
in the portal (time range, text, dropdowns from their own queries, conditional visibility); grids, tiles,
time, bar and pie charts and markdown are drawn. The page works offline (the chart library is inlined).

Options:
  --data-dir DIR        data directory (default: .data)
  --out DIR             where to write <workbook>.html (default: DIR/workbooks)
  --param NAME=VALUE    a parameter value (repeatable); time ranges as 7d, 24h, 90m or ISO..ISO;
                        multi-select values comma-separated
  --theme light|dark    page colours (default: light)
  --now ISO             the clock of now()/ago() and the end of the time range (default: the current time)

Exit code: 0 when every item ran, 1 when an item could not run or draw (its error is shown in place on
the page and printed here), 2 for bad usage.

Example:
  exo-audit workbook render workbooks/*.json --param TimeRange=3d --param Mailbox=ada@contoso.example`;

/** NAME=VALUE pairs; a clear usage error for anything else. */
export function parseParams(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf("=");
    if (eq < 1) throw new UsageError(`--param: expected NAME=VALUE, got '${item}'`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

export const workbookCommand: Command = {
  name: "workbook",
  summary: "render workbooks to static HTML pages over local data (workbook render)",
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub !== "render") throw new UsageError(sub ? `unknown subcommand '${sub}'` : "missing subcommand 'render'");
    const { values, positionals: files } = parseCommandArgs({
      args: rest,
      options: {
        "data-dir": { type: "string" },
        out: { type: "string" },
        param: { type: "string", multiple: true },
        theme: { type: "string" },
        now: { type: "string" },
      },
      allowPositionals: true,
    });
    if (!files.length) throw new UsageError("no workbook file given");
    const theme = (values.theme as string | undefined) ?? "light";
    if (theme !== "light" && theme !== "dark") throw new UsageError(`--theme: light or dark, not '${theme}'`);
    const params = parseParams((values.param as string[] | undefined) ?? []);
    const now = parseNow(values.now as string | undefined);
    const dataDir = resolve((values["data-dir"] as string | undefined) ?? ".data");
    const outDir = resolve((values.out as string | undefined) ?? resolve(dataDir, "workbooks"));
    const { renderWorkbooks, writePage } = await import("../workbook/index.ts");
    let pages: Awaited<ReturnType<typeof renderWorkbooks>>;
    try {
      pages = await renderWorkbooks(files, { dataDir, now, params, theme });
    } catch (err) {
      process.stderr.write(`exo-audit workbook: ${(err as Error).message}\n`);
      return 1;
    }
    mkdirSync(outDir, { recursive: true });
    let failed = false;
    for (const page of pages) {
      process.stdout.write(`${writePage(outDir, page)}\n`);
      for (const p of page.problems) process.stderr.write(`exo-audit workbook: ${page.file}: ${p}\n`);
      failed ||= page.problems.length > 0;
    }
    return failed ? 1 : 0;
  },
};
