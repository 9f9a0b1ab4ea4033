/** The synthetic organisation behind the demo dataset: people, their devices, networks and admins. */
import { type Rng, rngFor } from "./random.ts";
import { buildRoles, type Roles } from "./roles.ts";

export interface Person {
  upn: string;
  displayName: string;
  puid: string;
  sid: string;
  mailboxGuid: string;
  /** Usual client IPs (home, office). */
  ips: string[];
  /** Usual Outlook clients. */
  clients: string[];
  /** Whether the person uses Outlook desktop (which records MailItemsAccessed Sync). */
  desktop: boolean;
}

export interface Organisation {
  tenantId: string;
  domain: string;
  people: Person[];
  /** Exchange administrators (a subset of people). */
  admins: Person[];
  /** Shared mailboxes people are delegates of: owner -> delegate. */
  delegations: { mailbox: Person; delegate: Person }[];
  officeIps: string[];
  /** Who plays which realistic benign behaviour (roles.ts). */
  roles: Roles;
}

const FIRST = [
  "Adele",
  "Alex",
  "Allan",
  "Bianca",
  "Christie",
  "Debra",
  "Diego",
  "Emily",
  "Enrico",
  "Grady",
  "Henrietta",
  "Isaiah",
  "Johanna",
  "Joni",
  "Lee",
  "Lidia",
  "Lynne",
  "Megan",
  "Miriam",
  "Nestor",
  "Patti",
  "Pradeep",
  "Raul",
  "Sofia",
  "Tomas",
  "Ulla",
  "Vikram",
  "Wanda",
  "Yuki",
  "Zoe",
];
const LAST = [
  "Vance",
  "Wilber",
  "Deyoung",
  "Pinto",
  "Cline",
  "Berry",
  "Siciliani",
  "Braun",
  "Ferrari",
  "Archie",
  "Gonzalez",
  "Holloway",
  "Moreno",
  "Sherman",
  "Gu",
  "Nowak",
  "Robbins",
  "Bowen",
  "Garcia",
  "Wilke",
  "Fernandez",
  "Gupta",
  "Ramirez",
  "Costa",
  "Novak",
  "Lindqvist",
  "Rao",
  "Kowalski",
  "Tanaka",
  "Martin",
];

export const OUTLOOK_CLIENTS = [
  "Client=OWA;Action=ViaProxy",
  "Client=MSExchangeRPC",
  "Client=OutlookService;Outlook-iOS/2.0;",
  "Client=OutlookService;Outlook-Android/2.0;",
  "Client=REST;Client=RESTSystem;;",
];

/** Microsoft first-party app ids seen reading mail in a normal tenant. */
export const FIRST_PARTY_APPS = {
  outlookWeb: "00000002-0000-0ff1-ce00-000000000000",
  outlookMobile: "27922004-5251-4030-b22d-91ecd9a37ea4",
  outlookDesktop: "d3590ed6-52b3-4102-aeff-aad2292ab01c",
  teams: "1fec8e78-bce4-4aaf-ab1b-5451cc387264",
};

function ipFrom(rng: Rng, prefix: string): string {
  return `${prefix}.${rng.int(2, 250)}`;
}

/** Builds the organisation deterministically from the seed. */
export function buildOrganisation(seed: number, mailboxes: number): Organisation {
  const rng = rngFor(seed, "org");
  const domain = "contoso.com";
  const officeIps = ["198.51.100.10", "198.51.100.11"];
  const people: Person[] = [];
  for (let i = 0; i < mailboxes; i++) {
    const first = FIRST[i % FIRST.length] ?? "User";
    const last = LAST[Math.floor(i / FIRST.length + i) % LAST.length] ?? "Person";
    const suffix = i >= FIRST.length ? String(Math.floor(i / FIRST.length)) : "";
    const upn = `${first}.${last}${suffix}@${domain}`.toLowerCase();
    const desktop = rng.chance(0.6);
    people.push({
      upn,
      displayName: `${first} ${last}`,
      puid: `1003${rng.hex(12)}`,
      sid: `S-1-5-21-3759${rng.int(100000, 999999)}-${rng.int(1000000, 9999999)}-${rng.int(100000, 999999)}-${rng.int(10000, 99999)}`,
      mailboxGuid: rng.guid(),
      ips: [rng.pick(officeIps), ipFrom(rng, `192.0.2`)],
      clients: desktop ? ["Client=MSExchangeRPC", rng.pick(OUTLOOK_CLIENTS)] : [rng.pick(OUTLOOK_CLIENTS)],
      desktop,
    });
  }
  const admins = people.slice(0, Math.max(1, Math.floor(mailboxes / 12)));
  const delegations: { mailbox: Person; delegate: Person }[] = [];
  for (let i = 3; i + 1 < people.length && delegations.length < Math.max(1, Math.floor(mailboxes / 10)); i += 7) {
    delegations.push({ mailbox: people[i] as Person, delegate: people[i + 1] as Person });
  }
  const tenantId = rng.guid();
  const roles = buildRoles(seed, people, admins, domain);
  return { tenantId, domain, people, admins, delegations, officeIps, roles };
}
