/**
 * The single source of truth for the custom Log Analytics tables this product writes.
 *
 * Everything else is derived from these lists by code (see `derive.ts`): the TypeScript row types below,
 * the DCR stream declarations and transforms, the ARM table definitions, the KQL validation schema
 * and `docs/table-reference.md`. `test/schema/drift.test.ts` fails when a derived artifact drifts.
 *
 * Limits kept in mind (Azure Monitor service limits): at most 500 columns per table, column names of at
 * most 45 characters starting with a letter, reserved names `TenantId`, `Type`, `id`, `_ResourceId`,
 * `_SubscriptionId`, `UniqueId`, `Title` are not allowed.
 */

/** Kusto scalar types used by our columns. */
export type KustoType = "datetime" | "string" | "int" | "long" | "real" | "bool" | "dynamic";

export interface ColumnDef {
  readonly name: string;
  readonly type: KustoType;
  readonly description: string;
}

export interface TableDef {
  /** Log Analytics table name (custom tables end in `_CL`). */
  readonly tableName: string;
  /** Logs Ingestion input stream declared in the DCR (`Custom-...`). */
  readonly streamName: string;
  readonly description: string;
  readonly columns: readonly ColumnDef[];
}

const col = <N extends string, T extends KustoType>(name: N, type: T, description: string) =>
  ({ name, type, description }) as const;

