/** Small doubles of the source and sink INTERFACES for pipeline tests (the real modules have their own tests). */
import { SinkError } from "../../connector/sink/errors.ts";
import { SerializedRow } from "../../connector/sink/fit.ts";
import type { RowSink, SinkReport, SinkRow, StreamKind } from "../../connector/sink/types.ts";
import { ContentUnavailableError } from "../../connector/source/errors.ts";
import type { ContentBlobRef, ManagementActivityClient, SourceStats } from "../../connector/source/types.ts";

export const TENANT = "7f3a1c2e-5b4d-4e8f-9a1b-2c3d4e5f6a7b";
/** The app id the emulator-backed tests register with the Entra emulator (each test has its own secret). */
export const CLIENT = "0b5e6c1a-3d2f-4a8b-9c7d-1e2f3a4b5c6d";

/**
 * The raw configuration (before defaults) of TENANT collected from the emulators: the API and token endpoint
 * trust `caFile`, the workspace `ingestionCaFile` (default: the same file). Tests add their own settings.
 */
export function emulatorConfig(e: {
  secret: string;
  o365: { apiRoot: string };
  entra: { authorityHost: string };
  workspace: { endpoint: string; dcrImmutableId: string };
  caFile: string;
  ingestionCaFile?: string;
  state: Record<string, unknown>;
}) {
  return {
    allowCustomHosts: true,
    tenants: [
      {
        tenantId: TENANT,
        auth: { clientId: CLIENT, clientSecret: e.secret },
        apiRoot: e.o365.apiRoot,
        authorityHost: e.entra.authorityHost,
        caFile: e.caFile,
      },
    ],
    ingestion: {
      endpoint: e.workspace.endpoint,
      dcrImmutableId: e.workspace.dcrImmutableId,
      caFile: e.ingestionCaFile ?? e.caFile,
    },
    state: e.state,
  };
}

let seq = 0;
/** A realistic Exchange mailbox record (MailItemsAccessed) or admin record (Set-Mailbox). */
export function makeRecord(creationTime: string, id?: string): Record<string, unknown> {
  const n = ++seq;
  const recordId =
    id ?? `${n.toString(16).padStart(8, "0")}-4c1d-4e2a-9b3f-08de5c0a${String(n % 10000).padStart(4, "0")}`;
  if (n % 3 === 0) {
    return {
      CreationTime: creationTime.slice(0, 19),
      Id: recordId,
      Operation: "Set-Mailbox",
      OrganizationId: TENANT,
      RecordType: 1,
      ResultStatus: "True",
      UserKey: "1003200227AF7A21",
      UserType: 2,
      Version: 1,
      Workload: "Exchange",
      ClientIP: "104.28.196.199:28491",
      UserId: "admin@contoso.onmicrosoft.com",
      ExternalAccess: false,
      OrganizationName: "contoso.onmicrosoft.com",
      OriginatingServer: "AM6PR05MB4545 (15.20.7472.000)\r\n",
      Parameters: [
        { Name: "Identity", Value: "eve@contoso.com" },
        { Name: "ForwardingSmtpAddress", Value: "smtp:drop@evil.example" },
      ],
    };
  }
  return {
    CreationTime: creationTime.slice(0, 19),
    Id: recordId,
    Operation: "MailItemsAccessed",
    OrganizationId: TENANT,
    RecordType: 50,
    ResultStatus: "Succeeded",
    UserKey: "10032001A2B3C4D5",
    UserType: 0,
    Version: 1,
    Workload: "Exchange",
    UserId: "eve@contoso.com",
    ClientIPAddress: "203.0.113.7",
    ClientInfoString: "Client=REST;Client=RESTSystem;;",
    ExternalAccess: false,
    LogonType: 0,
    MailboxGuid: "5d1c0e0e-2f8b-4b7a-9f5c-2b1a0c9d8e7f",
    MailboxOwnerUPN: "eve@contoso.com",
    OperationCount: 2,
    OperationProperties: [
      { Name: "MailAccessType", Value: "Bind" },
      { Name: "IsThrottled", Value: "False" },
    ],
    SessionId: "a1b2c3d4-0000-4000-8000-00000000a001",
  };
}

export interface FakeBlob {
  ref: ContentBlobRef;
  records: unknown[];
  /** Throw ContentUnavailableError with this code when fetched. */
  unavailable?: string;
  /** Throw a transient-looking error after this many records. */
  failAfter?: number;
}

