/**
 * The attack stories hidden in the demo dataset. Each is what an incident responder finds in real
 * Exchange Online compromises; the content pack must raise alerts for them (see `STORIES`).
 * They all happen on the last day of the dataset, a few hours before its end, so they fall inside the
 * analytics rules' query periods when `detect` runs at the dataset's end.
 */
import type { Organisation, Person } from "./org.ts";
import { rngFor } from "./random.ts";
import {
  type Actor,
  type AuditRecord,
  adminCmdlet,
  groupAction,
  itemAction,
  mailboxLogin,
  mailItemsAccessed,
  messageId,
  asAppRead,
  GRAPH_API,
} from "./records.ts";

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** Documentation-range addresses (RFC 5737) used by the attacker. */
export const ATTACKER_IPS = {
  hijack: "203.0.113.77",
  deleteSend: "203.0.113.90",
  app: "203.0.113.150",
  legacy: "203.0.113.45",
};

/** An application id that never read mail in the tenant before. */
export const ROGUE_APP_ID = "6b1c3f1e-4e6b-4a7e-9f40-3a2f0c9d8e11";

export interface Story {
  name: string;
  description: string;
  /** The analytics rules (file names under analytics-rules/) that must raise an alert for the story. */
  rules: readonly string[];
}

export const STORIES: readonly Story[] = [
  {
    name: "session-hijack",
    description:
      "A second, concurrent session from a new IP creates a forwarding inbox rule, grants folder permissions and reads mail.",
    rules: [
      "concurrent-sessions-from-different-networks",
      "inbox-rule-forwards-outside-organization",
      "inbox-rule-hides-mail",
      "sensitive-folder-permission-granted",
      "mailbox-change-from-new-network-session",
    ],
  },
  {
    name: "delete-then-send",
    description: "One session hard-deletes a burst of messages, then sends mail.",
    rules: ["mass-delete-and-send-in-session"],
  },
  {
    name: "rogue-app-mail-access",
    description: "MailItemsAccessed Bind and Sync by an application id never seen in the tenant.",
    rules: ["mail-accessed-by-new-application"],
  },
  {
    name: "fullaccess-granted-then-removed",
    description: "An admin grants FullAccess on the CEO's mailbox to a user and removes it two hours later.",
    rules: ["mailbox-fullaccess-permission-granted", "mailbox-permission-granted-then-removed"],
  },
  {
    name: "audit-bypass",
    description: "Audit bypass association enabled for an account.",
    rules: ["mailbox-audit-bypass-enabled"],
  },
  {
    name: "mailbox-export",
    description: "A mailbox export request for the CEO's mailbox to a file share.",
    rules: ["mailbox-export-or-search-copy"],
  },
  {
    name: "legacy-protocol-logins",
    description: "POP3 and IMAP4 mailbox logins without a SessionId for a user who normally uses Outlook.",
    rules: ["legacy-protocol-mailbox-access"],
  },
];

function pick(org: Organisation, index: number): Person {
  const person = org.people[index % org.people.length];
  if (!person) throw new Error("the organisation has no people");
  return person;
}

