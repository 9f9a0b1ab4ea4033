/**
 * Clients and networks of the realistic benign behaviours: Outlook's client strings and app ids as Exchange
 * Online records them, and the addresses a person's devices show over a day.
 *
 * Addresses stay in documentation and benchmarking ranges (RFC 5737, RFC 2544, RFC 3849), like the rest
 * of the dataset, but have the structure of real ones:
 *
 * | Network               | Range                   | Shape                                                        |
 * | --------------------- | ----------------------- | ------------------------------------------------------------ |
 * | office egress pool    | 198.51.100.10-11        | one NAT pool; a session's requests leave through either      |
 * | home broadband (IPv4) | 192.0.2.0/24            | the person's usual address                                   |
 * | home broadband (IPv6) | 2001:db8:4a00::/40      | one /64 per home; privacy address (RFC 8981): random interface id, rotated daily and per reconnect |
 * | mobile carrier        | 198.18.0.0/15 (IPv4 CGN), 2001:db8:c300::/40 | the address changes at every Wi-Fi/cellular switch |
 * | hotel abroad          | 198.19.200.0/24         | a traveller's week                                           |
 * | IPv4-mapped           | ::ffff:192.0.2.x        | how some front ends log an IPv4 client on a dual-stack socket |
 */
import type { Rng } from "./random.ts";

/** An Outlook client as it appears in mailbox records. */
export interface ClientProfile {
  name: string;
  clientInfo: string;
  /** AppId / AppAccessContext.ClientAppId of the signed-in client. */
  appId: string;
  /** Whether the client caches the mailbox (records MailItemsAccessed Sync). */
  syncs: boolean;
}

/** Well-known first-party client app ids (Microsoft Entra "first-party applications"). */
export const CLIENTS = {
  outlookDesktop: {
    name: "Outlook for Windows (classic)",
    clientInfo: "Client=MSExchangeRPC",
    appId: "d3590ed6-52b3-4102-aeff-aad2292ab01c",
    syncs: true,
  },
  newOutlook: {
    name: "new Outlook for Windows",
    clientInfo: "Client=OWA;Action=ViaProxy",
    appId: "5d661950-3475-41cd-a2c3-d671a3162bc1",
    syncs: false,
  },
  owa: {
    name: "Outlook on the web",
    clientInfo: "Client=OWA;Action=ViaProxy",
    appId: "00000002-0000-0ff1-ce00-000000000000",
    syncs: false,
  },
  outlookIos: {
    name: "Outlook for iOS",
    clientInfo: "Client=OutlookService;Outlook-iOS/2.0;",
    appId: "27922004-5251-4030-b22d-91ecd9a37ea4",
    syncs: true,
  },
  outlookAndroid: {
    name: "Outlook for Android",
    clientInfo: "Client=OutlookService;Outlook-Android/2.0;",
    appId: "27922004-5251-4030-b22d-91ecd9a37ea4",
    syncs: true,
  },
  outlookMac: {
    name: "Outlook for Mac",
    clientInfo: "Client=REST;Client=RESTSystem;;",
    appId: "d3590ed6-52b3-4102-aeff-aad2292ab01c",
    syncs: true,
  },
} as const satisfies Record<string, ClientProfile>;

/** The Exchange admin center, whose cmdlets record DN/alias identities (see helpdesk-permissions). */
export const EXCHANGE_ADMIN_CENTER_APP_ID = "497effe9-df71-4043-a8bb-14cf78c4b63b";

export const OFFICE_EGRESS = ["198.51.100.10", "198.51.100.11"] as const;

const hex4 = (rng: Rng) =>
  rng
    .hex(4)
    .toLowerCase()
    .replace(/^0+(?=.)/, "");

/** The /64 prefix of a person's home network (stable for the person). */
export function homeV6Prefix(rng: Rng): string {
  return `2001:db8:4a${rng.hex(2).toLowerCase()}:${hex4(rng)}`;
}

/** A privacy (temporary) address in a /64: a random interface identifier (RFC 8981). */
export function privacyAddress(rng: Rng, prefix: string): string {
  return `${prefix}:${hex4(rng)}:${hex4(rng)}:${hex4(rng)}:${hex4(rng)}`;
}

/** A mobile carrier address: IPv4 behind carrier-grade NAT or IPv6, new at every attach. */
export function carrierAddress(rng: Rng): string {
  return rng.chance(0.5)
    ? `198.18.${rng.int(0, 255)}.${rng.int(1, 254)}`
    : `2001:db8:c3${rng.hex(2).toLowerCase()}:${hex4(rng)}:${hex4(rng)}:${hex4(rng)}:${hex4(rng)}:${hex4(rng)}`;
}

/** An IPv4 address as a dual-stack socket logs it. */
export function v4Mapped(ip: string): string {
  return `::ffff:${ip}`;
}

export function hotelAddress(rng: Rng): string {
  return `198.19.200.${rng.int(2, 250)}`;
}
