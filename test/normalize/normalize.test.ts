import assert from "node:assert/strict";
import { test } from "node:test";
import { rowTypeErrors } from "../../connector/normalize/check-row.ts";
import { normalizeRecord } from "../../connector/normalize/index.ts";
import { hashSubject } from "../../connector/normalize/privacy.ts";
import type { NormalizeOptions } from "../../connector/normalize/types.ts";
import type { ExchangeAuditRow } from "../../connector/schema/table-schema.ts";

const OPTS: NormalizeOptions = { subjects: "keep", keepAuditData: true, ingestionSource: "api", sourceContentId: "c1" };

function rowOf(raw: unknown, opts: Partial<NormalizeOptions> = {}): ExchangeAuditRow {
  const r = normalizeRecord(raw, { ...OPTS, ...opts });
  if (!r.ok) assert.fail(`rejected: ${r.reason}`);
  assert.deepEqual(rowTypeErrors(r.row), []);
  return r.row;
}

const base = { Id: "11111111-2222-4333-8444-555555555555", CreationTime: "2025-01-02T03:04:05", Workload: "Exchange" };

test("rejects input that is not an object, with a reason", () => {
  for (const raw of [null, 42, "not json", "[1,2]", [base], true, undefined]) {
    const r = normalizeRecord(raw, OPTS);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.reason, /JSON|object/);
  }
});

test("rejects records without a usable Id", () => {
  for (const Id of [undefined, null, "", "   ", { a: 1 }, "x".repeat(600)]) {
    const r = normalizeRecord({ ...base, Id }, OPTS);
    assert.equal(r.ok, false, `Id ${JSON.stringify(Id)?.slice(0, 20)} accepted`);
  }
});

test("trims the Id and keeps it as the RecordId", () => {
  assert.equal(rowOf({ ...base, Id: "  abc  " }).RecordId, "abc");
});

test("splits IPv4 and bracketed IPv6 client addresses into address and port", () => {
  assert.deepEqual(
    [rowOf({ ...base, ClientIP: "104.28.196.199:28491" })].map((r) => [r.ClientIP, r.ClientIPPort]),
    [["104.28.196.199", 28491]],
  );
  const v6 = rowOf({ ...base, ClientIP: "[2a09:bac5:114:105::1a:9b]:54809" });
  assert.deepEqual([v6.ClientIP, v6.ClientIPPort], ["2a09:bac5:114:105::1a:9b", 54809]);
  const bare6 = rowOf({ ...base, ClientIP: "2001:db8::1" });
  assert.deepEqual([bare6.ClientIP, bare6.ClientIPPort], ["2001:db8::1", null]);
  const loop = rowOf({ ...base, ClientIP: "::1" });
  assert.deepEqual([loop.ClientIP, loop.ClientIPPort], ["::1", null]);
  const badPort = rowOf({ ...base, ClientIP: "10.0.0.1:99999" });
  assert.deepEqual([badPort.ClientIP, badPort.ClientIPPort], ["10.0.0.1:99999", null]);
});

test("takes ClientIPAddress when ClientIP is empty or missing", () => {
  assert.equal(rowOf({ ...base, ClientIP: "", ClientIPAddress: "198.51.100.1" }).ClientIP, "198.51.100.1");
  assert.equal(rowOf({ ...base, ClientIPAddress: "198.51.100.2" }).ClientIP, "198.51.100.2");
});

test("reads CreationTime without a zone as UTC and respects explicit offsets", () => {
  assert.equal(rowOf(base).EventTime, "2025-01-02T03:04:05.000Z");
  assert.equal(rowOf({ ...base, CreationTime: "2025-01-02T03:04:05+02:00" }).EventTime, "2025-01-02T01:04:05.000Z");
  assert.equal(rowOf({ ...base, CreationTime: "/Date(1728364117000)/" }).EventTime, "2024-10-08T05:08:37.000Z");
  assert.equal(rowOf(base).TimeGenerated, rowOf(base).EventTime);
});

