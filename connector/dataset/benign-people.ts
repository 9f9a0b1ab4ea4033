/**
 * Realistic benign behaviours of people on their own mailbox (behaviours.ts lists them all): the Outlook
 * clients they use, their networks changing under one session, IPv6, emptying Deleted Items, inbox rules,
 * a week abroad. Each function returns one day of records, all inside [dayStart, dayStart + 24 h).
 */
import type { DayContext } from "./behaviour-types.ts";
import {
  CLIENTS,
  type ClientProfile,
  carrierAddress,
  homeV6Prefix,
  hotelAddress,
  OFFICE_EGRESS,
  privacyAddress,
  v4Mapped,
} from "./networks.ts";
import type { Person } from "./org.ts";
import { type Rng, rngFor } from "./random.ts";
import {
  type Actor,
  type AuditRecord,
  adminCmdlet,
  groupAction,
  itemAction,
  mailboxLogin,
  mailItemsAccessed,
  messageId,
} from "./records.ts";

const HOUR = 3_600_000;
const MINUTE = 60_000;
const SUBJECTS = ["Re: Project update", "Invitation: sync", "Your order has shipped", "Re: Budget", "Weekly digest"];

export function actorOf(rng: Rng, person: Person, client: ClientProfile, ip: string): Actor {
  return {
    person,
    ip,
    client: client.clientInfo,
    sessionId: rng.guid(),
    appId: client.appId,
    aadSessionId: rng.guid(),
    uniqueTokenId: rng.hex(22),
  };
}

function bind(ctx: DayContext, rng: Rng, time: number, actor: Actor, owner: Person, folder = "\\Inbox"): AuditRecord {
  const ids = Array.from({ length: rng.int(1, 3) }, () => messageId(rng, "namprd12.prod.outlook.com"));
  return mailItemsAccessed({ rng, org: ctx.org, time }, actor, owner, {
    type: "Bind",
    folders: [{ path: folder, messageIds: ids }],
  });
}

const weekday = (ctx: DayContext) => ![0, 6].includes(new Date(ctx.dayStart + 12 * HOUR).getUTCDay());
const home = (p: Person) => p.ips.find((ip) => ip.startsWith("192.0.2.")) ?? p.ips[0] ?? "192.0.2.10";

/** outlook-clients: a phone (Outlook for iOS/Android) beside the desktop, and some OWA / new Outlook use. */
export function outlookClients(ctx: DayContext): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (const person of ctx.org.roles.everyday) {
    const rng = rngFor(ctx.seed, "clients", person.upn, ctx.day);
    const profile = rngFor(ctx.seed, "clients", person.upn);
    const phone = profile.chance(0.7) ? profile.pick([CLIENTS.outlookIos, CLIENTS.outlookAndroid]) : undefined;
    const web = profile.pick([CLIENTS.owa, CLIENTS.newOutlook, CLIENTS.outlookMac]);
    if (phone && rng.chance(weekday(ctx) ? 0.8 : 0.5)) {
      const actor = actorOf(rng, person, phone, home(person));
      const t = ctx.dayStart + rng.int(6, 21) * HOUR + rng.int(0, 59) * MINUTE;
      out.push(mailItemsAccessed({ rng, org: ctx.org, time: t }, actor, person, { type: "Sync", folder: "\\Inbox" }));
      out.push(bind(ctx, rng, t + rng.int(1, 20) * MINUTE, actor, person));
    }
    if (weekday(ctx) && rng.chance(0.2)) {
      const actor = actorOf(rng, person, web, rng.pick(OFFICE_EGRESS));
      const t = ctx.dayStart + rng.int(8, 17) * HOUR;
      out.push(mailboxLogin({ rng, org: ctx.org, time: t }, actor));
      out.push(bind(ctx, rng, t + rng.int(1, 30) * MINUTE, actor, person));
    }
  }
  return out;
}

