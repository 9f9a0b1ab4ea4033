/**
 * Local emulator of the Office 365 Management Activity API over HTTPS: subscriptions, content listing with
 * the real window rules and paging, and content blobs built from given audit records by a deterministic
 * publisher (latency, duplicates, late blobs, 7-day expiry). Faults are injected through `faults`; the clock
 * through `now` or `advanceTo`. Every request is logged with whether it carried a PublisherIdentifier.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { localTls } from "../tls.ts";
import { FaultQueue, type Fault, type Route } from "./faults.ts";
import { apiError, writeJson } from "./http-util.ts";
import { type EmulatedBlob, type PublisherOptions, publishBlobs } from "./publisher.ts";
import { BlobStore } from "./store.ts";
import { checkWindow } from "./window.ts";

export type { Fault, Route } from "./faults.ts";
export type { EmulatedBlob, PublisherOptions } from "./publisher.ts";

export const CONTENT_TYPES = [
  "Audit.AzureActiveDirectory",
  "Audit.Exchange",
  "Audit.SharePoint",
  "Audit.General",
  "DLP.All",
];

export interface O365EmulatorOptions {
  tenantId: string;
  /** AuditData records to serve. */
  records?: readonly unknown[];
  publisher?: PublisherOptions;
  /** Bearer-token check: the Entra emulator (its `claims` also enables the tenant check, AF20010)... */
  entra?: {
    verify(token: string, audience: string): boolean;
    claims?(token: string): Record<string, unknown> | undefined;
  };
  /** ...with this audience (default `https://manage.office.com`), or an injected verifier. */
  audience?: string;
  verifyToken?: (token: string) => boolean;
  /** Explicitly accept any bearer token (demo without an authority). */
  acceptAnyToken?: boolean;
  /** Content types subscribed from the start. Default none (listing answers AF20022 until /start). */
  subscriptions?: string[];
  /** `/start` on an enabled subscription: 200 (default) or the observed AF20024 error. */
  startWhenEnabled?: "ok" | "AF20024";
  /** Listing page size. Default 20. */
  pageSize?: number;
  /** Name (casing) of the paging header. Default `NextPageUri`. */
  nextPageHeader?: string;
  /** Emulator clock; default the real clock shifted by `advanceTo`. */
  now?: () => number;
  /** Initial emulator time for the internal clock. */
  startTime?: Date | number;
  /** Added latency of every response (benchmarks). */
  latencyMs?: number;
  /** Server quota; beyond it requests get AF429 as HTTP 403. Default unlimited. */
  quotaPerMinute?: number;
}

export interface RequestLogEntry {
  at: number;
  method: string;
  route: Route;
  path: string;
  publisherIdentifier: string | null;
  authorized: boolean;
  status: number;
}

export interface O365Emulator {
  /** `https://127.0.0.1:<port>`: the client's `apiRoot`. */
  apiRoot: string;
  /** PEM the client must trust. */
  caCert: string;
  tenantId: string;
  faults: { push(...f: Fault[]): void; clear(): void; readonly length: number };
  readonly requests: RequestLogEntry[];
  now(): number;
  advanceTo(date: Date | number): void;
  advanceBy(ms: number): void;
  /** Distinct record Ids served in complete blob responses. */
  servedRecordIds(): Set<string>;
  /** Distinct record Ids held in all blobs. */
  recordIds(): Set<string>;
  blobs(): readonly EmulatedBlob[];
  /** Publishes more records (continuous demo); returns the number of blobs added. */
  addRecords(records: readonly unknown[], publisher?: PublisherOptions): number;
  setSubscription(contentType: string, status: "enabled" | "disabled" | "none"): void;
  /** Times of `/start` requests (spacing checks). */
  readonly startRequests: number[];
  stop(): Promise<void>;
}