export function makeBlob(created: string, records: unknown[], extra: Partial<FakeBlob> = {}): FakeBlob {
  const id = `${created.replace(/\D/g, "").slice(0, 17)}${++seq}$audit_exchange$Audit_Exchange$emea0036`;
  return {
    ref: {
      contentType: "Audit.Exchange",
      contentId: id,
      contentUri: `https://manage.office.com/api/v1.0/${TENANT}/activity/feed/audit/${encodeURIComponent(id)}`,
      contentCreated: created,
      contentExpiration: new Date(Date.parse(created) + 7 * 86_400_000).toISOString(),
    },
    records,
    ...extra,
  };
}

/** In-memory source honouring the API's list rules (≤ 24 h, ≤ 7 d back, half-open window, paging). */
export class FakeSource implements ManagementActivityClient {
  blobs: FakeBlob[] = [];
  listCalls: { start: string; end: string }[] = [];
  fetches: string[] = [];
  now: () => number;
  subscribed: string[] = [];
  private readonly counters: SourceStats = { requests: 0, retries: 0, throttled: 0, blobsFetched: 0, recordsRead: 0 };

  constructor(now: () => number) {
    this.now = now;
  }

  async ensureSubscriptions(contentTypes: readonly string[]): Promise<void> {
    this.counters.requests++;
    this.subscribed.push(...contentTypes);
  }

  async *listContent(contentType: string, start: Date, end: Date): AsyncIterable<ContentBlobRef[]> {
    this.listCalls.push({ start: start.toISOString(), end: end.toISOString() });
    if (end.getTime() - start.getTime() > 24 * 3_600_000) throw new Error("AF20055 window longer than 24 h");
    if (start.getTime() < this.now() - 7 * 86_400_000) throw new Error("AF20055 start older than 7 days");
    if (end.getTime() > this.now() + 1000) throw new Error("listed into the future");
    if (start.getTime() % 1000 !== 0) throw new Error("window start has milliseconds");
    const hits = this.blobs
      .filter((b) => b.ref.contentType === contentType)
      .filter((b) => {
        const c = Date.parse(b.ref.contentCreated);
        return c >= start.getTime() && c < end.getTime();
      })
      .map((b) => b.ref);
    for (let i = 0; i < hits.length; i += 3) {
      this.counters.requests++;
      yield hits.slice(i, i + 3);
    }
    if (hits.length === 0) this.counters.requests++;
  }

  async *fetchRecords(ref: ContentBlobRef, signal?: AbortSignal): AsyncIterable<unknown> {
    this.fetches.push(ref.contentId);
    this.counters.requests++;
    this.counters.blobsFetched++;
    const blob = this.blobs.find((b) => b.ref.contentId === ref.contentId);
    if (!blob) throw new ContentUnavailableError("AF20050", ref, "content not found");
    if (blob.unavailable)
      throw new ContentUnavailableError(blob.unavailable, ref, `${blob.unavailable}: content expired`);
    let i = 0;
    for (const r of blob.records) {
      signal?.throwIfAborted();
      if (blob.failAfter !== undefined && i === blob.failAfter) throw new Error("socket hang up");
      i++;
      this.counters.recordsRead++;
      yield structuredClone(r);
    }
  }

  clockSkewMs(): number {
    return 0;
  }
  stats(): SourceStats {
    return { ...this.counters };
  }
  async close(): Promise<void> {}
}

/** Records acknowledged rows; can fail the Nth audit call (before acknowledging it). */
export class RecordingSink implements RowSink {
  audit: Record<string, unknown>[] = [];
  health: Record<string, unknown>[] = [];
  calls = 0;
  failOnCall: number | undefined;
  /** Called before each acknowledged audit batch (tests pause or abort here). */
  beforeAck?: (rows: readonly Record<string, unknown>[]) => Promise<void> | void;

  async send(stream: StreamKind, given: readonly SinkRow[]): Promise<SinkReport> {
    const rows = given.map((r) => (r instanceof SerializedRow ? r.toRow() : r));
    if (stream === "health") {
      this.health.push(...rows);
      return { accepted: rows.length, deadLettered: 0, truncated: 0, requests: 1, bytes: 0 };
    }
    this.calls++;
    if (this.failOnCall === this.calls) {
      throw new SinkError("retries-exhausted", "HTTP 503 ServiceUnavailable after 4 attempts", { status: 503 });
    }
    await this.beforeAck?.(rows);
    this.audit.push(...rows.map((r) => structuredClone(r)));
    return { accepted: rows.length, deadLettered: 0, truncated: 0, requests: 1, bytes: 0 };
  }
  async close(): Promise<void> {}

  ids(): string[] {
    return this.audit.map((r) => r.RecordId as string);
  }
}