/** Columns of `ExchangeAudit_CL`: one normalized row per Exchange audit record. */
export const EXCHANGE_AUDIT_COLUMNS = [
  col(
    "TimeGenerated",
    "datetime",
    "Event time (AuditData.CreationTime, UTC); the service replaces it with receive time when older than 2 days.",
  ),
  col(
    "EventTime",
    "datetime",
    "Event time (AuditData.CreationTime, UTC), never rewritten by the service; use it for late or imported data.",
  ),
  col("RecordId", "string", "AuditData.Id: the unique audit record id and the de-duplication key."),
  col(
    "RecordType",
    "int",
    "AuditData.RecordType as a number (1 ExchangeAdmin, 2 ExchangeItem, 3 ExchangeItemGroup, 50 ExchangeItemAggregated...).",
  ),
  col(
    "RecordTypeName",
    "string",
    "Name of the RecordType (ExchangeAdmin, ExchangeItem, ...); 'Unknown<n>' for values this version does not know.",
  ),
  col(
    "Operation",
    "string",
    "Audited operation: mailbox action (MailItemsAccessed, Send, HardDelete...) or admin cmdlet name (Set-Mailbox...).",
  ),
  col("Workload", "string", "Microsoft 365 workload that produced the record (Exchange)."),
  col(
    "ResultStatus",
    "string",
    "Result as reported: Succeeded/PartiallySucceeded/Failed for mailbox records, True/False for admin cmdlets.",
  ),
  col(
    "Succeeded",
    "bool",
    "True when ResultStatus is Succeeded, PartiallySucceeded or True; false when Failed or False; empty otherwise.",
  ),
  col("OrganizationId", "string", "Tenant id (GUID) of the organization the record belongs to."),
  col(
    "UserId",
    "string",
    "Acting user: UPN, or a system identity such as NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost) or S-1-5-18.",
  ),
  col("UserKey", "string", "Stable key of the acting user (PUID, app id or SID)."),
  col(
    "UserType",
    "string",
    "Kind of actor: Regular, Reserved, Admin, DcAdmin, System, Application, ServicePrincipal, CustomPolicy, SystemPolicy, PartnerTechnician.",
  ),
  col(
    "IsSystemActor",
    "bool",
    "True for Microsoft system identities (S-1-5-18, NT AUTHORITY\\SYSTEM (...), UserType System/Reserved) that rules exclude.",
  ),
  col("ClientIP", "string", "Client IP address without port or brackets (from ClientIP or ClientIPAddress)."),
  col("ClientIPPort", "int", "Client source port when the record carried one (admin records: 104.28.196.199:28491)."),
  col(
    "ClientInfoString",
    "string",
    "Client description reported by Exchange (Client=OWA;..., Client=REST;..., Client=Microsoft.Exchange.Powershell...).",
  ),
  col("ClientAppId", "string", "Application id of the original caller (ClientAppId or AppAccessContext.ClientAppId)."),
  col(
    "ClientAppName",
    "string",
    "Application display name when the record carries it (AppAccessContext.ClientAppName).",
  ),
  col("AppId", "string", "Application id that accessed the mailbox or ran the cmdlet (AppId)."),
  col("SessionId", "string", "Exchange session identifier: groups the actions of one sign-in session."),
  col("AADSessionId", "string", "Entra ID session id (AppAccessContext.AADSessionId); joins to SigninLogs.SessionId."),
  col(
    "UniqueTokenId",
    "string",
    "Token identifier (AppAccessContext.UniqueTokenId); joins to SigninLogs.UniqueTokenIdentifier.",
  ),
  col(
    "LogonType",
    "string",
    "Mailbox logon type: Owner, Admin, Delegated, Transport, SystemService, BestAccess, DelegatedAdmin.",
  ),
  col("LogonUserSid", "string", "SID of the user who logged on to the mailbox."),
  col(
    "ExternalAccess",
    "bool",
    "Mailbox records: logon user is outside the owner's organization. Admin records: run by Microsoft datacenter staff, a service account or a delegated admin.",
  ),
  col("MailboxOwnerUPN", "string", "UPN of the mailbox owner (mailbox records)."),
  col("MailboxGuid", "string", "Exchange GUID of the mailbox (mailbox records)."),
  col(
    "TargetMailbox",
    "string",
    "The mailbox an action touched: owner UPN for mailbox records, or the Identity/Mailbox/ObjectId a cmdlet targeted.",
  ),
  col(
    "ObjectId",
    "string",
    "Object the action modified (admin: DN-like path or GUID; mailbox: item or folder identity).",
  ),
  col(
    "Parameters",
    "dynamic",
    "Cmdlet parameters as an object of parameter name to value (read by name, never by position).",
  ),
  col(
    "ModifiedProperties",
    "dynamic",
    "Modified properties as an object of name to new value (mailbox Update, admin cmdlets).",
  ),
  col(
    "OperationProperties",
    "dynamic",
    "OperationProperties as an object of name to value (MailAccessType, IsThrottled, ...).",
  ),
  col("MailAccessType", "string", "MailItemsAccessed access type: Bind (individual items) or Sync (a whole folder)."),
  col(
    "IsThrottled",
    "bool",
    "MailItemsAccessed: Exchange stopped auditing this mailbox's Bind events for 24 h (visibility lost).",
  ),
  col(
    "OperationCount",
    "int",
    "Number of operations the record aggregates (MailItemsAccessed Bind within 2 minutes, aggregated records).",
  ),
  col(
    "InternetMessageIds",
    "dynamic",
    "Internet message ids of the items the record touched (MailItemsAccessed FolderItems, Item, AffectedItems).",
  ),
  col(
    "FolderPaths",
    "dynamic",
    "Folder paths the record touched (Folders[].Path, Item.ParentFolder.Path, Folder.Path).",
  ),
  col("ItemCount", "int", "Number of items the record touched (message ids, affected items or folder items)."),
  col(
    "Subject",
    "string",
    "Subject of the item (single-item records), or kept/hashed/dropped per the privacy setting.",
  ),
  col("SendAsUserSmtp", "string", "SendAs: SMTP address the message was sent as."),
  col("SendOnBehalfOfUserSmtp", "string", "SendOnBehalfOf: SMTP address the message was sent on behalf of."),
  col("DestFolder", "string", "Destination folder path for Move/Copy group operations."),
  col("DestMailboxOwnerUPN", "string", "Destination mailbox owner for cross-mailbox Move/Copy operations."),
  col("CrossMailboxOperation", "bool", "True when a Move/Copy crossed mailboxes."),
  col("OriginatingServer", "string", "Exchange server that processed the request (trailing CR/LF trimmed)."),
  col(
    "SourceContentId",
    "string",
    "Where the row came from: the Management Activity API contentId, or the imported file name and row.",
  ),
  col("IngestionSource", "string", "How the row arrived: api, purview-csv, ual-json, ual-csv, json or jsonl."),
  col(
    "ConnectorTenant",
    "string",
    "Tenant id the connector collected the row for (multi-tenant deployments sharing one DCR).",
  ),
  col(
    "Truncated",
    "dynamic",
    "Names of fields the connector cut to stay under the service's 64 KB field limit (empty when nothing was cut).",
  ),
  col(
    "AuditData",
    "dynamic",
    "The raw audit record as delivered by Microsoft, for forensics (may be disabled by configuration).",
  ),
] as const satisfies readonly ColumnDef[];

