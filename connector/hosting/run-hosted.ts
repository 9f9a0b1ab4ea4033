/**
 * The hosted run: one `run --once` inside the host's time budget. The Azure Functions timer
 * (functions/index.ts) calls it directly; the Container Apps Job runs `exo-audit run --once`, which loads its
 * configuration through the same hosting-aware loader (config.ts) and calls the same createRuntime + runOnce.
 * State, leases, de-duplication and dead letters live in Azure Storage (`state.azure`), so any number of
 * instances can run at once: each (tenant, content type) is worked on by the lease holder only.
 */
import type { Config } from "../config/types.ts";
import type { Logger } from "../log.ts";
import { type RunReport, runOnce } from "../pipeline/run.ts";
import { createRuntime, type RuntimeOverrides } from "../pipeline/wire.ts";
import { loadHostedConfigOrThrow } from "./config.ts";
import type { SecretFetcher } from "./key-vault.ts";

export interface HostedRunOptions {
  /** App settings / environment (default process.env). */
  env?: Record<string, string | undefined>;
  /** Config file (default EXO_AUDIT_CONFIG, ./exo-audit.yaml, EXO_AUDIT_CONFIG_YAML, then settings only). */
  file?: string;
  /** The already loaded configuration (skips loading). */
  config?: Config;
  /** Time the host grants this run (ms); the run stops in time to drain and commit. */
  timeBudgetMs?: number;
  /** Aborted by the host (Functions cancellation, SIGTERM of the job). */
  signal?: AbortSignal;
  /** Instance name in logs, leases and health rows (default config.instance, i.e. the host name). */
  instance?: string;
  logger?: Logger;
  /** Runtime replacements (tests). */
  overrides?: RuntimeOverrides;
  fetchSecret?: SecretFetcher;
}

export interface HostedRunResult {
  report: RunReport;
  /** The budget applied (ms), if any. */
  budgetMs?: number;
  instance: string;
}

/**
 * The budget a run may use: the smaller of what the host grants and `collection.timeBudgetSec`. The runtime
 * aborts collection at the budget and then drains the in-flight batches and commits, which takes a few
 * seconds; hosts pass their timeout minus a margin ({@link hostBudgetMs}).
 */
export function effectiveBudgetMs(hostMs: number | undefined, config: Config): number | undefined {
  const configured = config.collection.timeBudgetSec ? config.collection.timeBudgetSec * 1000 : undefined;
  if (hostMs === undefined) return configured;
  return configured === undefined ? hostMs : Math.min(hostMs, configured);
}

/** A host timeout minus the drain margin: 10 % of the timeout, at least 30 s, at most 2 min. */
export function hostBudgetMs(hostTimeoutMs: number): number {
  const margin = Math.min(120_000, Math.max(30_000, hostTimeoutMs * 0.1));
  return Math.max(10_000, hostTimeoutMs - margin);
}

/** Loads the configuration, builds the Azure-state runtime, runs once and closes everything. */
export async function runHosted(options: HostedRunOptions = {}): Promise<HostedRunResult> {
  const config =
    options.config ??
    (await loadHostedConfigOrThrow({
      ...(options.file ? { file: options.file } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(options.fetchSecret ? { fetchSecret: options.fetchSecret } : {}),
    }));
  if (options.instance) config.instance = options.instance;
  const runtime = await createRuntime(config, {
    ...(options.logger ? { logger: options.logger } : {}),
    ...options.overrides,
  });
  const budgetMs = effectiveBudgetMs(options.timeBudgetMs, config);
  if (!config.state.azure) {
    runtime.logger.warn(
      "hosted run without state.azure: checkpoints are on the local disk, which Functions and Container Apps do not keep between runs; set EXO_AUDIT_STATE_BLOB_URL",
    );
  }
  try {
    const report = await runOnce(runtime, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(budgetMs ? { timeBudgetMs: budgetMs } : {}),
    });
    return { report, instance: config.instance, ...(budgetMs ? { budgetMs } : {}) };
  } finally {
    await runtime.close();
  }
}
