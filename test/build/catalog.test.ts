import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { contentCatalogMarkdown } from "../../scripts/build/catalog.ts";
import { loadSolutionContent } from "../../scripts/build/index.ts";

test("the committed content catalog matches the content files (run npm run build to refresh it)", () => {
  const { content, problems } = loadSolutionContent();
  assert.deepEqual(problems, []);
  const onDisk = readFileSync(new URL("../../docs/content-catalog.md", import.meta.url), "utf8");
  assert.equal(onDisk, contentCatalogMarkdown(content));
});
