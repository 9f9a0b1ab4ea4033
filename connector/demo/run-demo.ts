/**
 * The embedded default: the whole pipeline on local emulators, with no Azure account. Starts the Entra,
 * Management Activity API and workspace emulators, serves the generated dataset, runs the real connector
 * (MSAL token provider, undici client, @azure/monitor-ingestion sink, file state) until it has caught up,
 * then runs every analytics rule over the collected rows with the local KQL engine.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { withDefaults } from "../config/load.ts";
import { generateDataset } from "../dataset/index.ts";
import { startLocalSource } from "../emulators/o365/local.ts";
import { startWorkspaceEmulator } from "../emulators/workspace/index.ts";
import { createLogger, type Logger } from "../log.ts";
import { runOnce } from "../pipeline/run.ts";
import { createRuntime } from "../pipeline/wire.ts";
import { EXCHANGE_AUDIT_TABLE, HEALTH_TABLE } from "../schema/table-schema.ts";
import type { Pictures } from "./pictures.ts";

/** Runs until caught up; a few passes are enough (late blobs appear in the overlap of the next pass). */
const MAX_RUNS = 5;

export interface DemoOptions {
  dataDir: string;
  mailboxes: number;
  days: number;
  seed: number;
  end?: Date;
  /** Progress lines for a human. */
  onStep?: (step: string) => void;
  /** Also write the investigation report of the hijacked mailbox and the rendered workbooks (`npm start`). */
  pictures?: boolean;
  logger?: Logger;
}

export interface DemoSummary {
  ok: boolean;
  tenantId: string;
  mailboxes: number;
  days: number;
  seed: number;
  /** Distinct record ids the emulated tenant served. */
  sourceRecords: number;
  blobs: number;
  rowsIngested: number;
  /** Distinct RecordIds in the workspace table. */
  distinctRowsIngested: number;
  duplicatesDropped: number;
  deadLettered: number;
  gaps: number;
  sessions: number;
  noSessionRows: number;
  lagMinutes: number | null;
  runs: number;
  durationMs: number;
  rowsPerOperation: Record<string, number>;
  alerts: { rule: string; count: number; severity: string }[];
  ruleFailures: string[];
  stories: string[];
  dataDir: string;
  stateDir: string;
  deadLetterDir: string;
  tables: { audit: string; health: string };
  /** With `pictures`: the report and the workbook pages written into the data directory. */
  pictures?: Pictures;
}

