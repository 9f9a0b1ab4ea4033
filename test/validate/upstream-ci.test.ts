import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { buildArtifacts, solutionMetadata } from "../../scripts/build/index.ts";
import { REPO_ROOT } from "../../kql/content/load.ts";
import { executeQuery } from "../../kql/engine/evaluator.ts";
import { checkPackage } from "../../scripts/validate/check-package.ts";

const PACKAGE_FIXTURE = fileURLToPath(new URL("./fixtures/package/mainTemplate.json", import.meta.url));
const fixture = () => JSON.parse(readFileSync(PACKAGE_FIXTURE, "utf8"));
const built = () =>
  JSON.parse(
    buildArtifacts()
      .artifacts.find((a) => a.path === "dist/solution/mainTemplate.json")!
      .data.toString(),
  );

test("the package checks report validSolutionID and IDs-Should-Be-Derived-From-ResourceIDs on the fixture", () => {
  const offenders = checkPackage(fixture(), "mainTemplate.json", solutionMetadata());
  assert.deepEqual(
    offenders.map((o) => o.field),
    [
      "variables.solutionId",
      "variables._solutionId",
      "resources[0].properties.packageId",
      "resources[0].properties.source.sourceId",
      "resources[0].properties.mainTemplate.resources[0].properties.customDetails.SessionId",
      "resources[1].properties.support.email",
      "resources[1].properties.categories",
      "(file)",
      "(file)",
    ],
  );
});

test("the built package passes the package checks, with solutionId and contentIds read through variables", () => {
  const template = built();
  assert.deepEqual(checkPackage(template, "mainTemplate.json", solutionMetadata()), []);
  const meta = solutionMetadata();
  assert.equal(template.variables.solutionId, `${meta.publisherId}.${meta.offerId}`);
  assert.equal(template.variables._solutionId, "[variables('solutionId')]");
  const pkg = template.resources.find((r: { type: string }) => r.type.endsWith("/contentPackages"));
  assert.match(pkg.properties.icon, /^<img src="https:/);
  for (const c of pkg.properties.dependencies.criteria) assert.match(c.contentId, /^\[variables\('_/);
});

test("the CLI checks a package file with --package: 1 on the fixture", () => {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, "scripts", "validate.ts"), "--package", PACKAGE_FIXTURE], {
    encoding: "utf8",
  });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /variables\._solutionId/);
});

/** The `let <name> = dynamic([...]);` statement of a rule's query. */
function letOf(file: string, name: string): string {
  const rule = parse(readFileSync(join(REPO_ROOT, "analytics-rules", file), "utf8")) as { query: string };
  const m = new RegExp(`let ${name} = dynamic\\(\\[[\\s\\S]*?\\]\\);`).exec(rule.query);
  assert.ok(m, `${name} in ${file}`);
  return m[0];
}

test("accented keywords written as \\u escapes still match the accented words", () => {
  const cases: [string, string, string, string][] = [
    ["inbox-rule-bec-financial-keywords.yaml", "becKeywords", "Bitte Überweisung heute", "Bitte Uberweisung heute"],
    ["mailbox-search-burst-by-non-owner.yaml", "sensitiveTerms", "mi contraseña nueva", "mi contrasena nueva"],
  ];
  for (const [file, name, hit, miss] of cases) {
    const q = `${letOf(file, name)}\nprint Hit = ${JSON.stringify(hit)} has_any (${name}), Miss = ${JSON.stringify(miss)} has_any (${name})`;
    const [row] = executeQuery(q, { tables: {} }).rows;
    assert.deepEqual({ ...row }, { Hit: true, Miss: false }, file);
  }
});
