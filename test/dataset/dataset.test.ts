import assert from "node:assert/strict";
import { test } from "node:test";
import { datasetCommand } from "../../connector/commands/dataset.ts";
import { demoCommand } from "../../connector/commands/demo.ts";
import { UsageError } from "../../connector/commands/types.ts";
import { ATTACKER_IPS, type AuditRecord, generateDataset, ROGUE_APP_ID } from "../../connector/dataset/index.ts";

const END = new Date("2026-03-10T18:00:00Z");

test("the same options always produce the same records, ids included", () => {
  const a = [...generateDataset({ end: END }).records()];
  const b = [...generateDataset({ end: END }).records()];
  assert.deepEqual(a, b);
  const other = [...generateDataset({ end: END, seed: 2 }).records()];
  assert.notDeepEqual(
    a.map((r) => r.Id),
    other.map((r) => r.Id),
  );
});

test("records are unique by Id, in event-time order and inside the dataset's time range", () => {
  const ds = generateDataset({ end: END, days: 4 });
  const records = [...ds.records()];
  assert.equal(new Set(records.map((r) => r.Id)).size, records.length);
  for (let i = 1; i < records.length; i++) {
    assert.ok(records[i - 1]!.CreationTime <= records[i]!.CreationTime, "out of order");
  }
  for (const r of records) {
    const t = Date.parse(`${r.CreationTime}Z`);
    assert.ok(t >= ds.start.getTime() && t < ds.end.getTime(), `${r.CreationTime} outside the range`);
    assert.match(r.CreationTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/, "CreationTime must have no zone, like the API");
  }
});

test("every attack story is present in the last day", () => {
  const ds = generateDataset({ end: END });
  const records = [...ds.records()];
  const last = records.filter((r) => Date.parse(`${r.CreationTime}Z`) > END.getTime() - 86_400_000);
  const ops = (op: string) => last.filter((r) => r.Operation === op);
  const from = (ip: string) => (r: AuditRecord) => String(r.ClientIPAddress ?? r.ClientIP).startsWith(ip);
  const rule = ops("New-InboxRule").find(from(ATTACKER_IPS.hijack));
  assert.ok(rule, "forwarding inbox rule");
  assert.match(String(rule.ClientIP), new RegExp(`^${ATTACKER_IPS.hijack.replace(/\./g, "\\.")}:\\d+$`));
  assert.ok((rule.Parameters as { Name: string }[]).some((p) => p.Name === "ForwardTo"));
  assert.equal(ops("HardDelete").filter(from(ATTACKER_IPS.deleteSend)).length, 8);
  assert.ok(ops("MailItemsAccessed").some((r) => r.ClientAppId === ROGUE_APP_ID));
  const ceo = ds.organisation.people[1]?.upn;
  assert.equal(ops("Add-MailboxPermission").filter((r) => r.ObjectId === ceo).length, 1);
  assert.equal(ops("Remove-MailboxPermission").filter((r) => r.ObjectId === ceo).length, 1);
  assert.equal(ops("Set-MailboxAuditBypassAssociation").length, 1);
  assert.equal(ops("New-MailboxExportRequest").length, 1);
  const legacy = ops("MailboxLogin").filter(from(ATTACKER_IPS.legacy));
  assert.equal(legacy.length, 3);
  assert.ok(legacy.every((r) => /POP3|IMAP4/.test(String(r.ClientInfoString)) && r.SessionId === undefined));
});

test("attacks can be left out for a clean baseline", () => {
  const records = [...generateDataset({ end: END, attacks: false }).records()];
  const attackerIps = Object.values(ATTACKER_IPS);
  assert.ok(!records.some((r) => attackerIps.some((ip) => String(r.ClientIPAddress ?? r.ClientIP).startsWith(ip))));
  assert.ok(!records.some((r) => r.ClientAppId === ROGUE_APP_ID));
  assert.ok(!records.some((r) => /AuditBypass|ExportRequest/.test(r.Operation)));
});

test("the dataset scales with mailboxes and days", () => {
  const small = [...generateDataset({ end: END, mailboxes: 10, days: 1 }).records()].length;
  const large = [...generateDataset({ end: END, mailboxes: 40, days: 2 }).records()].length;
  assert.ok(large > small * 5, `${large} vs ${small}`);
  assert.throws(() => generateDataset({ mailboxes: 5 }), /at least 10|>= 10/);
});

test("the dataset and demo commands answer an unknown option with a usage error, as every command does", async () => {
  for (const command of [datasetCommand, demoCommand])
    await assert.rejects(command.run(["--bogus"]), (err) => err instanceof UsageError && /--bogus/.test(err.message));
});
