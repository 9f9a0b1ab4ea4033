#!/usr/bin/env node
// Thin launcher so `npm link` / `npx exo-audit` work from a checkout (Node >= 22.18 runs the TypeScript sources).
// The version gate runs first and parses on any Node.js since 16 (bin/node-version.js); everything
// else is imported dynamically after it.
// The compile cache keeps the type-stripped and compiled modules on disk (os.tmpdir()/node-compile-cache, or
// NODE_COMPILE_CACHE): later starts skip type stripping, which saves ~25 MB of RSS and start-up time.
// Launchers also pass the Node.js options of connector/hosting/node-flags.ts (package.json `start`, Dockerfile).
import { minimumNodeVersion, nodeVersionProblem } from "./node-version.js";

const problem = nodeVersionProblem(process.versions.node, minimumNodeVersion(new URL("../package.json", import.meta.url)));
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exit(2);
}

const { enableCompileCache } = await import("node:module");
enableCompileCache?.();
const { main } = await import("../connector/cli.ts");

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`exo-audit: ${err?.message ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