/** The attack records, placed between `end` − 6 h and `end` − 1 h. Needs at least 10 mailboxes. */
export function attackRecords(seed: number, org: Organisation, end: number): AuditRecord[] {
  const rng = rngFor(seed, "attacks");
  const out: AuditRecord[] = [];
  const admin = org.admins[0] ?? pick(org, 0);
  const ceo = pick(org, 1);
  const victim = pick(org, 2);
  const legacyUser = pick(org, 4);
  const victim2 = pick(org, 5);
  const insider = pick(org, 6);
  const cfo = pick(org, 7);
  let t = end - 6 * HOUR;
  const at = (minutes: number) => {
    t += minutes * MINUTE;
    return { rng, org, time: t };
  };

  // session-hijack: the victim works normally from the office while a second session (stolen token)
  // from a new IP sets up persistence and reads mail.
  const normal: Actor = {
    person: victim,
    ip: victim.ips[0] ?? "198.51.100.10",
    client: "Client=OWA;Action=ViaProxy",
    sessionId: rng.guid(),
    aadSessionId: rng.guid(),
    uniqueTokenId: rng.hex(22),
  };
  const hijack: Actor = {
    person: victim,
    ip: ATTACKER_IPS.hijack,
    client: "Client=OWA;Action=ViaProxy",
    sessionId: rng.guid(),
    aadSessionId: rng.guid(),
    uniqueTokenId: rng.hex(22),
  };
  out.push(mailboxLogin(at(0), normal));
  out.push(
    mailItemsAccessed(at(3), normal, victim, {
      type: "Bind",
      folders: [{ path: "\\Inbox", messageIds: [messageId(rng, "x")] }],
    }),
  );
  out.push(mailboxLogin(at(4), hijack));
  const read = Array.from({ length: 6 }, () => messageId(rng, "x"));
  out.push(
    mailItemsAccessed(at(2), hijack, victim, { type: "Bind", folders: [{ path: "\\Inbox", messageIds: read }] }),
  );
  out.push(
    adminCmdlet(
      at(3),
      "New-InboxRule",
      hijack,
      {
        Name: "..",
        ForwardTo: "invoices.archive@proton.example",
        MarkAsRead: "True",
        MoveToFolder: "RSS Feeds",
        SubjectContainsWords: "invoice;payment;wire",
        StopProcessingRules: "True",
        AlwaysDeleteOutlookRulesBlob: "False",
        Force: "False",
      },
      `NAMPR12A001.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com/${victim.upn.split("@")[0]}\\..`,
    ),
  );
  out.push(
    adminCmdlet(
      at(2),
      "Add-MailboxFolderPermission",
      hijack,
      {
        Identity: `${victim.upn}:\\Inbox`,
        User: "Default",
        AccessRights: "Reviewer",
      },
      `${victim.upn}:\\Inbox`,
    ),
  );
  out.push(
    mailItemsAccessed(at(5), normal, victim, {
      type: "Bind",
      folders: [{ path: "\\Inbox", messageIds: [messageId(rng, "x")] }],
    }),
  );

  // delete-then-send: a burst of HardDelete then Send in one session from a new IP.
  const ds: Actor = {
    person: victim2,
    ip: ATTACKER_IPS.deleteSend,
    client: "Client=OWA;Action=ViaProxy",
    sessionId: rng.guid(),
    aadSessionId: rng.guid(),
    uniqueTokenId: rng.hex(22),
  };
  t = end - 5 * HOUR;
  out.push(mailboxLogin(at(0), ds));
  for (let i = 0; i < 8; i++)
    out.push(groupAction(at(1), "HardDelete", ds, victim2, "\\Inbox", [`Invoice ${4100 + i} overdue`]));
  out.push(
    itemAction(at(2), "Send", ds, victim2, {
      subject: "Updated bank details for invoice 4107",
      folder: "\\Sent Items",
    }),
  );

  // rogue-app-mail-access: app-only access by an unknown app id.
  const app: Actor = {
    person: cfo,
    ip: ATTACKER_IPS.app,
    client: "Client=REST;Client=RESTSystem;;",
    sessionId: null,
    appId: ROGUE_APP_ID,
  };
  t = end - 4 * HOUR;
  // the rogue app holds a Microsoft Graph token
  const appRead = (c: ReturnType<typeof at>, rec: AuditRecord) =>
    asAppRead(rec, { appId: ROGUE_APP_ID, apiId: GRAPH_API, issuedAt: c.time - 10 * MINUTE, tokenId: rng.hex(22) });
  for (const folder of ["\\Inbox", "\\Sent Items", "\\Finance"]) {
    const c = at(1);
    out.push(appRead(c, mailItemsAccessed(c, app, cfo, { type: "Sync", folder })));
  }
  const c2 = at(2);
  out.push(
    appRead(
      c2,
      mailItemsAccessed(c2, app, cfo, {
        type: "Bind",
        folders: [{ path: "\\Inbox", messageIds: Array.from({ length: 12 }, () => messageId(rng, "x")) }],
      }),
    ),
  );

  // fullaccess-granted-then-removed, audit-bypass, mailbox-export: a compromised admin account.
  const adm: Actor = {
    person: admin,
    ip: admin.ips[0] ?? "198.51.100.10",
    client: "Client=Microsoft.Exchange.Powershell; Microsoft WinRM Client",
    sessionId: rng.guid(),
  };
  t = end - 6 * HOUR;
  out.push(
    adminCmdlet(
      at(10),
      "Add-MailboxPermission",
      adm,
      {
        Identity: ceo.upn,
        User: insider.upn,
        AccessRights: "FullAccess",
        InheritanceType: "All",
        AutoMapping: "False",
      },
      ceo.upn,
    ),
  );
  out.push(
    adminCmdlet(
      at(5),
      "Set-MailboxAuditBypassAssociation",
      adm,
      { Identity: insider.upn, AuditBypassEnabled: "True" },
      insider.mailboxGuid,
    ),
  );
  out.push(
    adminCmdlet(
      at(5),
      "New-MailboxExportRequest",
      adm,
      { Mailbox: ceo.upn, FilePath: "\\\\fs01.contoso.com\\pst$\\ceo.pst", Name: "ceo-archive" },
      ceo.upn,
    ),
  );
  const insiderActor: Actor = {
    person: insider,
    ip: insider.ips[0] ?? "198.51.100.11",
    client: "Client=MSExchangeRPC",
    sessionId: rng.guid(),
  };
  t = end - 5 * HOUR;
  out.push(mailItemsAccessed(at(0), insiderActor, ceo, { type: "Sync", folder: "\\Inbox" }));
  t = end - 4 * HOUR;
  out.push(
    adminCmdlet(
      at(0),
      "Remove-MailboxPermission",
      adm,
      { Identity: ceo.upn, User: insider.upn, AccessRights: "FullAccess", Confirm: "False" },
      ceo.upn,
    ),
  );

  // legacy-protocol-logins: basic-auth POP3/IMAP logins without a session id.
  t = end - 3 * HOUR;
  for (const client of ["Client=POP3", "Client=IMAP4", "Client=POP3"]) {
    const legacy: Actor = { person: legacyUser, ip: ATTACKER_IPS.legacy, client, sessionId: null };
    out.push(mailboxLogin(at(7), legacy));
  }
  return out;
}
