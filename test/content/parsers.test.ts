/**
 * Behaviour of the parser functions in `parsers/` on the KQL test engine and against the Kusto language
 * service: the allow-list hook is empty by default, de-duplication keeps one row per RecordId, sessions
 * aggregate per SessionId, the OfficeActivity view has OfficeActivity's exact columns, and the ASIM parsers
 * emit AuditEvent columns and honour their filtering parameters.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parserFunctionDefs } from "../../kql/content/load.ts";
import { executeQuery } from "../../kql/engine/evaluator.ts";
import { toJsonValue } from "../../kql/engine/values.ts";
import { analyze, builtinTables, buildGlobalState, resultColumns } from "../../kql/kusto.ts";

const functions = parserFunctionDefs();
let globals: ReturnType<typeof buildGlobalState> | undefined;
/** Output columns of a query per the Kusto language service (global state built once: ~1 s). */
function columnsOf(query: string): { name: string; type: string }[] {
  globals ??= buildGlobalState({ functions });
  return resultColumns(analyze(query, globals).code) ?? [];
}
const now = new Date("2026-03-10T12:00:00Z");
const tenant = "4f1c2b7e-9a3d-4c8e-b5f6-2d7e8a9b0c1d";

const inboxRule = {
  TimeGenerated: "2026-03-10T11:40:00Z",
  EventTime: "2026-03-10T11:40:00Z",
  RecordId: "80ab29e3-5d5f-4c36-9d1e-7f0c5e2b7a11",
  RecordType: 1,
  RecordTypeName: "ExchangeAdmin",
  Operation: "New-InboxRule",
  ResultStatus: "True",
  Succeeded: true,
  OrganizationId: tenant,
  UserId: "adele.vance@contoso.com",
  UserKey: "10032002643F6746",
  UserType: "Regular",
  IsSystemActor: false,
  ClientIP: "104.28.196.199",
  ClientIPPort: 28491,
  AppId: "00000002-0000-0ff1-ce00-000000000000",
  SessionId: "87bfd35a-633e-41ae-8656-d9029c255b94",
  TargetMailbox: "adele.vance@contoso.com",
  ObjectId: "contoso.onmicrosoft.com/adele_b5cd7fb7af\\ForwardToHeaven",
  Parameters: { Name: "ForwardToHeaven", ForwardTo: "alpha@fabrikam-mail.example", StopProcessingRules: "True" },
  OriginatingServer: "KL1PR02MB6845 (15.20.7982.032)",
};
const mailRead = {
  TimeGenerated: "2026-03-10T11:45:00Z",
  EventTime: "2026-03-10T11:45:00Z",
  RecordId: "f5493f9a-57ce-4859-94bd-fd2ad38d5680",
  RecordType: 50,
  RecordTypeName: "ExchangeItemAggregated",
  Operation: "MailItemsAccessed",
  ResultStatus: "Succeeded",
  Succeeded: true,
  OrganizationId: tenant,
  UserId: "adele.vance@contoso.com",
  UserType: "Regular",
  IsSystemActor: false,
  ClientIP: "2001:db8:5f4f:f058::27c7",
  ClientInfoString: "Client=OutlookService;Outlook-iOS/2.0;",
  SessionId: "87bfd35a-633e-41ae-8656-d9029c255b94",
  LogonType: "Owner",
  MailboxOwnerUPN: "adele.vance@contoso.com",
  TargetMailbox: "adele.vance@contoso.com",
  MailAccessType: "Bind",
  IsThrottled: false,
  OperationProperties: { MailAccessType: "Bind", IsThrottled: "False" },
  ItemCount: 3,
};
const systemRow = {
  ...mailRead,
  RecordId: "3e0c1d2b-9a8f-4e7d-8c6b-5a4f3e2d1c0b",
  Operation: "Create",
  RecordType: 2,
  UserId: "S-1-5-18",
  IsSystemActor: true,
  SessionId: "",
};

function run(query: string, rows: Record<string, unknown>[]) {
  const result = executeQuery(query, { tables: { ExchangeAudit_CL: rows }, now, functions });
  return result.rows.map((r) => toJsonValue(r) as Record<string, unknown>);
}

test("the allow-list hook returns an empty Kind/Value table by default", () => {
  const rows = run("ExchangeAuditAllowList | extend k = strcat(Kind, Value)", []);
  assert.equal(rows.length, 0);
  assert.deepEqual(
    columnsOf("ExchangeAuditAllowList").map((c) => `${c.name}:${c.type}`),
    ["Kind:string", "Value:string"],
  );
});

test("de-duplication keeps one row per RecordId", () => {
  const rows = run("ExchangeAuditDedup | summarize n = count(), ids = dcount(RecordId)", [
    inboxRule,
    inboxRule,
    mailRead,
  ]);
  assert.deepEqual(rows, [{ n: 2, ids: 2 }]);
});

test("sessions aggregate the records of one SessionId and skip records without one", () => {
  const rows = run("ExchangeAuditSessions", [inboxRule, mailRead, systemRow]);
  assert.equal(rows.length, 1);
  const s = rows[0];
  assert.ok(s);
  assert.equal(s.SessionId, "87bfd35a-633e-41ae-8656-d9029c255b94");
  assert.equal(s.UserId, "adele.vance@contoso.com");
  assert.equal(s.EventCount, 2);
  assert.equal(s.IPCount, 2);
  assert.deepEqual(s.IPPrefixes, ["104.28.0.0/16", "2001:db8::/32"]);
  assert.equal(s.DurationMinutes, 5);
  assert.equal(s.MailboxCount, 1);
  assert.equal(s.ItemCount, 3);
});

