import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { datasetCommand } from "../../connector/commands/dataset.ts";
import { UsageError } from "../../connector/commands/types.ts";
import {
  ALL_BEHAVIOURS_ON,
  type AuditRecord,
  BEHAVIOURS,
  type BehaviourName,
  type BehaviourSwitches,
  generateDataset,
} from "../../connector/dataset/index.ts";
import { CLIENTS, EXCHANGE_ADMIN_CENTER_APP_ID } from "../../connector/dataset/networks.ts";
import { SERVICE_APPS } from "../../connector/dataset/benign-services.ts";
import { normalizeRecord } from "../../connector/normalize/index.ts";

// A Tuesday evening: 8 days cover two weekends' worth of weekday/weekend differences.
const END = new Date("2026-03-10T18:00:00Z");
const DAY = 86_400_000;
const OPTIONS = { end: END, mailboxes: 30, days: 8, attacks: false } as const;

const only = (...names: BehaviourName[]): BehaviourSwitches =>
  Object.fromEntries(BEHAVIOURS.map((b) => [b, names.includes(b)]));
const records = (behaviours: BehaviourSwitches, options: { mailboxes?: number; days?: number } = {}) => [
  ...generateDataset({ ...OPTIONS, ...options, behaviours }).records(),
];
const baselineIds = new Set(records(only()).map((r) => r.Id));
/** Records a behaviour adds to the everyday baseline. */
const added = (name: BehaviourName) => records(only(name)).filter((r) => !baselineIds.has(r.Id));
const ip = (r: AuditRecord) => String(r.ClientIPAddress ?? r.ClientIP);
function bySessionId(rs: AuditRecord[]): Map<string, AuditRecord[]> {
  const m = new Map<string, AuditRecord[]>();
  for (const r of rs) m.set(String(r.SessionId), [...(m.get(String(r.SessionId)) ?? []), r]);
  return m;
}
const param = (r: AuditRecord, name: string) =>
  (r.Parameters as { Name: string; Value: string }[] | undefined)?.find((p) => p.Name === name)?.Value;

test("every behaviour adds records, and switching one off removes exactly its records", () => {
  const small = { days: 3 };
  const all = records(ALL_BEHAVIOURS_ON, small);
  const allIds = new Set(all.map((r) => r.Id));
  const baseline = new Set(records(only(), small).map((r) => r.Id));
  for (const name of BEHAVIOURS) {
    const own = records(only(name), small).filter((r) => !baseline.has(r.Id));
    assert.ok(own.length > 0, `${name} generated nothing`);
    const without = records({ ...ALL_BEHAVIOURS_ON, [name]: false }, small);
    assert.equal(without.length, all.length - own.length, name);
    assert.ok(
      without.every((r) => allIds.has(r.Id)),
      `${name}: switching it off changed other records`,
    );
  }
});

test("behaviours are on by default except those published outside the Audit.Exchange feed", () => {
  const byDefault = records({});
  assert.deepEqual(byDefault, records({ ...ALL_BEHAVIOURS_ON, "ediscovery-search": false }));
  assert.ok(byDefault.every((r) => r.Workload === "Exchange"));
});

test("an unknown behaviour name is an error, not a silent no-op", () => {
  assert.throws(
    () => generateDataset({ behaviours: { "backup-ap": false } as BehaviourSwitches }),
    /unknown behaviour 'backup-ap'/,
  );
});

test("every generated record normalizes into a row", () => {
  for (const r of records(ALL_BEHAVIOURS_ON)) {
    const out = normalizeRecord(r, {
      subjects: "keep",
      keepAuditData: false,
      ingestionSource: "api",
      sourceContentId: "t",
    });
    assert.ok(out.ok, `${r.Operation}: ${JSON.stringify(out)}`);
  }
});

test("Outlook clients carry the client string and app id of the same client", () => {
  const pairs = new Set(Object.values(CLIENTS).map((c) => `${c.clientInfo}|${c.appId}`));
  const own = added("outlook-clients");
  const seen = new Set(own.map((r) => `${r.ClientInfoString}|${r.AppId}`));
  for (const pair of seen) assert.ok(pairs.has(pair), pair);
  assert.ok(seen.size >= 4, `only ${[...seen].join(", ")}`);
});

