#!/usr/bin/env node
// Thin launcher so `npm link` / `npx exo-audit` work from a checkout (Node >= 22.18 runs the TypeScript sources).
// The compile cache keeps the type-stripped and compiled modules on disk (os.tmpdir()/node-compile-cache, or
// NODE_COMPILE_CACHE): later starts skip type stripping, which saves ~25 MB of RSS and start-up time.
// Launchers also pass the Node.js options of connector/hosting/node-flags.ts (package.json `start`, Dockerfile).
import { enableCompileCache } from "node:module";

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