/** mobile-network-switch: one phone session from home Wi-Fi, over the carrier on the commute, office Wi-Fi. */
export function mobileNetworkSwitch(ctx: DayContext): AuditRecord[] {
  const out: AuditRecord[] = [];
  if (!weekday(ctx)) return out;
  for (const person of ctx.org.roles.everyday) {
    const rng = rngFor(ctx.seed, "commute", person.upn, ctx.day);
    if (!rng.chance(0.3)) continue;
    const actor = actorOf(rng, person, rng.pick([CLIENTS.outlookIos, CLIENTS.outlookAndroid]), home(person));
    let t = ctx.dayStart + 7 * HOUR + rng.int(0, 40) * MINUTE;
    out.push(bind(ctx, rng, t, actor, person));
    // Each attach to the carrier (and back to Wi-Fi) shows a new address under the same session and token.
    for (let hop = rng.int(1, 3); hop > 0; hop--) {
      t += rng.int(4, 15) * MINUTE;
      out.push(bind(ctx, rng, t, { ...actor, ip: carrierAddress(rng) }, person));
    }
    t += rng.int(5, 20) * MINUTE;
    out.push(bind(ctx, rng, t, { ...actor, ip: rng.pick(OFFICE_EGRESS) }, person));
  }
  return out;
}

/** office-egress-pool: a desktop session whose requests leave through either address of the office NAT pool. */
export function officeEgressPool(ctx: DayContext): AuditRecord[] {
  const out: AuditRecord[] = [];
  if (!weekday(ctx)) return out;
  for (const person of ctx.org.roles.everyday) {
    const rng = rngFor(ctx.seed, "egress", person.upn, ctx.day);
    if (!rng.chance(0.2)) continue;
    const actor = actorOf(rng, person, CLIENTS.outlookDesktop, OFFICE_EGRESS[0]);
    const t = ctx.dayStart + rng.int(8, 15) * HOUR;
    for (let i = 0; i < 4; i++)
      out.push(bind(ctx, rng, t + i * 17 * MINUTE, { ...actor, ip: OFFICE_EGRESS[i % 2] as string }, person));
  }
  return out;
}

/** dual-stack-ipv6: at home, requests alternate between IPv4, rotating IPv6 privacy addresses and ::ffff: forms. */
export function dualStackIpv6(ctx: DayContext): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (const person of ctx.org.roles.everyday) {
    const profile = rngFor(ctx.seed, "dual-stack", person.upn);
    if (!profile.chance(0.3)) continue;
    const prefix = homeV6Prefix(profile);
    const rng = rngFor(ctx.seed, "dual-stack", person.upn, ctx.day);
    if (!rng.chance(0.6)) continue;
    const actor = actorOf(rng, person, rng.pick([CLIENTS.owa, CLIENTS.outlookDesktop]), home(person));
    const t = ctx.dayStart + rng.int(18, 21) * HOUR;
    let v6 = privacyAddress(rng, prefix);
    const ips = [v6, home(person), v4Mapped(home(person)), v6];
    out.push(mailboxLogin({ rng, org: ctx.org, time: t }, { ...actor, ip: v6 }));
    for (const [i, ip] of ips.entries()) {
      // A reconnect mid-evening draws a new temporary address (RFC 8981).
      if (i === 3 && rng.chance(0.5)) v6 = privacyAddress(rng, prefix);
      out.push(bind(ctx, rng, t + (i + 1) * 11 * MINUTE, { ...actor, ip: i === 3 ? v6 : ip }, person));
    }
  }
  return out;
}

/** empty-deleted-items: a user empties Deleted Items (SoftDelete); now and then also purges Recoverable Items. */
export function emptyDeletedItems(ctx: DayContext): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (const person of ctx.org.roles.everyday) {
    const rng = rngFor(ctx.seed, "empty-deleted", person.upn, ctx.day);
    if (!rng.chance(1 / 10)) continue;
    const actor = actorOf(rng, person, CLIENTS.outlookDesktop, rng.pick(person.ips));
    let t = ctx.dayStart + rng.int(9, 17) * HOUR;
    // Outlook deletes in batches; each batch is one record listing the items.
    for (let left = rng.int(40, 320); left > 0; left -= 100) {
      const subjects = Array.from({ length: Math.min(100, left) }, () => rng.pick(SUBJECTS));
      t += rng.int(5, 40) * 1000;
      out.push(groupAction({ rng, org: ctx.org, time: t }, "SoftDelete", actor, person, "\\Deleted Items", subjects));
    }
    if (rng.chance(0.1)) {
      const subjects = Array.from({ length: rng.int(20, 90) }, () => rng.pick(SUBJECTS));
      t += rng.int(1, 5) * MINUTE;
      out.push(
        groupAction(
          { rng, org: ctx.org, time: t },
          "HardDelete",
          actor,
          person,
          "\\Recoverable Items\\Deletions",
          subjects,
        ),
      );
    }
  }
  return out;
}

