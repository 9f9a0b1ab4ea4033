/**
 * Dependency direction between the top-level components. The product (`connector/`) and the shared KQL
 * engine (`kql/`) must run from an image that has no `scripts/` folder (the Dockerfile copies neither), so
 * neither may import from `scripts/`, statically or through `import()`.
 *
 * | importer            | may import scripts/ |
 * | ------------------- | ------------------- |
 * | connector/**, kql/** | no                  |
 * | scripts/**, test/**  | yes                 |
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*)["'](\.[^"']*)["']/g;

/** Every relative import of `dir` that resolves into `target`, as "file -> specifier". */
function importsInto(dir: string, target: string): string[] {
  const found: string[] = [];
  for (const file of readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })) {
    if (!file.endsWith(".ts")) continue;
    const path = join(ROOT, dir, file);
    for (const m of readFileSync(path, "utf8").matchAll(SPECIFIER)) {
      const resolved = relative(ROOT, resolve(dirname(path), m[1]!));
      if (resolved === target || resolved.startsWith(`${target}/`)) found.push(`${dir}/${file} -> ${m[1]}`);
    }
  }
  return found;
}

describe("component boundaries", () => {
  it("the connector imports nothing from scripts/", () => {
    assert.deepEqual(importsInto("connector", "scripts"), []);
  });

  it("the KQL engine imports nothing from scripts/", () => {
    assert.deepEqual(importsInto("kql", "scripts"), []);
  });

  it("the scan sees the imports it is meant to forbid (the connector does import the engine)", () => {
    assert.ok(importsInto("connector", "kql").length > 0);
  });
});
