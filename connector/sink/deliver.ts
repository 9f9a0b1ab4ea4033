/**
 * Delivery of one batch: upload, classify the outcome, and retry, split, trim or quarantine until every
 * row is either acknowledged (204) or dead-lettered, or throw `SinkError` (the caller must not commit).
 *
 * | outcome                         | reaction                                                                |
 * |---------------------------------|-------------------------------------------------------------------------|
 * | 204                             | acknowledged                                                            |
 * | 408/429/5xx/network             | wait (Retry-After, else exponential backoff), resend; bounded time      |
 * | 413                             | split in halves; a single row is trimmed (Truncated) and resent          |
 * | 400 (row data)                  | bisect; a single rejected row goes to the dead-letter store             |
 * | 401                             | rebuild the client (fresh token) and retry once, then fail              |
 * | 403                             | slow backoff (role propagation up to 30 min), bounded, then fail        |
 * | 404, other 4xx, 400 config codes | fail fast                                                             |
 * | token refused, permanent AADSTS  | fail fast with the setting to fix (table in connector/auth/errors.ts)   |
 * | caller's signal aborted          | back-off sleeps and the request stop at once; nothing acknowledged      |
 */
import { describeAuthError } from "../auth/errors.ts";
import type { Logger } from "../log.ts";
import { halves, type PreparedRow } from "./batches.ts";
import { classifyUploadError, type UploadFailure } from "./classify.ts";
import { SinkError } from "./errors.ts";
import type { FitResult } from "./fit.ts";
import { backoffMs, type ResolvedRetry } from "./retry.ts";
import type { DeadLetter, DeadLetterStore } from "./types.ts";

/** Shared state of one `send` call, used by all its concurrent batch deliveries. */
export interface SendContext {
  stream: string;
  dcrImmutableId: string;
  endpoint: string;
  /** Prefix of the configuration keys of the identity (`ingestion.`), named when a token is refused for good. */
  credentialSetting: string;
  /** Label for dead letters (`source` field). */
  source: string;
  /** One request carrying exactly these rows (the same array on a retry, so its body can be reused). */
  upload(rows: PreparedRow[], signal: AbortSignal): Promise<void>;
  /** For the log line when a request times out. */
  requestTimeoutMs: number;
  /** Drops the cached token by rebuilding the SDK client (after a 401). */
  refreshClient(): void;
  fit(row: Record<string, unknown>, maxRowBytes: number): FitResult;
  deadLetters: DeadLetterStore;
  logger: Logger;
  retry: ResolvedRetry;
  clock: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  random: () => number;
  signal: AbortSignal;
  counts: { accepted: number; deadLettered: number; truncated: number };
  /** When this send's run of 403s started (shared by its batches so the budget is per send, not per batch). */
  forbidden: { since: number | undefined; attempts: number };
  consecutiveRejections: number;
}

/** Largest number of times one row is halved after 413s before it is dead-lettered. */
const MAX_TRIMS_PER_ROW = 8;

function errorFields(f: UploadFailure): Record<string, unknown> {
  return { status: f.status, code: f.code, error: f.message };
}

function statusLabel(f: UploadFailure): string {
  return `${f.status ?? "network"}${f.code ? ` ${f.code}` : ""}`;
}

async function deadLetter(ctx: SendContext, row: PreparedRow, f: UploadFailure, reason: string): Promise<void> {
  const recordId = typeof row.row.RecordId === "string" ? row.row.RecordId : undefined;
  const letter: DeadLetter = {
    time: new Date(ctx.clock()).toISOString(),
    stage: "ingestion",
    reason,
    source: ctx.source,
    ...(recordId ? { recordId } : {}),
    payload: row.row,
    stream: ctx.stream,
    errorCode: statusLabel(f),
  };
  try {
    await ctx.deadLetters.put([letter]);
  } catch (e) {
    throw new SinkError("dead-letter-failed", `Could not write a rejected row to the dead-letter store: ${String(e)}`, {
      cause: e,
    });
  }
  ctx.counts.deadLettered++;
  ctx.logger.warn("row rejected by the Logs Ingestion API; dead-lettered", {
    stream: ctx.stream,
    index: row.index,
    recordId,
    ...errorFields(f),
  });
}