test("accepts numbers as strings and floats, and booleans as True/False text", () => {
  const row = rowOf({
    ...base,
    RecordType: " 2 ",
    UserType: "2",
    LogonType: 1.0,
    OperationCount: "7.0",
    ExternalAccess: "True",
    CrossMailboxOperations: "false",
    OperationProperties: [{ Name: "IsThrottled", Value: "TRUE" }],
  });
  assert.equal(row.RecordType, 2);
  assert.equal(row.RecordTypeName, "ExchangeItem");
  assert.equal(row.UserType, "Admin");
  assert.equal(row.LogonType, "Admin");
  assert.equal(row.OperationCount, 7);
  assert.equal(row.ExternalAccess, true);
  assert.equal(row.CrossMailboxOperation, false);
  assert.equal(row.IsThrottled, true);
});

test("maps a RecordType given by name (Search-UnifiedAuditLog exports) to its number", () => {
  const row = rowOf({ ...base, RecordType: "ExchangeAdmin" });
  assert.equal(row.RecordType, 1);
  assert.equal(row.RecordTypeName, "ExchangeAdmin");
});

test("tolerates the 'ExternalAccess ' key with a trailing space", () => {
  assert.equal(rowOf({ ...base, "ExternalAccess ": true }).ExternalAccess, true);
});

test("derives Succeeded from ResultStatus in both admin and mailbox spellings", () => {
  const cases: [string | undefined, boolean | null][] = [
    ["Succeeded", true],
    ["PartiallySucceeded", true],
    ["True", true],
    ["Failed", false],
    ["False", false],
    ["Unknown", null],
    [undefined, null],
  ];
  for (const [status, expected] of cases) assert.equal(rowOf({ ...base, ResultStatus: status }).Succeeded, expected);
});

test("flags Microsoft system identities as system actors", () => {
  assert.equal(rowOf({ ...base, UserId: "S-1-5-18" }).IsSystemActor, true);
  assert.equal(rowOf({ ...base, UserId: "NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)" }).IsSystemActor, true);
  assert.equal(rowOf({ ...base, UserId: "a@b.com", UserType: 4 }).IsSystemActor, true);
  assert.equal(rowOf({ ...base, UserId: "a@b.com", UserType: "Reserved" }).IsSystemActor, true);
  assert.equal(rowOf({ ...base, UserKey: "S-1-5-18" }).IsSystemActor, true);
  assert.equal(rowOf({ ...base, UserId: "a@b.com", UserKey: "NT AUTHORITY\\SYSTEM (w3wp)" }).IsSystemActor, false);
  assert.equal(rowOf({ ...base, UserId: "a@b.com", UserType: 2 }).IsSystemActor, false);
});

test("reads MailItemsAccessed properties by name, never by position", () => {
  const row = rowOf({
    ...base,
    RecordType: 50,
    Operation: "MailItemsAccessed",
    OperationProperties: [
      { Name: "IsThrottled", Value: "False" },
      { Name: "Other", Value: "x" },
      { Name: "MailAccessType", Value: "Sync" },
    ],
  });
  assert.equal(row.MailAccessType, "Sync");
  assert.equal(row.IsThrottled, false);
});

test("targets the mailbox of inbox-rule and folder cmdlets, not the rule or folder", () => {
  const admin = { ...base, RecordType: 1, UserId: "adm@contoso.com" };
  const withParams = (Operation: string, params: [string, string][], extra = {}) =>
    rowOf({ ...admin, Operation, Parameters: params.map(([Name, Value]) => ({ Name, Value })), ...extra })
      .TargetMailbox;
  assert.equal(withParams("New-InboxRule", [["Mailbox", "victim@contoso.com"]]), "victim@contoso.com");
  assert.equal(withParams("Set-InboxRule", [["Identity", "victim@contoso.com\\Fwd"]]), "victim@contoso.com");
  assert.equal(withParams("New-InboxRule", [["Name", "x"]]), "adm@contoso.com");
  assert.equal(withParams("Add-MailboxFolderPermission", [["Identity", "ceo@contoso.com:\\Inbox"]]), "ceo@contoso.com");
  assert.equal(withParams("Set-Mailbox", [["Identity", "u@contoso.com"]]), "u@contoso.com");
  assert.equal(withParams("New-MailboxExportRequest", [["Mailbox", "m@contoso.com"]]), "m@contoso.com");
  assert.equal(withParams("Remove-Mailbox", [], { ObjectId: "contoso/Bob" }), "contoso/Bob");
});