test("a phone session keeps its SessionId across Wi-Fi, carrier and office addresses", () => {
  const bySession = bySessionId(added("mobile-network-switch"));
  const switched = [...bySession.values()].filter((rs) => new Set(rs.map(ip)).size >= 3);
  assert.ok(switched.length > 0);
  for (const rs of switched) {
    assert.equal(new Set(rs.map((r) => (r.AppAccessContext as { AADSessionId: string }).AADSessionId)).size, 1);
    assert.ok(
      rs.some((r) => /^198\.18\.|^2001:db8:c3/.test(ip(r))),
      "a carrier address",
    );
  }
});

test("dual-stack sessions mix IPv4, IPv6 privacy addresses of one /64 and ::ffff: forms", () => {
  const bySession = bySessionId(added("dual-stack-ipv6"));
  const mixed = [...bySession.values()].find((rs) => rs.some((r) => ip(r).startsWith("::ffff:192.0.2.")));
  assert.ok(mixed);
  const v6 = mixed.map(ip).filter((a) => a.startsWith("2001:db8:4a"));
  assert.ok(v6.length >= 2);
  assert.equal(new Set(v6.map((a) => a.split(":").slice(0, 4).join(":"))).size, 1, "one /64");
  assert.ok(mixed.some((r) => /^192\.0\.2\.\d+$/.test(ip(r))));
});

test("automapped delegates sync shared mailboxes as delegates, weekends included, and send as them", () => {
  const own = added("shared-mailboxes-automapped");
  const syncs = own.filter((r) => r.Operation === "MailItemsAccessed" && r.LogonType === 2);
  assert.ok(syncs.some((r) => [0, 6].includes(new Date(`${r.CreationTime}Z`).getUTCDay())));
  assert.ok(own.some((r) => r.Operation === "SendAs" && r.SendAsUserSmtp === r.MailboxOwnerUPN));
});

test("assistants send on behalf of their executive from the executive's mailbox", () => {
  const sent = added("executive-assistants").filter((r) => r.Operation === "SendOnBehalf");
  assert.ok(sent.length > 0);
  for (const r of sent) {
    assert.equal(r.SendOnBehalfOfUserSmtp, r.MailboxOwnerUPN);
    assert.notEqual(r.UserId, r.MailboxOwnerUPN);
    assert.equal(r.LogonType, 2);
  }
});

test("helpdesk grants made in the admin center name the mailbox by DN and are removed by UPN", () => {
  const own = added("helpdesk-permissions");
  const eac = own.filter((r) => r.Operation === "Add-MailboxPermission" && r.AppId === EXCHANGE_ADMIN_CENTER_APP_ID);
  assert.ok(eac.length > 0);
  const removals = own.filter(
    (r) => r.Operation === "Remove-MailboxPermission" && String(param(r, "Identity")).includes("@"),
  );
  const joined = eac.filter((g) => {
    const alias = String(param(g, "Identity")).split("/").at(-1);
    return removals.some((r) => String(param(r, "Identity")).startsWith(`${alias}@`));
  });
  assert.ok(joined.length > 0, "a DN grant whose removal records the UPN");
  assert.ok(eac.every((g) => String(param(g, "Identity")).includes("Microsoft Exchange Hosted Organizations")));
});

test("the backup app reads every mailbox every night, app-only", () => {
  const ds = generateDataset({ ...OPTIONS, behaviours: only("backup-app") });
  const own = added("backup-app");
  const night = own.filter((r) => r.CreationTime.startsWith("2026-03-09"));
  const mailboxes = ds.organisation.people.length + ds.organisation.roles.sharedMailboxes.length;
  assert.equal(new Set(night.map((r) => r.MailboxGuid)).size, mailboxes);
  assert.ok(own.every((r) => r.UserType === 5 && r.ClientAppId === SERVICE_APPS.backup.appId));
  const crm = added("crm-app");
  assert.ok(crm.every((r) => r.UserType === 5 && r.ClientAppId === SERVICE_APPS.crm.appId));
  assert.ok(new Set(crm.map((r) => r.CreationTime.slice(0, 13))).size > 20, "the CRM reads every hour of the day");
});

test("emptying Deleted Items soft-deletes dozens of items at once; purges come from Recoverable Items", () => {
  const own = added("empty-deleted-items");
  const soft = own.filter((r) => r.Operation === "SoftDelete");
  assert.ok(soft.every((r) => (r.Folder as { Path: string }).Path === "\\Deleted Items"));
  assert.ok(soft.some((r) => (r.AffectedItems as unknown[]).length >= 40));
  const hard = own.filter((r) => r.Operation === "HardDelete");
  assert.ok(hard.every((r) => (r.Folder as { Path: string }).Path === "\\Recoverable Items\\Deletions"));
});

