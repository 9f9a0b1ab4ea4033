/**
 * One heartbeat row per run and content type (`ExchangeAuditHealth_CL`): lag, counts, gaps, throttling.
 * Operators alert on it (no row for an hour = connector down; Gaps > 0 = data lost; LagSeconds rising;
 * RecoveredBlobs > 0 = content came later than the overlap and only a reconciliation sweep caught it).
 */
import type { HealthRow } from "../schema/table-schema.ts";
import type { SourceStats } from "../source/types.ts";
import { VERSION } from "../version.ts";
import { latenessSummary } from "./lateness.ts";
import type { CollectResult } from "./collect-types.ts";

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
  // Recovered late content is not data loss (the sweep delivered it), so it does not degrade the status; the
  // message says it and the connector-health rule raises it (the overlap was too short for it).
  const recovered = result.recovered ?? [];
  const notes = [...problems];
  if (recovered.length > 0) {
    const maxH = Math.max(...recovered.map((r) => r.latenessSeconds)) / 3600;
    notes.push(
      `${recovered.length} late-published blob(s) recovered by the ${result.sweep ?? ""} sweep, up to ${maxH.toFixed(1)} h late`,
    );
  }
  const lateness = latenessSummary(result.lateness);
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
    Message: notes.join("; ").slice(0, 8000),
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
    Requests: context.source?.requests ?? 0,
    LateBlobs: result.lateBlobs ?? 0,
    LatenessP50Seconds: lateness.p50,
    LatenessP99Seconds: lateness.p99,
    LatenessMaxSeconds: lateness.max,
    OverlapHours: result.overlapMs === undefined ? null : result.overlapMs / 3_600_000,
    Sweep: result.sweep ?? "",
    RecoveredBlobs: recovered.length,
    RecoveredRecords: recovered.reduce((n, r) => n + r.records, 0),
    RecoveredDetails: recovered.slice(0, 50),
  };
}
