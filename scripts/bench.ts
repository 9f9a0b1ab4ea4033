/**
 * `npm run bench`: runs every benchmark module in scripts/bench/ (each measures our code against a baseline
 * in the same process), prints a table and writes bench-results.json. `--quick` runs reduced sizes;
 * `--only name[,name]` runs selected modules.
 */
import { writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import type { BenchModule, BenchResult } from "./bench/types.ts";

const MODULES = ["normalize", "sink", "collect", "end-to-end", "validate", "kql-engine", "scale-out"] as const;

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(2);
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { quick: { type: "boolean" }, only: { type: "string" } } });
  const only = values.only?.split(",").map((s) => s.trim());
  const results: (BenchResult & { module: string })[] = [];
  const failures: string[] = [];
  for (const name of MODULES) {
    if (only && !only.includes(name)) continue;
    let mod: BenchModule;
    try {
      mod = (await import(`./bench/${name}.ts`)) as BenchModule;
    } catch (err) {
      if ((err as { code?: string }).code === "ERR_MODULE_NOT_FOUND" && String(err).includes(`bench/${name}.ts`)) {
        process.stderr.write(`bench: no module ${name} (skipped)\n`);
        continue;
      }
      throw err;
    }
    process.stderr.write(`bench: running ${name}...\n`);
    try {
      for (const r of await mod.run({ quick: Boolean(values.quick) })) results.push({ module: name, ...r });
    } catch (err) {
      failures.push(`${name}: ${(err as Error).stack ?? String(err)}`);
    }
  }
  const rows = results.map((r) => [
    r.module,
    r.name,
    `${fmt(r.value)} ${r.unit}`,
    r.baseline ? `${r.baseline.name}: ${fmt(r.baseline.value)} ${r.unit}` : "",
    r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}x`,
    r.notes ?? "",
  ]);
  const header = ["module", "measure", "value", "baseline (same run)", "ratio", "notes"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ");
  process.stdout.write(`${line(header)}\n${widths.map((w) => "-".repeat(w)).join("-|-")}\n`);
  for (const row of rows) process.stdout.write(`${line(row)}\n`);
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
  writeFileSync(
    "bench-results.json",
    `${JSON.stringify({ machine, quick: Boolean(values.quick), results, failures }, null, 2)}\n`,
  );
  process.stdout.write(
    `\nmachine: ${machine.cpus} x ${machine.cpuModel}, ${machine.memoryGiB} GiB, node ${machine.node}; written to bench-results.json\n`,
  );
  for (const f of failures) process.stderr.write(`bench failure: ${f}\n`);
  return failures.length > 0 ? 1 : 0;
}

process.exitCode = await main();
