/** Typed errors of the Management Activity API client. Each carries a stable `name` and a type guard. */
import type { AfReaction } from "./af-codes.ts";
import type { ContentBlobRef, ContentGap } from "./types.ts";

/** Removes the query string (PublisherIdentifier, paging cursors) from a URL for messages and logs. */
export function safeUrl(url: string | URL): string {
  try {
    const u = new URL(String(url));
    return `${u.origin}${u.pathname}`;
  } catch {
    return "[invalid url]";
  }
}

/** An API call that failed for good (fatal code, or retries exhausted). */
export class ManagementApiError extends Error {
  override readonly name = "ManagementApiError";
  /** HTTP status, or 0 when no response arrived (network error). */
  readonly status: number;
  readonly afCode: string | undefined;
  readonly reaction: AfReaction;
  readonly method: string;
  /** The URL without its query string. */
  readonly url: string;
  /** Server `Date` header of the failed response, when present (clock-skew correction). */
  readonly serverDate: string | undefined;

  constructor(init: {
    status: number;
    afCode?: string;
    reaction: AfReaction;
    method: string;
    url: string | URL;
    message?: string;
    serverDate?: string;
    cause?: unknown;
  }) {
    const where = `${init.method} ${safeUrl(init.url)}`;
    const what = [init.status ? `HTTP ${init.status}` : "no response", init.afCode, init.message]
      .filter(Boolean)
      .join(" ");
    super(`${where} failed: ${what}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.afCode = init.afCode;
    this.reaction = init.reaction;
    this.method = init.method;
    this.url = safeUrl(init.url);
    this.serverDate = init.serverDate;
  }
}

/** Type guard that survives duplicate module copies. */
export function isManagementApiError(err: unknown): err is ManagementApiError {
  return err instanceof ManagementApiError || (err as Error | undefined)?.name === "ManagementApiError";
}

/**
 * A blob that cannot be retrieved: expired (AF20051), missing (AF20050, 404), invalid id (AF20052) or served
 * from an untrusted host. The pipeline records a `ContentGap` and moves on.
 */
export class ContentUnavailableError extends Error {
  override readonly name = "ContentUnavailableError";
  /** AF code, HTTP status as text, or `UNTRUSTED_URI`. */
  readonly code: string;
  readonly ref: ContentBlobRef;
  constructor(code: string, ref: ContentBlobRef, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.ref = ref;
  }
}

/** The `ContentGap` the pipeline records for an unavailable blob found while listing `[windowStart, windowEnd)`. */
export function toContentGap(
  err: ContentUnavailableError,
  windowStart: Date | string,
  windowEnd: Date | string,
): ContentGap {
  const iso = (d: Date | string) => (typeof d === "string" ? d : d.toISOString());
  return {
    contentType: err.ref.contentType,
    contentId: err.ref.contentId,
    contentCreated: err.ref.contentCreated,
    windowStart: iso(windowStart),
    windowEnd: iso(windowEnd),
    code: err.code,
    message: err.message,
  };
}

export function isContentUnavailableError(err: unknown): err is ContentUnavailableError {
  return err instanceof ContentUnavailableError || (err as Error | undefined)?.name === "ContentUnavailableError";
}

/**
 * A URL from a response (contentUri, NextPageUri) that points outside the configured API root. The bearer
 * token is never sent there; the URL could be a token-exfiltration attempt or a misconfigured cloud.
 */
export class UntrustedUriError extends Error {
  override readonly name = "UntrustedUriError";
  readonly code = "UNTRUSTED_URI";
  /** Origin of the refused URL (no path or query). */
  readonly refusedOrigin: string;
  constructor(kind: string, url: string, expectedOrigin: string) {
    let origin = "[invalid url]";
    try {
      origin = new URL(url).origin;
    } catch {
      // keep the placeholder
    }
    super(`refused ${kind} on ${origin}: only ${expectedOrigin} receives the API token`);
    this.refusedOrigin = origin;
  }
}

export function isUntrustedUriError(err: unknown): err is UntrustedUriError {
  return err instanceof UntrustedUriError || (err as Error | undefined)?.name === "UntrustedUriError";
}

/** Why a listing window is invalid. */
export type WindowProblem = "START_NOT_BEFORE_END" | "LONGER_THAN_24H" | "START_OLDER_THAN_7D";

/**
 * A listing window the API would reject (AF20030/AF20055), detected locally with the skew-corrected clock or
 * confirmed by the server after skew correction. `earliestStart` is the oldest start the server accepts now.
 */
export class WindowError extends Error {
  override readonly name = "WindowError";
  readonly problem: WindowProblem;
  readonly earliestStart: Date;
  constructor(problem: WindowProblem, message: string, earliestStart: Date) {
    super(message);
    this.problem = problem;
    this.earliestStart = earliestStart;
  }
}

export function isWindowError(err: unknown): err is WindowError {
  return err instanceof WindowError || (err as Error | undefined)?.name === "WindowError";
}
