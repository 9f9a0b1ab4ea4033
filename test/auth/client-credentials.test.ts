import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { generate } from "selfsigned";
import { createTokenProvider, parseClientCertificate, toTokenCredential } from "../../connector/auth/index.ts";
import { startEntraEmulator, type EntraEmulator } from "../../connector/emulators/entra.ts";
import { createLogger, MemoryLogSink } from "../../connector/log.ts";

const TENANT = "0b6e3c2a-5f1d-4b7e-9a41-3c2d8e9f1a01";
const SECRET_APP = "5e0f4b4c-1111-4a2b-8c3d-000000000001";
const CERT_APP = "5e0f4b4c-2222-4a2b-8c3d-000000000002";
const SECRET = "s3cr3t~Value_For.Tests-42";
const SCOPE = "https://manage.office.com/.default";

let entra: EntraEmulator;
let cert: { cert: string; private: string };
let otherCert: { cert: string; private: string };

before(async () => {
  const attrs = [{ name: "commonName", value: "exo-audit-test-app" }];
  cert = await generate(attrs, { keySize: 2048, algorithm: "sha256" });
  otherCert = await generate(attrs, { keySize: 2048, algorithm: "sha256" });
  entra = await startEntraEmulator({
    clients: [
      { tenantId: TENANT, clientId: SECRET_APP, secret: SECRET },
      { tenantId: TENANT, clientId: CERT_APP, certificatePem: cert.cert },
    ],
    tokenLifetimeSec: 3600,
  });
});
after(() => entra.stop());

describe("client credentials against the emulated authority", () => {
  test("gets a token with a client secret through real MSAL and caches it", async () => {
    const provider = await createTokenProvider({
      method: "secret",
      tenantId: TENANT,
      clientId: SECRET_APP,
      clientSecret: SECRET,
      authorityHost: entra.authorityHost,
      ca: entra.caCert,
    });
    const before = entra.issued();
    const a = await provider.getToken(SCOPE);
    const b = await provider.getToken(SCOPE);
    assert.equal(a.token, b.token);
    assert.equal(entra.issued() - before, 1);
    assert.ok(entra.verify(a.token, SCOPE));
    assert.ok(entra.verify(a.token, "https://manage.office.com"));
    assert.equal(entra.verify(a.token, "https://monitor.azure.com/.default"), false);
    assert.ok(a.expiresOnTimestamp > Date.now() + 3_000_000);
    await provider.close();
  });

  test("gets a token with a certificate-signed client assertion whose signature the authority verifies", async () => {
    const provider = await createTokenProvider({
      method: "certificate",
      tenantId: TENANT,
      clientId: CERT_APP,
      certificatePem: cert.cert,
      privateKeyPem: cert.private,
      authorityHost: entra.authorityHost,
      ca: entra.caCert,
      sendCertificateChain: true,
    });
    const t = await provider.getToken(SCOPE);
    assert.ok(entra.verify(t.token, SCOPE));
    assert.equal(entra.claims(t.token)?.tid, TENANT);
    assert.equal(entra.claims(t.token)?.appid, CERT_APP);
    assert.equal(entra.requests.at(-1)?.method, "assertion");
    await provider.close();
  });

  test("rejects an assertion signed by a certificate the app does not own, with the Entra error code", async () => {
    const fake = parseClientCertificate({ pem: otherCert.cert, privateKeyPem: otherCert.private });
    const provider = await createTokenProvider({
      method: "certificate",
      tenantId: TENANT,
      clientId: CERT_APP,
      certificatePem: otherCert.cert,
      privateKeyPem: otherCert.private,
      authorityHost: entra.authorityHost,
      ca: entra.caCert,
    });
    await assert.rejects(provider.getToken(SCOPE), /AADSTS700027|invalid_client/);
    assert.ok(fake.thumbprintSha256.length === 64);
    await provider.close();
  });

  test("rejects a wrong secret with invalid_client and never logs the secret", async () => {
    const sink = new MemoryLogSink();
    const logger = createLogger({ sink, level: "debug" });
    const provider = await createTokenProvider({
      method: "secret",
      tenantId: TENANT,
      clientId: SECRET_APP,
      clientSecret: "wrong-secret-value-123",
      authorityHost: entra.authorityHost,
      ca: entra.caCert,
      logger,
    });
    await assert.rejects(provider.getToken(SCOPE), /AADSTS7000215|invalid_client/);
    assert.ok(!sink.lines.join("\n").includes("wrong-secret-value-123"));
    await provider.close();
  });

  test("refreshes the token with the authority once the cached one is close to expiry", async () => {
    let clock = Date.now();
    const provider = await createTokenProvider({
      method: "secret",
      tenantId: TENANT,
      clientId: SECRET_APP,
      clientSecret: SECRET,
      authorityHost: entra.authorityHost,
      ca: entra.caCert,
      now: () => clock,
    });
    const first = await provider.getToken(SCOPE);
    clock += 50 * 60_000; // 10 minutes before expiry: still served from cache (margin is 5 minutes)
    assert.equal((await provider.getToken(SCOPE)).token, first.token);
    const issued = entra.issued();
    clock += 6 * 60_000; // inside the 5-minute margin
    const second = await provider.getToken(SCOPE);
    assert.notEqual(second.token, first.token);
    assert.equal(entra.issued(), issued + 1);
    await provider.close();
  });

  test("forces a new token on request (after a 401) even when the cache is fresh", async () => {
    const provider = await createTokenProvider({
      method: "secret",
      tenantId: TENANT,
      clientId: SECRET_APP,
      clientSecret: SECRET,
      authorityHost: entra.authorityHost,
      ca: entra.caCert,
    });
    const a = await provider.getToken(SCOPE);
    const b = await provider.getToken(SCOPE, { forceRefresh: true });
    assert.notEqual(a.token, b.token);
    await provider.close();
  });

  test("serves the same credential as an Azure SDK TokenCredential for the monitor scope", async () => {
    const provider = await createTokenProvider({
      method: "secret",
      tenantId: TENANT,
      clientId: SECRET_APP,
      clientSecret: SECRET,
      authorityHost: entra.authorityHost,
      ca: entra.caCert,
    });
    const credential = toTokenCredential(provider);
    const t = await credential.getToken("https://monitor.azure.com/.default");
    assert.ok(t && entra.verify(t.token, "https://monitor.azure.com/.default"));
    await provider.close();
  });
});

test("refreshes a short-lived certificate token once half its lifetime has passed", async () => {
  const shortLived = await startEntraEmulator({
    clients: [{ tenantId: TENANT, clientId: CERT_APP, certificatePem: cert.cert }],
    tokenLifetimeSec: 2,
  });
  try {
    const provider = await createTokenProvider({
      method: "certificate",
      tenantId: TENANT,
      clientId: CERT_APP,
      certificatePem: cert.cert,
      privateKeyPem: cert.private,
      authorityHost: shortLived.authorityHost,
      ca: shortLived.caCert,
    });
    const first = await provider.getToken(SCOPE);
    assert.equal((await provider.getToken(SCOPE)).token, first.token);
    // MSAL rounds expiresOn to whole seconds, so a 2 s token's lifetime as seen here is 1.5-2.5 s and half of it
    // at most 1.25 s: wait past that.
    await new Promise((r) => setTimeout(r, 1_600));
    const second = await provider.getToken(SCOPE);
    assert.notEqual(second.token, first.token);
    assert.ok(shortLived.verify(second.token, SCOPE));
    assert.equal(shortLived.issued(), 2);
    await provider.close();
  } finally {
    await shortLived.stop();
  }
});
