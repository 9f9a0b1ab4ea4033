/**
 * Realistic benign behaviours of applications, services and compliance staff (behaviours.ts lists them all):
 * a nightly backup app and a CRM reading mailboxes app-only, an IMAP service account, Microsoft's own system
 * actors, litigation holds and audit configuration, eDiscovery searches that are never exported.
 */
import type { DayContext } from "./behaviour-types.ts";
import { actorOf } from "./benign-people.ts";
import { CLIENTS, OFFICE_EGRESS } from "./networks.ts";
import type { Person } from "./org.ts";
import { type Rng, rngFor } from "./random.ts";
import {
  type Actor,
  type AuditRecord,
  adminCmdlet,
  mailboxLogin,
  mailItemsAccessed,
  messageId,
  asAppRead,
  EXCHANGE_ONLINE_API,
} from "./records.ts";

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** Third-party apps registered in the tenant (their app ids are the tenant's own; these are fixed for the dataset). */
export const SERVICE_APPS = {
  backup: {
    appId: "3f9c1b7e-8d2a-4c61-b0e5-7a4d2e9f1c38",
    name: "Contoso Backup for Microsoft 365",
    ip: "198.19.10.20",
    client: "Client=WebServices;ExchangeServicesClient/15.00.0913.015;",
  },
  // Dynamics 365 server-side synchronisation reaches Exchange as the Dynamics CRM first-party app.
  crm: {
    appId: "00000007-0000-0000-c000-000000000000",
    name: "Dynamics CRM",
    ip: "198.19.10.30",
    client: "Client=WebServices;Action=ServerSideSync;",
  },
} as const;

export const IMAP_SERVICE_IP = "198.19.10.40";

/** A mailbox record of a service app reading with application permissions (Exchange Online API token). */
function appRead(rec: AuditRecord, rng: Rng, appId: string, time: number): AuditRecord {
  const issuedAt = time - rng.int(5, 55) * MINUTE;
  return asAppRead(rec, { appId, apiId: EXCHANGE_ONLINE_API, issuedAt, tokenId: rng.hex(22) });
}

function appActor(app: (typeof SERVICE_APPS)[keyof typeof SERVICE_APPS], owner: Person): Actor {
  return { person: owner, ip: app.ip, client: app.client, sessionId: null, appId: app.appId };
}

/** backup-app: every night the backup app syncs the Inbox and Sent Items of every mailbox, shared ones too. */
export function backupApp(ctx: DayContext): AuditRecord[] {
  const out: AuditRecord[] = [];
  const mailboxes = [...ctx.org.people, ...ctx.org.roles.sharedMailboxes.map((s) => s.mailbox)];
  const rng = rngFor(ctx.seed, "backup", ctx.day);
  const span = 3 * HOUR;
  mailboxes.forEach((mailbox, i) => {
    const t = ctx.dayStart + HOUR + Math.floor((i / mailboxes.length) * span);
    for (const [j, folder] of ["\\Inbox", "\\Sent Items"].entries()) {
      const time = t + j * 15_000;
      const rec = mailItemsAccessed({ rng, org: ctx.org, time }, appActor(SERVICE_APPS.backup, mailbox), mailbox, {
        type: "Sync",
        folder,
      });
      out.push(appRead(rec, rng, SERVICE_APPS.backup.appId, time));
    }
  });
  return out;
}

/** crm-app: server-side sync reads the sales people's new mail every hour of the working day. */
export function crmApp(ctx: DayContext): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (const person of ctx.org.roles.sales) {
    const rng = rngFor(ctx.seed, "crm", person.upn, ctx.day);
    for (let h = 8; h <= 18; h++) {
      if (!rng.chance(0.7)) continue;
      const time = ctx.dayStart + h * HOUR + rng.int(0, 59) * MINUTE;
      const ids = Array.from({ length: rng.int(1, 3) }, () => messageId(rng, "namprd12.prod.outlook.com"));
      const rec = mailItemsAccessed({ rng, org: ctx.org, time }, appActor(SERVICE_APPS.crm, person), person, {
        type: "Bind",
        folders: [{ path: "\\Inbox", messageIds: ids }],
      });
      out.push(appRead(rec, rng, SERVICE_APPS.crm.appId, time));
    }
  }
  return out;
}

/** imap-service-account: a ticketing system polls its mailbox over IMAP every 15 minutes, day and night. */
export function imapServiceAccount(ctx: DayContext): AuditRecord[] {
  const account = ctx.org.roles.serviceAccount;
  const rng = rngFor(ctx.seed, "imap", ctx.day);
  const out: AuditRecord[] = [];
  const actor: Actor = { person: account, ip: IMAP_SERVICE_IP, client: "Client=IMAP4", sessionId: null };
  for (let q = 0; q < 96; q++) {
    const time = ctx.dayStart + q * 15 * MINUTE + rng.int(0, 50) * 1000;
    out.push(mailboxLogin({ rng, org: ctx.org, time }, actor));
    if (rng.chance(0.3)) {
      const ids = Array.from({ length: rng.int(1, 4) }, () => messageId(rng, "namprd12.prod.outlook.com"));
      out.push(
        mailItemsAccessed({ rng, org: ctx.org, time: time + 5000 }, actor, account, {
          type: "Bind",
          folders: [{ path: "\\Inbox", messageIds: ids }],
        }),
      );
    }
  }
  return out;
}

