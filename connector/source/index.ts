/**
 * Client of the Office 365 Management Activity API for one tenant: subscriptions, content listing with
 * paging, and streaming blob retrieval. See docs/source.md for behaviour and the AF-code reactions.
 */
import type { TokenProvider } from "../auth/types.ts";
import type { Logger } from "../log.ts";
import { silentLogger } from "../log.ts";
import { JsonStreamError, parseJsonArrayStream } from "../util/json-array-stream.ts";
import type { CloudName } from "./clouds.ts";
import { resolveCloud } from "./clouds.ts";
import { ContentUnavailableError, isManagementApiError, ManagementApiError, safeUrl } from "./errors.ts";
import { ApiTransport, headerValue, type MutableStats } from "./http.ts";
import type { BackoffOptions, Timers, TokenBucket } from "./rate-limit.ts";
import { backoffDelay, realTimers, sharedTokenBucket } from "./rate-limit.ts";
import { START_SPACING_MS, SubscriptionManager } from "./subscriptions.ts";
import { ClockSkew, formatApiTime, validateWindow } from "./time.ts";
import type { ContentBlobRef, ManagementActivityClient, SourceStats } from "./types.ts";

export { CLOUDS, type CloudName, resolveCloud } from "./clouds.ts";
export * from "./errors.ts";
export { TokenBucket, sharedTokenBucket } from "./rate-limit.ts";
export { formatApiTime } from "./time.ts";

/** Options of `createManagementActivityClient`. */
export interface ManagementActivityClientOptions {
  /** Customer tenant GUID (the `{tenant}` in every URL; must equal the token's `tid`). */
  tenantId: string;
  /** Tenant GUID of the publisher (the vendor). Defaults to `tenantId`, right for a single-tenant collector. */
  publisherId?: string;
  tokenProvider: TokenProvider;
  /** Cloud selection; default `commercial`. */
  cloud?: CloudName;
  /** Override of the API origin (emulators). */
  apiRoot?: string;
  /** Override of the token scope. */
  tokenScope?: string;
  /** Extra CA certificates (PEM) trusted for the API origin (emulators, TLS-inspecting proxies). */
  ca?: string | string[];
  /** Connections to the API origin. Default 8. */
  maxConnections?: number;
  /** Tenant request budget. Default 2,000/min (documented baseline). Ignored when `bucket` is given. */
  requestsPerMinute?: number;
  /** Explicit bucket; default: the process-wide bucket of the tenant. */
  bucket?: TokenBucket;
  /** Spacing between subscription starts of the tenant. Default 15 min. */
  subscriptionStartSpacingMs?: number;
  /** Retries per request for transient failures. Default 8. */
  maxRetries?: number;
  /** Backoff for 5xx/network errors. Default base 500 ms, cap 60 s. */
  backoff?: BackoffOptions;
  /** Backoff for AF429 without Retry-After. Default base 2 s, cap 60 s. */
  throttleBackoff?: BackoffOptions;
  /** Headers and body idle timeout. Default 120 s. */
  requestTimeoutMs?: number;
  /** Skew below this is ignored (Date has 1 s resolution). Default 5 s. */
  clockSkewThresholdMs?: number;
  /** Injectable clock and sleep (tests). */
  timers?: Timers;
  logger?: Logger;
}

/** Stats of this client, a superset of the contract's `SourceStats`. */
export type ClientStats = SourceStats & Omit<MutableStats, keyof SourceStats>;

/** Extra operations beyond the pipeline contract. */
export interface ManagementActivityClientExt extends ManagementActivityClient {
  /** Starts one subscription now (respecting the start spacing). */
  startSubscription(contentType: string, signal?: AbortSignal): Promise<void>;
  /** The client's idea of the server's now (local clock + learned skew). */
  serverNow(): Date;
  stats(): ClientStats;
}