test("benign inbox rules move newsletters, forward only inside the organisation, and are also removed", () => {
  // About one person in 50 changes a rule on a given day: a larger tenant shows every kind.
  const baseline = new Set(records(only(), { mailboxes: 200 }).map((r) => r.Id));
  const own = records(only("benign-inbox-rules"), { mailboxes: 200 }).filter((r) => !baseline.has(r.Id));
  const forwards = own.map((r) => param(r, "ForwardTo")).filter(Boolean);
  assert.ok(forwards.length > 0 && forwards.every((to) => String(to).endsWith("@contoso.com")));
  const ops = own.map((r) =>
    (r.OperationProperties as { Name: string; Value: string }[] | undefined)?.find((p) => p.Name === "RuleOperation"),
  );
  assert.ok(ops.some((p) => p?.Value === "RemoveMailboxRule"));
  assert.ok(own.some((r) => param(r, "MoveToFolder") === "Newsletters"));
});

test("compliance work: holds and audit settings, eDiscovery searches that are previewed, never exported", () => {
  const holds = added("compliance-holds");
  assert.ok(holds.some((r) => param(r, "LitigationHoldEnabled") === "True"));
  const ed = added("ediscovery-search");
  assert.ok(ed.some((r) => r.Operation === "New-ComplianceSearchAction" && param(r, "Preview") === "True"));
  assert.ok(!ed.some((r) => param(r, "Export") !== undefined));
});

test("the traveller works a week from one hotel abroad", () => {
  const own = added("travelling-user");
  const days = new Set(
    own.map((r) => Math.floor((Date.parse(`${r.CreationTime}Z`) - (END.getTime() - 8 * DAY)) / DAY)),
  );
  assert.deepEqual([...days].sort(), [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(new Set(own.map(ip).filter((a) => a.startsWith("198.19.200."))).size, 1);
});

test("system actors and the IMAP service account look as Exchange records them", () => {
  const system = added("microsoft-system-actors");
  assert.ok(system.every((r) => r.UserType === 4 && String(r.UserId).startsWith("NT AUTHORITY\\SYSTEM")));
  const imap = added("imap-service-account").filter((r) => r.Operation === "MailboxLogin");
  assert.equal(imap.length, 96 * 8);
  assert.ok(imap.every((r) => r.ClientInfoString === "Client=IMAP4" && r.SessionId === undefined));
});

test("exo-audit dataset --without and --no-attacks write a tenant without those behaviours and stories", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dataset-cmd-"));
  try {
    const file = join(dir, "records.jsonl");
    const args = ["--out", file, "--mailboxes", "20", "--days", "1", "--end", END.toISOString()];
    const err = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      assert.equal(await datasetCommand.run([...args, "--without", "backup-app,crm-app", "--no-attacks"]), 0);
    } finally {
      process.stderr.write = err;
    }
    const written = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as AuditRecord);
    assert.ok(written.length > 100);
    assert.ok(!written.some((r) => r.UserType === 5));
    assert.ok(!written.some((r) => r.Operation === "New-MailboxExportRequest"));
    await assert.rejects(() => datasetCommand.run([...args, "--without", "backups"]), UsageError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a leaver's mailbox is forwarded inside the organisation, by SMTP address or by recipient name", () => {
  // About one leaver a day per 1,000 mailboxes: a larger tenant shows both ways.
  const baseline = new Set(records(only(), { mailboxes: 400 }).map((r) => r.Id));
  const own = records(only("leaver-mailbox-forwarding"), { mailboxes: 400 }).filter((r) => !baseline.has(r.Id));
  assert.ok(own.length > 0 && own.every((r) => r.Operation === "Set-Mailbox"));
  for (const r of own) {
    const smtp = param(r, "ForwardingSmtpAddress");
    assert.ok(smtp === undefined || /^smtp:[^@]+@contoso\.com$/.test(smtp), smtp);
    assert.equal(param(r, "DeliverToMailboxAndForward"), "True");
  }
  const byName = own.filter((r) => param(r, "ForwardingAddress") !== undefined);
  assert.ok(
    byName.every(
      (r) => !String(param(r, "ForwardingAddress")).includes("@") && r.AppId === EXCHANGE_ADMIN_CENTER_APP_ID,
    ),
  );
});
