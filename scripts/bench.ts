/**
 * `npm run bench`: runs every benchmark module in scripts/bench/ (each measures our code against a baseline
 * in the same process; each module runs in a process of its own), prints a table and writes bench-results.json. `--quick` runs reduced sizes;
 * `--only name[,name]` runs selected modules.
 */
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import type { BenchResult } from "./bench/types.ts";

/** Runs one module in its own process (scripts/bench/run-module.ts): its peak RSS and timings are its own. */
function runModule(name: string, quick: boolean): Promise<BenchResult[]> {
  return new Promise((resolve, reject) => {
    const args = [new URL("./bench/run-module.ts", import.meta.url).pathname, name, ...(quick ? ["--quick"] : [])];
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      const last = out.trim().split("\n").at(-1) ?? "";
      if (code !== 0) return reject(new Error(`exited with ${code}`));
      try {
        resolve((JSON.parse(last) as { results: BenchResult[] }).results);
      } catch {
        reject(new Error(`no results line in the output: ${last.slice(0, 200)}`));
      }
    });
  });
}

const MODULES = [
  "normalize",
  "sink",
  "collect",
  "continuous",
  "end-to-end",
  "validate",
  "kql-engine",
  "scale-out",
  "detections",
] as const;

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
    if (!existsSync(new URL(`./bench/${name}.ts`, import.meta.url))) {
      process.stderr.write(`bench: no module ${name} (skipped)\n`);
      continue;
    }
    process.stderr.write(`bench: running ${name}...\n`);
    try {
      for (const r of await runModule(name, Boolean(values.quick))) results.push({ module: name, ...r });
    } catch (err) {
      failures.push(`${name}: ${(err as Error).message}`);
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
