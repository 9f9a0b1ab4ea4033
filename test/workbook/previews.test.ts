import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { findChromium } from "../../scripts/build/browser.ts";
import { workbookKey } from "../../scripts/build/content-mapping.ts";
import { PREVIEW_DIR, previewImageNames, UPSTREAM_PREVIEW_DIR, writePreviews } from "../../scripts/build/previews.ts";

test("preview image names follow Content Hub's <Key>Black.png / <Key>White.png with the WorkbooksMetadata key", () => {
  assert.equal(workbookKey("workbooks/exchange-session-investigation.json"), "ExoAuditExchangeSessionInvestigation");
  assert.deepEqual(previewImageNames("a/exchange-audit-connector-health.json"), [
    "ExoAuditExchangeAuditConnectorHealthBlack.png",
    "ExoAuditExchangeAuditConnectorHealthWhite.png",
  ]);
});

test("the build draws a dark and a light PNG of a workbook over the demo data", {
  skip: !findChromium() && "no Chromium",
  timeout: 240_000,
}, async () => {
  const root = mkdtempSync(join(tmpdir(), "exo-previews-root-"));
  try {
    mkdirSync(join(root, "workbooks"));
    const file = "exchange-mail-access-scoping.json";
    copyFileSync(new URL(`../../workbooks/${file}`, import.meta.url), join(root, "workbooks", file));
    const result = await writePreviews(root, root);
    assert.equal(result.skipped, undefined);
    const [black, white] = previewImageNames(file);
    assert.deepEqual(result.written.sort(), [join(root, PREVIEW_DIR, black), join(root, PREVIEW_DIR, white)].sort());
    const darkPng = readFileSync(join(root, PREVIEW_DIR, black));
    const lightPng = readFileSync(join(root, PREVIEW_DIR, white));
    assert.equal(darkPng.subarray(1, 4).toString(), "PNG");
    assert.ok(darkPng.length > 20_000, "a drawn page, not a blank one");
    assert.notDeepEqual(darkPng, lightPng);
    // the export keeps the same files where its WorkbooksMetadata.json names them
    assert.deepEqual(readFileSync(join(root, UPSTREAM_PREVIEW_DIR, black)), darkPng);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("the build skips the preview images with a reason when Chromium is missing", async () => {
  const saved = process.env.CHROMIUM_PATH;
  process.env.CHROMIUM_PATH = "/nonexistent/chromium";
  try {
    const result = await writePreviews("/nonexistent-root", "/nonexistent-out");
    assert.deepEqual(result.written, []);
    assert.match(result.skipped ?? "", /Chromium not found/);
  } finally {
    if (saved === undefined) delete process.env.CHROMIUM_PATH;
    else process.env.CHROMIUM_PATH = saved;
  }
});
