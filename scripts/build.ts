/**
 * `npm run build [-- --root <dir>] [--out <dir>] [--skip-validate] [--check]`: validates the content,
 * then writes the Content Hub solution, the infrastructure template and the generated docs.
 */
import { resolve } from "node:path";
import { scriptOptions } from "./script-options.ts";
import { REPO_ROOT } from "../kql/content/load.ts";
import { buildArtifacts, staleArtifacts, writeArtifacts } from "./build/index.ts";
import { writePreviews } from "./build/previews.ts";
import { formatOffender, validateContent } from "./validate/index.ts";

const HELP = `Usage: npm run build -- [--root <dir>] [--out <dir>] [--template-url <url>] [--skip-validate] [--check]

Builds (deterministically; same input gives byte-identical files):
  dist/solution/mainTemplate.json, createUiDefinition.json, <version>.zip   Content Hub solution package
  dist/azure-sentinel/                                                     the solution as an Azure-Sentinel pull request
  dist/infra/azuredeploy.json                                              tables, DCR, identity, roles, hosting
  docs/table-reference.md, docs/content-catalog.md                         generated documentation
  dist/solution/Workbooks/Images/Preview/<Key>Black.png, <Key>White.png   workbook previews (needs Chromium;
                                                                           skipped with a notice without it)

  --root <dir>      content root (default: the repository)
  --out <dir>       output root for dist/ and docs/ (default: the repository)
  --template-url <url>
                    raw URL where dist/infra/azuredeploy.json is published, for the data connector
                    page's "Deploy to Azure" button (default: $EXO_AUDIT_TEMPLATE_URL, else the
                    latest GitHub release asset)
  --skip-validate   do not run npm run validate first
  --check           write nothing; exit 1 if any generated file is missing or out of date
  --no-previews     do not draw the workbook preview images
  -h, --help        show this help`;

async function main(): Promise<number> {
  const values = scriptOptions(
    {
      root: { type: "string" },
      out: { type: "string" },
      "template-url": { type: "string" },
      "skip-validate": { type: "boolean" },
      check: { type: "boolean" },
      "no-previews": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    HELP,
  );
  if (typeof values === "number") return values;
  const root = values.root ? resolve(values.root) : REPO_ROOT;
  const out = values.out ? resolve(values.out) : REPO_ROOT;
  const started = performance.now();
  if (!values["skip-validate"]) {
    const v = await validateContent({ root });
    if (v.offenders.length) {
      for (const o of v.offenders) console.error(formatOffender(o));
      console.error(`build: content does not validate (${v.offenders.length} problem(s)); nothing written`);
      return 1;
    }
  }
  const templateUrl = values["template-url"] ?? process.env.EXO_AUDIT_TEMPLATE_URL;
  if (templateUrl !== undefined && !/^https:\/\/\S+$/.test(templateUrl)) {
    console.error(`--template-url must be an https URL, got '${templateUrl}'`);
    return 2;
  }
  const result = buildArtifacts(root, undefined, { templateUrl });
  if (result.problems.length) {
    for (const p of result.problems) console.error(`${p.file}${p.line ? `:${p.line}` : ""}  ${p.field}  ${p.message}`);
    console.error("build: some content files cannot be read; nothing written");
    return 1;
  }
  if (values.check) {
    const stale = staleArtifacts(result.artifacts, out);
    if (stale.length) {
      console.error(`build --check: out of date: ${stale.join(", ")} (run npm run build)`);
      return 1;
    }
    console.log("build --check: all generated files are up to date");
    return 0;
  }
  writeArtifacts(result.artifacts, out);
  const c = result.content;
  for (const a of result.artifacts) console.log(`wrote ${a.path} (${a.data.length} bytes)`);
  if (!values["no-previews"]) {
    // Drawn over the demo's data by the same renderer as `exo-audit workbook render` (not byte-identical:
    // the data is dated from now, so --check does not compare them).
    const previews = await writePreviews(root, out);
    if (previews.skipped) console.log(`build: workbook preview images skipped: ${previews.skipped}`);
    for (const p of previews.written) console.log(`wrote ${p}`);
  }
  console.log(
    `build: ${c.rules.length} rules, ${c.hunting.length} hunting queries, ${c.parsers.length} parsers, ${c.workbooks.length} workbooks in ${((performance.now() - started) / 1000).toFixed(2)} s`,
  );
  return 0;
}

process.exitCode = await main();
