/** Shared setup for client tests: the Entra and O365 emulators, a real MSAL token provider and fixtures. */
import { createTokenProvider } from "../../connector/auth/index.ts";
import type { ClosableTokenProvider } from "../../connector/auth/index.ts";
import { startEntraEmulator, type EntraEmulator } from "../../connector/emulators/entra.ts";
import {
  startO365Emulator,
  type O365Emulator,
  type O365EmulatorOptions,
} from "../../connector/emulators/o365/index.ts";
import {
  createManagementActivityClient,
  type ManagementActivityClientExt,
  type ManagementActivityClientOptions,
} from "../../connector/source/index.ts";
import { TokenBucket } from "../../connector/source/rate-limit.ts";

export const TENANT = "7f3c1e2d-4b5a-4c6d-8e9f-0a1b2c3d4e5f";
export const CLIENT_ID = "c0ffee00-1234-4a5b-9c8d-7e6f5a4b3c2d";
export const SECRET = "emulator-client-secret-value";

const OPERATIONS = ["MailItemsAccessed", "Send", "New-InboxRule", "Set-Mailbox", "HardDelete", "MailboxLogin"];

/** Realistic Exchange audit records, one every `stepMs` ending `endMs`. */
export function exchangeRecords(count: number, endMs: number, stepMs = 30_000): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const t = new Date(endMs - (count - i) * stepMs);
    const op = OPERATIONS[i % OPERATIONS.length] as string;
    const admin = op.includes("-");
    out.push({
      CreationTime: t.toISOString().slice(0, 19),
      Id: `${(0x10000000 + i).toString(16)}-8d2c-4c4a-9f4e-${String(i).padStart(12, "0")}`,
      Operation: op,
      OrganizationId: TENANT,
      RecordType: admin ? 1 : op === "MailItemsAccessed" ? 50 : 2,
      ResultStatus: admin ? "True" : "Succeeded",
      UserKey: `1003200${String(i % 97).padStart(9, "0")}`,
      UserType: 0,
      Version: 1,
      Workload: "Exchange",
      UserId: `user${i % 40}@contoso.onmicrosoft.com`,
      ...(admin
        ? {
            ClientIP: `104.28.196.${i % 250}:${20000 + i}`,
            ObjectId: `user${i % 40}`,
            Parameters: [{ Name: "Identity", Value: `user${i % 40}` }],
          }
        : {
            ClientIPAddress: `203.0.113.${i % 250}`,
            LogonType: 0,
            MailboxOwnerUPN: `user${i % 40}@contoso.onmicrosoft.com`,
          }),
    });
  }
  return out;
}

export interface Harness {
  entra: EntraEmulator;
  o365: O365Emulator;
  tokens: ClosableTokenProvider;
  client(extra?: Partial<ManagementActivityClientOptions>): ManagementActivityClientExt;
  close(): Promise<void>;
}

/** Starts both emulators and a secret-based MSAL provider; `client()` builds clients with fast retries. */
export async function startHarness(o365: Partial<O365EmulatorOptions> = {}): Promise<Harness> {
  const entra = await startEntraEmulator({ clients: [{ tenantId: TENANT, clientId: CLIENT_ID, secret: SECRET }] });
  const emulator = await startO365Emulator({ tenantId: TENANT, entra, subscriptions: ["Audit.Exchange"], ...o365 });
  const tokens = await createTokenProvider({
    method: "secret",
    tenantId: TENANT,
    clientId: CLIENT_ID,
    clientSecret: SECRET,
    authorityHost: entra.authorityHost,
    ca: entra.caCert,
  });
  const clients: ManagementActivityClientExt[] = [];
  return {
    entra,
    o365: emulator,
    tokens,
    client(extra = {}) {
      const c = createManagementActivityClient({
        tenantId: TENANT,
        tokenProvider: tokens,
        apiRoot: emulator.apiRoot,
        ca: emulator.caCert,
        bucket: new TokenBucket({ requestsPerMinute: 600_000 }),
        backoff: { baseMs: 5, maxMs: 50 },
        throttleBackoff: { baseMs: 10, maxMs: 100 },
        subscriptionStartSpacingMs: 0,
        ...extra,
      });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) await c.close();
      await tokens.close();
      await emulator.stop();
      await entra.stop();
    },
  };
}

/** Collects every ref of a listing. */
export async function listAll(client: ManagementActivityClientExt, start: Date, end: Date, type = "Audit.Exchange") {
  const refs = [];
  let pages = 0;
  for await (const page of client.listContent(type, start, end)) {
    pages++;
    refs.push(...page);
  }
  return { refs, pages };
}
