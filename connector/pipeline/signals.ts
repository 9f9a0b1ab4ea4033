/**
 * SIGINT/SIGTERM handling for long-running commands: first signal drains and commits, second one exits.
 *
 * | event                        | reaction                                                     | exit status |
 * |------------------------------|--------------------------------------------------------------|-------------|
 * | first SIGINT / SIGTERM       | retry waits and an upload in flight get 3 s (DRAIN_GRACE_MS),| 130 / 143   |
 * |                              | acknowledged batches are committed, health rows get 3 s;     | (continuous |
 * |                              |                                                              | run: 0 when |
 * |                              |                                                              | clean)      |
 * | second signal                | exit at once                                                 | 130         |
 * | time budget reached          | the same drain; exit 0, or 1 when a unit failed or was cut   | 0 / 1       |
 * |                              | while retrying                                               |             |
 */
import type { Logger } from "../log.ts";

/** The reason given to the aborted controller: which signal stopped the run. */
export class StoppedBySignal extends Error {
  override readonly name = "StoppedBySignal";
  readonly signal: NodeJS.Signals;
  constructor(signal: NodeJS.Signals) {
    super(`stopped by ${signal}`);
    this.signal = signal;
  }
}

/** 128 + the signal number, as shells report a process ended by a signal: 130 for SIGINT, 143 for SIGTERM. */
export function interruptedExitCode(reason: unknown): number | undefined {
  if (!(reason instanceof StoppedBySignal)) return undefined;
  return reason.signal === "SIGINT" ? 130 : 143;
}

/**
 * Aborts `controller` on the first SIGINT or SIGTERM so the pipeline drains in-flight batches and commits;
 * a second signal exits at once (exit code 130) for operators who cannot wait. Returns a function removing
 * the handlers.
 */
export function abortOnSignals(controller: AbortController, logger: Logger): () => void {
  let count = 0;
  const handler = (sig: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      logger.warn(`${sig} received: finishing in-flight batches and committing; send it again to exit at once`);
      controller.abort(new StoppedBySignal(sig));
    } else {
      logger.error(`${sig} received again: exiting without waiting (acknowledged batches are committed)`);
      process.exit(130);
    }
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