/** Columns of `ExchangeAuditHealth_CL`: one heartbeat row per connector run and content type. */
export const HEALTH_COLUMNS = [
  col("TimeGenerated", "datetime", "Time the heartbeat was produced (end of the run)."),
  col("RunId", "string", "Unique id of the connector run."),
  col("Instance", "string", "Name of the connector instance (host name or configured instance name)."),
  col("ConnectorVersion", "string", "Connector version that produced the row."),
  col("ConnectorTenant", "string", "Tenant id the run collected for."),
  col(
    "ContentType",
    "string",
    "Management Activity API content type (Audit.Exchange, ...), or 'import' for file imports.",
  ),
  col("Status", "string", "ok, degraded (gaps, dead letters or throttling) or failed (the run stopped on an error)."),
  col("Message", "string", "Human-readable summary of problems in this run (empty when none)."),
  col("WindowStart", "datetime", "Start of the earliest listing window processed in this run."),
  col("WindowEnd", "datetime", "End of the latest listing window processed in this run."),
  col(
    "NewestContentCreated",
    "datetime",
    "Newest contentCreated of any blob processed so far (the collection frontier).",
  ),
  col("LagSeconds", "real", "Seconds between the run's end and the newest contentCreated collected (collection lag)."),
  col("BlobsFetched", "long", "Content blobs fetched in this run."),
  col("RecordsIn", "long", "Audit records read from the source in this run."),
  col("RowsOut", "long", "Rows acknowledged by the Logs Ingestion API in this run."),
  col("DuplicatesDropped", "long", "Records skipped because their RecordId was already delivered."),
  col("DeadLettered", "long", "Records or rows moved to the dead-letter store in this run."),
  col("Gaps", "long", "Content blobs that could not be retrieved (expired or missing): data lost."),
  col("GapDetails", "dynamic", "For each gap: contentId, contentCreated, window and error code."),
  col("ThrottledResponses", "long", "Responses that signalled throttling (AF429, HTTP 429) in this run."),
  col("Retries", "long", "Requests retried after transient failures in this run."),
  col("DurationMs", "long", "Duration of the run in milliseconds."),
  col("Requests", "long", "Requests sent to the Management Activity API in this run (listings, blobs, subscriptions)."),
  col(
    "LateBlobs",
    "long",
    "Blobs found published late by re-listing the overlap: new in time an earlier complete listing covered.",
  ),
  col(
    "LatenessP50Seconds",
    "real",
    "Median publication lateness of this tenant and content type (rolling distribution; 0 = listed on time).",
  ),
  col("LatenessP99Seconds", "real", "99th percentile of the publication lateness (bucket upper bound)."),
  col("LatenessMaxSeconds", "real", "Largest publication lateness still in the rolling distribution."),
  col("OverlapHours", "real", "Overlap re-listed by each poll: follows the lateness, floor overlapHours, at most 23."),
  col("Sweep", "string", "Reconciliation sweep that ran in this run (horizon/interval, e.g. 24h/60m), or empty."),
  col(
    "RecoveredBlobs",
    "long",
    "Late content a reconciliation sweep collected after the cursor had passed it (blobs); 0 when none.",
  ),
  col("RecoveredRecords", "long", "Rows delivered from recovered late content."),
  col(
    "RecoveredDetails",
    "dynamic",
    "For each recovered blob: contentId, contentCreated, latenessSeconds and records (at most 50).",
  ),
] as const satisfies readonly ColumnDef[];

export const EXCHANGE_AUDIT_TABLE: TableDef = {
  tableName: "ExchangeAudit_CL",
  streamName: "Custom-ExchangeAudit",
  description: "Exchange Online mailbox and admin audit records, normalized (one row per record).",
  columns: EXCHANGE_AUDIT_COLUMNS,
};

export const HEALTH_TABLE: TableDef = {
  tableName: "ExchangeAuditHealth_CL",
  streamName: "Custom-ExchangeAuditHealth",
  description:
    "Heartbeat of the Exchange audit connector: lag, counts, gaps and dead letters per run and content type.",
  columns: HEALTH_COLUMNS,
};

