/**
 * Realistic normalized rows for sink and emulator tests: the shapes `normalizeRecord` produces for a
 * MailItemsAccessed mailbox record and a Set-Mailbox admin record, with the raw AuditData kept.
 */
import type { ExchangeAuditRow, HealthRow } from "../../connector/schema/table-schema.ts";

const TENANT = "4f1c2b9a-7d3e-4a51-9c0b-2e6f8d1a3b57";

function guid(i: number, salt: number): string {
  const h = ((i + 1) * 2654435761 + salt * 40503) >>> 0;
  const hex = h.toString(16).padStart(8, "0");
  return `${hex}-${hex.slice(0, 4)}-4${hex.slice(1, 4)}-8${hex.slice(4, 7)}-${hex}${(i % 65536).toString(16).padStart(4, "0")}`;
}

/** One mailbox or admin audit row; `i` makes RecordId unique, `base` is the event time of row 0. */
export function auditRow(i: number, base = Date.now() - 3_600_000): ExchangeAuditRow & Record<string, unknown> {
  const time = new Date(base + i * 1000).toISOString();
  const id = guid(i, 7);
  const user = `user${i % 37}@contoso.com`;
  if (i % 5 === 4) {
    const parameters = {
      Identity: `user${(i + 3) % 37}@contoso.com`,
      ForwardingSmtpAddress: "smtp:x@fabrikam.example",
      DeliverToMailboxAndForward: "True",
    };
    return {
      EventTime: time,
      RecordId: id,
      RecordType: 1,
      RecordTypeName: "ExchangeAdmin",
      Operation: "Set-Mailbox",
      Workload: "Exchange",
      ResultStatus: "True",
      Succeeded: true,
      OrganizationId: TENANT,
      UserId: user,
      UserKey: `10032001${(i % 99999).toString().padStart(8, "0")}`,
      UserType: "Regular",
      IsSystemActor: false,
      ClientIP: "104.28.196.199",
      ClientIPPort: 28491,
      AppId: null,
      ObjectId: `EURPR01A001.prod.outlook.com/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com/user${(i + 3) % 37}`,
      TargetMailbox: parameters.Identity,
      Parameters: parameters,
      OriginatingServer: "DB7PR04MB4523 (15.20.7918.024)",
      SourceContentId: `20260310120000.${id}$Audit_Exchange`,
      IngestionSource: "api",
      ConnectorTenant: TENANT,
      Truncated: [],
      AuditData: {
        CreationTime: time.slice(0, 19),
        Id: id,
        Operation: "Set-Mailbox",
        OrganizationId: TENANT,
        RecordType: 1,
        ResultStatus: "True",
        UserKey: "NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)",
        UserType: 0,
        Version: 1,
        Workload: "Exchange",
        ClientIP: "104.28.196.199:28491",
        UserId: user,
        ExternalAccess: false,
        ObjectId: parameters.Identity,
        Parameters: Object.entries(parameters).map(([Name, Value]) => ({ Name, Value })),
      },
    } as ExchangeAuditRow & Record<string, unknown>;
  }
  const messageIds = Array.from(
    { length: 1 + (i % 4) },
    (_, k) => `<DB7PR04MB${4000 + k}${i}@DB7PR04MB4523.eurprd04.prod.outlook.com>`,
  );
  return {
    EventTime: time,
    RecordId: id,
    RecordType: 50,
    RecordTypeName: "ExchangeItemAggregated",
    Operation: "MailItemsAccessed",
    Workload: "Exchange",
    ResultStatus: "Succeeded",
    Succeeded: true,
    OrganizationId: TENANT,
    UserId: user,
    UserKey: `10032001${(i % 99999).toString().padStart(8, "0")}`,
    UserType: "Regular",
    IsSystemActor: false,
    ClientIP: "2a01:111:f400:7e1c::35",
    ClientInfoString: "Client=OWA;Action=ViaProxy",
    ClientAppId: "00000002-0000-0ff1-ce00-000000000000",
    AppId: "00000002-0000-0ff1-ce00-000000000000",
    SessionId: guid(i, 11),
    AADSessionId: guid(i, 13),
    UniqueTokenId: "p7bKH3hb0UyDzrXJ5xwFAA",
    LogonType: "Owner",
    ExternalAccess: false,
    MailboxOwnerUPN: user,
    MailboxGuid: guid(i % 37, 17),
    TargetMailbox: user,
    OperationProperties: { MailAccessType: "Bind", IsThrottled: "False" },
    MailAccessType: "Bind",
    IsThrottled: false,
    OperationCount: messageIds.length,
    InternetMessageIds: messageIds,
    FolderPaths: ["\\Inbox"],
    ItemCount: messageIds.length,
    OriginatingServer: "DB7PR04MB4523 (15.20.7918.024)",
    SourceContentId: `20260310120000.${id}$Audit_Exchange`,
    IngestionSource: "api",
    ConnectorTenant: TENANT,
    Truncated: [],
    AuditData: {
      CreationTime: time.slice(0, 19),
      Id: id,
      Operation: "MailItemsAccessed",
      OrganizationId: TENANT,
      RecordType: 50,
      ResultStatus: "Succeeded",
      UserKey: "10032001A2B3C4D5",
      UserType: 0,
      Version: 1,
      Workload: "Exchange",
      UserId: user,
      ClientIPAddress: "2a01:111:f400:7e1c::35",
      ClientInfoString: "Client=OWA;Action=ViaProxy",
      ExternalAccess: false,
      LogonType: 0,
      MailboxGuid: guid(i % 37, 17),
      MailboxOwnerUPN: user,
      OperationProperties: [
        { Name: "MailAccessType", Value: "Bind" },
        { Name: "IsThrottled", Value: "False" },
      ],
      OperationCount: messageIds.length,
      Folders: [{ FolderItems: messageIds.map((m) => ({ InternetMessageId: m })), Path: "\\Inbox" }],
    },
  } as ExchangeAuditRow & Record<string, unknown>;
}