async function sleepOrAbort(ctx: SendContext, ms: number, f: UploadFailure): Promise<void> {
  try {
    await ctx.sleep(ms, ctx.signal);
  } catch (e) {
    const lastFailure = `${statusLabel(f)}: ${f.message}`;
    throw new SinkError("aborted", `send was aborted while waiting to retry (last: ${lastFailure})`, {
      cause: e,
      lastFailure,
    });
  }
}

/** Delivers one batch (and the halves it may be split into). */
export async function deliverBatch(ctx: SendContext, batch: PreparedRow[]): Promise<void> {
  const work: PreparedRow[][] = [batch];
  while (work.length > 0) {
    const next = work.shift()!;
    const split = await deliverOnce(ctx, next);
    if (split) work.unshift(...split);
  }
}

/** Tries one (sub-)batch until it is done; returns halves when it must be split. */
async function deliverOnce(ctx: SendContext, rows: PreparedRow[]): Promise<PreparedRow[][] | undefined> {
  const started = ctx.clock();
  let attempts = 0;
  let refreshed = false;
  let trims = 0;
  for (;;) {
    if (ctx.signal.aborted) throw new SinkError("aborted", "send was aborted", { cause: ctx.signal.reason });
    let failure: UploadFailure;
    try {
      await ctx.upload(rows, ctx.signal);
      ctx.counts.accepted += rows.length;
      ctx.consecutiveRejections = 0;
      ctx.forbidden.since = undefined;
      ctx.forbidden.attempts = 0;
      return undefined;
    } catch (e) {
      failure = classifyUploadError(e, ctx.clock());
    }
    if (failure.kind === "aborted" && !ctx.signal.aborted) {
      // Our per-request timeout fired, not the caller: the request's fate is unknown, so resend it.
      failure = { ...failure, kind: "transient", message: `no response within ${ctx.requestTimeoutMs} ms` };
    }
    attempts++;
    const where = `DCR ${ctx.dcrImmutableId}, stream ${ctx.stream}`;
    switch (failure.kind) {
      case "transient": {
        const delay = Math.min(
          failure.retryAfterMs ?? backoffMs(attempts, ctx.retry.initialDelayMs, ctx.retry.maxDelayMs, ctx.random),
          ctx.retry.maxRetryAfterMs,
        );
        const elapsed = ctx.clock() - started;
        if (attempts >= ctx.retry.maxAttempts || elapsed + delay > ctx.retry.maxRetryTimeMs) {
          throw new SinkError(
            "retries-exhausted",
            `Logs Ingestion upload to ${where} still failing after ${attempts} attempts in ${Math.round(elapsed / 1000)} s ` +
              `(last: ${statusLabel(failure)}: ${failure.message}); nothing after this batch was committed`,
            { status: failure.status, code: failure.code },
          );
        }
        ctx.logger.warn("Logs Ingestion upload failed transiently; retrying", {
          ...errorFields(failure),
          stream: ctx.stream,
          rows: rows.length,
          attempt: attempts,
          delayMs: delay,
          retryAfterMs: failure.retryAfterMs,
        });
        await sleepOrAbort(ctx, delay, failure);
        continue;
      }
      case "too-large": {
        if (rows.length > 1) {
          ctx.logger.info("Logs Ingestion answered 413; splitting the batch", {
            rows: rows.length,
            ...errorFields(failure),
          });
          return halves(rows);
        }
        const only = rows[0]!;
        const fitted = trims < MAX_TRIMS_PER_ROW ? ctx.fit(only.row, Math.floor(only.bytes / 2)) : undefined;
        if (!fitted || fitted.bytes >= only.bytes) {
          await deadLetter(ctx, only, failure, `413: row of ${only.bytes} bytes is too large even after trimming`);
          return undefined;
        }
        trims++;
        if (!only.trimmed) ctx.counts.truncated++;
        rows = [{ ...only, row: fitted.row, bytes: fitted.bytes, json: fitted.json, trimmed: true }];
        ctx.logger.warn("row too large for one request; trimmed and resent", {
          index: only.index,
          bytes: fitted.bytes,
          fields: fitted.cut,
        });
        continue;
      }
      case "bad-request": {
        if (rows.length > 1) return halves(rows);
        await deadLetter(ctx, rows[0]!, failure, `${statusLabel(failure)}: ${failure.message}`);
        ctx.consecutiveRejections++;
        if (ctx.counts.accepted === 0 && ctx.consecutiveRejections >= ctx.retry.maxConsecutiveRejections) {
          throw new SinkError(
            "rejected",
            `Logs Ingestion rejected ${ctx.consecutiveRejections} rows in a row for ${where} and accepted none ` +
              `(last: ${statusLabel(failure)}: ${failure.message}). The DCR stream declaration probably does not ` +
              `match this connector version; redeploy the DCR. Rejected rows are in the dead-letter store.`,
            { status: failure.status, code: failure.code },
          );
        }
        return undefined;
      }
      case "unauthorized": {
        if (!refreshed) {
          refreshed = true;
          ctx.logger.warn("Logs Ingestion answered 401; refreshing the token and retrying once", errorFields(failure));
          ctx.refreshClient();
          continue;
        }
        throw new SinkError(
          "unauthorized",
          `Logs Ingestion refused the token twice (401) for ${where}: check the credential (tenant, client id, ` +
            `secret/certificate) and that the audience matches the cloud of ${ctx.endpoint}`,
          { status: failure.status, code: failure.code },
        );
      }
      case "forbidden": {
        const now = ctx.clock();
        ctx.forbidden.since ??= now;
        const elapsed = now - ctx.forbidden.since;
        const message =
          `Logs Ingestion answered 403 (${failure.code ?? "Forbidden"}) for ${where}: the identity lacks the ` +
          `'Monitoring Metrics Publisher' role on the DCR, or a recent role assignment has not propagated yet ` +
          `(can take up to 30 minutes)`;
        const remaining = ctx.retry.forbiddenMaxTimeMs - elapsed;
        if (remaining <= 0) {
          throw new SinkError("forbidden", `${message}; gave up after ${Math.round(elapsed / 1000)} s`, {
            status: failure.status,
            code: failure.code,
          });
        }
        ctx.forbidden.attempts++;
        const delay = Math.min(
          remaining,
          ctx.retry.forbiddenMaxDelayMs,
          ctx.retry.forbiddenInitialDelayMs * 2 ** (ctx.forbidden.attempts - 1),
        );
        ctx.logger.warn(`${message}; retrying in ${Math.round(delay / 1000)} s`, {
          dcrImmutableId: ctx.dcrImmutableId,
          waitedMs: elapsed,
          delayMs: delay,
        });
        await sleepOrAbort(ctx, delay, failure);
        continue;
      }
      case "not-found":
        throw new SinkError(
          "not-found",
          `Logs Ingestion answered 404 (${failure.code ?? "NotFound"}) for ${where} at ${ctx.endpoint}: the DCR ` +
            `immutable id is wrong, or the endpoint is not the DCR's (or its DCE's) logs ingestion endpoint ` +
            `(${failure.message})`,
          { status: failure.status, code: failure.code },
        );
      case "credential":
        throw new SinkError(
          "credential",
          `${describeAuthError(failure.auth!, `the Logs Ingestion identity (DCR ${ctx.dcrImmutableId})`, ctx.credentialSetting)}`,
          { status: failure.status, code: failure.auth!.code },
        );
      case "aborted":
        throw new SinkError("aborted", "send was aborted", { cause: ctx.signal.reason });
      case "fatal":
        throw new SinkError(
          "configuration",
          `Logs Ingestion rejected the request for ${where} (${statusLabel(failure)}: ${failure.message}); this is ` +
            `not retryable: check the endpoint, DCR immutable id and stream name`,
          { status: failure.status, code: failure.code },
        );
    }
  }
}
