/**
 * Builders of Exchange audit records (AuditData objects) in the shapes the Management Activity API
 * delivers, quirks included: admin ClientIP with a port, OriginatingServer with a trailing CR LF,
 * Parameters and OperationProperties as Name/Value lists with string values.
 */
import { FIRST_PARTY_APPS, type Organisation, type Person } from "./org.ts";
import type { Rng } from "./random.ts";

export type AuditRecord = Record<string, unknown> & { Id: string; CreationTime: string; Operation: string };

/** `CreationTime` as the API writes it: UTC, no zone suffix, no fractional seconds. */
export function apiTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

function server(rng: Rng): string {
  return `${rng.pick(["DB7PR04MB", "AM6PR01MB", "KL1PR02MB", "BN8PR12MB"])}${rng.int(1000, 9999)} (15.20.${rng.int(7000, 8999)}.0${rng.int(10, 40)})\r\n`;
}

export interface Actor {
  person: Person;
  ip: string;
  client: string;
  sessionId: string | null;
  appId?: string;
  aadSessionId?: string;
  uniqueTokenId?: string;
}

interface Common {
  rng: Rng;
  org: Organisation;
  time: number;
}

function base(c: Common, recordType: number, operation: string, userId: string, userKey: string, userType: number) {
  return {
    CreationTime: apiTime(c.time),
    Id: c.rng.guid(),
    Operation: operation,
    OrganizationId: c.org.tenantId,
    RecordType: recordType,
    ResultStatus: "Succeeded",
    UserKey: userKey,
    UserType: userType,
    Version: 1,
    Workload: "Exchange",
    UserId: userId,
  };
}

function appAccessContext(actor: Actor): Record<string, unknown> | undefined {
  if (!actor.aadSessionId && !actor.uniqueTokenId) return undefined;
  return {
    AADSessionId: actor.aadSessionId,
    ClientAppId: actor.appId ?? FIRST_PARTY_APPS.outlookWeb,
    UniqueTokenId: actor.uniqueTokenId,
  };
}

/** A mailbox record (RecordType 2/3/50) performed by `actor` on `owner`'s mailbox. */
function mailboxBase(c: Common, recordType: number, operation: string, actor: Actor, owner: Person, logonType: number) {
  const rec: Record<string, unknown> = {
    ...base(c, recordType, operation, actor.person.upn, actor.person.puid, 0),
    AppId: actor.appId ?? FIRST_PARTY_APPS.outlookWeb,
    ClientAppId: actor.appId ?? "",
    ClientIPAddress: actor.ip,
    ClientInfoString: actor.client,
    ExternalAccess: false,
    InternalLogonType: logonType,
    LogonType: logonType,
    LogonUserSid: actor.person.sid,
    MailboxGuid: owner.mailboxGuid,
    MailboxOwnerSid: owner.sid,
    MailboxOwnerUPN: owner.upn,
    OrganizationName: "contoso.onmicrosoft.com",
    OriginatingServer: server(c.rng),
  };
  if (actor.sessionId) rec.SessionId = actor.sessionId;
  const ctx = appAccessContext(actor);
  if (ctx) rec.AppAccessContext = ctx;
  return rec;
}

/** Resource (API) app ids an application's token is issued for. */
export const EXCHANGE_ONLINE_API = "00000002-0000-0ff1-ce00-000000000000";
export const GRAPH_API = "00000003-0000-0000-c000-000000000000";

/**
 * Turns a mailbox record into one made by an application with application permissions: no user (UserType 5),
 * the app as actor, and the token's AppAccessContext (API, issue time, token id).
 */
export function asAppRead(
  rec: AuditRecord,
  app: { appId: string; apiId: string; issuedAt: number; tokenId: string },
): AuditRecord {
  rec.UserId = app.appId;
  rec.UserKey = app.appId;
  rec.UserType = 5;
  rec.ClientAppId = app.appId;
  rec.AppAccessContext = {
    ClientAppId: app.appId,
    APIId: app.apiId,
    IssuedAtTime: apiTime(app.issuedAt),
    UniqueTokenId: app.tokenId,
  };
  return rec;
}

export function messageId(rng: Rng, domain: string): string {
  return `<${rng.hex(8)}${rng.hex(8)}@${rng.pick(["BN8PR12MB", "AM6PR01MB", "DB7PR04MB"])}${rng.int(1000, 9999)}.namprd12.prod.outlook.com>`.replace(
    "namprd12.prod.outlook.com",
    domain === "contoso.com" ? "namprd12.prod.outlook.com" : domain,
  );
}

export function mailboxLogin(c: Common, actor: Actor, owner: Person = actor.person): AuditRecord {
  return mailboxBase(c, 2, "MailboxLogin", actor, owner, owner === actor.person ? 0 : 2) as AuditRecord;
}

