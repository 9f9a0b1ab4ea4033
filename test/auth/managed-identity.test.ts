import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createTokenProvider } from "../../connector/auth/index.ts";
import { type EntraEmulator, startEntraEmulator } from "../../connector/emulators/entra.ts";

const TENANT = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";
const SYSTEM = "0d1e2f3a-4b5c-4d6e-8f7a-8b9c0d1e2f3a";
const USER = "1e2f3a4b-5c6d-4e7f-9a8b-9c0d1e2f3a4b";

let entra: EntraEmulator;
before(async () => {
  entra = await startEntraEmulator({
    clients: [],
    managedIdentity: { tenantId: TENANT, clientId: SYSTEM, userAssigned: [USER] },
  });
  // This file runs in its own process: the App Service variables are what the hosting platform sets.
  process.env.IDENTITY_ENDPOINT = entra.managedIdentityEndpoint;
  process.env.IDENTITY_HEADER = entra.managedIdentityHeader;
});
after(async () => {
  delete process.env.IDENTITY_ENDPOINT;
  delete process.env.IDENTITY_HEADER;
  await entra.stop();
});

test("gets a system-assigned managed identity token through real @azure/identity and caches it", async () => {
  const provider = await createTokenProvider({ method: "managedIdentity" });
  const t = await provider.getToken("https://manage.office.com/.default");
  assert.ok(entra.verify(t.token, "https://manage.office.com"));
  assert.equal(entra.claims(t.token)?.appid, SYSTEM);
  assert.ok(t.expiresOnTimestamp > Date.now() + 3_000_000);
  await provider.getToken("https://manage.office.com/.default");
  assert.equal(entra.issued(), 1);
});

test("gets a user-assigned managed identity token for the monitor scope", async () => {
  const provider = await createTokenProvider({ method: "managedIdentity", clientId: USER });
  const t = await provider.getToken("https://monitor.azure.com/.default");
  assert.ok(entra.verify(t.token, "https://monitor.azure.com"));
  assert.equal(entra.claims(t.token)?.appid, USER);
});
