/**
 * The Logs Ingestion sink: delivers normalized rows to a DCR stream with `@azure/monitor-ingestion`,
 * owning the batching (one batch = one request, acknowledged alone) and every retry decision.
 * See docs/sink.md for the behaviour per HTTP status.
 */
import type { TokenCredential } from "@azure/core-auth";
import type { LogsIngestionClientOptions } from "@azure/monitor-ingestion";
import { type Logger, silentLogger } from "../log.ts";
import { EXCHANGE_AUDIT_TABLE, HEALTH_TABLE } from "../schema/table-schema.ts";
import { DEFAULT_MAX_BATCH_BYTES, type PreparedRow } from "./batches.ts";
import { createIngestionClient, type RequestCounters, withCounters } from "./client.ts";
import { deliverBatch, type SendContext } from "./deliver.ts";
import { validateDcrImmutableId, validateIngestionEndpoint, validateStreamName } from "./endpoint.ts";
import { SinkError } from "./errors.ts";
import { fitRow } from "./fit.ts";
import { runPool } from "./pool.ts";
import { type PreparationTally, preparedBatches } from "./prepare.ts";
import { abortableSleep, resolveRetry, type SinkRetryOptions } from "./retry.ts";
import type { DeadLetterStore, RowSink, SinkReport, SinkRow, StreamKind } from "./types.ts";
import { gzipBatch, PLACEHOLDER_LOGS, withPreparedBody } from "./wire.ts";

export { DEFAULT_MAX_BATCH_BYTES, packBatches } from "./batches.ts";
export { classifyUploadError } from "./classify.ts";
export { createIngestionCredential, ingestionAudience, type IngestionCredentialConfig } from "./credential.ts";
export { FileDeadLetterStore, readDeadLetters } from "./dead-letter-file.ts";
export { SerializedRow, serializeRow } from "./fit.ts";
export { MemoryDeadLetterStore } from "./dead-letter-memory.ts";
export { validateDcrImmutableId, validateIngestionEndpoint, validateStreamName } from "./endpoint.ts";
export { isSinkError, SinkError, type SinkErrorKind } from "./errors.ts";
export type { SinkRetryOptions } from "./retry.ts";
export type * from "./types.ts";

export interface LogsIngestionSinkOptions {
  /** Logs ingestion endpoint of a Direct DCR (`properties.endpoints.logsIngestion`) or of a DCE. */
  endpoint: string;
  /** `properties.immutableId` of the DCR (`dcr-<32 hex>`). */
  dcrImmutableId: string;
  /** Input stream per kind (defaults from connector/schema: Custom-ExchangeAudit, Custom-ExchangeAuditHealth). */
  streams?: Partial<Record<StreamKind, string>>;
  credential: TokenCredential;
  /** `KnownMonitorAudience` of the cloud (default public: https://monitor.azure.com). */
  audience?: string;
  /** Extra PEM CA to trust (the local workspace emulator, TLS-inspecting proxies). */
  ca?: string | Buffer;
  /** Batches in flight at once per `send` (default 4). */
  maxConcurrency?: number;
  /** Largest JSON array per request, brackets and commas included (default and maximum 1,000,000). */
  maxBatchBytes?: number;
  /** Where rows the service rejects for good are kept. */
  deadLetters: DeadLetterStore;
  logger?: Logger;
  retry?: SinkRetryOptions;
  /** Milliseconds clock (default Date.now); injectable for tests. */
  clock?: () => number;
  /** Sleep used between retries (default: a timer that aborts with the signal). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Jitter source for backoff (default Math.random). */
  random?: () => number;
  /**
   * Per-request timeout (default 120 s). A timed-out request is retried like a network error; the service
   * may still have accepted it, so a timeout can duplicate rows (at-least-once).
   */
  requestTimeoutMs?: number;
  /** Retries inside the SDK pipeline (default 0: the sink retries itself; see docs/sink.md). */
  sdkMaxRetries?: number;
  /** Passed through to `LogsIngestionClient` (proxyOptions, ...). */
  clientOptions?: LogsIngestionClientOptions;
  /** `source` label of dead letters (default `logs-ingestion:<stream>`). */
  source?: string;
  /** Accept a non-Azure, non-loopback endpoint host (`allowCustomHosts`, tests only). */
  allowCustomHost?: boolean;
  /** Configuration prefix of the identity, named when Entra refuses its token for good (default `ingestion.`). */
  credentialSetting?: string;
}

/** A RowSink that also reports lifetime totals. */
export interface LogsIngestionSink extends RowSink {
  /** Totals since the sink was created. */
  stats(): SinkReport;
}

const DEFAULT_STREAMS: Record<StreamKind, string> = {
  audit: EXCHANGE_AUDIT_TABLE.streamName,
  health: HEALTH_TABLE.streamName,
};