const DISCOVERY_MAILBOX = "DiscoverySearchMailbox{D919BA05-46A6-415f-80AD-7E09334BB852}";

/** microsoft-system-actors: Exchange's service host maintaining mailboxes and its own discovery mailbox. */
export function microsoftSystemActors(ctx: DayContext): AuditRecord[] {
  const rng = rngFor(ctx.seed, "ms-system", ctx.day);
  const out: AuditRecord[] = [];
  const per = Math.max(1, Math.round(ctx.org.people.length / 100));
  for (let i = 0; i < per; i++) {
    const person = rng.pick(ctx.org.people);
    const time = ctx.dayStart + rng.int(0, 23) * HOUR + rng.int(0, 59) * MINUTE;
    const dn = `NAMPR12A001.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com/${person.upn.split("@")[0]}`;
    const params = rng.pick<Record<string, string>>([
      { Identity: person.mailboxGuid, SingleItemRecoveryEnabled: "True" },
      { Identity: person.mailboxGuid, AuditEnabled: "True" },
      { Identity: person.mailboxGuid, LitigationHoldEnabled: "False", RetainDeletedItemsFor: "14.00:00:00" },
    ]);
    out.push(adminCmdlet({ rng, org: ctx.org, time }, "Set-Mailbox", "system", params, dn));
  }
  if (rng.chance(0.3)) {
    out.push(
      adminCmdlet(
        { rng, org: ctx.org, time: ctx.dayStart + rng.int(0, 23) * HOUR },
        "Add-MailboxPermission",
        "system",
        {
          Identity: DISCOVERY_MAILBOX,
          User: "Discovery Management",
          AccessRights: "FullAccess",
          InheritanceType: "All",
        },
        DISCOVERY_MAILBOX,
      ),
    );
  }
  return out;
}

/** compliance-holds: litigation holds for leavers and legal matters, and mailbox audit configuration. */
export function complianceHolds(ctx: DayContext): AuditRecord[] {
  const admins = ctx.org.roles.helpdesk;
  const people = ctx.org.roles.everyday;
  if (!admins.length || !people.length) return [];
  const rng = rngFor(ctx.seed, "holds", ctx.day);
  const out: AuditRecord[] = [];
  const count = Math.max(rng.chance(0.4) ? 1 : 0, Math.round(ctx.org.people.length / 500));
  for (let i = 0; i < count; i++) {
    const target = rng.pick(people);
    const admin = actorOf(rng, rng.pick(admins), CLIENTS.owa, rng.pick(OFFICE_EGRESS));
    const time = ctx.dayStart + rng.int(9, 16) * HOUR + rng.int(0, 59) * MINUTE;
    const params = rng.pick<Record<string, string>>([
      { Identity: target.upn, LitigationHoldEnabled: "True", LitigationHoldDuration: "2555" },
      // Audit configuration that adds to the defaults (E5 owner actions plus MailboxLogin): never a reduction.
      {
        Identity: target.upn,
        AuditEnabled: "True",
        AuditOwner:
          "Update;MoveToDeletedItems;SoftDelete;HardDelete;UpdateFolderPermissions;UpdateInboxRules;UpdateCalendarDelegation;ApplyRecord;MailItemsAccessed;Send;MailboxLogin",
      },
      { Identity: target.upn, AuditLogAgeLimit: "365.00:00:00" },
    ]);
    out.push(adminCmdlet({ rng, org: ctx.org, time }, "Set-Mailbox", admin, params, target.upn));
  }
  return out;
}

/** ediscovery-search: the compliance officer searches and previews, twice a week; nothing is exported. */
export function ediscoverySearch(ctx: DayContext): AuditRecord[] {
  const officer = ctx.org.roles.compliance;
  const rng = rngFor(ctx.seed, "ediscovery", ctx.day);
  if (!officer || !rng.chance(2 / 7)) return [];
  const actor = actorOf(rng, officer, CLIENTS.owa, rng.pick(OFFICE_EGRESS));
  const name = `HR-${rng.int(1000, 9999)}`;
  let time = ctx.dayStart + rng.int(9, 15) * HOUR;
  const steps: [string, Record<string, string>][] = [
    [
      "New-ComplianceSearch",
      { Name: name, ExchangeLocation: rng.pick(ctx.org.people).upn, ContentMatchQuery: 'subject:"offer letter"' },
    ],
    ["Start-ComplianceSearch", { Identity: name }],
    ["New-ComplianceSearchAction", { SearchName: name, Preview: "True" }],
  ];
  return steps.map(([cmdlet, params]) => {
    time += rng.int(1, 10) * MINUTE;
    const rec = adminCmdlet({ rng, org: ctx.org, time }, cmdlet, actor, params, name);
    // Security & Compliance cmdlet records (SecurityComplianceCenterEOPCmdlet), published in Audit.General.
    rec.RecordType = 18;
    rec.Workload = "SecurityComplianceCenter";
    return rec;
  });
}
