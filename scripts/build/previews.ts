/**
 * Content Hub preview images of the workbooks: `<Key>Black.png` and `<Key>White.png` per workbook, drawn
 * by the same renderer as `exo-audit workbook render` over the demo's data, in headless Chromium.
 *
 * | situation            | result                                                               |
 * | -------------------- | -------------------------------------------------------------------- |
 * | Chromium available   | two PNGs per workbook in `<out>/dist/solution/Workbooks/Images/Preview/`, copied to the export's `Workbooks/Images/Preview/` |
 * | Chromium missing     | nothing written; `skipped` says why (the build prints it, exit 0)    |
 * | an item fails to run | thrown: a preview must not show an error                             |
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { runDemo } from "../../connector/demo/run-demo.ts";
import { renderWorkbooks, writePage } from "../../connector/workbook/index.ts";
import { findChromium, launch } from "./browser.ts";
import { workbookKey } from "./content-mapping.ts";

export const PREVIEW_DIR = join("dist", "solution", "Workbooks", "Images", "Preview");
/** The same images where the Azure-Sentinel repository keeps them (its WorkbooksMetadata.json names them). */
export const UPSTREAM_PREVIEW_DIR = join("dist", "azure-sentinel", "Workbooks", "Images", "Preview");

/** Content Hub's names of a workbook's preview images (dark theme first, as WorkbooksMetadata lists them). */
export function previewImageNames(file: string): [string, string] {
  const key = workbookKey(file);
  return [`${key}Black.png`, `${key}White.png`];
}

export interface PreviewResult {
  written: string[];
  skipped?: string;
}

export async function writePreviews(root: string, out: string): Promise<PreviewResult> {
  const chromium = findChromium();
  if (!chromium) return { written: [], skipped: "Chromium not found (install chromium or set CHROMIUM_PATH)" };
  const files = readdirSync(join(root, "workbooks"))
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => join(root, "workbooks", f));
  const work = mkdtempSync(join(tmpdir(), "exo-previews-"));
  const browser = await launch(chromium);
  try {
    await runDemo({ dataDir: work, mailboxes: 25, days: 3, seed: 1 });
    const dir = join(out, PREVIEW_DIR);
    const upstream = join(out, UPSTREAM_PREVIEW_DIR);
    mkdirSync(dir, { recursive: true });
    mkdirSync(upstream, { recursive: true });
    const written: string[] = [];
    for (const theme of ["dark", "light"] as const) {
      const pages = await renderWorkbooks(files, { dataDir: work, now: new Date(), theme });
      for (const page of pages) {
        if (page.problems.length) throw new Error(`${page.file}: ${page.problems.join("; ")}`);
        const { page: tab } = await browser.open(writePage(work, page), { width: 1280, height: 800 });
        const [black, white] = previewImageNames(page.file);
        const path = join(dir, theme === "dark" ? black : white);
        await tab.screenshot({ path: path as `${string}.png` });
        await tab.close();
        copyFileSync(path, join(upstream, basename(path)));
        written.push(path);
      }
    }
    return { written };
  } finally {
    await browser.close();
    rmSync(work, { recursive: true, force: true });
  }
}
