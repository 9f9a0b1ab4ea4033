import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createTokenProvider } from "../../connector/auth/index.ts";
import { type EntraEmulator, startEntraEmulator } from "../../connector/emulators/entra.ts";

const TENANT = "3d1f6a55-2b4c-4e8d-9f10-aa11bb22cc33";
const CLIENT = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
const FEDERATED =
  "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL29pZGMuZXhhbXBsZSIsInN1YiI6InN5c3RlbTpzZXJ2aWNlYWNjb3VudCJ9.c2lnbmF0dXJlLXBsYWNlaG9sZGVy";

let entra: EntraEmulator;
let dir: string;
before(async () => {
  entra = await startEntraEmulator({ clients: [{ tenantId: TENANT, clientId: CLIENT, federatedToken: FEDERATED }] });
  dir = await mkdtemp(join(tmpdir(), "exo-audit-wi-"));
});
after(async () => {
  await entra.stop();
  await rm(dir, { recursive: true, force: true });
});

test("exchanges a federated token file for an API token through real @azure/identity", async () => {
  const file = join(dir, "token");
  await writeFile(file, FEDERATED);
  const provider = await createTokenProvider({
    method: "workloadIdentity",
    tenantId: TENANT,
    clientId: CLIENT,
    tokenFilePath: file,
    authorityHost: entra.authorityHost,
    ca: entra.caCert,
  });
  const t = await provider.getToken("https://manage.office.com/.default");
  assert.ok(entra.verify(t.token, "https://manage.office.com"));
  assert.equal((await provider.getToken("https://manage.office.com/.default")).token, t.token, "cached");
  assert.equal(entra.issued(), 1);
});

test("fails with the authority's error when the federated token is not trusted", async () => {
  const file = join(dir, "bad-token");
  await writeFile(file, "not-the-federated-token");
  const provider = await createTokenProvider({
    method: "workloadIdentity",
    tenantId: TENANT,
    clientId: CLIENT,
    tokenFilePath: file,
    authorityHost: entra.authorityHost,
    ca: entra.caCert,
  });
  await assert.rejects(
    provider.getToken("https://manage.office.com/.default"),
    /AADSTS700027|invalid_client|authentication/i,
  );
});

test("explains incomplete configuration", async () => {
  await assert.rejects(
    createTokenProvider({ method: "secret", tenantId: TENANT, clientId: CLIENT, clientSecret: "" }),
    /needs clientSecret/,
  );
  await assert.rejects(
    createTokenProvider({ method: "certificate", tenantId: TENANT, clientId: CLIENT }),
    /certificatePath or certificatePem/,
  );
  await assert.rejects(createTokenProvider({ method: "kerberos" } as never), /unknown auth method/);
});
