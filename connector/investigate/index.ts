/**
 * `investigate()` over a data directory: loads the KQL engine and the content pack lazily, picks the time
 * window, runs the investigation and the analytics rules, and keeps the alerts that involve the scope.
 *
 * | window bound | default                                                                   |
 * | ------------ | ------------------------------------------------------------------------- |
 * | `to`         | just after the newest EventTime in the data (imported exports are old)    |
 * | `from`       | the oldest EventTime in the data: the whole local history                 |
 *
 * An alert involves the scope when one of its result rows names the mailbox, user, IP or one of the
 * sessions in scope (case-insensitive).
 */
import type { Engine, Investigation, Scope } from "./collect.ts";
import { investigate } from "./collect.ts";

export type { Investigation, Scope } from "./collect.ts";

export interface InvestigateOptions {
  dataDir: string;
  scope: Scope;
  from?: Date;
  to?: Date;
  /** Alerts already computed at `to` (the demo's): the rules are not run again. */
  alerts?: { rule: string; severity: string; rows: Record<string, unknown>[] }[];
}

const MESSAGES_QUERY_NAME = "messages-read-with-email-details.yaml";

async function loadEngine(dataDir: string): Promise<
  Engine & {
    runDetections: typeof import("../../kql/detect.ts")["runDetections"];
    DetectionError: typeof import("../../kql/detect.ts")["DetectionError"];
  }
> {
  const [content, { executeQuery }, { toJsonValue }, { workspaceTables }, detect] = await Promise.all([
    import("../../kql/content/load.ts"),
    import("../../kql/engine/evaluator.ts"),
    import("../../kql/engine/values.ts"),
    import("../../kql/tables-from-disk.ts"),
    import("../../kql/detect.ts"),
  ]);
  const hunting = content.loadHuntingQueries().files.find((f) => f.path.endsWith(MESSAGES_QUERY_NAME));
  if (!hunting) throw new Error(`hunting query ${MESSAGES_QUERY_NAME} not found`);
  return {
    tables: workspaceTables(dataDir),
    functions: content.parserFunctionDefs(),
    execute: executeQuery,
    toJson: toJsonValue,
    messagesQuery: hunting.data.query,
    runDetections: detect.runDetections,
    DetectionError: detect.DetectionError,
  };
}

function dataSpan(engine: Engine): { oldest?: Date; newest?: Date } {
  const { rows } = engine.execute("ExchangeAudit_CL | summarize Oldest = min(EventTime), Newest = max(EventTime)", {
    tables: engine.tables,
    now: new Date(),
    functions: engine.functions,
  });
  const date = (v: unknown) => (v instanceof Date ? v : undefined);
  return { oldest: date(rows[0]?.Oldest), newest: date(rows[0]?.Newest) };
}

export async function runInvestigation(opts: InvestigateOptions): Promise<Investigation> {
  const engine = await loadEngine(opts.dataDir);
  const span = dataSpan(engine);
  const to = opts.to ?? new Date((span.newest?.getTime() ?? Date.now()) + 1000);
  const from = opts.from ?? new Date(Math.min(span.oldest?.getTime() ?? to.getTime(), to.getTime()) - 1000);
  if (from >= to) throw new Error(`--from (${from.toISOString()}) must be before --to (${to.toISOString()})`);
  const result = investigate(engine, opts.scope, from, to);
  let alerts: { rule: string; severity: string; rows: Record<string, unknown>[] }[];
  try {
    alerts = opts.alerts ?? engine.runDetections({ tables: engine.tables, now: to, functions: [...engine.functions] });
  } catch (err) {
    if (!(err instanceof engine.DetectionError)) throw err;
    alerts = err.alerts;
  }
  const needles = [opts.scope.value, ...result.sessions.map((s) => s.sessionId)].map((n) => n.toLowerCase());
  result.alerts = alerts
    .map((a) => ({
      ...a,
      rows: a.rows.filter((r) => needles.some((n) => JSON.stringify(r).toLowerCase().includes(n))),
    }))
    .filter((a) => a.rows.length)
    .map((a) => ({ rule: a.rule, severity: a.severity, rows: a.rows.length }));
  return result;
}