/** Creates the sink. Throws at once on an invalid endpoint, DCR id, stream name or option. */
export function createLogsIngestionSink(opts: LogsIngestionSinkOptions): LogsIngestionSink {
  const endpoint = validateIngestionEndpoint(opts.endpoint, opts.allowCustomHost);
  const dcrImmutableId = validateDcrImmutableId(opts.dcrImmutableId);
  const streams = { ...DEFAULT_STREAMS, ...opts.streams };
  for (const s of Object.values(streams)) validateStreamName(s);
  const maxBatchBytes = opts.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
  if (!(maxBatchBytes >= 1024 && maxBatchBytes <= DEFAULT_MAX_BATCH_BYTES)) {
    // 1,000,000 leaves room under the service limit of 1 MB (1,048,576) for the uncompressed body.
    throw new Error(`maxBatchBytes must be between 1024 and ${DEFAULT_MAX_BATCH_BYTES}, got ${maxBatchBytes}`);
  }
  const maxConcurrency = opts.maxConcurrency ?? 4;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
    throw new Error(`maxConcurrency must be a positive integer, got ${maxConcurrency}`);
  }
  const retry = resolveRetry(opts.retry);
  const logger = (opts.logger ?? silentLogger).child({ component: "sink" });
  const clock = opts.clock ?? Date.now;
  const sleep = opts.sleep ?? abortableSleep;
  const random = opts.random ?? Math.random;
  const requestTimeoutMs = opts.requestTimeoutMs ?? 120_000;
  const makeClient = () =>
    createIngestionClient({
      endpoint,
      credential: opts.credential,
      audience: opts.audience,
      ca: opts.ca,
      sdkMaxRetries: opts.sdkMaxRetries,
      clientOptions: opts.clientOptions,
    });
  let current = makeClient();
  const agents = [current.agent];
  const totals: SinkReport = { accepted: 0, deadLettered: 0, truncated: 0, requests: 0, bytes: 0 };
  let closed = false;

  async function send(kind: StreamKind, rows: readonly SinkRow[], signal?: AbortSignal) {
    if (closed) throw new SinkError("configuration", "the sink is closed");
    const stream = streams[kind];
    if (!stream) throw new SinkError("configuration", `unknown stream kind '${kind}'`);
    const counters: RequestCounters = { requests: 0, bytes: 0 };
    const source = opts.source ?? `logs-ingestion:${stream}`;
    const tally: PreparationTally = { truncated: 0, unfit: [] };
    const batches = preparedBatches(rows, { maxBatchBytes, stream, source, clock, logger }, tally);
    const bodies = new WeakMap<PreparedRow[], Buffer>();
    const stop = new AbortController();
    const onAbort = () => stop.abort(signal?.reason);
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    const ctx: SendContext = {
      stream,
      dcrImmutableId,
      endpoint,
      source,
      credentialSetting: opts.credentialSetting ?? "ingestion.",
      upload: async (batch, s) => {
        // Built once per (sub-)batch: a retry resends the same array, hence the same body.
        let body = bodies.get(batch);
        if (!body) {
          body = await gzipBatch(batch);
          bodies.set(batch, body);
        }
        const client = current.client;
        // A timer cleared with the request, created outside the body's AsyncLocalStorage scope: an
        // `AbortSignal.timeout()` lives for the whole timeout after the request, and its timer's async context
        // kept every request body reachable for those 120 s (~50 MB of the connector's heap at full speed).
        const timeout = new AbortController();
        const timer = setTimeout(
          () => timeout.abort(new DOMException(`no response within ${requestTimeoutMs} ms`, "TimeoutError")),
          requestTimeoutMs,
        );
        const abortSignal = AbortSignal.any([s, timeout.signal]);
        try {
          await withPreparedBody(body, () =>
            client.upload(dcrImmutableId, stream, PLACEHOLDER_LOGS, { maxConcurrency: 1, abortSignal }),
          );
        } finally {
          clearTimeout(timer);
        }
      },
      requestTimeoutMs,
      refreshClient: () => {
        current = makeClient();
        agents.push(current.agent);
      },
      fit: (row, max) => fitRow(row, max),
      deadLetters: opts.deadLetters,
      logger,
      retry,
      clock,
      sleep,
      random,
      signal: stop.signal,
      counts: { accepted: 0, deadLettered: 0, truncated: 0 },
      forbidden: { since: undefined, attempts: 0 },
      consecutiveRejections: 0,
    };
    const started = clock();
    try {
      const run = await withCounters([counters, totals], () =>
        runPool(batches, maxConcurrency, stop.signal, async (batch) => {
          try {
            await deliverBatch(ctx, batch);
          } catch (e) {
            // The first failure aborts the other batches (their retries and requests): send fails, nothing is committed.
            if (!stop.signal.aborted) stop.abort(e);
            throw e;
          }
        }),
      );
      if (tally.unfit.length > 0) {
        try {
          await opts.deadLetters.put(tally.unfit);
          ctx.counts.deadLettered += tally.unfit.length;
        } catch (e) {
          run.errors.unshift(
            new SinkError(
              "dead-letter-failed",
              `Could not write unsendable rows to the dead-letter store: ${String(e)}`,
              {
                cause: e,
              },
            ),
          );
        }
      }
      ctx.counts.truncated += tally.truncated;
      const report: SinkReport = { ...ctx.counts, ...counters };
      totals.accepted += ctx.counts.accepted;
      totals.deadLettered += ctx.counts.deadLettered;
      totals.truncated += ctx.counts.truncated;
      if (run.errors.length > 0 || !run.exhausted || run.finished < run.started) {
        const first =
          run.errors.find((e) => !(e instanceof SinkError && e.kind === "aborted")) ??
          run.errors[0] ??
          new SinkError("aborted", "send was aborted");
        logger.error("send failed; the caller must not commit", {
          stream,
          rows: rows.length,
          ...report,
          error: first instanceof Error ? first.message : String(first),
        });
        throw first instanceof SinkError ? first : new SinkError("retries-exhausted", String(first), { cause: first });
      }
      logger.debug("send complete", {
        stream,
        rows: rows.length,
        batches: run.finished,
        ms: clock() - started,
        ...report,
      });
      return report;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  return {
    send,
    stats: () => ({ ...totals }),
    close: async () => {
      closed = true;
      for (const a of agents) a?.destroy();
    },
  };
}
