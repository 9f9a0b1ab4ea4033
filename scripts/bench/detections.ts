/**
 * Benchmark `detections`: the alert budget of the content pack. Generates a benign-only tenant (every
 * realistic behaviour of docs/dataset.md on, the Audit.General one included; attack stories off), normalizes it as the connector would, and
 * backtests every analytics rule over it (kql/backtest.ts: every scheduled run, rows at their event
 * time). Every alert is a false alert. Reports per rule and for the pack (and, from recall.ts, which planted
 * attack stories the same tenant still raises):
 *
 * | Measure                                   | Definition                                                         |
 * | ----------------------------------------- | ------------------------------------------------------------------ |
 * | false alerts / 1,000 mailboxes / day      | alerts of the measured days / (mailboxes / 1000) / days            |
 * | rows scanned                              | rows inside the runs' query periods, summed over runs              |
 * | wall time                                 | the rule's runs, engine time included                               |
 *
 * Goal (issue 15): at most 1 false alert per 1,000 mailboxes per day for the whole pack.
 *
 * The tenant has WARM_UP_DAYS more days than are measured: runs start after the warm-up, so the 14-day
 * "first seen" rules and the daily baseline are full, as in a workspace that has collected for two weeks (a
 * shorter warm-up measures the first days after deployment instead: a delegate's send-as every few days, a
 * helpdesk admin's grant every few days then look new). Default size 2,000 mailboxes x 7 measured days;
 * `--quick` measures 300 x 7 (same behaviour rates, so the per-1,000 figures are comparable, with more sampling
 * noise); `EXO_BENCH_DETECTIONS_SIZE=30x1` overrides both, `EXO_BENCH_DETECTIONS_WARMUP=3` the warm-up.
 * Run alone: `node scripts/bench/detections.ts [mailboxes] [days] [rule-file,...]` prints the per-rule table as
 * Markdown (a rule engineer's check of one rule: `node scripts/bench/detections.ts 300 7 mass-hard-deletion`).
 */
import { loadAnalyticsRules } from "../../kql/content/load.ts";
import { type RuleCost, runBacktest } from "../../kql/backtest.ts";
import { DetectionError } from "../../kql/detect.ts";
import { BENCH_END, benignRows } from "./bench-tenant.ts";
import { measureRecall, type Recall } from "./recall.ts";
import type { BenchResult } from "./types.ts";

export const SIZES = { full: { mailboxes: 2000, days: 7 }, quick: { mailboxes: 300, days: 7 } } as const;
/** The longest rule period (14 days), so every baseline is full when the measured days start. */
export const WARM_UP_DAYS = 14;

/** `EXO_BENCH_DETECTIONS_WARMUP=N` measures the first days after deployment (N days of history) instead. */
export function warmUpDays(): number {
  const n = Number(process.env.EXO_BENCH_DETECTIONS_WARMUP ?? WARM_UP_DAYS);
  return Number.isInteger(n) && n >= 0 ? n : WARM_UP_DAYS;
}
const DAY = 86_400_000;

export interface RuleBudget extends RuleCost {
  file: string;
  /** The rule's queryPeriod (NRT: the NRT lookback). */
  period: string;
  perThousandPerDay: number;
}

export interface Budget {
  mailboxes: number;
  days: number;
  rows: number;
  /** Days generated before the measured ones. */
  warmUp: number;
  rules: RuleBudget[];
  failures: string[];
  totalPerThousandPerDay: number;
  generateMs: number;
}

