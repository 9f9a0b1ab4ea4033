/**
 * Runs the connector: every (tenant, content type) once (`runOnce`), or on the poll interval until stopped
 * (`runContinuously`). Each unit writes one health row. A stop signal (SIGINT/SIGTERM, time budget, lost lease)
 * drains in-flight batches and commits what was acknowledged.
 */
import { randomUUID } from "node:crypto";
import { isSinkError, type SinkErrorKind } from "../sink/errors.ts";
import type { SourceStats } from "../source/types.ts";
import type { CursorKey } from "../state/types.ts";
import { type CollectProgress, type CollectResult, collectContentType } from "./collect.ts";
import { buildHealthRow, statsDelta } from "./health.ts";
import { HealthCadence } from "./health-cadence.ts";
import { DEFAULT_SWEEPS, type SweepSchedule } from "./sweeps.ts";
import type { Runtime, RuntimeTenant } from "./wire.ts";
import { makeWindowPolicy, toSecond } from "./windows.ts";
import { afterGrace, DRAIN_GRACE_MS } from "../util/grace.ts";

/** A bounded historical collection instead of following `now`. */
export interface BackfillRange {
  /** Inclusive start (epoch ms), within the API's 7-day retention. */
  from: number;
  /** Exclusive end (epoch ms), not in the future. */
  to: number;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Stop after this long, drain and commit (hosted runs: set below the host's timeout). */
  timeBudgetMs?: number;
  /** Collect this range with its own checkpoints instead of the live cursor. */
  backfill?: BackfillRange;
  /** Progress of each unit (backfill progress bar). */
  onProgress?: (unit: { tenantId: string; contentType: string }, p: CollectProgress) => void;
  /** Continuous mode: health rows on a cadence (default: one per unit and run). */
  health?: HealthCadence;
}

/** Subscriptions are checked at a unit's first run, then hourly; AF20022/AF20023 start them in between. */
const SUBSCRIPTION_CHECK_MS = 60 * 60 * 1000;
const subscriptionChecked = new WeakMap<object, Map<string, number>>();

function subscriptionDue(client: object, contentType: string, now: number): boolean {
  const last = subscriptionChecked.get(client)?.get(contentType);
  return last === undefined || now - last >= SUBSCRIPTION_CHECK_MS;
}

function subscriptionDone(client: object, contentType: string, now: number): void {
  const map = subscriptionChecked.get(client) ?? new Map<string, number>();
  subscriptionChecked.set(client, map.set(contentType, now));
}

/** The configured sweeps as schedules (defaults when the configuration object predates them). */
function sweepSchedules(runtime: Runtime): readonly SweepSchedule[] {
  const configured = runtime.config.collection.sweeps;
  if (!configured) return DEFAULT_SWEEPS;
  return configured.map((s) => ({ intervalMs: s.everyMinutes * 60_000, horizonMs: s.horizonHours * 3_600_000 }));
}

/** What one run did. */
export interface RunReport {
  runId: string;
  startedAt: string;
  results: CollectResult[];
  /** True when no unit failed. */
  ok: boolean;
  /** True when every unit caught up (reached now, or the backfill end). */
  caughtUp: boolean;
  /** Units skipped because another instance holds their lease. */
  skipped: CursorKey[];
}

/** Checkpoint key of a backfill, separate from the live cursor so both can resume independently. */
export function backfillKey(tenantId: string, contentType: string, range: BackfillRange): CursorKey {
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);
  return { tenantId, contentType: `${contentType}#backfill-${iso(range.from)}-${iso(range.to)}` };
}

