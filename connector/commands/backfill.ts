import { loadConfigForCommand } from "../config/cli.ts";
import { createLogger } from "../log.ts";
import { createProgressBar } from "../pipeline/progress-bar.ts";
import { DEFAULT_WINDOW_POLICY, retentionFloor } from "../pipeline/windows.ts";
import { parseApiTime } from "../source/time.ts";
import { type Command, UsageError, parseCommandArgs } from "./types.ts";

const usage = `Usage: exo-audit backfill --from TIME [--to TIME] [--config FILE] [--tenant ID] [--content-type TYPE]

Collects the content published between --from and --to (UTC; 2026-03-05, 2026-03-05T13:00 or full ISO 8601)
into Sentinel, with its own checkpoint: run the same command again to resume an interrupted backfill. Records
already delivered (by 'run' or an earlier backfill) are skipped by record id. The Management Activity API keeps
content for 7 days; for older records export them from Microsoft Purview and use 'exo-audit import'.

Options:
  --from TIME          start (inclusive), within the last 7 days
  --to TIME            end (exclusive), not in the future (default: now)
  --config FILE        configuration file (default: $EXO_AUDIT_CONFIG, then ./exo-audit.yaml)
  --tenant ID          only this configured tenant (default: all)
  --content-type TYPE  only this content type (default: each tenant's configured types)

On a terminal a progress bar is drawn on stderr; otherwise progress is logged as JSON lines.`;

function parseTime(name: string, text: string): number {
  let ms = parseApiTime(text);
  if (Number.isNaN(ms)) ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`--${name} is not a time: '${text}' (use e.g. 2026-03-05T13:00)`);
  return ms;
}

export const backfillCommand: Command = {
  name: "backfill",
  summary: "collect a past time range (within the API's 7 days) with its own resumable checkpoint",
  usage,
  async run(argv) {
    const values = parseCommandArgs({
      args: argv,
      options: {
        from: { type: "string" },
        to: { type: "string" },
        config: { type: "string" },
        tenant: { type: "string" },
        "content-type": { type: "string" },
      },
      strict: true,
    }).values;
    if (!values.from) throw new UsageError("--from is required");
    const now = Date.now();
    const from = parseTime("from", values.from);
    const to = values.to ? parseTime("to", values.to) : now;
    const earliest = retentionFloor(now, DEFAULT_WINDOW_POLICY);
    if (from < earliest) {
      throw new UsageError(
        `--from ${new Date(from).toISOString()} is older than the Management Activity API's 7-day retention; the earliest possible start is ${new Date(earliest).toISOString()}. For older records export them from Microsoft Purview (audit search) and use 'exo-audit import'`,
      );
    }
    if (to > now + 60_000) throw new UsageError(`--to ${new Date(to).toISOString()} lies in the future`);
    if (to <= from) throw new UsageError("--to must be later than --from");

    const config = loadConfigForCommand("backfill", values.config);
    if (!config) return 1;
    if (values.tenant) {
      const t = values.tenant.toLowerCase();
      config.tenants = config.tenants.filter((x) => x.tenantId === t || x.name === values.tenant);
      if (config.tenants.length === 0) throw new UsageError(`--tenant ${values.tenant} is not in the configuration`);
    }
    if (values["content-type"]) {
      for (const t of config.tenants) t.contentTypes = [values["content-type"]];
    }
    const tty = !!process.stderr.isTTY;
    // On a terminal the bar shows progress; only warnings and errors are logged so they do not tear it.
    const logger = createLogger({
      level: tty && config.logLevel !== "debug" ? "warn" : config.logLevel,
      fields: { instance: config.instance },
    });
    // Loaded here, not at start-up: the SDKs behind the runtime are not needed for --help or usage errors.
    const { createRuntime } = await import("../pipeline/wire.ts");
    const { runOnce } = await import("../pipeline/run.ts");
    const { abortOnSignals, interruptedExitCode } = await import("../pipeline/signals.ts");
    const runtime = await createRuntime(config, { logger });
    const stop = new AbortController();
    const dispose = abortOnSignals(stop, logger);
    const bar = createProgressBar(from, Math.min(to, now));
    try {
      const report = await runOnce(runtime, {
        signal: stop.signal,
        backfill: { from, to: Math.min(to, now) },
        onProgress: (unit, p) => {
          if (tty) bar.update(unit, p);
          else {
            logger.info("backfill progress", {
              ...unit,
              windowEnd: new Date(p.window.end).toISOString(),
              blobsDone: p.blobsDone,
              blobsListed: p.blobsListed,
              rowsOut: p.rowsOut,
            });
          }
        },
      });
      bar.done();
      const rows = report.results.reduce((n, r) => n + r.rowsOut, 0);
      const dups = report.results.reduce((n, r) => n + r.duplicates, 0);
      const gaps = report.results.reduce((n, r) => n + r.gaps.length, 0);
      process.stderr.write(
        `backfill ${report.ok ? (report.caughtUp ? "complete" : "stopped (run the same command again to resume)") : "FAILED"}: ${rows} rows delivered, ${dups} duplicates skipped, ${gaps} gaps\n`,
      );
      for (const r of report.results.filter((x) => x.problems.length > 0)) {
        process.stderr.write(`  ${r.tenantId} ${r.contentType}: ${r.problems.join("; ")}\n`);
      }
      return interruptedExitCode(stop.signal.reason) ?? (report.ok ? 0 : 1);
    } finally {
      dispose();
      await runtime.close();
    }
  },
};
