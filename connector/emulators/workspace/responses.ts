/**
 * Error responses of the Logs Ingestion API as documented (logs-ingestion reference §2, §6): JSON
 * `{"error":{"code","message"}}` plus the `x-ms-error-code` header. Texts marked "documented" are the
 * service's; the others are the emulator's own wording where the service's is not public.
 */

export interface ErrorReply {
  status: number;
  code: string;
  message: string;
  headers?: Record<string, string>;
}

/** The service's 1 MB limit, in the unit its 413 message uses. */
export const MAX_BODY_BYTES = 1_048_576;

export const replies = {
  /** Emulator wording (the real text lists the versions of whatever host was hit). */
  invalidApiVersion: (got: string | null): ErrorReply => ({
    status: 400,
    code: "InvalidApiVersion",
    message: `The api version is invalid${got ? ` ('${got}')` : " (missing)"}. Allowed Api versions: 2023-01-01.`,
  }),
  /** Body unverified; code chosen to match Azure's usual missing-token error. */
  unauthorized: (): ErrorReply => ({
    status: 401,
    code: "InvalidAuthenticationToken",
    message: "The request does not carry a bearer token in the Authorization header, or the token is malformed.",
  }),
  /** Documented (Azure/azure-sdk-for-net PR #37173). */
  forbidden: (dcrId: string): ErrorReply => ({
    status: 403,
    code: "OperationFailed",
    message:
      `The authentication token provided does not have access to ingest data for the data collection rule with ` +
      `immutable Id '${dcrId}' PipelineAccessResult: AccessGranted: False, IsRbacPresent: False, ` +
      `IsDcrDceBindingValid: , DcrArmId: ${dcrId}, Message: Required authorization action was not found for ` +
      `tenantId 00000000-0000-0000-0000-000000000000 objectId 00000000-0000-0000-0000-000000000000 on resourceId ` +
      `${dcrId} ConfigurationId: ${dcrId}`,
  }),
  /** Documented. */
  dcrNotFound: (dcrId: string): ErrorReply => ({
    status: 404,
    code: "NotFound",
    message: `Data collection rule with immutable Id '${dcrId}' not found.`,
  }),
  routeNotFound: (path: string): ErrorReply => ({
    status: 404,
    code: "NotFound",
    message: `No route for ${path}. Expected POST /dataCollectionRules/{ruleId}/streams/{stream}.`,
  }),
  methodNotAllowed: (method: string): ErrorReply => ({
    status: 405,
    code: "MethodNotAllowed",
    message: `Method ${method} is not allowed; use POST.`,
    headers: { allow: "POST" },
  }),
  /** Emulator wording (the real body for an undeclared stream is unverified). */
  unknownStream: (dcrId: string, stream: string): ErrorReply => ({
    status: 400,
    code: "InvalidStream",
    message: `Stream '${stream}' is not declared in data collection rule with immutable Id '${dcrId}'.`,
  }),
  /** Documented message (JulianHayward/AzADServicePrincipalInsights#30). */
  tooLarge: (provided: number, limit: number): ErrorReply => ({
    status: 413,
    code: "ContentLengthLimitExceeded",
    message: `Maximum allowed content length: ${limit} bytes (${Math.round(limit / 1_048_576)} MB). Provided content length: ${provided} bytes.`,
  }),
  invalidBody: (detail: string): ErrorReply => ({ status: 400, code: "InvalidPayload", message: detail }),
  schemaMismatch: (detail: string): ErrorReply => ({
    status: 400,
    code: "InvalidPayload",
    message: `The request body does not match the stream declaration: ${detail}`,
  }),
  throttled: (): ErrorReply => ({
    status: 429,
    code: "TooManyRequests",
    message: "Request rate or data volume for the data collection rule exceeded the limit. Retry after the delay.",
  }),
  unavailable: (): ErrorReply => ({
    status: 503,
    code: "ServiceUnavailable",
    message: "The service is temporarily unavailable.",
  }),
  internal: (): ErrorReply => ({ status: 500, code: "InternalServerError", message: "An internal error occurred." }),
};

/** The documented reply for an injected status fault. */
export function replyForStatus(status: number, dcrId: string, bodyBytes: number, limit: number): ErrorReply {
  switch (status) {
    case 403:
      return replies.forbidden(dcrId);
    case 404:
      return replies.dcrNotFound(dcrId);
    case 413:
      return replies.tooLarge(bodyBytes, limit);
    case 429:
      return replies.throttled();
    case 503:
      return replies.unavailable();
    case 401:
      return replies.unauthorized();
    default:
      return status >= 500
        ? { ...replies.internal(), status }
        : { status, code: "BadRequest", message: `Injected ${status} response.` };
  }
}
