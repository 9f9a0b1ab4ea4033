/** SIGINT/SIGTERM handling for long-running commands: first signal drains and commits, second one exits. */
import type { Logger } from "../log.ts";

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
      controller.abort(new Error(`stopped by ${sig}`));
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
