/**
 * Everyday mailbox activity of the synthetic organisation: sign-ins, reading (MailItemsAccessed Bind and
 * Sync), sending, drafting, deleting, searching, delegates working in shared mailboxes, administrators'
 * routine changes and Exchange's own system noise. None of it should raise an alert.
 */
import { FIRST_PARTY_APPS, type Organisation, type Person } from "./org.ts";
import { rngFor, type Rng } from "./random.ts";
import {
  type Actor,
  type AuditRecord,
  adminCmdlet,
  type Common,
  groupAction,
  itemAction,
  mailboxLogin,
  mailItemsAccessed,
  messageId,
  searchQuery,
} from "./records.ts";

const HOUR = 3_600_000;
const MINUTE = 60_000;

const SUBJECTS = [
  "Quarterly planning",
  "Re: Team offsite",
  "Lunch on Thursday?",
  "Weekly status",
  "Re: Customer follow-up",
  "Updated slides",
  "Expense report",
  "FW: Conference agenda",
  "Design review notes",
  "Re: Hiring loop",
];

function session(rng: Rng, person: Person): Actor {
  const client = rng.pick(person.clients);
  const appId =
    client.includes("Outlook-iOS") || client.includes("Outlook-Android")
      ? FIRST_PARTY_APPS.outlookMobile
      : client.includes("MSExchangeRPC")
        ? FIRST_PARTY_APPS.outlookDesktop
        : FIRST_PARTY_APPS.outlookWeb;
  return {
    person,
    ip: rng.pick(person.ips),
    client,
    sessionId: rng.guid(),
    appId,
    aadSessionId: rng.guid(),
    uniqueTokenId: rng.hex(22),
  };
}

/** One person's activity in one day slice starting at `dayStart` (ms). */
export function personDay(
  seed: number,
  org: Organisation,
  person: Person,
  day: number,
  dayStart: number,
): AuditRecord[] {
  const rng = rngFor(seed, "day", person.upn, day);
  const out: AuditRecord[] = [];
  const weekend = [0, 6].includes(new Date(dayStart + 12 * HOUR).getUTCDay());
  const sessions = weekend ? (rng.chance(0.3) ? 1 : 0) : rng.int(1, 2);
  for (let s = 0; s < sessions; s++) {
    const actor = session(rng, person);
    let t = dayStart + (7 + s * 6) * HOUR + rng.int(0, 60) * MINUTE;
    const at = (): Common => {
      t += rng.int(1, 12) * MINUTE;
      return { rng, org, time: t };
    };
    out.push(mailboxLogin(at(), actor));
    const reads = rng.int(4, 12);
    for (let i = 0; i < reads; i++) {
      const folder = rng.chance(0.8) ? "\\Inbox" : "\\Sent Items";
      const ids = Array.from({ length: rng.int(1, 4) }, () => messageId(rng, "namprd12.prod.outlook.com"));
      out.push(mailItemsAccessed(at(), actor, person, { type: "Bind", folders: [{ path: folder, messageIds: ids }] }));
    }
    if (person.desktop && actor.client === "Client=MSExchangeRPC") {
      for (const folder of ["\\Inbox", "\\Sent Items"].slice(0, rng.int(1, 2))) {
        out.push(mailItemsAccessed(at(), actor, person, { type: "Sync", folder }));
      }
    }
    for (let i = rng.int(2, 6); i > 0; i--) {
      out.push(itemAction(at(), "Send", actor, person, { subject: rng.pick(SUBJECTS), folder: "\\Sent Items" }));
    }
    if (rng.chance(0.4))
      out.push(itemAction(at(), "Create", actor, person, { subject: rng.pick(SUBJECTS), folder: "\\Drafts" }));
    if (rng.chance(0.3))
      out.push(itemAction(at(), "Update", actor, person, { subject: rng.pick(SUBJECTS), folder: "\\Drafts" }));
    if (rng.chance(0.5)) {
      const subjects = Array.from({ length: rng.int(1, 3) }, () => rng.pick(SUBJECTS));
      out.push(groupAction(at(), "MoveToDeletedItems", actor, person, "\\Inbox", subjects, "\\Deleted Items"));
    }
    if (rng.chance(0.15))
      out.push(groupAction(at(), "SoftDelete", actor, person, "\\Deleted Items", [rng.pick(SUBJECTS)]));
    if (rng.chance(0.3))
      out.push(searchQuery(at(), actor, person, rng.pick(["budget", "offsite", "invoice 2231", "slides"])));
  }
  return out;
}

/** Delegates reading the shared mailboxes they were given access to long ago. */
export function delegateDay(seed: number, org: Organisation, day: number, dayStart: number): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (const { mailbox, delegate } of org.delegations) {
    const rng = rngFor(seed, "delegate", mailbox.upn, day);
    if (rng.chance(0.3)) continue;
    const actor = session(rng, delegate);
    const ids = Array.from({ length: rng.int(1, 3) }, () => messageId(rng, "namprd12.prod.outlook.com"));
    out.push(
      mailItemsAccessed({ rng, org, time: dayStart + rng.int(9, 16) * HOUR }, actor, mailbox, {
        type: "Bind",
        folders: [{ path: "\\Inbox", messageIds: ids }],
      }),
    );
  }
  return out;
}

/** Exchange's own maintenance and administrators' routine changes. */
export function systemAndAdminDay(seed: number, org: Organisation, day: number, dayStart: number): AuditRecord[] {
  const rng = rngFor(seed, "system", day);
  const out: AuditRecord[] = [];
  for (let i = rng.int(2, 5); i > 0; i--) {
    const person = rng.pick(org.people);
    out.push(
      adminCmdlet(
        { rng, org, time: dayStart + rng.int(0, 23) * HOUR + rng.int(0, 59) * MINUTE },
        "Set-Mailbox",
        "system",
        { Identity: person.mailboxGuid, RetentionPolicy: "Default MRM Policy" },
        `NAMPR12A001.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com/${person.upn.split("@")[0]}`,
      ),
    );
  }
  const admin = rng.pick(org.admins);
  if (rng.chance(0.6)) {
    const target = rng.pick(org.people);
    const actor = session(rng, admin);
    out.push(
      adminCmdlet(
        { rng, org, time: dayStart + rng.int(9, 17) * HOUR },
        "Set-CASMailbox",
        actor,
        { Identity: target.upn, OWAEnabled: "True" },
        target.upn,
      ),
    );
  }
  return out;
}
