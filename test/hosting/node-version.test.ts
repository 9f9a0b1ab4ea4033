/**
 * The project brings its own Node.js: the launcher's version gate (bin/node-version.js), and the places that
 * name the runtime (package.json engines and the pinned `node` dev dependency, .nvmrc, the Dockerfile) agree.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
// @ts-expect-error plain JavaScript module without type declarations (it must parse on old Node.js)
import { minimumNodeVersion, nodeVersionProblem } from "../../bin/node-version.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
  allowScripts?: Record<string, boolean>;
};
const minimum: string = minimumNodeVersion(new URL("../../package.json", import.meta.url));
const pinned = pkg.devDependencies.node!;
const newer = (a: string, b: string) => {
  const [x, y] = [a, b].map((v) => v.split(".").map(Number));
  for (let i = 0; i < 3; i++) if (x![i] !== y![i]) return x![i]! > y![i]!;
  return true;
};

describe("Node.js version gate of the launcher", () => {
  it("accepts the minimum and anything newer, and refuses older versions with one line", () => {
    const cases: [string, boolean][] = [
      ["22.18.0", true],
      ["v22.18.1", true],
      ["24.21.0", true],
      ["25.0.0", true],
      ["22.17.9", false],
      ["v20.20.2", false],
      ["18.0.0", false],
    ];
    assert.equal(minimum, "22.18.0");
    for (const [version, ok] of cases) {
      const problem: string | null = nodeVersionProblem(version, minimum);
      assert.equal(problem === null, ok, version);
      if (problem) {
        assert.ok(!problem.includes("\n"), "one line");
        assert.ok(problem.includes(version.replace(/^v/, "")), `names the version found: ${problem}`);
        assert.ok(problem.includes(minimum), `names the version needed: ${problem}`);
        assert.match(problem, /npx exo-audit/);
      }
    }
  });

  // The machine's own node is older on the project's CI machines (v20); npm scripts put the pinned Node first
  // on PATH, so look for an older one outside node_modules.
  const systemNode = ["/usr/bin/node", "/usr/local/bin/node"].find((p) => {
    if (!existsSync(p)) return false;
    const v = spawnSync(p, ["-p", "process.versions.node"], { encoding: "utf8" }).stdout.trim();
    return v !== "" && !newer(v, minimum);
  });
  it("prints the one-line explanation and exits 2 when run directly with an older node", {
    skip: systemNode ? false : "no Node.js older than the minimum on this machine",
  }, () => {
    const r = spawnSync(systemNode!, [join(ROOT, "bin/exo-audit.js"), "--help"], { encoding: "utf8" });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, "");
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /needs Node\.js 22\.18\.0 or newer, but this is Node\.js 2?\d\./);
  });

  it("runs normally on the Node.js that npm scripts use", () => {
    const r = spawnSync(process.execPath, [join(ROOT, "bin/exo-audit.js"), "--help"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /exo-audit/);
  });
});

describe("one Node.js version across the project", () => {
  it("pins the dev runtime exactly, allows its install script, and satisfies engines", () => {
    assert.match(pinned, /^\d+\.\d+\.\d+$/, "the node dev dependency is an exact version");
    assert.ok(newer(pinned, minimum), `${pinned} >= ${minimum}`);
    assert.equal(pkg.allowScripts?.node, true, "npm 11 skips the node package's preinstall without allowScripts");
  });

  it(".nvmrc and the Dockerfile's base images name the pinned version", () => {
    assert.equal(readFileSync(join(ROOT, ".nvmrc"), "utf8").trim(), pinned);
    const froms = [...readFileSync(join(ROOT, "Dockerfile"), "utf8").matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    assert.ok(froms.length > 0);
    for (const from of froms) assert.equal(from, `node:${pinned}-slim`);
  });

  it("runs the tests on the pinned Node.js when started through npm", {
    skip: !process.env.npm_lifecycle_event,
  }, () => {
    assert.equal(process.versions.node, pinned);
  });
});