test("never lets record keys such as __proto__ pollute prototypes", () => {
  const text =
    '{"Id":"p1","CreationTime":"2025-01-02T03:04:05","RecordType":1,"Parameters":[{"Name":"__proto__","Value":{"polluted":"yes"}},{"Name":"constructor","Value":"c"},{"Name":"Identity","Value":"x@y"}],' +
    '"OperationProperties":[{"Name":"__proto__","Value":"op"}],"ModifiedProperties":["__proto__"],"__proto__":{"polluted":"yes"},"Item":{"__proto__":{"Subject":"s"}}}';
  for (const input of [text, JSON.parse(text)]) {
    for (const subjects of ["keep", "hash", "drop"] as const) {
      const row = rowOf(input, { subjects });
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      const params = row.Parameters as Record<string, unknown>;
      assert.equal(Object.getPrototypeOf(params), Object.prototype, "the bag's prototype was not replaced");
      assert.ok(Object.hasOwn(params, "__proto__"));
      assert.deepEqual(Object.keys(params), ["__proto__", "constructor", "Identity"]);
      assert.deepEqual(Object.getOwnPropertyDescriptor(params, "__proto__")?.value, { polluted: "yes" });
      assert.equal(row.TargetMailbox, "x@y");
      const json = JSON.parse(JSON.stringify(row));
      assert.deepEqual(Object.keys(json.Parameters), ["__proto__", "constructor", "Identity"]);
    }
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test("keeps, hashes or drops subjects in the column and inside AuditData", () => {
  const rec = {
    ...base,
    RecordType: 3,
    Item: { Subject: "Secret merger" },
    AffectedItems: [{ Subject: "a" }, { Subject: "b", InternetMessageId: "<m@x>" }],
    Folders: [{ Path: "\\Inbox", FolderItems: [{ Subject: "c" }] }],
  };
  assert.equal(rowOf(rec).Subject, "Secret merger");
  const hashed = rowOf(rec, { subjects: "hash" });
  assert.equal(hashed.Subject, hashSubject("Secret merger"));
  assert.match(hashed.Subject as string, /^[0-9a-f]{64}$/);
  const text = JSON.stringify(hashed.AuditData);
  for (const s of ["Secret merger", '"a"', '"b"', '"c"']) assert.equal(text.includes(s), false, s);
  assert.ok(text.includes(hashSubject("c")));
  const dropped = rowOf(rec, { subjects: "drop" });
  assert.equal(dropped.Subject, null);
  assert.equal(JSON.stringify(dropped.AuditData).includes("Subject"), false);
  assert.equal(rec.Item.Subject, "Secret merger", "input record modified");
});

test("omits the raw record when keepAuditData is off", () => {
  assert.equal(rowOf(base, { keepAuditData: false }).AuditData, null);
});

test("fills the provenance columns from the options", () => {
  const row = rowOf(base, { ingestionSource: "purview-csv", sourceContentId: "a.csv:7", connectorTenant: "t-1" });
  assert.deepEqual([row.IngestionSource, row.SourceContentId, row.ConnectorTenant], ["purview-csv", "a.csv:7", "t-1"]);
  assert.deepEqual(row.Truncated, []);
});

test("maps ModifiedProperties lists of objects and of names to a bag", () => {
  assert.deepEqual(
    JSON.parse(JSON.stringify(rowOf({ ...base, ModifiedProperties: [{ Name: "A", NewValue: "1", OldValue: "0" }] })))
      .ModifiedProperties,
    { A: "1" },
  );
  assert.deepEqual(
    JSON.parse(JSON.stringify(rowOf({ ...base, ModifiedProperties: ["Subject", "Body"] }))).ModifiedProperties,
    {
      Subject: null,
      Body: null,
    },
  );
});

test("cuts nesting too deep to serialize and says so in Truncated", () => {
  let deep: unknown = "leaf";
  for (let i = 0; i < 10_000; i++) deep = [deep];
  const row = rowOf({ ...base, Parameters: [{ Name: "X", Value: deep }], Extra: deep });
  assert.ok((row.Truncated as string[]).includes("AuditData"));
  assert.ok((row.Truncated as string[]).includes("Parameters"));
  assert.doesNotThrow(() => JSON.stringify(row));
});

test("cuts huge strings to the field limit and records the field", () => {
  const row = rowOf({ ...base, Operation: "x".repeat(200_000), ClientInfoString: "é".repeat(50_000) });
  assert.ok(Buffer.byteLength(JSON.stringify(row.Operation)) <= 64_000);
  assert.ok(Buffer.byteLength(JSON.stringify(row.ClientInfoString)) <= 64_000);
  assert.deepEqual([...(row.Truncated as string[])].sort(), ["AuditData", "ClientInfoString", "Operation"]);
  assert.equal((row.AuditData as Record<string, unknown>).Id, base.Id);
});

test("cuts deep nesting that arrives as JSON text", () => {
  const text = `{"Id":"deep","CreationTime":"2025-01-02T03:04:05","Extra":${"[".repeat(6000)}1${"]".repeat(6000)}}`;
  const row = rowOf(text);
  assert.deepEqual(row.Truncated, ["AuditData"]);
  assert.doesNotThrow(() => JSON.stringify(row));
});

test("keeps an unknown non-numeric RecordType name and never fails on open enums", () => {
  const row = rowOf({ ...base, RecordType: "FutureWorkloadThing", UserType: "Robot", LogonType: "Other" });
  assert.deepEqual(
    [row.RecordType, row.RecordTypeName, row.UserType, row.LogonType],
    [null, "FutureWorkloadThing", null, null],
  );
});

test("accepts only times in the API's format and refuses the rest with the reason (issue 18, failure 8)", () => {
  const accepted: Array<[string, string]> = [
    ["2024-10-08T05:08:37", "2024-10-08T05:08:37.000Z"],
    ["2024-10-08T05:08:37.1234567", "2024-10-08T05:08:37.123Z"],
    ["2024-10-08T05:08:37Z", "2024-10-08T05:08:37.000Z"],
    ["2024-10-08T05:08:37.5 UTC", "2024-10-08T05:08:37.500Z"],
    ["2024-10-08 05:08:37", "2024-10-08T05:08:37.000Z"],
    ["2024-10-08", "2024-10-08T00:00:00.000Z"],
    ["2024-10-08T05:08:37+02:00", "2024-10-08T03:08:37.000Z"],
    ["2024-10-08T05:08:37-0530", "2024-10-08T10:38:37.000Z"],
    ["2024-10-08T05:08:37+14:00", "2024-10-07T15:08:37.000Z"],
    ["/Date(1728364117000)/", "2024-10-08T05:08:37.000Z"],
  ];
  for (const [input, iso] of accepted) assert.equal(rowOf({ ...base, CreationTime: input }).EventTime, iso, input);
  const refused: unknown[] = [
    "0001-01-01T00:00:00",
    1728364117,
    1728364117000,
    "1728364117",
    "10/8/2024 5:08:37 AM",
    "08.10.2024 05:08:37",
    "Tue, 08 Oct 2024 05:08:37 GMT",
    "20241008T050837Z",
    "2024-10-08T05:08:37+15:00",
    "2025-02-31T00:00:00",
    "2024-10-08T24:00:00",
    "yesterday",
    "",
    undefined,
  ];
  for (const input of refused) {
    const r = normalizeRecord({ ...base, CreationTime: input }, { ...OPTS });
    assert.equal(r.ok, false, `accepted ${String(input)}`);
    if (!r.ok) assert.match(r.reason, /CreationTime/);
  }
});