/** Collects every configured tenant and content type once, up to now (or the backfill end). */
export async function runOnce(runtime: Runtime, options: RunOptions = {}): Promise<RunReport> {
  const runId = randomUUID();
  const startedAt = new Date().toISOString();
  const signals = [options.signal, options.timeBudgetMs ? AbortSignal.timeout(options.timeBudgetMs) : undefined];
  const signal = AbortSignal.any(signals.filter((s): s is AbortSignal => !!s));
  const log = runtime.logger.child({ runId });
  const report: RunReport = { runId, startedAt, results: [], ok: true, caughtUp: true, skipped: [] };
  log.info(options.backfill ? "backfill started" : "run started", {
    tenants: runtime.tenants.length,
    ...(options.backfill
      ? { from: new Date(options.backfill.from).toISOString(), to: new Date(options.backfill.to).toISOString() }
      : {}),
  });
  // Tenants in parallel (each has its own request budget); content types of a tenant one after another so the
  // source's counters can be attributed to one unit.
  await Promise.all(
    runtime.tenants.map(async (tenant) => {
      for (const contentType of tenant.config.contentTypes) {
        if (signal.aborted) break;
        const r = await runUnit(runtime, tenant, contentType, signal, runId, options, report);
        if (r) report.results.push(r);
      }
    }),
  );
  report.ok = report.results.every((r) => r.status !== "failed");
  report.caughtUp = report.results.every((r) => r.caughtUp) && report.skipped.length === 0;
  log.info(options.backfill ? "backfill finished" : "run finished", {
    ok: report.ok,
    caughtUp: report.caughtUp,
    rowsOut: report.results.reduce((n, r) => n + r.rowsOut, 0),
    gaps: report.results.reduce((n, r) => n + r.gaps.length, 0),
  });
  return report;
}

async function runUnit(
  runtime: Runtime,
  tenant: RuntimeTenant,
  contentType: string,
  runSignal: AbortSignal,
  runId: string,
  options: RunOptions,
  report: RunReport,
): Promise<CollectResult | undefined> {
  const tenantId = tenant.config.tenantId;
  const key: CursorKey = options.backfill
    ? backfillKey(tenantId, contentType, options.backfill)
    : { tenantId, contentType };
  const lease = runtime.leases ? await runtime.leases.tryAcquire(key) : null;
  if (runtime.leases && !lease) {
    runtime.logger.info("another instance holds this unit's lease; skipped", { tenantId, contentType });
    report.skipped.push(key);
    return undefined;
  }
  const signal = lease ? AbortSignal.any([runSignal, lease.signal]) : runSignal;
  const before: SourceStats = tenant.client.stats();
  const c = runtime.config.collection;
  const backfill = options.backfill;
  // The service's clock (local clock + learned skew), as the cursor uses: hourly means an hour of API time.
  const clock = () => (runtime.now ?? Date.now)() + tenant.client.clockSkewMs();
  const checkSubscription = subscriptionDue(tenant.client, contentType, clock());
  try {
    const result = await collectContentType(
      {
        client: tenant.client,
        sink: runtime.sink,
        checkpoints: runtime.checkpoints,
        dedup: runtime.dedupFor(tenantId),
        deadLetters: runtime.deadLetters,
        normalize: runtime.normalize,
        logger: runtime.logger.child({ runId }),
        ...(runtime.now ? { now: runtime.now } : {}),
      },
      {
        tenantId,
        contentType,
        // A backfill walks a fixed past range: no overlap needed, and it may start anywhere inside retention.
        policy: backfill
          ? makeWindowPolicy({ windowMs: runtime.policy.windowMs, overlapMs: 0, initialLookbackMs: 0 })
          : runtime.policy,
        concurrency: c.concurrency,
        batchRows: c.batchRows,
        subjects: runtime.config.normalize.subjects,
        keepAuditData: runtime.config.normalize.keepAuditData,
        signal,
        checkpointKey: key,
        checkSubscription,
        ...(backfill ? {} : { lateContent: { sweeps: sweepSchedules(runtime) } }),
        ...(backfill
          ? {
              startWindow: {
                start: toSecond(backfill.from),
                end: toSecond(Math.min(backfill.from + runtime.policy.windowMs, backfill.to)),
              },
              stopAt: toSecond(backfill.to),
            }
          : {}),
        ...(options.onProgress
          ? { onProgress: (p: CollectProgress) => options.onProgress!({ tenantId, contentType }, p) }
          : {}),
      },
    );
    if (checkSubscription && result.status !== "failed") subscriptionDone(tenant.client, contentType, clock());
    if (lease?.signal.aborted) {
      result.problems.push("the lease was lost during the run; another instance may have taken over");
    }
    const now = (runtime.now ?? Date.now)();
    const row = buildHealthRow(result, {
      runId,
      instance: runtime.config.instance,
      now,
      source: statsDelta(before, tenant.client.stats()),
    });
    const toSend = options.health ? options.health.offer(`${tenantId}|${key.contentType}`, row, now) : row;
    // A row held by the continuous-mode cadence is logged at debug; the row sent later carries its counts.
    runtime.logger[toSend ? "info" : "debug"]("health", {
      runId,
      tenantId,
      contentType,
      status: row.Status,
      lagSeconds: row.LagSeconds,
      rowsOut: row.RowsOut,
      gaps: row.Gaps,
      throttled: row.ThrottledResponses,
    });
    if (toSend) await sendHealthRow(runtime, toSend, result, signal, { tenantId, contentType });
    return result;
  } finally {
    await lease?.release().catch(() => {});
  }
}

