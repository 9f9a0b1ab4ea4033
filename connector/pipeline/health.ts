/**
 * One heartbeat row per run and content type (`ExchangeAuditHealth_CL`): lag, counts, gaps, throttling.
 * Operators alert on it (no row for an hour = connector down; Gaps > 0 = data lost; LagSeconds rising).
 */
import type { HealthRow } from "../schema/table-schema.ts";
import type { SourceStats } from "../source/types.ts";
import { VERSION } from "../version.ts";
import type { CollectResult } from "./collect.ts";

/** Source counters accumulated by a unit (difference of `stats()` before and after). */
export function statsDelta(before: SourceStats, after: SourceStats): SourceStats {
  return {
    requests: after.requests - before.requests,
    retries: after.retries - before.retries,
    throttled: after.throttled - before.throttled,
    blobsFetched: after.blobsFetched - before.blobsFetched,
    recordsRead: after.recordsRead - before.recordsRead,
  };
}

/** Builds the health row of one collection unit. */
export function buildHealthRow(
  result: CollectResult,
  context: { runId: string; instance: string; now: number; source?: SourceStats },
): HealthRow {
  const throttled = context.source?.throttled ?? 0;
  const problems = [...result.problems];
  if (result.gaps.length > 0) {
    problems.push(
      `${result.gaps.length} content blob(s) could not be retrieved (${[...new Set(result.gaps.map((g) => g.code))].join(", ")}): their records are lost`,
    );
  }
  if (result.deadLettered > 0) problems.push(`${result.deadLettered} record(s) dead-lettered`);
  if (throttled > 0) problems.push(`${throttled} throttled response(s)`);
  const status = result.status === "failed" ? "failed" : problems.length > 0 ? "degraded" : "ok";
  const newest = result.newestContentCreated ?? null;
  return {
    TimeGenerated: new Date(context.now).toISOString(),
    RunId: context.runId,
    Instance: context.instance,
    ConnectorVersion: VERSION,
    ConnectorTenant: result.tenantId,
    ContentType: result.contentType,
    Status: status,
    Message: problems.join("; ").slice(0, 8000),
    WindowStart: result.firstWindowStart ?? null,
    WindowEnd: result.lastWindowEnd ?? null,
    NewestContentCreated: newest,
    LagSeconds: newest ? Math.max(0, (context.now - Date.parse(newest)) / 1000) : null,
    BlobsFetched: result.blobsFetched,
    RecordsIn: result.recordsIn,
    RowsOut: result.rowsOut,
    DuplicatesDropped: result.duplicates,
    DeadLettered: result.deadLettered,
    Gaps: result.gaps.length,
    GapDetails: result.gaps.map((g) => ({
      contentId: g.contentId,
      contentCreated: g.contentCreated,
      windowStart: g.windowStart,
      windowEnd: g.windowEnd,
      code: g.code,
    })),
    ThrottledResponses: throttled,
    Retries: context.source?.retries ?? 0,
    DurationMs: result.durationMs,
  };
}
