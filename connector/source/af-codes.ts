/**
 * The Management Activity API error codes and how the client reacts to each, as a data table
 * (o365-management-api.md §6; Elastic `listblobs.go` for the observed codes). Classification uses the AF code
 * from the JSON error body first and the HTTP status only as a fallback, because AF429 is documented arriving
 * as HTTP 403 and the same code may come as HTTP 429.
 */

/**
 * - `fatal`: configuration or programming error; never retried.
 * - `retry`: transient; retried with backoff.
 * - `throttle`: AF429; back off the whole tenant bucket, then retry.
 * - `resubscribe`: start the subscription (respecting the start spacing) and retry.
 * - `window`: invalid time window; correct clock skew and retry once, else report.
 * - `relist`: invalid `nextPage` cursor; restart the listing from the window start.
 * - `expired`: content older than 7 days; the blob is lost (gap).
 * - `missing`: content not found / invalid content id; the blob is skipped and recorded as possible loss.
 */
export type AfReaction = "fatal" | "retry" | "throttle" | "resubscribe" | "window" | "relist" | "expired" | "missing";

/** One row of the table. */
export interface AfCodeInfo {
  reaction: AfReaction;
  meaning: string;
}

/** AF codes with their meaning and reaction. */
export const AF_CODES: Readonly<Record<string, AfCodeInfo>> = Object.freeze({
  AF10001: { reaction: "fatal", meaning: "token lacks the ActivityFeed.Read permission" },
  AF20001: { reaction: "fatal", meaning: "missing parameter" },
  AF20002: { reaction: "fatal", meaning: "invalid parameter type" },
  AF20003: { reaction: "fatal", meaning: "webhook expiration date is in the past" },
  AF20010: { reaction: "fatal", meaning: "tenant in the URL does not match the token tenant" },
  AF20011: { reaction: "fatal", meaning: "tenant does not exist or was deleted" },
  AF20012: { reaction: "fatal", meaning: "tenant is misconfigured" },
  AF20013: { reaction: "fatal", meaning: "tenant id is not a GUID" },
  AF20020: { reaction: "fatal", meaning: "invalid content type" },
  AF20021: { reaction: "fatal", meaning: "webhook validation failed" },
  AF20022: { reaction: "resubscribe", meaning: "no subscription found for the content type" },
  AF20023: { reaction: "resubscribe", meaning: "subscription was disabled by a tenant admin" },
  // Inferred from Elastic CEL, which treats it as success on /start.
  AF20024: { reaction: "fatal", meaning: "subscription already enabled (success on /start)" },
  AF20030: { reaction: "window", meaning: "invalid time window (over 24 h, over 7 days back, or clock skew)" },
  AF20031: { reaction: "relist", meaning: "invalid nextPage input" },
  AF20050: { reaction: "missing", meaning: "content not found" },
  AF20051: { reaction: "expired", meaning: "content older than 7 days cannot be retrieved" },
  AF20052: { reaction: "missing", meaning: "invalid content id" },
  AF20053: { reaction: "fatal", meaning: "Accept-Language header problem" },
  AF20054: { reaction: "fatal", meaning: "Accept-Language header problem" },
  AF20055: { reaction: "window", meaning: "invalid time window (start >= end, over 24 h, over 7 days back)" },
  AF429: { reaction: "throttle", meaning: "too many requests" },
  AF50000: { reaction: "retry", meaning: "internal error" },
  AF50005: { reaction: "retry", meaning: "internal error (observed)" },
  AF50006: { reaction: "retry", meaning: "internal error (observed)" },
});

/**
 * The reaction to an error response. An unknown AF code falls back to the status: 408/5xx retry, 429 throttle,
 * 404 missing, 401 is handled by the caller (token refresh), everything else is fatal.
 */
export function classifyError(status: number, afCode: string | undefined): AfReaction {
  const known = afCode ? AF_CODES[afCode.toUpperCase()] : undefined;
  if (known) return known.reaction;
  if (afCode?.toUpperCase().startsWith("AF5")) return "retry";
  if (status === 429) return "throttle";
  if (status === 408 || status >= 500) return "retry";
  if (status === 404) return "missing";
  return "fatal";
}

/** Reads `{"error":{"code","message"}}` (also the `'error'` variant some docs print) from an error body. */
export function parseErrorBody(text: string): { code?: string; message?: string } {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    const err = parsed?.error;
    if (err && typeof err === "object") {
      return {
        code: typeof err.code === "string" ? err.code : undefined,
        message: typeof err.message === "string" ? err.message : undefined,
      };
    }
  } catch {
    // Not JSON: fall through to a bare code search (some gateways answer text/html).
  }
  const match = /\bAF\d{3,5}\b/.exec(text);
  return match ? { code: match[0] } : {};
}