/** Creates a client. Nothing is sent until a method is called. */
export function createManagementActivityClient(options: ManagementActivityClientOptions): ManagementActivityClientExt {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(options.tenantId)) {
    throw new Error(`tenantId must be a GUID (AF20013 otherwise), got "${options.tenantId}"`);
  }
  const cloud = resolveCloud({ cloud: options.cloud, apiRoot: options.apiRoot, tokenScope: options.tokenScope });
  const timers = options.timers ?? realTimers;
  const logger = (options.logger ?? silentLogger).child({ component: "source", tenantId: options.tenantId });
  const stats: MutableStats = {
    requests: 0,
    retries: 0,
    throttled: 0,
    blobsFetched: 0,
    recordsRead: 0,
    tokenRefreshes: 0,
    refusedUris: 0,
    resubscribes: 0,
  };
  const skew = new ClockSkew(options.clockSkewThresholdMs ?? 5_000);
  const maxRetries = options.maxRetries ?? 8;
  const backoff = options.backoff ?? { baseMs: 500, maxMs: 60_000 };
  const transport = new ApiTransport({
    apiRoot: cloud.apiRoot,
    tokenScope: cloud.tokenScope,
    tokens: options.tokenProvider,
    publisherId: options.publisherId ?? options.tenantId,
    ca: options.ca,
    connections: options.maxConnections ?? 8,
    bucket:
      options.bucket ?? sharedTokenBucket(options.tenantId, { requestsPerMinute: options.requestsPerMinute, timers }),
    timers,
    maxRetries,
    backoff,
    throttleBackoff: options.throttleBackoff ?? { baseMs: 2_000, maxMs: 60_000 },
    requestTimeoutMs: options.requestTimeoutMs ?? 120_000,
    logger,
    skew,
    stats,
  });
  const subscriptions = new SubscriptionManager({
    transport,
    tenantId: options.tenantId,
    apiRoot: cloud.apiRoot,
    spacingMs: options.subscriptionStartSpacingMs ?? START_SPACING_MS,
    timers,
    logger,
    stats,
  });
  const serverNowMs = () => timers.now() + skew.ms;

  async function* listContent(
    contentType: string,
    start: Date,
    end: Date,
    signal?: AbortSignal,
  ): AsyncGenerator<ContentBlobRef[]> {
    validateWindow(start, end, serverNowMs());
    const first = transport.apiUrl(
      `/api/v1.0/${encodeURIComponent(options.tenantId)}/activity/feed/subscriptions/content`,
    );
    first.searchParams.set("contentType", contentType);
    first.searchParams.set("startTime", formatApiTime(start));
    first.searchParams.set("endTime", formatApiTime(end));
    let url = first;
    let windowRetried = false;
    let resubscribed = false;
    let relisted = false;
    for (;;) {
      let page: { value: unknown; headers: Record<string, string | string[] | undefined> };
      try {
        page = await transport.sendJson<unknown>("GET", url, { signal });
      } catch (err) {
        if (!isManagementApiError(err)) throw err;
        if (err.reaction === "window" && !windowRetried) {
          // AF20030/AF20055: usually our clock is off. The failed response's Date taught us the skew; re-check
          // the window against the corrected clock (throws WindowError if it is really invalid), retry once.
          windowRetried = true;
          logger.warn("API rejected the window; re-checking with the server clock", {
            afCode: err.afCode,
            clockSkewMs: skew.ms,
          });
          validateWindow(start, end, serverNowMs());
          url = first;
          continue;
        }
        if (err.reaction === "resubscribe" && !resubscribed) {
          resubscribed = true;
          stats.resubscribes++;
          logger.warn("subscription missing or disabled during listing; re-subscribing", {
            contentType,
            afCode: err.afCode,
          });
          await subscriptions.start(contentType, signal);
          continue;
        }
        if (err.reaction === "relist" && !relisted) {
          // AF20031: the paging cursor was rejected. Restart from the window start; refs already yielded come
          // again and the pipeline skips their contentIds.
          relisted = true;
          logger.warn("API rejected the paging cursor; restarting the listing from the window start", { contentType });
          url = first;
          continue;
        }
        throw err;
      }
      if (!Array.isArray(page.value)) {
        throw new ManagementApiError({
          status: 200,
          reaction: "fatal",
          method: "GET",
          url,
          message: "content listing is not a JSON array",
        });
      }
      const refs = toRefs(page.value, contentType);
      if (refs.length > 0) yield refs;
      const next = headerValue(page.headers, "NextPageUri");
      if (!next) return;
      // Used as given (absolute, may even say api/v1 instead of api/v1.0), but only on the API origin.
      url = transport.trusted(next, "NextPageUri");
    }
  }

  function toRefs(items: unknown[], contentType: string): ContentBlobRef[] {
    const refs: ContentBlobRef[] = [];
    for (const item of items) {
      const r = item as Partial<ContentBlobRef> | null;
      if (
        !r ||
        typeof r.contentUri !== "string" ||
        typeof r.contentId !== "string" ||
        typeof r.contentCreated !== "string"
      ) {
        logger.error("content listing entry without contentUri/contentId/contentCreated; skipped", { contentType });
        continue;
      }
      refs.push({
        contentType: typeof r.contentType === "string" ? r.contentType : contentType,
        contentId: r.contentId,
        contentUri: r.contentUri,
        contentCreated: r.contentCreated,
        contentExpiration: typeof r.contentExpiration === "string" ? r.contentExpiration : "",
      });
    }
    return refs;
  }

  async function* fetchRecords(ref: ContentBlobRef, signal?: AbortSignal): AsyncGenerator<unknown> {
    let url: URL;
    // A refused contentUri is never fetched, and is not a gap either: like a refused NextPageUri it fails the
    // window, so the cursor stays and the blob is retried until the API serves a valid URI or it expires.
    url = transport.trusted(ref.contentUri, "contentUri");
    // Records already handed to the consumer; after a broken body the blob is read again from the start and
    // these are skipped (blob content is immutable), so the consumer sees every record once.
    let delivered = 0;
    for (let attempt = 0; ; attempt++) {
      let res: Awaited<ReturnType<ApiTransport["send"]>>;
      try {
        res = await transport.send("GET", url, { signal });
      } catch (err) {
        if (isManagementApiError(err) && (err.reaction === "expired" || err.reaction === "missing")) {
          throw new ContentUnavailableError(err.afCode ?? String(err.status), ref, err.message, err);
        }
        throw err;
      }
      let index = 0;
      let finished = false;
      try {
        for await (const record of parseJsonArrayStream(res.body)) {
          if (index++ < delivered) continue;
          delivered++;
          stats.recordsRead++;
          yield record;
        }
        finished = true;
        stats.blobsFetched++;
        return;
      } catch (err) {
        if (signal?.aborted) throw err;
        const broken =
          err instanceof JsonStreamError
            ? `truncated or invalid body after ${err.elementsRead} records`
            : String((err as Error)?.message ?? err);
        if (attempt >= maxRetries) {
          throw new ManagementApiError({
            status: res.status,
            reaction: "retry",
            method: "GET",
            url,
            message: broken,
            cause: err,
          });
        }
        stats.retries++;
        const delay = backoffDelay(attempt, backoff);
        logger.warn("blob body broke off; fetching it again from the start", {
          contentId: ref.contentId,
          url: safeUrl(url),
          delivered,
          problem: broken,
          delayMs: delay,
        });
        await timers.sleep(delay, signal);
      } finally {
        if (!finished) res.body.destroy?.();
      }
    }
  }

  return {
    ensureSubscriptions: (types, signal?: AbortSignal) => subscriptions.ensure(types, signal),
    startSubscription: (type, signal) => subscriptions.start(type, signal),
    listContent,
    fetchRecords,
    clockSkewMs: () => skew.ms,
    serverNow: () => new Date(serverNowMs()),
    stats: () => ({ ...stats }),
    close: () => transport.close(),
  };
}
