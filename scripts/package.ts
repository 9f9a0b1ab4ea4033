/**
 * `npm run package [-- --out <dir>]`: writes dist/functions/exo-audit-functions.zip, the Azure Functions
 * deployment package with production dependencies only (scripts/build/functions-package.ts).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { FUNCTIONS_ZIP, functionsPackage } from "./build/functions-package.ts";
import { scriptOptions } from "./script-options.ts";
import { REPO_ROOT } from "../kql/content/load.ts";

const HELP = `Usage: npm run package -- [--out <dir>]

Writes ${FUNCTIONS_ZIP}: package.json (without dev dependencies), host.json, connector/ and the
production packages it imports, for 'az functionapp deployment source config-zip --src <zip>'.

  --out <dir>   output root (default: the repository)
  -h, --help    show this help`;

function main(): number {
  const values = scriptOptions({ out: { type: "string" }, help: { type: "boolean", short: "h" } }, HELP);
  if (typeof values === "number") return values;
  const started = performance.now();
  const built = functionsPackage(REPO_ROOT);
  const path = join(values.out ? resolve(values.out) : REPO_ROOT, FUNCTIONS_ZIP);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, built.zip);
  const mb = (built.zip.length / 1e6).toFixed(1);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `wrote ${FUNCTIONS_ZIP} (${mb} MB, ${built.files} files, ${built.packages.length} packages) in ${seconds} s`,
  );
  return 0;
}

process.exitCode = main();
