/**
 * Realistic benign behaviours of one person in another's mailbox (behaviours.ts lists them all): automapped
 * shared mailboxes, executive assistants, and the helpdesk's grant, fix and remove. Records stay inside
 * [dayStart, dayStart + 24 h); a removal days after its grant is generated on its own day from the same
 * deterministic ticket.
 */
import { actorOf } from "./benign-people.ts";
import type { DayContext } from "./behaviour-types.ts";
import { CLIENTS, EXCHANGE_ADMIN_CENTER_APP_ID, OFFICE_EGRESS } from "./networks.ts";
import type { Person } from "./org.ts";
import { rngFor } from "./random.ts";
import { type AuditRecord, adminCmdlet, itemAction, mailItemsAccessed, messageId } from "./records.ts";

const HOUR = 3_600_000;
const MINUTE = 60_000;
const DN = "NAMPR12A001.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com";
const alias = (p: Person) => p.upn.split("@")[0] ?? p.upn;

/**
 * shared-mailboxes-automapped: FullAccess with automapping makes every delegate's Outlook open the shared
 * mailbox: Sync of its folders whenever Outlook starts (weekends too), reads and SendAs on workdays.
 */
export function sharedMailboxes(ctx: DayContext): AuditRecord[] {
  const out: AuditRecord[] = [];
  const workday = ![0, 6].includes(new Date(ctx.dayStart + 12 * HOUR).getUTCDay());
  for (const { mailbox, delegates } of ctx.org.roles.sharedMailboxes) {
    for (const delegate of delegates) {
      const rng = rngFor(ctx.seed, "shared", mailbox.upn, delegate.upn, ctx.day);
      if (!workday && !rng.chance(0.3)) continue;
      const actor = actorOf(rng, delegate, CLIENTS.outlookDesktop, rng.pick(delegate.ips));
      let t = ctx.dayStart + rng.int(7, 10) * HOUR + rng.int(0, 59) * MINUTE;
      for (const folder of ["\\Inbox", "\\Sent Items", "\\Calendar"]) {
        t += 20_000;
        out.push(mailItemsAccessed({ rng, org: ctx.org, time: t }, actor, mailbox, { type: "Sync", folder }));
      }
      if (!workday) continue;
      for (let i = rng.int(1, 6); i > 0; i--) {
        t += rng.int(10, 60) * MINUTE;
        const ids = Array.from({ length: rng.int(1, 4) }, () => messageId(rng, "namprd12.prod.outlook.com"));
        out.push(
          mailItemsAccessed({ rng, org: ctx.org, time: t }, actor, mailbox, {
            type: "Bind",
            folders: [{ path: "\\Inbox", messageIds: ids }],
          }),
        );
      }
      if (rng.chance(0.5)) {
        out.push(
          itemAction({ rng, org: ctx.org, time: t + 3 * MINUTE }, "SendAs", actor, mailbox, {
            subject: "Re: Your request",
            folder: "\\Sent Items",
            sendAs: mailbox.upn,
          }),
        );
      }
    }
  }
  return out;
}

/** executive-assistants: the assistant reads the executive's mail and calendar and sends on their behalf. */
export function executiveAssistants(ctx: DayContext): AuditRecord[] {
  const out: AuditRecord[] = [];
  if ([0, 6].includes(new Date(ctx.dayStart + 12 * HOUR).getUTCDay())) return out;
  for (const { executive, assistant } of ctx.org.roles.executives) {
    const rng = rngFor(ctx.seed, "assistant", executive.upn, ctx.day);
    const actor = actorOf(rng, assistant, CLIENTS.outlookDesktop, rng.pick(OFFICE_EGRESS));
    let t = ctx.dayStart + 8 * HOUR + rng.int(0, 30) * MINUTE;
    out.push(
      mailItemsAccessed({ rng, org: ctx.org, time: t }, actor, executive, { type: "Sync", folder: "\\Calendar" }),
    );
    for (let i = rng.int(3, 8); i > 0; i--) {
      t += rng.int(15, 50) * MINUTE;
      const ids = Array.from({ length: rng.int(1, 5) }, () => messageId(rng, "namprd12.prod.outlook.com"));
      out.push(
        mailItemsAccessed({ rng, org: ctx.org, time: t }, actor, executive, {
          type: "Bind",
          folders: [{ path: "\\Inbox", messageIds: ids }],
        }),
      );
      if (rng.chance(0.5)) {
        out.push(
          itemAction({ rng, org: ctx.org, time: t + 2 * MINUTE }, "SendOnBehalf", actor, executive, {
            subject: rng.pick(["Re: Meeting request", "Travel itinerary", "Re: Board pack"]),
            folder: "\\Sent Items",
            onBehalfOf: executive.upn,
          }),
        );
      }
    }
  }
  return out;
}

interface Ticket {
  helpdesk: Person;
  mailbox: Person;
  user: Person;
  viaAdminCenter: boolean;
  grantAt: number;
  /** Days after the grant the access is removed (0: same day). */
  lagDays: number;
  removeOffset: number;
}

/** The helpdesk tickets opened on `day` (about one a day per 250 mailboxes). */
function tickets(ctx: DayContext, day: number): Ticket[] {
  const people = ctx.org.roles.everyday;
  const helpdesk = ctx.org.roles.helpdesk;
  if (people.length < 2 || !helpdesk.length) return [];
  const rng = rngFor(ctx.seed, "helpdesk", day);
  const count = Math.max(rng.chance(0.5) ? 1 : 0, Math.round(ctx.org.people.length / 250));
  return Array.from({ length: count }, () => ({
    helpdesk: rng.pick(helpdesk),
    mailbox: rng.pick(people),
    user: rng.pick(people),
    viaAdminCenter: rng.chance(0.4),
    grantAt: rng.int(9, 12) * HOUR + rng.int(0, 59) * MINUTE,
    lagDays: rng.pick([0, 0, 1, 2]),
    removeOffset: rng.int(14, 17) * HOUR,
  }));
}

