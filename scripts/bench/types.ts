/** One measured figure. Ratios against a baseline measured in the same process are what we track. */
export interface BenchResult {
  name: string;
  unit: string;
  value: number;
  baseline?: { name: string; value: number };
  /** value / baseline.value (or the inverse for "lower is better" units, stated in notes). */
  ratio?: number;
  notes?: string;
}

export interface BenchModule {
  run(options: { quick: boolean }): Promise<BenchResult[]>;
}
