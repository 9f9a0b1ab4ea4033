/**
 * Benchmark of the KQL test engine: every analytics rule over ~100k generated ExchangeAudit_CL rows
 * (the dataset generator's records, normalized as the connector would). Requirement: < 30 s in total.
 * Run alone with `node scripts/bench/kql-engine.ts [rows]`.
 */
import { generateDataset } from "../../connector/dataset/index.ts";
import { loadAnalyticsRules, parserFunctionDefs } from "../../kql/content/load.ts";
import { ruleWindow } from "../../kql/detect.ts";
import { executeQuery } from "../../kql/engine/evaluator.ts";
import { normalizedRow } from "./bench-tenant.ts";
import type { BenchResult } from "./types.ts";

/**
 * About `target` normalized rows over the 7 days before `end` (TimeGenerated = EventTime, as the DCR
 * transform sets it). Generating and normalizing is slow, so a base set of the generator's records is
 * replicated with distinct ids, users and slightly shifted times until the target is reached.
 */
export function generateRows(target: number, end: Date): Record<string, unknown>[] {
  const base: Record<string, unknown>[] = [];
  const ds = generateDataset({ mailboxes: 200, days: 7, seed: 7, end });
  for (const rec of ds.records()) {
    const row = normalizedRow(rec);
    if (!row) continue;
    base.push({ ...row, TimeGenerated: row.TimeGenerated ?? row.EventTime });
    if (base.length >= target) break;
  }
  const rows = [...base];
  for (let copy = 1; rows.length < target && base.length; copy++) {
    for (const b of base) {
      if (rows.length >= target) break;
      const shift = (copy * 7919) % 600_000;
      const t = (iso: unknown) => (typeof iso === "string" ? new Date(Date.parse(iso) - shift).toISOString() : iso);
      const user = (u: unknown) => (typeof u === "string" && u.includes("@") ? u.replace("@", `.c${copy}@`) : u);
      rows.push({
        ...b,
        RecordId: `${b.RecordId}-${copy}`,
        TimeGenerated: t(b.TimeGenerated),
        EventTime: t(b.EventTime),
        UserId: user(b.UserId),
        MailboxOwnerUPN: user(b.MailboxOwnerUPN),
      });
    }
  }
  return rows;
}

/** Runs every rule over the rows; returns per-rule timings and the total (ms). */
export function runAllRules(
  rows: Record<string, unknown>[],
  now: Date,
): { total: number; perRule: { rule: string; ms: number; rows: number }[] } {
  const functions = parserFunctionDefs();
  const tables = { ExchangeAudit_CL: rows };
  const perRule: { rule: string; ms: number; rows: number }[] = [];
  const t0 = performance.now();
  for (const f of loadAnalyticsRules().files) {
    const t = performance.now();
    const out = executeQuery(f.data.query, { tables, now, functions, timeRange: ruleWindow(f.data, now) });
    perRule.push({ rule: f.file, ms: performance.now() - t, rows: out.rows.length });
  }
  return { total: performance.now() - t0, perRule };
}

export async function run(): Promise<BenchResult[]> {
  const now = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
  const rows = generateRows(100_000, now);
  const { total, perRule } = runAllRules(rows, now);
  const slowest = [...perRule].sort((a, b) => b.ms - a.ms)[0];
  return [
    {
      name: `kql-engine: all ${perRule.length} analytics rules over ${rows.length} rows`,
      unit: "ms",
      value: Math.round(total),
      notes: `requirement < 30000 ms; slowest ${slowest?.rule} ${Math.round(slowest?.ms ?? 0)} ms`,
    },
  ];
}

if (import.meta.main) {
  const target = Number(process.argv[2] ?? 100_000);
  const now = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
  let t = performance.now();
  const rows = generateRows(target, now);
  process.stdout.write(`generated ${rows.length} rows in ${Math.round(performance.now() - t)} ms\n`);
  t = performance.now();
  const cpu = process.cpuUsage();
  const { total, perRule } = runAllRules(rows, now);
  const used = process.cpuUsage(cpu);
  for (const r of perRule.sort((a, b) => b.ms - a.ms)) {
    process.stdout.write(`${String(Math.round(r.ms)).padStart(7)} ms  ${String(r.rows).padStart(5)} rows  ${r.rule}\n`);
  }
  process.stdout.write(
    `all ${perRule.length} rules over ${rows.length} rows: ${Math.round(total)} ms wall, ${Math.round((used.user + used.system) / 1000)} ms CPU (requirement < 30000 ms)\n`,
  );
  process.exitCode = total < 30_000 ? 0 : 1;
}
