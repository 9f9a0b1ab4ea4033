#!/usr/bin/env node
// Thin launcher so `npm link` / `npx exo-audit` work from a checkout (Node >= 22.18 runs the TypeScript sources).
import { main } from "../connector/cli.ts";

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`exo-audit: ${err?.message ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