/** Sink failures that the health row's upload would meet too: sending it would only retry in vain. */
const INGESTION_BROKEN = new Set<SinkErrorKind>([
  "credential",
  "unauthorized",
  "forbidden",
  "not-found",
  "configuration",
]);

/**
 * Sends a unit's health row, unless ingestion itself is what failed for good. Bounded like the drain: once the
 * run is stopped, the row gets a few seconds, whatever the workspace does.
 */
async function sendHealthRow(
  runtime: Runtime,
  row: Record<string, unknown>,
  result: CollectResult,
  signal: AbortSignal,
  unit: { tenantId: string; contentType: string },
): Promise<void> {
  if (isSinkError(result.error) && INGESTION_BROKEN.has(result.error.kind)) {
    runtime.logger.warn("health row not sent: ingestion refused this run for good", {
      ...unit,
      kind: result.error.kind,
    });
    return;
  }
  const grace = afterGrace(signal, DRAIN_GRACE_MS);
  try {
    await runtime.sink.send("health", [row], grace.signal);
  } catch (err) {
    runtime.logger.warn("could not send the health row", { ...unit, error: err });
  } finally {
    grace.dispose();
  }
}

/** Sleeps `ms`, resolving early when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

/**
 * Polls until `signal` aborts: a run, then a pause of `pollIntervalSec` (shortened when a run stopped before
 * catching up, e.g. because of its time budget). Returns the report of the last run.
 */
export async function runContinuously(
  runtime: Runtime,
  options: { signal: AbortSignal; intervalMs?: number; timeBudgetMs?: number; onRun?: (r: RunReport) => void },
): Promise<RunReport | undefined> {
  const interval = options.intervalMs ?? runtime.config.collection.pollIntervalSec * 1000;
  const health = new HealthCadence((runtime.config.collection.healthIntervalSec ?? 900) * 1000);
  let last: RunReport | undefined;
  while (!options.signal.aborted) {
    try {
      last = await runOnce(runtime, {
        signal: options.signal,
        health,
        ...(options.timeBudgetMs ? { timeBudgetMs: options.timeBudgetMs } : {}),
      });
      options.onRun?.(last);
    } catch (err) {
      runtime.logger.error("run failed unexpectedly; retrying after the poll interval", { error: err });
    }
    if (options.signal.aborted) break;
    await pause(last && !last.caughtUp && last.ok ? Math.min(interval, 5_000) : interval, options.signal);
  }
  // Counts of polls whose rows were held are not dropped on stop.
  const held = health.drain();
  if (held.length > 0) await runtime.sink.send("health", held).catch(() => {});
  return last;
}
