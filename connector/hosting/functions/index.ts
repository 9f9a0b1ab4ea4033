/**
 * Azure Functions entry point (Node, v4 programming model): a timer trigger that runs the connector once
 * inside the function timeout. The handler is exported so tests invoke it directly with a Timer and an
 * InvocationContext; in the Functions host the `app.timer` registration below is what runs it.
 *
 * The timer trigger holds a singleton lock, so one function app runs one invocation at a time; scale-out
 * across instances is the Container Apps Job (parallelism N) or several function apps sharing the state
 * container, with the blob leases splitting the (tenant, content type) units (docs/hosting.md).
 */
import { readFileSync } from "node:fs";
import { app, type InvocationContext, type Timer } from "@azure/functions";
import { createLogger, type Logger, type LogSink } from "../../log.ts";
import { type HostedRunOptions, type HostedRunResult, hostBudgetMs, runHosted } from "../run-hosted.ts";

/** Function name in the portal and in logs. */
export const FUNCTION_NAME = "exoAuditCollect";
/** NCRONTAB schedule from the EXO_AUDIT_SCHEDULE app setting (the ARM template sets it; required). */
export const SCHEDULE = "%EXO_AUDIT_SCHEDULE%";

/** The Flex Consumption default when host.json sets no functionTimeout (30 min). */
const DEFAULT_TIMEOUT_MS = 30 * 60_000;

/** Parses host.json `functionTimeout` ("hh:mm:ss", "-1" = unbounded) into ms; undefined when unbounded. */
export function parseFunctionTimeout(value: unknown): number | undefined {
  if (value === undefined || value === null) return DEFAULT_TIMEOUT_MS;
  if (value === "-1" || value === -1) return undefined;
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(String(value));
  if (!m) throw new Error(`host.json functionTimeout '${String(value)}' is not hh:mm:ss`);
  const [, d, h, mi, s] = m;
  return (((Number(d ?? 0) * 24 + Number(h)) * 60 + Number(mi)) * 60 + Number(s)) * 1000;
}

/** The function timeout of this app, read from host.json at the package root. */
export function functionTimeoutMs(hostJson = new URL("../../../host.json", import.meta.url)): number | undefined {
  try {
    const host = JSON.parse(readFileSync(hostJson, "utf8")) as { functionTimeout?: unknown };
    return parseFunctionTimeout(host.functionTimeout);
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return DEFAULT_TIMEOUT_MS;
    throw err;
  }
}

/** Routes the connector's JSON log lines to the invocation's logger (Application Insights traces). */
function contextSink(context: InvocationContext): LogSink {
  return {
    write(line) {
      if (line.includes('"level":"error"')) context.error(line);
      else if (line.includes('"level":"warn"')) context.warn(line);
      else if (line.includes('"level":"debug"')) context.debug(line);
      else context.info(line);
    },
  };
}

/** Test seams of the handler (tests pass emulator endpoints through `env` and replace parts of the runtime). */
export type HandlerOptions = Omit<HostedRunOptions, "timeBudgetMs" | "logger" | "instance"> & {
  /** The function timeout (ms); default from host.json. */
  timeoutMs?: number;
  logger?: Logger;
};

/**
 * Runs the connector once for a timer tick. Throws when a unit failed, so the invocation shows as failed in
 * the portal and Application Insights (failed units are retried from their checkpoint on the next tick).
 */
export async function collectOnTimer(
  timer: Timer,
  context: InvocationContext,
  options: HandlerOptions = {},
): Promise<HostedRunResult> {
  const env = options.env ?? process.env;
  const timeoutMs = options.timeoutMs ?? functionTimeoutMs();
  const logger =
    options.logger ??
    createLogger({
      sink: contextSink(context),
      ...(env.EXO_AUDIT_LOG_LEVEL ? { level: env.EXO_AUDIT_LOG_LEVEL as "info" } : {}),
      fields: { invocationId: context.invocationId },
    });
  if (timer.isPastDue) logger.warn("timer is past due: the previous run took longer than the schedule interval");
  // Scale-in or a restart of the host sends SIGTERM: stop collecting, drain and commit.
  const stop = new AbortController();
  const onTerm = () => stop.abort(new Error("host is shutting down"));
  process.once("SIGTERM", onTerm);
  try {
    const result = await runHosted({
      ...options,
      env,
      logger,
      signal: options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal,
      ...(timeoutMs !== undefined ? { timeBudgetMs: hostBudgetMs(timeoutMs) } : {}),
    });
    const r = result.report;
    const summary = {
      runId: r.runId,
      ok: r.ok,
      caughtUp: r.caughtUp,
      units: r.results.length,
      skipped: r.skipped.length,
      rowsOut: r.results.reduce((n, x) => n + x.rowsOut, 0),
    };
    context.info(`exo-audit run finished ${JSON.stringify(summary)}`);
    if (!r.ok) {
      const failed = r.results.filter((x) => x.status === "failed").map((x) => `${x.tenantId}/${x.contentType}`);
      throw new Error(`exo-audit: ${failed.length} unit(s) failed: ${failed.join(", ")} (see the health table)`);
    }
    return result;
  } finally {
    process.off("SIGTERM", onTerm);
  }
}

/** The registered handler (the host passes only timer and context). */
export async function timerHandler(timer: Timer, context: InvocationContext): Promise<void> {
  await collectOnTimer(timer, context);
}

// Outside the Functions host (tests, tools) @azure/functions is in "test mode": it warns once and skips this.
app.timer(FUNCTION_NAME, { schedule: SCHEDULE, runOnStartup: false, useMonitor: true, handler: timerHandler });
