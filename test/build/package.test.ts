/**
 * `npm run package`: the Functions zip holds production dependencies only, and its function entry starts
 * from a clean folder (outside the repository, so nothing resolves from the development install).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { functionsPackage, importedPackages, productionClosure } from "../../scripts/build/functions-package.ts";
import { REPO_ROOT } from "../../kql/content/load.ts";
import { readZip } from "./zip-read.ts";

const lock = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8")).packages as Record<
  string,
  { dev?: boolean }
>;

describe("functions package", () => {
  const built = functionsPackage(REPO_ROOT, 1);
  const entries = readZip(built.zip);
  const dir = mkdtempSync(join(tmpdir(), "exo-functions-zip-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, data] of entries) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), data);
  }

  it("holds the entry, host.json and a package.json without dev dependencies or scripts", () => {
    const pkg = JSON.parse(entries.get("package.json")!.toString("utf8"));
    assert.equal(pkg.main, "connector/hosting/functions/index.ts");
    assert.ok(entries.has(pkg.main));
    assert.ok(entries.has("host.json"));
    assert.equal(pkg.devDependencies, undefined);
    assert.equal(pkg.scripts, undefined);
    assert.ok(![...entries.keys()].some((n) => /^(test|docs|scripts|bin|analytics-rules)\//.test(n)));
  });

  it("ships only packages that are not dev dependencies in package-lock.json", () => {
    const shipped = new Set(
      [...entries.keys()]
        .filter((n) => n.startsWith("node_modules/"))
        .map((n) => /^((?:node_modules\/(?:@[^/]+\/)?[^/]+\/)*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(n)?.[1]),
    );
    assert.ok(shipped.size > 20, `${shipped.size} packages`);
    for (const p of shipped) {
      assert.ok(p && lock[p], `${p} is in package-lock.json`);
      assert.notEqual(lock[p!]!.dev, true, `${p} is a dev dependency`);
    }
    for (const dev of ["typescript", "@biomejs/biome", "azurite", "fast-check", "node"]) {
      assert.ok(!shipped.has(`node_modules/${dev}`), `${dev} is not shipped`);
    }
  });

  it("starts the function entry from the extracted zip alone", () => {
    const env = { PATH: process.env.PATH ?? "", HOME: dir };
    const entry = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        "const m = await import('./connector/hosting/functions/index.ts'); console.log(m.FUNCTION_NAME, m.SCHEDULE);",
      ],
      { cwd: dir, env, encoding: "utf8" },
    );
    assert.equal(entry.status, 0, entry.stderr);
    assert.equal(entry.stdout.trim(), "exoAuditCollect %EXO_AUDIT_SCHEDULE%");
  });

  it("resolves a package's own nested copy before the hoisted one, and refuses an imported dev dependency", () => {
    const tree = {
      "node_modules/a": { dependencies: { b: "1" } },
      "node_modules/a/node_modules/b": { dependencies: { c: "1" } },
      "node_modules/b": {},
      "node_modules/c": {},
      "node_modules/d": { dev: true },
    };
    assert.deepEqual(productionClosure(tree, ["a"]), [
      "node_modules/a",
      "node_modules/a/node_modules/b",
      "node_modules/c",
    ]);
    assert.throws(() => productionClosure(tree, ["d"]), /node_modules\/d is a dev dependency/);
    assert.throws(() => productionClosure(tree, ["e"]), /package-lock.json has no e/);
  });

  it("finds the packages the connector imports, not those only the scripts use", () => {
    const imported = importedPackages(REPO_ROOT);
    assert.ok(imported.has("@azure/functions") && imported.has("@azure/monitor-ingestion"));
    assert.ok(!imported.has("@kusto/language-service-next"));
  });
});
