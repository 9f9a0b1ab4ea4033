/**
 * A signal that aborts `graceMs` after `signal` does: in-flight work that is about to finish (an upload whose
 * acknowledgement is on its way) may still complete and be committed after a stop, but nothing waits longer,
 * whatever it is retrying. Call `dispose` when done so no timer outlives the work.
 */
export function afterGrace(signal: AbortSignal, graceMs: number): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = () => {
    timer = setTimeout(() => controller.abort(signal.reason), graceMs);
    timer.unref?.();
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      signal.removeEventListener("abort", onAbort);
      if (timer) clearTimeout(timer);
    },
  };
}

/** How long a stopped run lets an in-flight upload finish before aborting it (docs/reliability.md). */
export const DRAIN_GRACE_MS = 3_000;