function updateInboxRules(
  ctx: DayContext,
  rng: Rng,
  t: number,
  actor: Actor,
  person: Person,
  op: string,
  name: string,
) {
  const rec = mailboxLogin({ rng, org: ctx.org, time: t }, actor);
  rec.Operation = "UpdateInboxRules";
  rec.OperationProperties = [
    { Name: "RuleName", Value: name },
    { Name: "RuleId", Value: String(rng.int(100000, 999999)) },
    { Name: "RuleState", Value: "Enabled" },
    { Name: "RuleCondition", Value: "SentTo: newsletters" },
    { Name: "RuleActions", Value: `MoveToFolder: ${name}` },
    { Name: "RuleOperation", Value: op },
    { Name: "ServerRule", Value: "True" },
  ];
  rec.MailboxOwnerUPN = person.upn;
  return rec;
}

/** benign-inbox-rules: newsletter and project rules from OWA and Outlook, a forward to a colleague, removals. */
export function benignInboxRules(ctx: DayContext): AuditRecord[] {
  const out: AuditRecord[] = [];
  const people = ctx.org.roles.everyday;
  for (const person of people) {
    const rng = rngFor(ctx.seed, "inbox-rules", person.upn, ctx.day);
    if (!rng.chance(0.02)) continue;
    const t = ctx.dayStart + rng.int(9, 17) * HOUR;
    const kind = rng.int(0, 3);
    if (kind === 0) {
      const actor = actorOf(rng, person, CLIENTS.outlookDesktop, rng.pick(person.ips));
      out.push(updateInboxRules(ctx, rng, t, actor, person, "AddMailboxRule", rng.pick(["Newsletters", "Project X"])));
      continue;
    }
    if (kind === 1) {
      const actor = actorOf(rng, person, CLIENTS.outlookDesktop, rng.pick(person.ips));
      out.push(updateInboxRules(ctx, rng, t, actor, person, "RemoveMailboxRule", "Old project"));
      continue;
    }
    const actor = actorOf(rng, person, CLIENTS.owa, rng.pick(person.ips));
    const identity = `NAMPR12A001.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com/${person.upn.split("@")[0]}`;
    const colleague = rng.pick(people);
    const params: Record<string, string> =
      kind === 2
        ? { Name: "Vendor newsletters", From: "news@updates.fabrikam.example", MoveToFolder: "Newsletters" }
        : { Name: `Forward to ${colleague.displayName}`, SubjectContainsWords: "ticket", ForwardTo: colleague.upn };
    out.push(
      adminCmdlet(
        { rng, org: ctx.org, time: t },
        "New-InboxRule",
        actor,
        { ...params, StopProcessingRules: "False", AlwaysDeleteOutlookRulesBlob: "False", Force: "False" },
        `${identity}\\${params.Name}`,
      ),
    );
  }
  return out;
}

/** travelling-user: a week abroad: hotel Wi-Fi and a roaming phone, working at the local time of day. */
export function travellingUser(ctx: DayContext): AuditRecord[] {
  const traveller = ctx.org.roles.traveller;
  // The trip covers the dataset's second to eighth day (or as much of it as exists).
  if (!traveller || ctx.day < 1 || ctx.day > 7) return [];
  const rng = rngFor(ctx.seed, "travel", ctx.day);
  const out: AuditRecord[] = [];
  const hotel = hotelAddress(rngFor(ctx.seed, "travel-hotel"));
  const laptop = actorOf(rng, traveller, CLIENTS.outlookDesktop, hotel);
  // Eight hours ahead: the working day starts at 23:00 UTC of the previous day, clamped to this day slice.
  let t = ctx.dayStart + rng.int(0, 2) * HOUR;
  out.push(mailboxLogin({ rng, org: ctx.org, time: t }, laptop));
  for (let i = rng.int(4, 9); i > 0; i--) {
    t += rng.int(5, 30) * MINUTE;
    out.push(bind(ctx, rng, t, laptop, traveller));
  }
  t += 10 * MINUTE;
  out.push(
    itemAction({ rng, org: ctx.org, time: t }, "Send", laptop, traveller, {
      subject: "Re: Trip notes",
      folder: "\\Sent Items",
    }),
  );
  const phone = actorOf(rng, traveller, CLIENTS.outlookIos, carrierAddress(rng));
  out.push(bind(ctx, rng, ctx.dayStart + rng.int(10, 14) * HOUR, phone, traveller));
  return out;
}
