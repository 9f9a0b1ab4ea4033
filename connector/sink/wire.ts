/**
 * The request body on the wire, built once per batch by the sink instead of by `@azure/monitor-ingestion`.
 *
 * `upload()` would serialize every row twice more (its chunker measures `JSON.stringify(row)` of each row,
 * then the REST layer stringifies the array) and gzip it at zlib's default level 6 (GzippingPolicy). The sink
 * already holds each row's JSON from sizing the batch, so it joins those strings and gzips them once, at
 * level 3 (about half the CPU of level 6 for an 8x instead of 9x ratio on audit rows; the 1 MB limit applies
 * to the uncompressed body, so the ratio does not change what fits in a request). The SDK client stays in
 * the request path (auth, user agent, headers, error shapes): `upload()` gets a one-element placeholder and
 * this module's policy, which replaces the SDK's GzippingPolicy, swaps in the prepared body. Requests made
 * without a prepared body (any other caller of the client) are gzipped as the SDK would. Measurements: docs/sink.md.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { promisify } from "node:util";
import { gzip as gzipCallback } from "node:zlib";
import type { LogsIngestionClient } from "@azure/monitor-ingestion";
import { arrayBuffer, type PreparedRow } from "./batches.ts";

const gzip = promisify(gzipCallback);

/** zlib level of request bodies (see the module comment and docs/sink.md for the measurements). */
export const WIRE_GZIP_LEVEL = 3;
/**
 * Output chunk size: a 1 MB batch compresses to ~125 KB, so one chunk instead of zlib's default eight 16 KB
 * ones (fewer round trips between the thread pool and the event loop: ~20 % less main-thread time per request).
 */
const GZIP_OPTIONS = { level: WIRE_GZIP_LEVEL, chunkSize: 128 * 1024 };

/** What `upload()` is given in place of the rows: one element, so the SDK makes exactly one request. */
export const PLACEHOLDER_LOGS: Record<string, unknown>[] = [{}];

/** Name of the policy that replaces the SDK's `GzippingPolicy`. */
export const PREPARED_BODY_POLICY = "exoAuditPreparedBody";

const preparedBody = new AsyncLocalStorage<Buffer>();

/** The gzipped JSON array of `rows`, exactly what the request carries (compressed off the main thread). */
export function gzipBatch(rows: readonly PreparedRow[]): Promise<Buffer> {
  return gzip(arrayBuffer(rows), GZIP_OPTIONS);
}

/** Runs `fn` (which calls `upload(…, PLACEHOLDER_LOGS)`) so that its request carries `body`. */
export function withPreparedBody<T>(body: Buffer, fn: () => Promise<T>): Promise<T> {
  return preparedBody.run(body, fn);
}

/**
 * Replaces the client's GzippingPolicy (same position in the pipeline: before retries and signing) by one
 * that sends the prepared body of the surrounding `withPreparedBody` call, or gzips the SDK's body otherwise.
 */
export function usePreparedBodies(client: LogsIngestionClient): void {
  client.pipeline.removePolicy({ name: "GzippingPolicy" });
  client.pipeline.addPolicy({
    name: PREPARED_BODY_POLICY,
    sendRequest: async (request, next) => {
      const body = preparedBody.getStore();
      if (body) request.body = body;
      else if (typeof request.body === "string" || request.body instanceof Uint8Array) {
        request.body = await gzip(request.body, GZIP_OPTIONS);
      }
      return next(request);
    },
  });
}
