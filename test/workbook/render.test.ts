import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { renderWorkbooks, type RenderedWorkbook, writePage } from "../../connector/workbook/index.ts";
import { ATTACKER_IPS } from "../../connector/dataset/index.ts";
import { findChromium, type Headless, launch } from "../../scripts/build/browser.ts";
import { type DemoData, demoData } from "./demo-data.ts";

const WORKBOOKS = readdirSync(new URL("../../workbooks/", import.meta.url))
  .filter((f) => f.endsWith(".json"))
  .map((f) => new URL(`../../workbooks/${f}`, import.meta.url).pathname);

const chromium = findChromium();

/** `noDataMessage` of each query item of a workbook file, by item name. */
function noDataMessages(file: string): Map<string, string> {
  const wb = JSON.parse(readFileSync(file, "utf8")) as {
    items: { name: string; content: { noDataMessage?: string } }[];
  };
  return new Map(wb.items.filter((i) => i.content.noDataMessage).map((i) => [i.name, i.content.noDataMessage!]));
}

/**
 * Parameter values for a workbook: the session workbook's detail shows once a session is picked (one that
 * read and synchronised mail, so every detail item has rows); a parameter the workbook requires gets the
 * demo's hijacked mailbox, its user or the attacker's IP, as an analyst would type them.
 */
function paramsFor(file: string, demo: DemoData): Record<string, string> {
  const params: Record<string, string> = { SessionId: demo.bindSyncSession };
  const byName: Record<string, string> = {
    Mailbox: demo.victim,
    User: demo.victim,
    Actor: demo.victim,
    ClientIP: ATTACKER_IPS.hijack,
  };
  const wb = JSON.parse(readFileSync(file, "utf8")) as { items: { type: number; content: { parameters?: unknown } }[] };
  for (const item of wb.items) {
    for (const p of (item.content.parameters ?? []) as {
      name: string;
      isRequired?: boolean;
      value?: unknown;
      type: number;
    }[]) {
      if (!p.isRequired || p.value !== undefined || p.type === 4 || params[p.name]) continue;
      const value = byName[p.name];
      if (!value) throw new Error(`${file}: no demo value for the required parameter ${p.name}`);
      params[p.name] = value;
    }
  }
  return params;
}

/** What the browser shows of each item. */
interface Drawn {
  item: string;
  state: string;
  rows: number;
  tiles: number;
  marks: number;
  charts: number;
  notice: string;
  query: boolean;
  text: number;
}

async function inspect(browser: Headless, path: string): Promise<{ items: Drawn[]; errors: string[] }> {
  const { page, errors } = await browser.open(path);
  const items = await page.$$eval("section[data-item]", (sections) =>
    sections.map((s) => ({
      item: s.getAttribute("data-item") ?? "",
      state: s.getAttribute("data-state") ?? "",
      rows: s.querySelectorAll("tbody tr").length,
      tiles: s.querySelectorAll(".tile").length,
      marks: [...s.querySelectorAll("canvas")].reduce((n, c) => n + Number(c.getAttribute("data-marks") ?? 0), 0),
      charts: s.querySelectorAll("canvas").length,
      notice: s.querySelector(".notice")?.textContent ?? "",
      query: s.hasAttribute("data-visualization"),
      text: (s.textContent ?? "").trim().length,
    })),
  );
  await page.close();
  return { items, errors };
}