/**
 * helpdesk-permissions: FullAccess granted for cover, fixed (removed and granted again without automapping)
 * a few minutes later, removed the same day or days later. Through the admin center the cmdlet records the
 * mailbox's Exchange DN and the user's alias; the removal, from PowerShell, records UPNs.
 */
export function helpdeskPermissions(ctx: DayContext): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (const tk of tickets(ctx, ctx.day)) {
    const rng = rngFor(ctx.seed, "helpdesk-grant", tk.mailbox.upn, ctx.day);
    const admin = actorOf(rng, tk.helpdesk, CLIENTS.owa, rng.pick(OFFICE_EGRESS));
    const eac = { ...admin, appId: EXCHANGE_ADMIN_CENTER_APP_ID };
    const identity = tk.viaAdminCenter ? `${DN}/${alias(tk.mailbox)}` : tk.mailbox.upn;
    const user = tk.viaAdminCenter ? alias(tk.user) : tk.user.upn;
    const by = tk.viaAdminCenter ? eac : admin;
    let t = ctx.dayStart + tk.grantAt;
    const grant = (autoMapping: string) =>
      adminCmdlet(
        { rng, org: ctx.org, time: t },
        "Add-MailboxPermission",
        by,
        {
          Identity: identity,
          User: user,
          AccessRights: "FullAccess",
          InheritanceType: "All",
          AutoMapping: autoMapping,
        },
        identity,
      );
    out.push(grant("True"));
    t += rng.int(5, 25) * MINUTE;
    out.push(
      adminCmdlet(
        { rng, org: ctx.org, time: t },
        "Remove-MailboxPermission",
        by,
        {
          Identity: identity,
          User: user,
          AccessRights: "FullAccess",
          Confirm: "False",
        },
        identity,
      ),
    );
    t += 2 * MINUTE;
    out.push(grant("False"));
    const reader = actorOf(rng, tk.user, CLIENTS.owa, rng.pick(tk.user.ips));
    const ids = Array.from({ length: rng.int(2, 6) }, () => messageId(rng, "namprd12.prod.outlook.com"));
    out.push(
      mailItemsAccessed({ rng, org: ctx.org, time: t + 30 * MINUTE }, reader, tk.mailbox, {
        type: "Bind",
        folders: [{ path: "\\Inbox", messageIds: ids }],
      }),
    );
  }
  for (let lag = 0; lag <= 2; lag++) {
    for (const tk of tickets(ctx, ctx.day - lag)) {
      if (tk.lagDays !== lag) continue;
      const rng = rngFor(ctx.seed, "helpdesk-remove", tk.mailbox.upn, ctx.day);
      const admin = actorOf(rng, tk.helpdesk, CLIENTS.owa, rng.pick(OFFICE_EGRESS));
      const t = ctx.dayStart + tk.removeOffset;
      out.push(
        adminCmdlet(
          { rng, org: ctx.org, time: t },
          "Remove-MailboxPermission",
          admin,
          {
            Identity: tk.mailbox.upn,
            User: tk.user.upn,
            AccessRights: "FullAccess",
            InheritanceType: "All",
            Confirm: "False",
          },
          tk.mailbox.upn,
        ),
      );
    }
  }
  return out;
}

/**
 * leaver-mailbox-forwarding: when someone leaves, the helpdesk forwards their mailbox to their manager. From
 * PowerShell with an SMTP address; from the admin center as ForwardingAddress, the manager's recipient name
 * (no @: the same shape as a forward to a mail contact).
 */
export function leaverMailboxForwarding(ctx: DayContext): AuditRecord[] {
  const people = ctx.org.roles.everyday;
  const helpdesk = ctx.org.roles.helpdesk;
  const rng = rngFor(ctx.seed, "leaver", ctx.day);
  if (people.length < 2 || !helpdesk.length) return [];
  // A leaver every week in any tenant, plus about one a day per 1,000 mailboxes.
  const count = (ctx.day % 7 === 1 ? 1 : 0) + (rng.chance(Math.min(1, ctx.org.people.length / 1000)) ? 1 : 0);
  return Array.from({ length: count }, () => {
    const leaver = rng.pick(people);
    const manager = rng.pick(people.filter((p) => p !== leaver));
    const viaAdminCenter = rng.chance(0.5);
    const admin = actorOf(rng, rng.pick(helpdesk), CLIENTS.owa, rng.pick(OFFICE_EGRESS));
    const by = viaAdminCenter ? { ...admin, appId: EXCHANGE_ADMIN_CENTER_APP_ID } : admin;
    const identity = viaAdminCenter ? `${DN}/${alias(leaver)}` : leaver.upn;
    const target: Record<string, string> = viaAdminCenter
      ? { ForwardingAddress: manager.displayName }
      : { ForwardingSmtpAddress: `smtp:${manager.upn}` };
    const time = ctx.dayStart + rng.int(10, 16) * HOUR + rng.int(0, 59) * MINUTE;
    const params = { Identity: identity, ...target, DeliverToMailboxAndForward: "True" };
    return adminCmdlet({ rng, org: ctx.org, time }, "Set-Mailbox", by, params, identity);
  });
}
