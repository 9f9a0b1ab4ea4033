/**
 * Headless Chromium for the build's preview images, the docs screenshots and the page tests: the system's
 * Chromium (Debian's `chromium`), driven by puppeteer-core, offline, with a fresh profile per launch.
 *
 * | situation                      | result                                                         |
 * | ------------------------------ | -------------------------------------------------------------- |
 * | Chromium found                 | a browser; `close()` ends it and removes the profile           |
 * | not found                      | `findChromium()` is undefined: callers skip with a notice      |
 * | a page logs a console error    | collected in `errors` (tests fail on it)                       |
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/** The Chromium binary: `CHROMIUM_PATH`, else the usual system paths. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

// No network on build machines: background services would flood refused connections and slow start-up.
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Headless {
  browser: Browser;
  /** Opens `html` (a file path) at the given viewport; console errors and page errors go to `errors`. */
  open(path: string, viewport?: { width: number; height: number }): Promise<{ page: Page; errors: string[] }>;
  close(): Promise<void>;
}

export async function launch(executablePath: string): Promise<Headless> {
  const profile = mkdtempSync(join(tmpdir(), "exo-chromium-"));
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    args: [...FLAGS, `--user-data-dir=${profile}`],
  });
  return {
    browser,
    async open(path, viewport = { width: 1280, height: 900 }) {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      page.on("pageerror", (e) => errors.push(String((e as Error).message ?? e)));
      page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()}`));
      await page.setViewport(viewport);
      await page.goto(`file://${path}`, { waitUntil: "load" });
      await page.waitForFunction('document.body.dataset.ready === "true"', { timeout: 30_000 });
      return { page, errors };
    },
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
