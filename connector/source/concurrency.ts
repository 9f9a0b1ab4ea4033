/**
 * Bounded concurrency for blob fetching. Peers either fetch one blob at a time (slow: each GET waits a full
 * round trip) or `Promise.all` every blob of a window (unbounded memory, one failure fails all: Alert Logic,
 * SRA). This runs at most `limit` workers and reports each item's outcome separately.
 */

/** Outcome of one item. */
export type Outcome<T> = { item: T; ok: true } | { item: T; ok: false; error: unknown };

/**
 * Runs `worker` over `items` with at most `limit` in flight, in start order. Never rejects because of a
 * worker: failures are returned per item (the caller records gaps or retries). Stops starting new items once
 * `signal` aborts.
 */
export async function runBounded<T>(
  items: Iterable<T>,
  limit: number,
  worker: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<Outcome<T>[]> {
  const iterator = items[Symbol.iterator]();
  const outcomes: Outcome<T>[] = [];
  const lane = async () => {
    for (;;) {
      if (signal?.aborted) return;
      const next = iterator.next();
      if (next.done) return;
      try {
        await worker(next.value);
        outcomes.push({ item: next.value, ok: true });
      } catch (error) {
        outcomes.push({ item: next.value, ok: false, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.floor(limit)) }, lane));
  return outcomes;
}
