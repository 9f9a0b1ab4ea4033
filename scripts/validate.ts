/**
 * `npm run validate [-- --root <dir>] [--json] [--no-cache] [--workers <n>]`: validates the content pack (analytics rules, hunting
 * queries, parsers, workbooks) and the DCR transforms; prints every offender and exits 1 if any.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { solutionMetadata } from "./build/index.ts";
import { checkPackage } from "./validate/check-package.ts";
import { formatOffender, validateContent } from "./validate/index.ts";
import { scriptOptions } from "./script-options.ts";

const HELP = `Usage: npm run validate -- [--root <dir>] [--json] [--no-transforms] [--no-deployment] [--no-cache] [--workers <n>]
       npm run validate -- --package <mainTemplate.json>

Validates every file in analytics-rules/, hunting-queries/, parsers/ and workbooks/ under the root
(default: the repository): YAML/JSON syntax, JSON Schemas (scripts/schemas/), Sentinel validator limits,
MITRE technique/tactic pairs, entity identifiers, KQL semantics (Kusto language service) and the columns
each rule maps, workbook parameter references, unique ids/names/files, the DCR transforms, and the
infra template's deployment-time constraints (docs/deployment.md, "Deployment lint").

  --root <dir>       content root to validate (for example test/validate/fixtures/broken)
  --json             print the result as JSON
  --no-transforms    skip the DCR transform check
  --no-deployment    skip the deployment lint of dist/infra/azuredeploy.json
  --no-cache         analyse every query again (default: reuse results of unchanged queries from
                     node_modules/.cache/exo-audit/)
  --workers <n>      KQL analysis threads (default: cores, at most 4; 1 = no worker threads)
  --package <file>   check a built Content Hub package instead (variables.solutionId, ARM-TTK
                     IDs-Should-Be-Derived-From-ResourceIDs); the content run checks the package it builds
  -h, --help         show this help

Exit status: 0 when valid, 1 when any offender is found, 2 on usage errors.`;

async function main(): Promise<number> {
  const values = scriptOptions(
    {
      root: { type: "string" },
      json: { type: "boolean" },
      "no-transforms": { type: "boolean" },
      "no-deployment": { type: "boolean" },
      workers: { type: "string" },
      "no-cache": { type: "boolean" },
      package: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    HELP,
  );
  if (typeof values === "number") return values;
  if (values.package !== undefined) return checkPackageFile(values.package);
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1)) {
    console.error(`--workers must be a positive integer\n\n${HELP}`);
    return 2;
  }
  const root = values.root ? resolve(values.root) : undefined;
  if (root && !existsSync(root)) {
    console.error(`--root ${values.root}: no such directory\n\n${HELP}`);
    return 2;
  }
  const result = await validateContent({
    workers,
    cache: !values["no-cache"],
    root,
    transforms: !values["no-transforms"],
    deployment: !values["no-deployment"],
  });
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
    return result.offenders.length ? 1 : 0;
  }
  const c = result.counts;
  const summary = `${c.analyticsRules} analytics rules, ${c.huntingQueries} hunting queries, ${c.parsers} parsers, ${c.workbooks} workbooks, ${c.queries} KQL queries`;
  const seconds = (result.elapsedMs / 1000).toFixed(2);
  if (result.offenders.length === 0) {
    console.log(`validate: OK (${summary}) in ${seconds} s`);
    return 0;
  }
  for (const o of result.offenders) console.log(formatOffender(o));
  console.log(`\nvalidate: ${result.offenders.length} problem(s) (${summary}) in ${seconds} s`);
  return 1;
}

/** `--package <file>`: the package checks alone, on a built mainTemplate.json. */
function checkPackageFile(file: string): number {
  let template: unknown;
  try {
    template = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    console.error(`--package ${file}: ${(err as Error).message}`);
    return 2;
  }
  const offenders = checkPackage(template as Parameters<typeof checkPackage>[0], file, solutionMetadata());
  for (const o of offenders) console.log(formatOffender(o));
  console.log(offenders.length ? `\nvalidate: ${offenders.length} problem(s) in ${file}` : `validate: OK (${file})`);
  return offenders.length ? 1 : 0;
}

process.exitCode = await main();
