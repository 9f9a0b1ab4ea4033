/** Contracts of the Management Activity API source (implemented in this folder, used by `pipeline/`). */

/** Content types the connector can collect. */
export type ContentType =
  | "Audit.Exchange"
  | "Audit.AzureActiveDirectory"
  | "Audit.General"
  | "Audit.SharePoint"
  | "DLP.All";

/** One entry of `GET /subscriptions/content`. */
export interface ContentBlobRef {
  contentType: string;
  contentId: string;
  contentUri: string;
  /** ISO 8601 UTC, as the API returned it. */
  contentCreated: string;
  contentExpiration: string;
}

/** A blob that could not be retrieved: the records in it are lost unless an export covers them. */
export interface ContentGap {
  contentType: string;
  contentId: string;
  contentCreated: string;
  windowStart: string;
  windowEnd: string;
  /** AF code or HTTP status that proved the loss (AF20051, AF20050, 404, ...). */
  code: string;
  message: string;
}

/** Counters a source exposes for health rows and benchmarks. */
export interface SourceStats {
  requests: number;
  retries: number;
  throttled: number;
  blobsFetched: number;
  recordsRead: number;
}

/** Client of the Office 365 Management Activity API for one tenant. */
export interface ManagementActivityClient {
  /** Lists and starts the given content types; "already enabled" counts as success. */
  ensureSubscriptions(contentTypes: readonly string[], signal?: AbortSignal): Promise<void>;
  /**
   * Lists blobs with `start <= contentCreated < end`, following NextPageUri to the end.
   * Yields one array per page.
   */
  listContent(contentType: string, start: Date, end: Date, signal?: AbortSignal): AsyncIterable<ContentBlobRef[]>;
  /**
   * Streams the records of one blob, in blob order, without holding the whole blob in memory.
   * Throws `ContentUnavailableError` (see errors.ts) for expired or missing content.
   */
  fetchRecords(ref: ContentBlobRef, signal?: AbortSignal): AsyncIterable<unknown>;
  /** Server time minus local time, learned from response `Date` headers (0 until known). */
  clockSkewMs(): number;
  stats(): SourceStats;
  close(): Promise<void>;
}
