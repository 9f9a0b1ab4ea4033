/**
 * One call to run the whole emulated source side locally (demo, pipeline tests): an Entra emulator with one
 * registered app, an O365 emulator that checks its tokens, and the matching auth and client settings.
 */
import { randomBytes } from "node:crypto";
import type { AuthConfig } from "../../auth/index.ts";
import { type EntraClient, type EntraEmulator, startEntraEmulator } from "../entra.ts";
import { type O365Emulator, type O365EmulatorOptions, startO365Emulator } from "./index.ts";

export interface LocalSourceOptions extends Partial<O365EmulatorOptions> {
  /** Default a fixed demo tenant GUID. */
  tenantId?: string;
  /** Default a fixed demo client id. */
  clientId?: string;
  /** More apps for the same authority (e.g. one for the sink). */
  extraClients?: EntraClient[];
}

export interface LocalSource {
  entra: EntraEmulator;
  o365: O365Emulator;
  tenantId: string;
  clientId: string;
  /** `createTokenProvider(auth)` gives a real MSAL provider against the emulated authority. */
  auth: AuthConfig;
  /** Spread into `createManagementActivityClient({...client, tokenProvider})`. */
  client: { tenantId: string; apiRoot: string; ca: string };
  stop(): Promise<void>;
}

export const DEMO_TENANT_ID = "8e5a1c3b-2d4f-4a6b-9c8d-7e6f5a4b3c2d";
export const DEMO_CLIENT_ID = "2f4e6d8c-1a3b-4c5d-8e7f-9a0b1c2d3e4f";

/** Starts both emulators; `stop()` stops both. */
export async function startLocalSource(options: LocalSourceOptions = {}): Promise<LocalSource> {
  const tenantId = options.tenantId ?? DEMO_TENANT_ID;
  const clientId = options.clientId ?? DEMO_CLIENT_ID;
  const clientSecret = randomBytes(24).toString("base64url");
  const entra = await startEntraEmulator({
    clients: [{ tenantId, clientId, secret: clientSecret }, ...(options.extraClients ?? [])],
  });
  let o365: O365Emulator;
  try {
    o365 = await startO365Emulator({ subscriptions: ["Audit.Exchange"], ...options, tenantId, entra });
  } catch (err) {
    await entra.stop();
    throw err;
  }
  return {
    entra,
    o365,
    tenantId,
    clientId,
    auth: { method: "secret", tenantId, clientId, clientSecret, authorityHost: entra.authorityHost, ca: entra.caCert },
    client: { tenantId, apiRoot: o365.apiRoot, ca: o365.caCert },
    async stop() {
      await o365.stop();
      await entra.stop();
    },
  };
}