/** Generates the tenant and backtests every rule over its measured days. */
export function measureBudget(
  mailboxes: number,
  days: number,
  onRule?: (r: RuleBudget) => void,
  only?: readonly string[],
): Budget {
  const end = BENCH_END;
  const t0 = performance.now();
  const warmUp = warmUpDays();
  const rows = benignRows(mailboxes, days + warmUp, end);
  const generateMs = performance.now() - t0;
  const files = loadAnalyticsRules().files.filter((f) => !only || only.some((name) => f.file.endsWith(`${name}.yaml`)));
  const fileOf = new Map(files.map((f) => [f.data.id, f.file.replace(/^.*\//, "").replace(/\.ya?ml$/, "")]));
  const periodOf = new Map(files.map((f) => [f.data.id, f.data.kind === "NRT" ? "NRT" : (f.data.queryPeriod ?? "")]));
  const rules: RuleBudget[] = [];
  const failures: string[] = [];
  const perDay = (alerts: number) => alerts / (mailboxes / 1000) / days;
  try {
    runBacktest({
      tables: { ExchangeAudit_CL: rows },
      from: new Date(end.getTime() - days * DAY),
      to: end,
      rules: files.map((f) => f.data),
      onRule: (cost) => {
        const file = fileOf.get(cost.id) ?? cost.rule;
        const r = { ...cost, file, period: periodOf.get(cost.id) ?? "", perThousandPerDay: perDay(cost.alerts) };
        rules.push(r);
        onRule?.(r);
      },
    });
  } catch (err) {
    if (!(err instanceof DetectionError)) throw err;
    for (const f of err.failures) failures.push(`${f.rule}: ${f.message}`);
  }
  const total = rules.reduce((n, r) => n + r.alerts, 0);
  return {
    mailboxes,
    days,
    rows: rows.length,
    warmUp,
    rules,
    failures,
    totalPerThousandPerDay: perDay(total),
    generateMs,
  };
}

/** `EXO_BENCH_DETECTIONS_SIZE=MAILBOXESxDAYS` overrides the size (a smoke run of the module's wiring). */
function sizeFromEnv(): { mailboxes: number; days: number } | undefined {
  const m = /^(\d+)x(\d+)$/.exec(process.env.EXO_BENCH_DETECTIONS_SIZE ?? "");
  return m ? { mailboxes: Number(m[1]), days: Number(m[2]) } : undefined;
}

export async function run(options: { quick: boolean }): Promise<BenchResult[]> {
  const size = sizeFromEnv() ?? (options.quick ? SIZES.quick : SIZES.full);
  const b = measureBudget(size.mailboxes, size.days, (r) =>
    process.stderr.write(`detections: ${r.file} ${r.alerts} alert(s), ${r.runs} runs, ${Math.round(r.ms)} ms\n`),
  );
  const unit = "false alerts / 1k mailboxes / day";
  const scope = `${b.mailboxes} mailboxes x ${b.days} days after ${b.warmUp} warm-up days, benign only`;
  const recall = measureRecall(size.mailboxes, b.warmUp, BENCH_END);
  return [
    {
      name: "detections: attack stories caught on the same tenant",
      unit: "stories caught / stories",
      value: round(recall.caught / recall.stories),
      notes: recallNotes(recall),
    },
    {
      name: `detections: whole pack (${b.rules.length} rules) over ${b.rows} rows`,
      unit,
      value: round(b.totalPerThousandPerDay),
      notes: `${scope}; goal <= 1; ${b.rules.reduce((n, r) => n + r.alerts, 0)} alerts; generation ${Math.round(b.generateMs)} ms${b.failures.length ? `; ${b.failures.length} rule(s) failed` : ""}`,
    },
    ...b.rules.map((r) => ({
      name: `detections: ${r.file}`,
      unit,
      value: round(r.perThousandPerDay),
      notes: `${r.alerts} alerts in ${r.runs} runs; ${r.rowsScanned} rows scanned; ${Math.round(r.ms)} ms`,
    })),
  ];
}

const round = (n: number) => Math.round(n * 100) / 100;

export function recallNotes(r: Recall): string {
  const missed = r.missed.length ? `; missed ${r.missed.join(", ")}` : "";
  return `${r.caught}/${r.stories} stories, ${r.fired}/${r.pairs} story rules alerted${missed}; ${Math.round(r.ms)} ms`;
}

/** The per-rule table of docs/performance.md (alert budget), worst first. */
export function budgetTable(b: Budget): string {
  const lines = [
    "| Rule | Period | False alerts / 1k mailboxes / day | Alerts | Runs | Rows scanned | Rows per run | Wall time (s) |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of [...b.rules].sort((x, y) => y.alerts - x.alerts || y.ms - x.ms)) {
    lines.push(
      `| ${r.file} | ${r.period} | ${round(r.perThousandPerDay)} | ${r.alerts} | ${r.runs} | ${r.rowsScanned.toLocaleString("en-US")} | ${Math.round(r.rowsScanned / Math.max(1, r.runs)).toLocaleString("en-US")} | ${(r.ms / 1000).toFixed(1)} |`,
    );
  }
  const alerts = b.rules.reduce((n, r) => n + r.alerts, 0);
  const scanned = b.rules.reduce((n, r) => n + r.rowsScanned, 0);
  const ms = b.rules.reduce((n, r) => n + r.ms, 0);
  lines.push(
    `| **whole pack** | | **${round(b.totalPerThousandPerDay)}** | **${alerts}** | | **${scanned.toLocaleString("en-US")}** | | **${(ms / 1000).toFixed(1)}** |`,
  );
  return `${lines.join("\n")}\n`;
}

if (import.meta.main) {
  const mailboxes = Number(process.argv[2] ?? SIZES.full.mailboxes);
  const days = Number(process.argv[3] ?? SIZES.full.days);
  const only = process.argv[4]?.split(",").map((s) => s.trim());
  const b = measureBudget(
    mailboxes,
    days,
    (r) => process.stderr.write(`${r.file}: ${r.alerts} alert(s), ${r.runs} runs, ${Math.round(r.ms)} ms\n`),
    only,
  );
  process.stdout.write(
    `${mailboxes} mailboxes x ${days} measured days (+${b.warmUp} warm-up), ${b.rows} rows, generated in ${Math.round(b.generateMs)} ms\n\n`,
  );
  process.stdout.write(budgetTable(b));
  for (const f of b.failures) process.stdout.write(`failed: ${f}\n`);
  if (!only)
    process.stdout.write(
      `\nAttack stories planted in the same tenant: ${recallNotes(measureRecall(mailboxes, b.warmUp, BENCH_END))}\n`,
    );
}
