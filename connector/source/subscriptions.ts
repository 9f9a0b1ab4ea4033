/**
 * Subscriptions: list, start missing ones, and keep the documented spacing of at least 15 minutes between
 * `/start` requests of a tenant (reference doc note, 2025-08). `/stop` is never called: content published
 * while a subscription is stopped can never be retrieved.
 */
import type { Logger } from "../log.ts";
import { isManagementApiError } from "./errors.ts";
import type { ApiTransport, MutableStats } from "./http.ts";
import type { Timers } from "./rate-limit.ts";

/** One entry of `GET /subscriptions/list`. */
export interface SubscriptionInfo {
  contentType: string;
  status: string;
  webhook: unknown;
}

/** Default spacing between two `/start` requests of a tenant. */
export const START_SPACING_MS = 15 * 60_000;

// Last /start per tenant and API origin, shared by every client in the process (the spacing is per tenant).
const lastStart = new Map<string, number>();

export interface SubscriptionManagerOptions {
  transport: ApiTransport;
  tenantId: string;
  apiRoot: string;
  spacingMs: number;
  timers: Timers;
  logger: Logger;
  stats: MutableStats;
}

export class SubscriptionManager {
  private readonly o: SubscriptionManagerOptions;
  private readonly key: string;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(options: SubscriptionManagerOptions) {
    this.o = options;
    this.key = `${options.apiRoot}|${options.tenantId.toLowerCase()}`;
  }

  private path(op: string, query: Record<string, string> = {}): URL {
    const url = this.o.transport.apiUrl(
      `/api/v1.0/${encodeURIComponent(this.o.tenantId)}/activity/feed/subscriptions/${op}`,
    );
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return url;
  }

  /** `GET /subscriptions/list`. */
  async list(signal?: AbortSignal): Promise<SubscriptionInfo[]> {
    const { value } = await this.o.transport.sendJson<unknown>("GET", this.path("list"), { signal });
    if (!Array.isArray(value)) throw new Error("subscriptions/list did not return an array");
    return value.filter((v): v is SubscriptionInfo => typeof (v as SubscriptionInfo)?.contentType === "string");
  }

  /**
   * `POST /subscriptions/start`, waiting for the tenant's start spacing first. "Already enabled" (AF20024)
   * counts as success. Calls are serialised so concurrent re-subscriptions keep the spacing too.
   */
  start(contentType: string, signal?: AbortSignal): Promise<void> {
    const run = this.chain.then(() => this.startNow(contentType, signal));
    this.chain = run.catch(() => {});
    return run;
  }

  private async startNow(contentType: string, signal?: AbortSignal): Promise<void> {
    const { timers, logger } = this.o;
    const previous = lastStart.get(this.key);
    if (previous !== undefined) {
      const wait = previous + this.o.spacingMs - timers.now();
      if (wait > 0) {
        logger.info("waiting before the next subscription start (the API asks for 15 minutes between starts)", {
          contentType,
          waitMs: wait,
        });
        await timers.sleep(wait, signal);
      }
    }
    // Recorded again when the answer arrives, so the service sees the full spacing even on a slow request.
    lastStart.set(this.key, timers.now());
    try {
      const { value } = await this.o.transport.sendJson<{ status?: string }>(
        "POST",
        this.path("start", { contentType }),
        {
          body: "",
          signal,
        },
      );
      const status = value && typeof value === "object" ? value.status : undefined;
      if (status && status.toLowerCase() !== "enabled") {
        throw new Error(`subscription start for ${contentType} answered status "${status}"`);
      }
      logger.info("subscription started", { contentType });
    } catch (err) {
      if (isManagementApiError(err) && err.afCode === "AF20024") {
        logger.info("subscription already enabled", { contentType });
        return;
      }
      throw err;
    } finally {
      lastStart.set(this.key, timers.now());
    }
  }

  /** Lists subscriptions and starts the requested content types that are not enabled. */
  async ensure(contentTypes: readonly string[], signal?: AbortSignal): Promise<void> {
    const current = await this.list(signal);
    const enabled = new Set(
      current.filter((s) => s.status?.toLowerCase() === "enabled").map((s) => s.contentType.toLowerCase()),
    );
    for (const type of contentTypes) {
      if (enabled.has(type.toLowerCase())) continue;
      this.o.logger.warn(
        "subscription missing or disabled; starting it (first content can take up to 12 hours to appear)",
        { contentType: type },
      );
      await this.start(type, signal);
    }
  }
}
