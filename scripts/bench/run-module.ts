/**
 * Runs one benchmark module in a fresh process and prints its results as one JSON line, so that every
 * module's peak RSS and timings are its own (no heap left over by the modules that ran before it).
 * Usage: node scripts/bench/run-module.ts <module> [--quick]
 */
import type { BenchModule } from "./types.ts";

const [name, ...rest] = process.argv.slice(2);
if (!name || !/^[a-z-]+$/.test(name)) {
  process.stderr.write("usage: node scripts/bench/run-module.ts <module> [--quick]\n");
  process.exit(2);
}
const mod = (await import(`./${name}.ts`)) as BenchModule;
const results = await mod.run({ quick: rest.includes("--quick") });
process.stdout.write(`\n${JSON.stringify({ results })}\n`);