export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const started = Date.now();
  const step = options.onStep ?? (() => {});
  // Logs go to a file: the demo prints a summary, and the connector's JSON logs are there for the curious.
  mkdirSync(options.dataDir, { recursive: true });
  const logFile = join(options.dataDir, "demo.log");
  writeFileSync(logFile, "");
  const logger =
    options.logger ??
    createLogger({ sink: { write: (line) => writeFileSync(logFile, `${line}\n`, { flag: "a" }) }, level: "info" });

  const dataset = generateDataset({
    mailboxes: options.mailboxes,
    days: options.days,
    seed: options.seed,
    end: options.end,
  });
  const records = [...dataset.records()];
  step(`generated ${records.length} audit records: ${options.mailboxes} mailboxes over ${options.days} days`);

  const source = await startLocalSource({
    records,
    // Start with no subscription: the connector must start it, as on a fresh tenant.
    subscriptions: [],
    publisher: {
      seed: options.seed,
      recordsPerBlob: 40,
      duplicateFraction: 0.03,
      lateFraction: 0.05,
      lateDelayMs: 40 * 60_000,
    },
    pageSize: 25,
  });
  const workspace = await startWorkspaceEmulator({
    dataDir: options.dataDir,
    verifyToken: (token) => source.entra.verify(token, "https://monitor.azure.com"),
  });
  step(
    `emulators listening: Entra ${source.entra.authorityHost}, Management API ${source.o365.apiRoot}, workspace ${workspace.endpoint}`,
  );

  const caFile = join(options.dataDir, "emulator-ca.pem");
  writeFileSync(caFile, source.o365.caCert);
  const stateDir = join(options.dataDir, "state");
  const deadLetterDir = join(options.dataDir, "dead-letters");
  const auth = source.auth as { clientId: string; clientSecret?: string };
  const config = withDefaults(
    {
      allowCustomHosts: true,
      tenants: [
        {
          tenantId: source.tenantId,
          auth: { clientId: auth.clientId, clientSecret: auth.clientSecret },
          apiRoot: source.o365.apiRoot,
          authorityHost: source.entra.authorityHost,
          caFile,
        },
      ],
      ingestion: { endpoint: workspace.endpoint, dcrImmutableId: workspace.dcrImmutableId, caFile },
      state: { dir: stateDir },
      deadLetter: { dir: deadLetterDir },
      collection: {
        initialLookbackHours: Math.min(options.days * 24 + 6, 7 * 24 - 1),
        concurrency: 6,
        requestsPerMinute: 2000,
      },
    },
    options.dataDir,
  );
  config.instance = "demo";

  let runs = 0;
  let duplicates = 0;
  let deadLettered = 0;
  let gaps = 0;
  let newest: string | undefined;
  let ok = true;
  const runtime = await createRuntime(config, { logger });
  try {
    for (; runs < MAX_RUNS; ) {
      runs++;
      const report = await runOnce(runtime);
      for (const r of report.results) {
        duplicates += r.duplicates;
        deadLettered += r.deadLettered;
        gaps += r.gaps.length;
        if (r.newestContentCreated && (!newest || r.newestContentCreated > newest)) newest = r.newestContentCreated;
      }
      const rows = report.results.reduce((n, r) => n + r.rowsOut, 0);
      step(`collection run ${runs}: ${rows} rows delivered, caught up: ${report.caughtUp ? "yes" : "no"}`);
      if (!report.ok) {
        ok = false;
        step(`collection failed: ${report.results.flatMap((r) => r.problems).join("; ")} (see ${logFile})`);
        break;
      }
      // One more pass after catching up collects blobs that were published late into listed windows.
      if (report.caughtUp && rows === 0) break;
    }
  } finally {
    await runtime.close();
  }

  const rows = await workspace.readTable(EXCHANGE_AUDIT_TABLE.tableName);
  const sourceRecords = source.o365.servedRecordIds().size;
  const blobs = source.o365.blobs().length;
  await Promise.all([source.stop(), workspace.stop()]);

  const rowsPerOperation: Record<string, number> = {};
  const sessions = new Set<string>();
  let noSessionRows = 0;
  for (const row of rows) {
    const op = String(row.Operation ?? "");
    rowsPerOperation[op] = (rowsPerOperation[op] ?? 0) + 1;
    if (row.SessionId) sessions.add(String(row.SessionId));
    else noSessionRows++;
  }
  const sortedOps = Object.fromEntries(Object.entries(rowsPerOperation).sort((a, b) => b[1] - a[1]));
  const distinct = new Set(rows.map((r) => String(r.RecordId))).size;
  step(`collected ${rows.length} rows (${distinct} distinct records); running the analytics rules`);

  const { alerts, failures, full } = await detect(options.dataDir);
  let pictures: Pictures | undefined;
  if (options.pictures) {
    step("writing the investigation report of the hijacked mailbox and the rendered workbooks");
    const { writePictures } = await import("./pictures.ts");
    pictures = await writePictures(options.dataDir, full);
  }
  return {
    ok: ok && failures.length === 0,
    tenantId: source.tenantId,
    mailboxes: options.mailboxes,
    days: options.days,
    seed: options.seed,
    sourceRecords,
    blobs,
    rowsIngested: rows.length,
    distinctRowsIngested: distinct,
    duplicatesDropped: duplicates,
    deadLettered,
    gaps,
    sessions: sessions.size,
    noSessionRows,
    lagMinutes: newest ? Math.round((Date.now() - Date.parse(newest)) / 60_000) : null,
    runs,
    durationMs: Date.now() - started,
    rowsPerOperation: sortedOps,
    alerts,
    ruleFailures: failures,
    stories: dataset.stories.map((s) => `${s.name}: ${s.description}`),
    dataDir: options.dataDir,
    stateDir,
    deadLetterDir,
    tables: {
      audit: workspace.tablePath(EXCHANGE_AUDIT_TABLE.tableName),
      health: workspace.tablePath(HEALTH_TABLE.tableName),
    },
    ...(pictures ? { pictures } : {}),
  };
}

/**
 * Some rules judge a row only after it has settled (granted-then-removed waits its 15-minute fix window, so that a
 * helpdesk re-grant has arrived): the demo evaluates the rules as the scheduled run this long after collection.
 */
const SETTLED_RUN_DELAY_MS = 20 * 60_000;

/** Runs every analytics rule, as its scheduled run shortly after collection, over the demo's workspace tables. */
async function detect(
  dataDir: string,
): Promise<{ alerts: DemoSummary["alerts"]; failures: string[]; full: import("../../kql/detect.ts").Alert[] }> {
  // Loaded lazily: the Kusto language service takes ~1 s to load and is only needed here.
  const { runDetections, DetectionError } = await import("../../kql/detect.ts");
  let list: import("../../kql/detect.ts").Alert[];
  let failures: string[] = [];
  try {
    list = runDetections({ dataDir, now: new Date(Date.now() + SETTLED_RUN_DELAY_MS) });
  } catch (err) {
    if (!(err instanceof DetectionError)) throw err;
    list = err.alerts;
    failures = err.failures.map((f) => `${f.rule}: ${f.message}`);
  }
  const alerts = list
    .map((a) => ({ rule: a.rule, count: a.rows.length, severity: a.severity }))
    .sort((a, b) => a.rule.localeCompare(b.rule));
  return { alerts, failures, full: list };
}
