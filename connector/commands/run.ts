import { type Command, UsageError, parseCommandArgs } from "./types.ts";

const usage = `Usage: exo-audit run [--config FILE] [--once] [--time-budget SECONDS]

Collects Exchange audit records from the Office 365 Management Activity API and sends them to Microsoft
Sentinel (Logs Ingestion API). Without --once it polls every collection.pollIntervalSec seconds until SIGINT
or SIGTERM, then finishes the batches in flight (an upload gets 3 s, retry waits stop at once), commits what
was acknowledged and exits 0, or 130 (SIGINT) / 143 (SIGTERM) when the stop cut a failing unit short. With
--once a signal always exits 130 / 143 (interrupted before catching up). A second signal exits at once.

Options:
  --config FILE          configuration file (default: $EXO_AUDIT_CONFIG, then ./exo-audit.yaml)
  --once                 catch up to now once and exit (exit code 1 when a tenant or content type failed)
  --time-budget SECONDS  stop each run after this long, commit and continue next time
                         (default collection.timeBudgetSec; use it below a scheduler's timeout)

Logs are JSON lines on stderr; each content type ends with a 'collection finished' line (rows, duplicates,
gaps, lag) and a health row is sent to ExchangeAuditHealth_CL. See docs/checkpoints.md for the guarantees.`;

export const runCommand: Command = {
  name: "run",
  summary: "collect from the Management Activity API into Sentinel (continuously, or --once)",
  usage,
  async run(argv) {
    const values = parseCommandArgs({
      args: argv,
      options: { config: { type: "string" }, once: { type: "boolean" }, "time-budget": { type: "string" } },
      strict: true,
    }).values;
    let budgetSec: number | undefined;
    if (values["time-budget"] !== undefined) {
      budgetSec = Number(values["time-budget"]);
      if (!Number.isInteger(budgetSec) || budgetSec < 10) {
        throw new UsageError(
          `--time-budget must be a whole number of seconds, at least 10 (got '${values["time-budget"]}')`,
        );
      }
    }
    // Hosting-aware: also reads the Azure app settings and resolves Key Vault references (docs/hosting.md).
    const config = await (await import("../hosting/config.ts")).loadRunConfig("run", values.config);
    if (!config) return 1;
    budgetSec ??= config.collection.timeBudgetSec;
    // Loaded here, not at start-up: the SDKs behind the runtime are not needed for --help or usage errors.
    const { createRuntime } = await import("../pipeline/wire.ts");
    const { runContinuously, runOnce } = await import("../pipeline/run.ts");
    const { abortOnSignals, interruptedExitCode } = await import("../pipeline/signals.ts");
    const runtime = await createRuntime(config);
    const stop = new AbortController();
    const dispose = abortOnSignals(stop, runtime.logger);
    try {
      if (values.once) {
        const report = await runOnce(runtime, {
          signal: stop.signal,
          ...(budgetSec ? { timeBudgetMs: budgetSec * 1000 } : {}),
        });
        return interruptedExitCode(stop.signal.reason) ?? (report.ok ? 0 : 1);
      }
      const last = await runContinuously(runtime, {
        signal: stop.signal,
        ...(budgetSec ? { timeBudgetMs: budgetSec * 1000 } : {}),
      });
      // A signal is how a continuous run normally ends: 0 after a clean drain; 130/143 when it cut a failing unit.
      if (!last || last.ok) return 0;
      return interruptedExitCode(stop.signal.reason) ?? 1;
    } finally {
      dispose();
      await runtime.close();
    }
  },
};