/** The tables the connector writes through the data collection rule (one DCR stream each). */
export const TABLES: readonly TableDef[] = [EXCHANGE_AUDIT_TABLE, HEALTH_TABLE];

/** A table written by a Log Analytics summary rule: no DCR stream, the rule's query defines its rows. */
export type SummaryTableDef = Omit<TableDef, "streamName"> & {
  /** Content file under summary-rules/ whose query writes the table. */
  readonly summaryRule: string;
};

/** Columns of `ExchangeAuditBaseline_CL`: one row per (Kind, Actor, Value) seen in a day of `ExchangeAudit_CL`. */
export const BASELINE_COLUMNS = [
  col(
    "TimeGenerated",
    "datetime",
    "Set by the summary rule service when it writes the row (a reserved column the query does not return); the local engine writes the bin's start.",
  ),
  col(
    "Kind",
    "string",
    "What was seen: Activity (any record), SendAs (user sent as/on behalf of a mailbox), MailReadApp (app read mail), DelegateRead (user read another mailbox), Protocol (user logged on with a legacy or modern client), Network (user used an IPv4 /16 or IPv6 /32), User (any record of the user), Forward (mailbox forwarded to an address), TenantDomain (domain of mailbox owners and member users), MailboxGrant (admin granted FullAccess on a mailbox).",
  ),
  col(
    "Actor",
    "string",
    "Acting user (lower-case UserId); the forwarding mailbox for Forward; empty for Activity, MailReadApp and TenantDomain.",
  ),
  col(
    "Value",
    "string",
    "What the actor used: the mailbox (SendAs, DelegateRead), the app id (MailReadApp), legacy or modern (Protocol), the network (Network: IPv4 and the /16 in hex as parse_ipv6 writes it, e.g. IPv4 c633, or IPv6 and the /32), the lower-case forwarding address, internal ones included (Forward), the domain (TenantDomain), fullaccess (MailboxGrant); empty for Activity and User.",
  ),
  col(
    "FirstSeen",
    "datetime",
    "Earliest EventTime of the pair in the summarised day (event time, not rewritten by imports).",
  ),
  col("LastSeen", "datetime", "Latest EventTime of the pair in the summarised day."),
  col("Records", "long", "Number of ExchangeAudit_CL rows of the pair in the summarised day."),
] as const satisfies readonly ColumnDef[];

export const BASELINE_TABLE: SummaryTableDef = {
  tableName: "ExchangeAuditBaseline_CL",
  description:
    "Daily first-seen baseline of ExchangeAudit_CL, written by the summary rule summary-rules/ExchangeAuditBaseline.yaml.",
  columns: BASELINE_COLUMNS,
  summaryRule: "summary-rules/ExchangeAuditBaseline.yaml",
};

/** Tables written by summary rules of the infrastructure template. */
export const SUMMARY_TABLES: readonly SummaryTableDef[] = [BASELINE_TABLE];

/** Every custom table of the workspace: the connector's and the summary rules'. */
export const WORKSPACE_TABLES: readonly (TableDef | SummaryTableDef)[] = [...TABLES, ...SUMMARY_TABLES];

/** TypeScript value type of each Kusto type as rows carry it before JSON serialization. */
interface TsTypeOf {
  datetime: string;
  string: string;
  int: number;
  long: number;
  real: number;
  bool: boolean;
  dynamic: unknown;
}

type RowOf<C extends readonly { name: string; type: KustoType }[]> = {
  [K in C[number] as K["name"]]: TsTypeOf[K["type"]] | null;
};

/**
 * One normalized row as sent to the `Custom-ExchangeAudit` stream. Datetimes are ISO 8601 strings.
 * `TimeGenerated` is set by the DCR transform from `EventTime`, so rows may omit it.
 */
export type ExchangeAuditRow = RowOf<typeof EXCHANGE_AUDIT_COLUMNS>;

/** One heartbeat row as sent to the `Custom-ExchangeAuditHealth` stream. */
export type HealthRow = RowOf<typeof HEALTH_COLUMNS>;

export type ExchangeAuditColumn = keyof ExchangeAuditRow;
