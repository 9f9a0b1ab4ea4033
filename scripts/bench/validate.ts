/**
 * Bench: wall time of `npm run validate` over the repository's content pack (Kusto service load
 * included, result cache off so every query is analysed), with the default worker pool against a
 * single-threaded run as the baseline.
 */
import { validateContent } from "../validate/index.ts";
import type { BenchResult } from "./types.ts";

export async function run(): Promise<BenchResult[]> {
  const single = await validateContent({ workers: 1, cache: false });
  const pooled = await validateContent({ cache: false });
  return [
    {
      name: "validate whole content pack",
      unit: "ms",
      value: Math.round(pooled.elapsedMs),
      baseline: { name: "single thread", value: Math.round(single.elapsedMs) },
      ratio: pooled.elapsedMs / single.elapsedMs,
      notes: `${pooled.counts.queries} KQL texts, ${pooled.offenders.length} offenders; budget 10 000 ms; lower is better`,
    },
  ];
}
