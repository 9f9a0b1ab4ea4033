/** Errors the sink raises to its caller. */

/** Why delivery stopped; lets callers and operators react without parsing messages. */
export type SinkErrorKind =
  | "retries-exhausted"
  | "forbidden"
  | "not-found"
  | "unauthorized"
  | "credential"
  | "rejected"
  | "configuration"
  | "aborted"
  | "dead-letter-failed";

/**
 * `send` rejected: some rows were neither acknowledged by the service nor dead-lettered, so the caller
 * must not commit its checkpoint. Rows acknowledged before the failure may be re-sent by the next run
 * (at-least-once; the pipeline's de-duplication absorbs it).
 */
export class SinkError extends Error {
  override readonly name = "SinkError";
  readonly kind: SinkErrorKind;
  /** HTTP status of the last failed attempt, when there was one. */
  readonly status: number | undefined;
  /** Service error code (`x-ms-error-code`) of the last failed attempt. */
  readonly code: string | undefined;
  /** For `aborted`: the failure that was being retried when the stop came (the batch was not delivered). */
  readonly lastFailure: string | undefined;

  constructor(
    kind: SinkErrorKind,
    message: string,
    details: { status?: number; code?: string; cause?: unknown; lastFailure?: string } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    this.status = details.status;
    this.code = details.code;
    this.lastFailure = details.lastFailure;
  }
}

/** Type guard that survives duplicate module copies. */
export function isSinkError(e: unknown): e is SinkError {
  return e instanceof SinkError || (e instanceof Error && e.name === "SinkError" && "kind" in e);
}