test("the OfficeActivity view has exactly the OfficeActivity columns and types", () => {
  const office = builtinTables().find((t) => t.Name === "OfficeActivity");
  assert.ok(office);
  const expected = office.Properties.filter((p) => !p.Name.startsWith("_") && p.Name !== "TenantId").map(
    (p) => `${p.Name}:${p.Type.toLowerCase()}`,
  );
  const actual = columnsOf("ExchangeAuditAsOfficeActivity").map(
    (c) => `${c.name}:${c.type.toLowerCase().replace("boolean", "bool")}`,
  );
  assert.deepEqual(actual, expected);
});

test("the OfficeActivity view rebuilds Name/Value lists and splits admin and mailbox client IPs", () => {
  const rows = run(
    "ExchangeAuditAsOfficeActivity | project Operation, RecordType, Parameters, OperationProperties, ClientIP, Client_IPAddress, OfficeWorkload",
    [inboxRule, mailRead],
  );
  const rule = rows.find((r) => r.Operation === "New-InboxRule");
  const read = rows.find((r) => r.Operation === "MailItemsAccessed");
  assert.ok(rule && read);
  assert.deepEqual(JSON.parse(String(rule.Parameters)), [
    { Name: "Name", Value: "ForwardToHeaven" },
    { Name: "ForwardTo", Value: "alpha@fabrikam-mail.example" },
    { Name: "StopProcessingRules", Value: "True" },
  ]);
  assert.equal(rule.RecordType, "ExchangeAdmin");
  assert.equal(rule.ClientIP, "104.28.196.199");
  assert.equal(read.Client_IPAddress, "2001:db8:5f4f:f058::27c7");
  assert.deepEqual(read.OperationProperties, [
    { Name: "MailAccessType", Value: "Bind" },
    { Name: "IsThrottled", Value: "False" },
  ]);
  assert.equal(read.OfficeWorkload, "Exchange");
});

test("the ASIM parsers emit AuditEvent columns for admin records only", () => {
  const asim = builtinTables().find((t) => t.Name === "ASimAuditEventLogs");
  assert.ok(asim);
  const schema = new Set(asim.Properties.map((p) => p.Name));
  const aliases = new Set(["User", "Src", "IpAddr", "Dvc", "Application", "Value"]);
  const cols = columnsOf("ASimAuditEventExchangeAudit").map((c) => c.name);
  assert.deepEqual(
    cols.filter((c) => !schema.has(c) && !aliases.has(c)),
    [],
  );
  for (const required of [
    "EventType",
    "EventResult",
    "Operation",
    "Object",
    "ActorUsername",
    "SrcIpAddr",
    "EventProduct",
  ]) {
    assert.ok(cols.includes(required), `missing ${required}`);
  }
  const rows = run("ASimAuditEventExchangeAudit", [inboxRule, mailRead]);
  assert.equal(rows.length, 1);
  assert.equal(rows[0]?.EventType, "Create");
  assert.equal(rows[0]?.EventResult, "Success");
  assert.equal(rows[0]?.ActorUsername, "adele.vance@contoso.com");
  assert.equal(rows[0]?.SrcPortNumber, 28491);
  assert.equal(rows[0]?.DvcHostname, "KL1PR02MB6845");
});

test("the ASIM filtering parser honours its parameters", () => {
  const failed = {
    ...inboxRule,
    RecordId: "0d9c8b7a-6f5e-4d3c-9b2a-1f0e9d8c7b6a",
    Operation: "Set-Mailbox",
    Succeeded: false,
    ResultStatus: "False",
    Parameters: { Identity: "cfo@contoso.com", AuditEnabled: "False" },
    TargetMailbox: "cfo@contoso.com",
    ObjectId: "cfo@contoso.com",
  };
  const count = (q: string) => run(`${q} | count`, [inboxRule, failed])[0]?.Count;
  assert.equal(count("vimAuditEventExchangeAudit()"), 2);
  assert.equal(count("vimAuditEventExchangeAudit(disabled=true)"), 0);
  assert.equal(count("vimAuditEventExchangeAudit(eventresult='Failure')"), 1);
  assert.equal(count("vimAuditEventExchangeAudit(operation_has_any=dynamic(['InboxRule']))"), 1);
  assert.equal(count("vimAuditEventExchangeAudit(eventtype_in=dynamic(['Set']))"), 1);
  assert.equal(count("vimAuditEventExchangeAudit(newvalue_has_any=dynamic(['fabrikam-mail.example']))"), 1);
  assert.equal(count("vimAuditEventExchangeAudit(starttime=datetime(2026-03-10T11:50:00Z))"), 0);
  assert.equal(count("vimAuditEventExchangeAudit(actorusername_has_any=dynamic(['lee.gu']))"), 0);
  assert.equal(count("vimAuditEventExchangeAudit(srcipaddr_has_any_prefix=dynamic(['104.28.']))"), 2);
  assert.equal(count("vimAuditEventExchangeAudit(srcipaddr_has_any_prefix=dynamic(['10.']))"), 0);
  assert.equal(count("vimAuditEventExchangeAudit(object_has_any=dynamic(['cfo@contoso.com']))"), 1);
});