/** `n` audit rows with unique RecordIds. */
export function auditRows(n: number, base?: number): (ExchangeAuditRow & Record<string, unknown>)[] {
  return Array.from({ length: n }, (_, i) => auditRow(i, base));
}

/** One heartbeat row. */
export function healthRow(now = new Date()): HealthRow {
  return {
    TimeGenerated: now.toISOString(),
    RunId: "run-7d1c0a4e",
    Instance: "func-exo-audit-01",
    ConnectorVersion: "0.1.0",
    ConnectorTenant: TENANT,
    ContentType: "Audit.Exchange",
    Status: "ok",
    Message: "",
    WindowStart: new Date(now.getTime() - 3_600_000).toISOString(),
    WindowEnd: now.toISOString(),
    NewestContentCreated: new Date(now.getTime() - 600_000).toISOString(),
    LagSeconds: 600.5,
    BlobsFetched: 12,
    RecordsIn: 3400,
    RowsOut: 3398,
    DuplicatesDropped: 2,
    DeadLettered: 0,
    Gaps: 0,
    GapDetails: [],
    ThrottledResponses: 1,
    Retries: 1,
    DurationMs: 48211,
    Requests: 31,
    LateBlobs: 1,
    LatenessP50Seconds: 0,
    LatenessP99Seconds: 3600,
    LatenessMaxSeconds: 10800,
    OverlapHours: 2,
    Sweep: "24h/60m",
    RecoveredBlobs: 1,
    RecoveredRecords: 40,
    RecoveredDetails: [
      {
        contentId: "20260310091041242050872$20260310091041242050872$audit_exchange$Audit_Exchange$emea0036",
        contentCreated: new Date(now.getTime() - 10_800_000).toISOString(),
        latenessSeconds: 10800,
        records: 40,
      },
    ],
  };
}
