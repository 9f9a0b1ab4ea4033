/** Contracts of the Logs Ingestion sink (implemented in this folder, used by `pipeline/` and `import/`). */
import type { SerializedRow } from "./fit.ts";

/** A row as a plain object, or already serialized with `serializeRow` (see fit.ts). */
export type SinkRow = Record<string, unknown> | SerializedRow;

/** Which stream of the DCR a batch goes to. */
export type StreamKind = "audit" | "health";

export interface SinkReport {
  /** Rows the service acknowledged (HTTP 204). */
  accepted: number;
  /** Rows the service rejected for good and that went to the dead-letter store. */
  deadLettered: number;
  /** Rows the sink trimmed to fit the service limits (still delivered, `Truncated` set). */
  truncated: number;
  /** HTTP requests made, including retries. */
  requests: number;
  /** Bytes sent on the wire (compressed). */
  bytes: number;
}

/**
 * Delivers rows to the Logs Ingestion API. `send` resolves only when every row is either acknowledged by
 * the service or recorded in the dead-letter store; only then may the caller commit a checkpoint.
 * It rejects (`SinkError`) when delivery could not be completed (retries exhausted, 403/404 configuration
 * errors), in which case nothing may be committed.
 */
export interface RowSink {
  send(stream: StreamKind, rows: readonly SinkRow[], signal?: AbortSignal): Promise<SinkReport>;
  close(): Promise<void>;
}

/** A record or row that could not be delivered, with why. */
export interface DeadLetter {
  /** When it was dead-lettered (ISO 8601). */
  time: string;
  /** normalize | import | ingestion */
  stage: string;
  reason: string;
  /** Where it came from: contentId, file:row, stream name. */
  source: string;
  recordId?: string;
  /** The record or row itself (secrets are never part of audit data). */
  payload: unknown;
  /** Ingestion only: the DCR input stream the row was sent to (needed to replay it). */
  stream?: string;
  /** Ingestion only: HTTP status and service error code of the rejection, e.g. "400 InvalidPayload". */
  errorCode?: string;
}

export interface DeadLetterStore {
  put(letters: readonly DeadLetter[]): Promise<void>;
  /** Number of letters stored so far by this process. */
  count(): number;
  close(): Promise<void>;
}