/** MailItemsAccessed (RecordType 50): Bind aggregates messages; Sync records one folder. */
export function mailItemsAccessed(
  c: Common,
  actor: Actor,
  owner: Person,
  access: { type: "Bind"; folders: { path: string; messageIds: string[] }[] } | { type: "Sync"; folder: string },
  throttled = false,
): AuditRecord {
  const logonType = owner === actor.person ? 0 : actor.person === owner ? 0 : 2;
  const rec = mailboxBase(c, 50, "MailItemsAccessed", actor, owner, logonType);
  rec.OperationProperties = [
    { Name: "MailAccessType", Value: access.type },
    { Name: "IsThrottled", Value: throttled ? "True" : "False" },
  ];
  if (access.type === "Bind") {
    rec.Folders = access.folders.map((f) => ({
      FolderItems: f.messageIds.map((id) => ({ InternetMessageId: id, SizeInBytes: c.rng.int(2000, 90000) })),
      Id: `LgAAAAB${c.rng.hex(24)}`,
      Path: f.path,
    }));
    rec.OperationCount = access.folders.reduce((n, f) => n + f.messageIds.length, 0);
  } else {
    rec.Item = { ParentFolder: { Path: access.folder, Name: access.folder.replace(/^\\/, "") } };
    rec.OperationCount = 1;
  }
  return rec as AuditRecord;
}

/** A single-item mailbox action (RecordType 2): Send, Create, Update, SendAs, SendOnBehalf. */
export function itemAction(
  c: Common,
  operation: string,
  actor: Actor,
  owner: Person,
  item: { subject: string; folder: string; messageId?: string; sendAs?: string; onBehalfOf?: string },
): AuditRecord {
  const rec = mailboxBase(c, 2, operation, actor, owner, owner === actor.person ? 0 : 2);
  rec.Item = {
    Id: `RgAAAAD${c.rng.hex(30)}`,
    InternetMessageId: item.messageId ?? messageId(c.rng, "namprd12.prod.outlook.com"),
    IsRecord: false,
    ParentFolder: { Id: `LgAAAAB${c.rng.hex(24)}`, Path: item.folder },
    SizeInBytes: c.rng.int(1500, 250000),
    Subject: item.subject,
  };
  if (item.sendAs) rec.SendAsUserSmtp = item.sendAs;
  if (item.onBehalfOf) rec.SendOnBehalfOfUserSmtp = item.onBehalfOf;
  return rec as AuditRecord;
}

/** A multi-item mailbox action (RecordType 3): HardDelete, SoftDelete, MoveToDeletedItems, Move. */
export function groupAction(
  c: Common,
  operation: string,
  actor: Actor,
  owner: Person,
  folder: string,
  subjects: string[],
  destFolder?: string,
): AuditRecord {
  const rec = mailboxBase(c, 3, operation, actor, owner, owner === actor.person ? 0 : 2);
  rec.Folder = { Id: `LgAAAAB${c.rng.hex(24)}`, Path: folder };
  rec.AffectedItems = subjects.map((subject) => ({
    Id: `RgAAAAD${c.rng.hex(30)}`,
    InternetMessageId: messageId(c.rng, "namprd12.prod.outlook.com"),
    ParentFolder: { Path: folder },
    Subject: subject,
  }));
  rec.CrossMailboxOperation = false;
  if (destFolder) rec.DestFolder = { Id: `LgAAAAB${c.rng.hex(24)}`, Path: destFolder };
  return rec as AuditRecord;
}

export function searchQuery(c: Common, actor: Actor, owner: Person, query: string): AuditRecord {
  const rec = mailboxBase(c, 2, "SearchQueryInitiatedExchange", actor, owner, owner === actor.person ? 0 : 2);
  rec.QueryText = query;
  rec.QuerySource = "Owa";
  return rec as AuditRecord;
}

/** An admin cmdlet record (RecordType 1). Parameters are Name/Value strings, ClientIP carries a port. */
export function adminCmdlet(
  c: Common,
  cmdlet: string,
  actor: Actor | "system",
  params: Record<string, string>,
  objectId: string,
  resultStatus: "True" | "False" = "True",
): AuditRecord {
  const system = actor === "system";
  const userId = system ? "NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)" : actor.person.upn;
  const rec: Record<string, unknown> = {
    ...base(c, 1, cmdlet, userId, system ? "S-1-5-18" : actor.person.upn, system ? 4 : 2),
    ResultStatus: resultStatus,
    ObjectId: objectId,
    Parameters: Object.entries(params).map(([Name, Value]) => ({ Name, Value })),
    ExternalAccess: system,
    OrganizationName: "contoso.onmicrosoft.com",
    OriginatingServer: server(c.rng).trimEnd(),
  };
  if (system) {
    rec.ClientIP = "::1";
  } else {
    rec.ClientIP = actor.ip.includes(":")
      ? `[${actor.ip}]:${c.rng.int(1024, 65000)}`
      : `${actor.ip}:${c.rng.int(1024, 65000)}`;
    rec.AppId = actor.appId ?? "fb78d390-0c51-40cd-8e17-fdbfab77341b";
    rec.ClientAppId = "";
    rec.AppPoolName = "MSExchangeOWAAppPool";
    rec.RequestId = c.rng.guid();
    if (actor.sessionId) rec.SessionId = actor.sessionId;
  }
  return rec as AuditRecord;
}

export type { Common };