/** Starts the emulator on 127.0.0.1 with a random port. */
export async function startO365Emulator(opts: O365EmulatorOptions): Promise<O365Emulator> {
  if (!opts.entra && !opts.verifyToken && !opts.acceptAnyToken) {
    throw new Error(
      "startO365Emulator needs entra, verifyToken or acceptAnyToken: the real API requires a bearer token",
    );
  }
  const tls = await localTls();
  let offset = opts.startTime !== undefined ? Number(new Date(opts.startTime)) - Date.now() : 0;
  const now = opts.now ?? (() => Date.now() + offset);
  const store = new BlobStore();
  let idOffset = 0;
  const addRecords = (records: readonly unknown[], publisher: PublisherOptions = opts.publisher ?? {}) => {
    const blobs = publishBlobs(records, { fallbackTimeMs: now(), ...publisher, idOffset });
    idOffset += blobs.length;
    store.add(blobs);
    return blobs.length;
  };
  if (opts.records) addRecords(opts.records);
  const subscriptions = new Map<string, "enabled" | "disabled">();
  for (const s of opts.subscriptions ?? []) subscriptions.set(s, "enabled");
  const faults = new FaultQueue();
  const requests: RequestLogEntry[] = [];
  const startRequests: number[] = [];
  const served = new Set<string>();
  const quotaLog: number[] = [];
  const pageSize = opts.pageSize ?? 20;
  const nextHeader = opts.nextPageHeader ?? "NextPageUri";
  const audience = opts.audience ?? "https://manage.office.com";

  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) writeJson(res, 500, apiError("AF50000", `emulator error: ${String(err)}`), {});
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
    const url = new URL(req.url ?? "/", origin);
    const m =
      /^\/api\/v1(?:\.0)?\/([^/]+)\/activity\/feed\/(?:subscriptions\/(start|stop|list|content|notifications)|audit\/(.+))$/.exec(
        url.pathname,
      );
    const route: Route = !m ? "unknown" : m[3] ? "blob" : ((m[2] === "list" ? "list" : m[2]) as Route);
    const tenant = m?.[1] ? decodeURIComponent(m[1]) : "";
    const entry: RequestLogEntry = {
      at: now(),
      method: req.method ?? "GET",
      route,
      path: url.pathname,
      publisherIdentifier: queryParam(url, "PublisherIdentifier"),
      authorized: false,
      status: 0,
    };
    requests.push(entry);
    // Bounded for long demo runs: keep the most recent entries.
    if (requests.length > 200_000) requests.splice(0, 20_000);
    // Drain the request body (start may carry a webhook body); it is not used.
    for await (const _ of req) {
      // discard
    }
    const active = faults.take(route);
    const fault = <K extends Fault["kind"]>(k: K) =>
      active.find((f) => f.kind === k) as Extract<Fault, { kind: K }> | undefined;
    const delay = (opts.latencyMs ?? 0) + (fault("slow")?.delayMs ?? 0);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const headers = { date: new Date(now() + (fault("date-skew")?.skewMs ?? 0)).toUTCString() };
    const reply = (status: number, body: unknown, extra: Record<string, string> = {}) => {
      entry.status = status;
      return writeJson(
        res,
        status,
        body,
        { ...headers, ...extra },
        { reset: !!fault("reset-mid-body"), truncate: !!fault("truncate-body") },
      );
    };

    const token = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const authorized =
      !!token &&
      (opts.acceptAnyToken || (opts.verifyToken ? opts.verifyToken(token) : !!opts.entra?.verify(token, audience)));
    entry.authorized = authorized;
    if (!authorized)
      return reply(401, { error: { code: "401", message: "Authorization has been denied for this request." } });
    if (!m) return reply(404, apiError("AF20001", `Unknown path ${url.pathname}`));
    if (tenant.toLowerCase() !== opts.tenantId.toLowerCase())
      return reply(400, apiError("AF20011", `Tenant ${tenant} does not exist.`));
    const tid = token && opts.entra?.claims?.(token)?.tid;
    if (typeof tid === "string" && tid.toLowerCase() !== tenant.toLowerCase()) {
      return reply(
        403,
        apiError("AF20010", "The tenant ID in the URL does not match the tenant ID of the access token."),
      );
    }
    const pub = entry.publisherIdentifier ?? "00000000-0000-0000-0000-000000000000";
    const throttle: { status: number; retryAfterSec?: number; publisherIdZero?: boolean } | undefined =
      fault("throttle") ?? (overQuota() ? { status: 403 } : undefined);
    if (throttle) {
      const method = route === "blob" ? "GetBlob" : route === "list" ? "ListSubscriptions" : "ListContent";
      const shownPub = throttle.publisherIdZero ? "00000000-0000-0000-0000-000000000000" : pub;
      return reply(
        throttle.status,
        apiError("AF429", `Too many requests. Method=${method}, PublisherId=${shownPub}`),
        throttle.retryAfterSec !== undefined ? { "retry-after": String(throttle.retryAfterSec) } : {},
      );
    }
    const err = fault("error");
    if (err) return reply(err.status, apiError(err.code ?? `HTTP${err.status}`, err.message ?? "Injected failure."));

    const contentType = url.searchParams.get("contentType");
    switch (route) {
      case "list":
        return reply(
          200,
          CONTENT_TYPES.filter((t) => subscriptions.has(t)).map((t) => ({
            contentType: t,
            status: subscriptions.get(t),
            webhook: null,
          })),
        );
      case "start": {
        if (!contentType || !CONTENT_TYPES.includes(contentType))
          return reply(400, apiError("AF20020", `Invalid content type ${contentType}.`));
        startRequests.push(now());
        if (subscriptions.get(contentType) === "enabled" && opts.startWhenEnabled === "AF20024") {
          return reply(400, apiError("AF20024", "The subscription is already enabled. No property change."));
        }
        subscriptions.set(contentType, "enabled");
        return reply(200, { contentType, status: "enabled", webhook: null });
      }
      case "stop":
        if (contentType) subscriptions.set(contentType, "disabled");
        return reply(200, "");
      case "notifications":
        return reply(200, []);
      case "content":
        return listContent(
          url,
          tenant,
          contentType,
          reply,
          fault("foreign-content-uri")?.origin ?? (fault("foreign-content-uri") ? "" : undefined),
          fault("foreign-next-page"),
        );
      case "blob":
        return getBlob(decodeURIComponent(m[3] ?? ""), reply);
      default:
        return reply(404, apiError("AF20001", "Unknown operation."));
    }
  }

  function listContent(
    url: URL,
    tenant: string,
    contentType: string | null,
    reply: (s: number, b: unknown, h?: Record<string, string>) => boolean,
    foreignContent: string | undefined,
    foreignNext: { origin?: string } | undefined,
  ): void {
    const evil = "https://evil.example";
    const blobOrigin = foreignContent === undefined ? origin : foreignContent || evil;
    if (!contentType || !CONTENT_TYPES.includes(contentType)) {
      reply(400, apiError("AF20020", `Invalid content type ${contentType}.`));
      return;
    }
    const status = subscriptions.get(contentType);
    if (status !== "enabled") {
      reply(
        400,
        status === "disabled"
          ? apiError("AF20023", "The subscription was disabled by the tenant admin.")
          : apiError("AF20022", `No subscription found for the specified content type ${contentType}.`),
      );
      return;
    }
    const window = checkWindow(url.searchParams.get("startTime"), url.searchParams.get("endTime"), now());
    if (!window.ok) {
      reply(400, apiError(window.code, window.message));
      return;
    }
    let from: number | undefined;
    const cursor = url.searchParams.get("nextPage");
    if (cursor !== null) {
      const c = /^(\d{13})R(\d+)$/.exec(cursor);
      if (!c) {
        reply(400, apiError("AF20031", "Invalid nextPage Input."));
        return;
      }
      from = Number(c[2]);
    }
    const page = store.list(contentType, window.start, window.end, now(), from, pageSize);
    const extra: Record<string, string> = {};
    if (page.next !== undefined) {
      const next = new URL(
        `${foreignNext ? (foreignNext.origin ?? evil) : origin}/api/v1/${tenant}/activity/feed/subscriptions/content`,
      );
      next.searchParams.set("contentType", contentType);
      next.searchParams.set("startTime", url.searchParams.get("startTime") ?? "");
      next.searchParams.set("endTime", url.searchParams.get("endTime") ?? "");
      next.searchParams.set("nextPage", `${String(now()).padStart(13, "0")}R${page.next}`);
      extra[nextHeader] = next.href;
    }
    reply(
      200,
      page.blobs.map((b) => ({
        contentType: b.contentType,
        contentId: b.contentId,
        contentUri: `${blobOrigin}/api/v1.0/${tenant}/activity/feed/audit/${b.contentId}`,
        contentCreated: new Date(b.created).toISOString(),
        contentExpiration: new Date(b.expiration).toISOString(),
      })),
      extra,
    );
  }

  function getBlob(contentId: string, reply: (s: number, b: unknown) => boolean): void {
    const blob = store.get(contentId);
    if (!blob || blob.visibleAt > now()) {
      reply(404, apiError("AF20050", "The specified content does not exist."));
      return;
    }
    if (now() > blob.expiration) {
      reply(
        400,
        apiError(
          "AF20051",
          "Content requested with the key " +
            contentId +
            " has already expired. Content older than 7 days cannot be retrieved.",
        ),
      );
      return;
    }
    if (reply(200, blob.records)) {
      for (const r of blob.records) {
        const id = (r as { Id?: unknown }).Id;
        if (typeof id === "string") served.add(id);
      }
    }
  }

  function overQuota(): boolean {
    if (!opts.quotaPerMinute) return false;
    const t = Date.now();
    while (quotaLog.length && (quotaLog[0] as number) <= t - 60_000) quotaLog.shift();
    if (quotaLog.length >= opts.quotaPerMinute) return true;
    quotaLog.push(t);
    return false;
  }

  return {
    apiRoot: origin,
    caCert: tls.cert,
    tenantId: opts.tenantId,
    faults,
    requests,
    startRequests,
    now,
    advanceTo(date) {
      if (opts.now) throw new Error("advanceTo needs the emulator's own clock (no `now` option)");
      offset = Number(new Date(date)) - Date.now();
    },
    advanceBy(ms) {
      if (opts.now) throw new Error("advanceBy needs the emulator's own clock (no `now` option)");
      offset += ms;
    },
    servedRecordIds: () => new Set(served),
    recordIds: () => {
      const ids = new Set<string>();
      for (const b of store.all()) for (const r of b.records) ids.add(String((r as { Id?: unknown }).Id));
      return ids;
    },
    blobs: () => store.all(),
    addRecords,
    setSubscription(contentType, status) {
      if (status === "none") subscriptions.delete(contentType);
      else subscriptions.set(contentType, status);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function queryParam(url: URL, name: string): string | null {
  const lower = name.toLowerCase();
  for (const [k, v] of url.searchParams) if (k.toLowerCase() === lower) return v;
  return null;
}
