/**
 * Who does what in the realistic benign behaviours (behaviours.ts): shared mailboxes and their automapped
 * delegates (a small team automapped to most of them), executives and their assistants, helpdesk, sales people synced by the CRM, a traveller, a
 * compliance officer, an IMAP service account.
 *
 * Roles go to people from index 10 on (`everyday`): people 0-9 play the attack stories (attacks.ts) and keep
 * the plain profile those stories were written against. With fewer than 20 mailboxes some roles are empty
 * and their behaviours generate nothing. Shared mailboxes and the service account are mailboxes beyond
 * `mailboxes` (a tenant's licensed users), as in a real tenant.
 */
import type { Person } from "./org.ts";
import { type Rng, rngFor } from "./random.ts";

export interface Roles {
  /** People with no part in the attack stories. */
  everyday: Person[];
  sharedMailboxes: { mailbox: Person; delegates: Person[] }[];
  executives: { executive: Person; assistant: Person }[];
  /** Admins doing helpdesk tickets (grants, fixes, removals). */
  helpdesk: Person[];
  /** Mailboxes the CRM's server-side synchronisation reads and sends from. */
  sales: Person[];
  traveller: Person | undefined;
  compliance: Person | undefined;
  /** A ticketing system's mailbox read over IMAP from a fixed data-centre address. */
  serviceAccount: Person;
}

const SHARED = ["info", "sales", "support", "accounts-payable", "hr", "recruiting", "facilities", "it-requests"];

/** A mailbox that nobody signs in to as itself (shared mailbox, service account). */
export function makeMailbox(rng: Rng, upn: string, displayName: string): Person {
  return {
    upn,
    displayName,
    puid: `1003${rng.hex(12)}`,
    sid: `S-1-5-21-3759${rng.int(100000, 999999)}-${rng.int(1000000, 9999999)}-${rng.int(100000, 999999)}-${rng.int(10000, 99999)}`,
    mailboxGuid: rng.guid(),
    ips: [],
    clients: [],
    desktop: false,
  };
}

/**
 * Mailbox permission tickets go to a small team holding the Exchange Administrator role (Microsoft's least-privilege
 * guidance keeps privileged role holders few), not to every admin: one per 400 mailboxes, at least two.
 */
export function helpdeskSize(mailboxes: number): number {
  return Math.max(2, Math.ceil(mailboxes / 400));
}

export function buildRoles(seed: number, people: Person[], admins: Person[], domain: string): Roles {
  const rng = rngFor(seed, "roles");
  const everyday = people.slice(10);
  const at = (i: number) => everyday[i % Math.max(1, everyday.length)];
  // Real tenants keep a shared mailbox for every few dozen users; a small team (reception, service desk,
  // office managers) is automapped to many of them.
  const sharedCount = everyday.length ? Math.max(6, Math.floor(people.length / 25)) : 0;
  const team = everyday.length
    ? Array.from({ length: Math.max(1, Math.floor(people.length / 400)) }, () => rng.pick(everyday))
    : [];
  const sharedMailboxes = Array.from({ length: sharedCount }, (_, i) => {
    const name = `${SHARED[i % SHARED.length]}${i >= SHARED.length ? Math.floor(i / SHARED.length) + 1 : ""}`;
    const delegates = Array.from({ length: rng.int(3, 8) }, () => rng.pick(everyday));
    const fromTeam = team.filter(() => rng.chance(0.7));
    return {
      mailbox: makeMailbox(rng, `${name}@${domain}`, name),
      delegates: [...new Set([...delegates, ...fromTeam])],
    };
  });
  const execCount = everyday.length >= 4 ? Math.max(1, Math.floor(people.length / 200)) : 0;
  const executives = Array.from({ length: execCount }, (_, i) => ({
    executive: at(i * 2) as Person,
    assistant: at(i * 2 + 1) as Person,
  }));
  const sales = everyday.filter((_, i) => i % 8 === 3);
  return {
    everyday,
    sharedMailboxes,
    executives,
    helpdesk: admins.length > 1 ? admins.slice(1, 1 + helpdeskSize(people.length)) : admins,
    sales,
    traveller: everyday.length > 4 ? at(4) : undefined,
    compliance: everyday.length > 5 ? at(5) : undefined,
    serviceAccount: makeMailbox(rng, `svc-ticketing@${domain}`, "Ticketing system"),
  };
}