describe("workbooks rendered over the demo data, in headless Chromium", { skip: !chromium && "no Chromium" }, () => {
  let demo: DemoData;
  let browser: Headless;
  let pages: RenderedWorkbook[];
  const out = mkdtempSync(join(tmpdir(), "exo-pages-out-"));

  before(
    async () => {
      demo = await demoData();
      pages = [];
      for (const file of WORKBOOKS) {
        const [page] = await renderWorkbooks([file], {
          dataDir: demo.dir,
          now: demo.now,
          params: paramsFor(file, demo),
        });
        pages.push(page!);
      }
      browser = await launch(chromium!);
    },
    { timeout: 240_000 },
  );

  after(async () => {
    await browser?.close();
    demo?.remove();
    rmSync(out, { recursive: true, force: true });
  });

  it("runs every item of every workbook without an error", () => {
    assert.equal(pages.length, 4);
    for (const p of pages) assert.deepEqual(p.problems, [], p.file);
  });

  it("draws every visible item (rows, tiles or chart marks), or the item's own no-data message", {
    timeout: 120_000,
  }, async () => {
    for (const p of pages) {
      const path = writePage(out, p);
      const { items, errors } = await inspect(browser, path);
      assert.deepEqual(errors, [], `${p.file}: console errors`);
      assert.ok(items.length > 3, `${p.file}: ${items.length} items`);
      for (const i of items) {
        const where = `${p.file} ${i.item}`;
        assert.ok(i.state === "drawn" || i.state === "empty", `${where}: ${i.state}`);
        if (i.state === "empty") {
          // Only items that say what an empty result means may be empty (e.g. "no duplicate rows").
          const message = noDataMessages(p.file).get(i.item);
          assert.ok(message && i.notice === message, `${where}: empty without its no-data message`);
        } else {
          // Query items draw rows, tiles or marks; text and parameter items draw text.
          assert.ok(i.query ? i.rows + i.tiles + i.marks > 0 : i.text > 0, `${where}: nothing drawn`);
        }
        if (i.charts) assert.ok(i.marks > 0, `${where}: a chart without marks`);
      }
    }
  });

  it("shows the attacker's session detail in the session workbook when that session is picked", async () => {
    const [page] = await renderWorkbooks(
      WORKBOOKS.filter((f) => f.endsWith("exchange-session-investigation.json")),
      { dataDir: demo.dir, now: demo.now, params: { SessionId: demo.hijackSession } },
    );
    assert.ok(page);
    const { items } = await inspect(browser, writePage(out, page));
    const byName = new Map(items.map((i) => [i.item, i]));
    for (const name of ["session-actions", "session-operations", "session-ips", "session-messages"]) {
      assert.equal(byName.get(name)?.state, "drawn", name);
    }
    assert.ok(byName.get("session-actions")!.rows >= 3);
    assert.ok(byName.get("session-messages")!.rows >= 6, "the six messages the attacker read");
  });

  it("hides the session detail when no session is picked, as the workbook's conditional visibility says", async () => {
    const file = WORKBOOKS.filter((f) => f.endsWith("exchange-session-investigation.json"));
    const [page] = await renderWorkbooks(file, { dataDir: demo.dir, now: demo.now, params: { User: demo.victim } });
    assert.ok(page);
    assert.ok(!page.html.includes('data-item="session-actions"'));
    assert.ok(page.html.includes('data-item="sessions"'));
    // Without a user or mailbox the sessions grid (a self-join of every user's sessions) is not run at all.
    const [unscoped] = await renderWorkbooks(file, { dataDir: demo.dir, now: demo.now });
    assert.ok(unscoped);
    assert.ok(!unscoped.html.includes('data-item="sessions"'));
    assert.ok(!unscoped.html.includes('data-item="session-actions"'));
  });

  // `EXO_SCREENSHOTS=1 node --test test/workbook/render.test.ts` refreshes the README's picture of a page.
  it("writes the docs' screenshot of the mail access workbook when asked to", {
    skip: !process.env.EXO_SCREENSHOTS,
  }, async () => {
    const [page] = await renderWorkbooks(
      WORKBOOKS.filter((f) => f.endsWith("exchange-mail-access-scoping.json")),
      { dataDir: demo.dir, now: demo.now },
    );
    const { page: tab, errors } = await browser.open(writePage(out, page!), { width: 1100, height: 640 });
    assert.deepEqual(errors, []);
    await tab.screenshot({
      path: fileURLToPath(
        new URL("../../docs/images/workbook-mail-access-scoping.png", import.meta.url),
      ) as `${string}.png`,
    });
    await tab.close();
  });
});
