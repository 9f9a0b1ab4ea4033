/** Bounded concurrency over a lazily produced sequence of work items. */

export interface PoolResult {
  errors: unknown[];
  /** Items taken from the source. */
  started: number;
  /** Items whose run resolved. */
  finished: number;
  /** The source was read to its end. */
  exhausted: boolean;
}

/**
 * Runs `run` over the items of `source` with at most `limit` in flight. Stops taking new items once
 * `stop` is aborted or a run failed (the failing worker ends; the caller aborts `stop` to end the others).
 * The source is a synchronous iterator, so workers never re-enter it.
 */
export async function runPool<T>(
  source: Iterator<T>,
  limit: number,
  stop: AbortSignal,
  run: (item: T) => Promise<void>,
): Promise<PoolResult> {
  const result: PoolResult = { errors: [], started: 0, finished: 0, exhausted: false };
  const worker = async () => {
    while (!stop.aborted && !result.exhausted) {
      let next: IteratorResult<T>;
      try {
        next = source.next();
      } catch (e) {
        result.errors.push(e);
        result.exhausted = true;
        return;
      }
      if (next.done) {
        result.exhausted = true;
        return;
      }
      result.started++;
      try {
        await run(next.value);
        result.finished++;
      } catch (e) {
        result.errors.push(e);
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return result;
}
