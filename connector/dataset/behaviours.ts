/**
 * The realistic benign behaviours of the generated tenant: what real Exchange Online tenants do every day that
 * a naive detection mistakes for an attack. Each is named and has a switch (`DatasetOptions.behaviours`); all
 * are on by default except those whose records the Management Activity API publishes outside the
 * Audit.Exchange feed (OFF_BY_DEFAULT: a default tenant is what the connector collects by default).
 * `exo-audit dataset --with/--without NAME[,NAME]` and the detections benchmark (everything on) use the switches.
 * docs/dataset.md describes each behaviour, the real record shapes it copies and the rule it challenges.
 *
 * | Behaviour                     | What it generates (per day)                                                          |
 * | ----------------------------- | ------------------------------------------------------------------------------------ |
 * | outlook-clients               | Outlook for iOS/Android sessions, OWA / new Outlook / Outlook for Mac, real client strings and app ids |
 * | mobile-network-switch         | one phone session hopping home Wi-Fi → carrier (new address per attach) → office Wi-Fi |
 * | office-egress-pool            | one desktop session leaving through both addresses of the office NAT pool            |
 * | dual-stack-ipv6               | home sessions mixing IPv4, rotating IPv6 privacy addresses and ::ffff: forms          |
 * | shared-mailboxes-automapped   | automapped delegates' Outlook syncing shared mailboxes (weekends too), reads, SendAs  |
 * | executive-assistants          | assistants reading executives' mail and calendar, SendOnBehalf                        |
 * | helpdesk-permissions          | FullAccess granted, fixed, removed (same day or days later); admin center DN identities |
 * | backup-app                    | a backup app syncing every mailbox at night, app-only                                 |
 * | crm-app                       | Dynamics 365 server-side sync reading sales mailboxes hourly, app-only                |
 * | empty-deleted-items           | users emptying Deleted Items (SoftDelete batches), sometimes purging Recoverable Items |
 * | benign-inbox-rules            | newsletter rules (OWA and Outlook), a forward to a colleague, rule removals          |
 * | compliance-holds              | litigation holds and mailbox audit configuration by admins                            |
 * | ediscovery-search (off by default) | compliance searches and previews, never exported (Audit.General feed)       |
 * | travelling-user               | one user working a week from a hotel abroad, with a roaming phone                     |
 * | microsoft-system-actors       | Exchange's service host changing mailboxes and its discovery mailbox's permission     |
 * | imap-service-account          | a ticketing system polling its mailbox over IMAP every 15 minutes                     |
 * | leaver-mailbox-forwarding     | a leaver's mailbox forwarded to their manager (SMTP address, or a recipient name from the admin center) |
 */
import type { DayContext } from "./behaviour-types.ts";
import {
  executiveAssistants,
  helpdeskPermissions,
  leaverMailboxForwarding,
  sharedMailboxes,
} from "./benign-delegation.ts";
import {
  benignInboxRules,
  dualStackIpv6,
  emptyDeletedItems,
  mobileNetworkSwitch,
  officeEgressPool,
  outlookClients,
  travellingUser,
} from "./benign-people.ts";
import {
  backupApp,
  complianceHolds,
  crmApp,
  ediscoverySearch,
  imapServiceAccount,
  microsoftSystemActors,
} from "./benign-services.ts";
import type { AuditRecord } from "./records.ts";

export type { DayContext } from "./behaviour-types.ts";

const GENERATORS = {
  "outlook-clients": outlookClients,
  "mobile-network-switch": mobileNetworkSwitch,
  "office-egress-pool": officeEgressPool,
  "dual-stack-ipv6": dualStackIpv6,
  "shared-mailboxes-automapped": sharedMailboxes,
  "executive-assistants": executiveAssistants,
  "helpdesk-permissions": helpdeskPermissions,
  "backup-app": backupApp,
  "crm-app": crmApp,
  "empty-deleted-items": emptyDeletedItems,
  "benign-inbox-rules": benignInboxRules,
  "compliance-holds": complianceHolds,
  "ediscovery-search": ediscoverySearch,
  "travelling-user": travellingUser,
  "microsoft-system-actors": microsoftSystemActors,
  "imap-service-account": imapServiceAccount,
  "leaver-mailbox-forwarding": leaverMailboxForwarding,
} satisfies Record<string, (ctx: DayContext) => AuditRecord[]>;

export type BehaviourName = keyof typeof GENERATORS;

export const BEHAVIOURS = Object.keys(GENERATORS) as BehaviourName[];

/** Switches: a behaviour is on unless set to false (OFF_BY_DEFAULT ones: off unless set to true). */
export type BehaviourSwitches = Partial<Record<BehaviourName, boolean>>;

/**
 * Security & Compliance cmdlets (RecordType 18) are published in Audit.General, which the connector collects
 * only when `contentTypes` lists it (docs/configuration.md); compliance-search-export needs them.
 */
export const OFF_BY_DEFAULT: ReadonlySet<BehaviourName> = new Set(["ediscovery-search"]);

/** Every behaviour switched on, those off by default included (the alert budget's tenant). */
export const ALL_BEHAVIOURS_ON: BehaviourSwitches = Object.fromEntries(BEHAVIOURS.map((b) => [b, true]));

/** Checks switch names (a typo must not silently leave a behaviour on). */
export function checkBehaviours(switches: BehaviourSwitches | undefined): void {
  for (const name of Object.keys(switches ?? {})) {
    if (!(BEHAVIOURS as string[]).includes(name)) {
      throw new RangeError(`unknown behaviour '${name}' (known: ${BEHAVIOURS.join(", ")})`);
    }
  }
}

/** One day of every behaviour that is switched on. */
export function benignDay(ctx: DayContext, switches: BehaviourSwitches = {}): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (const name of BEHAVIOURS) {
    if (!(switches[name] ?? !OFF_BY_DEFAULT.has(name))) continue;
    for (const r of GENERATORS[name](ctx)) out.push(r);
  }
  return out;
}
