/**
 * Turns what `LogsIngestionClient.upload` throws into a delivery decision.
 *
 * The SDK always throws `AggregateLogsUploadError` when a chunk failed (even with `onError`), and that
 * error's `message` is literally "undefined\n}" (AggregateLogsUploadError is built without a message;
 * Azure/azure-sdk-for-js#34923), so we only read `errors[i].cause`: a RestError with `statusCode`,
 * `code` (from `x-ms-error-code` / the body) and `response.headers`, or a network error with a `code`.
 */
import { isAggregateLogsUploadError } from "@azure/monitor-ingestion";
import { type PermanentAuthError, permanentAuthError } from "../auth/errors.ts";

export type FailureKind =
  | "transient"
  | "too-large"
  | "bad-request"
  | "unauthorized"
  | "forbidden"
  | "not-found"
  | "credential"
  | "aborted"
  | "fatal";

export interface UploadFailure {
  kind: FailureKind;
  status: number | undefined;
  code: string | undefined;
  /** The service's (or the network stack's) message, safe to log. */
  message: string;
  /** Delay the service asked for (Retry-After family of headers), in ms. */
  retryAfterMs: number | undefined;
  /** For `credential`: the AADSTS code and the setting to fix (connector/auth/errors.ts). */
  auth?: PermanentAuthError;
}

const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "REQUEST_SEND_ERROR",
]);

/** 400 codes that mean "wrong endpoint or DCR", not "bad rows": bisecting would dead-letter everything. */
const CONFIG_400_CODES = new Set(["InvalidApiVersion", "InvalidStream"]);

interface HeaderBag {
  get(name: string): string | undefined;
}

function headerBag(cause: unknown): HeaderBag | undefined {
  const h = (cause as { response?: { headers?: unknown } }).response?.headers as
    | { get?: (n: string) => string | undefined }
    | undefined;
  return h && typeof h.get === "function" ? (h as HeaderBag) : undefined;
}

/** Retry-After handling as core-rest-pipeline's throttling strategy does it: ms headers first, then seconds or HTTP-date. */
export function retryAfterMs(headers: HeaderBag | undefined, nowMs: number): number | undefined {
  if (!headers) return undefined;
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const v = Number(headers.get(name));
    if (headers.get(name) !== undefined && Number.isFinite(v) && v >= 0) return v;
  }
  const ra = headers.get("retry-after");
  if (ra === undefined) return undefined;
  const secs = Number(ra);
  if (Number.isFinite(secs) && ra.trim() !== "") return Math.max(0, secs * 1000);
  const at = Date.parse(ra);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function bodyText(cause: unknown): string {
  const r = (cause as { response?: { bodyAsText?: unknown } }).response;
  return typeof r?.bodyAsText === "string" ? r.bodyAsText : "";
}

/** Classifies one failure cause (a RestError or a network error). */
export function classifyCause(cause: unknown, nowMs = Date.now()): UploadFailure {
  const err = (cause ?? {}) as { statusCode?: unknown; code?: unknown; message?: unknown; name?: unknown };
  const status = typeof err.statusCode === "number" ? err.statusCode : undefined;
  const code = typeof err.code === "string" ? err.code : undefined;
  const message = typeof err.message === "string" ? err.message : String(cause);
  const retryAfter = retryAfterMs(headerBag(cause), nowMs);
  const base = { status, code, message, retryAfterMs: retryAfter };
  if (err.name === "AbortError") return { ...base, kind: "aborted" };
  // The token request failed before any upload (AADSTS7000215 and kin): retrying cannot fix a wrong secret.
  const auth = permanentAuthError(cause);
  if (auth) return { ...base, kind: "credential", auth };
  if (status === undefined) {
    // No HTTP response: connection reset/refused, DNS, TLS hiccup. Delivery unknown → safe to resend.
    return { ...base, kind: code && !NETWORK_CODES.has(code) && /CERT|TLS|SSL/.test(code) ? "fatal" : "transient" };
  }
  if (status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505)) {
    return { ...base, kind: "transient" };
  }
  if (status === 413) return { ...base, kind: "too-large" };
  if (status === 401) return { ...base, kind: "unauthorized" };
  if (status === 403) return { ...base, kind: "forbidden" };
  if (status === 404) return { ...base, kind: "not-found" };
  if (status === 400) {
    if (code && CONFIG_400_CODES.has(code)) return { ...base, kind: "fatal" };
    // IIS answers an intermittent HTML "Bad Request - Invalid Verb" under load (Azure/azure-sdk-for-net#39542).
    if (!code && /Invalid Verb/i.test(`${message} ${bodyText(cause)}`)) return { ...base, kind: "transient" };
    return { ...base, kind: "bad-request" };
  }
  return { ...base, kind: "fatal" };
}

/**
 * Classifies what `upload()` threw. With one batch per call there is exactly one failure; when several
 * chunks failed anyway, the most severe one decides.
 */
export function classifyUploadError(e: unknown, nowMs = Date.now()): UploadFailure {
  if (isAggregateLogsUploadError(e)) {
    const failures = e.errors.map((f) => classifyCause(f.cause, nowMs));
    const order: FailureKind[] = [
      "credential",
      "not-found",
      "forbidden",
      "unauthorized",
      "fatal",
      "aborted",
      "too-large",
      "bad-request",
      "transient",
    ];
    failures.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
    return failures[0] ?? classifyCause(undefined, nowMs);
  }
  return classifyCause(e, nowMs);
}
