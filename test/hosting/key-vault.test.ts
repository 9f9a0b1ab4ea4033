/**
 * The Key Vault fetcher through the real @azure/keyvault-secrets client against a local HTTPS vault that
 * speaks the service's protocol: the bearer challenge (401 + WWW-Authenticate), the token for the vault's
 * scope, then the secret (the PEM behind a Key Vault certificate).
 */
import assert from "node:assert/strict";
import { Agent, createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { localTls } from "../../connector/emulators/tls.ts";
import { loadHostedConfig } from "../../connector/hosting/config.ts";
import { keyVaultSecretFetcher } from "../../connector/hosting/key-vault.ts";

const TENANT = "1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7a81";
const TOKEN = "kv-access-token-for-tests";

describe("Key Vault secrets through the SDK", () => {
  let vaultUrl: string;
  let agent: Agent;
  let pem: string;
  const requests: { path: string; auth: string | undefined }[] = [];
  let stop: () => Promise<void>;
  const tokenRequests: { scopes: string[]; tenantId: string | undefined }[] = [];
  const credential: TokenCredential = {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
      tokenRequests.push({ scopes: [scopes].flat(), tenantId: options?.tenantId });
      return { token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };

  before(async () => {
    const tls = await localTls();
    pem = `${tls.key}\n${tls.cert}`;
    const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      const url = new URL(req.url ?? "/", "https://127.0.0.1");
      requests.push({ path: url.pathname, auth: req.headers.authorization });
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        res.writeHead(401, {
          "www-authenticate": `Bearer authorization="https://login.microsoftonline.com/${TENANT}", resource="https://vault.azure.net"`,
          "content-type": "application/json",
        });
        res.end(
          JSON.stringify({ error: { code: "Unauthorized", message: "AKV10000: Request is missing a Bearer token." } }),
        );
        return;
      }
      // The SDK asks for `/secrets/<name>/` (empty version = latest).
      const m = /^\/secrets\/([^/]+)(?:\/([^/]*))?$/.exec(url.pathname);
      if (m?.[1] !== "o365-api") {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            error: {
              code: "SecretNotFound",
              message: `A secret with (name/id) ${m?.[1]} was not found in this key vault.`,
            },
          }),
        );
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          value: pem,
          contentType: "application/x-pem-file",
          id: `${vaultUrl}/secrets/o365-api/7f1c2d3e4b5a69788796a5b4c3d2e1f0`,
          attributes: { enabled: true, created: 1767225600, updated: 1767225600 },
          kid: `${vaultUrl}/keys/o365-api/7f1c2d3e4b5a69788796a5b4c3d2e1f0`,
          managed: true,
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    vaultUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    agent = new Agent({ ca: tls.cert });
    stop = () => new Promise((resolve) => server.close(() => resolve()));
  });
  after(() => stop());

  it("answers the vault's bearer challenge and returns the certificate PEM with its content type", async () => {
    // A vault on 127.0.0.1 is not under the challenge's resource domain (vault.azure.net): skip that check here.
    const fetch = keyVaultSecretFetcher(credential, { agent, disableChallengeResourceVerification: true });
    const secret = await fetch({ vaultUrl, name: "o365-api" });
    assert.equal(secret.value, pem);
    assert.equal(secret.contentType, "application/x-pem-file");
    assert.equal(requests[0]!.auth, undefined, "the first request carries no token (challenge discovery)");
    assert.equal(requests.at(-1)!.auth, `Bearer ${TOKEN}`);
    assert.deepEqual(tokenRequests[0], { scopes: ["https://vault.azure.net/.default"], tenantId: TENANT });
  });

  it("resolves the hosted certificate settings through the SDK and reports a missing secret by setting", async () => {
    const fetch = keyVaultSecretFetcher(credential, { agent, disableChallengeResourceVerification: true });
    const env = {
      EXO_AUDIT_TENANTS: TENANT,
      EXO_AUDIT_CLIENT_ID: "6c1f0d2e-8a4b-4c3d-9e5f-0a1b2c3d4e5f",
      EXO_AUDIT_DCR_ENDPOINT: "https://exo-dce-abcd.westeurope-1.ingest.monitor.azure.com",
      EXO_AUDIT_DCR_IMMUTABLE_ID: "dcr-0123456789abcdef0123456789abcdef",
      EXO_AUDIT_STATE_BLOB_URL: "https://exoauditstate.blob.core.windows.net/exo-audit-state",
      AZURE_CLIENT_ID: "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a",
      EXO_AUDIT_KEY_VAULT_URL: vaultUrl,
    };
    const ok = await loadHostedConfig({
      env: { ...env, EXO_AUDIT_CERTIFICATE_NAME: "o365-api" },
      fetchSecret: fetch,
      cwd: "/",
    });
    assert.deepEqual(ok.problems, []);
    assert.equal(ok.config!.tenants[0]!.auth.certificatePem, pem);

    const missing = await loadHostedConfig({
      env: { ...env, EXO_AUDIT_CERTIFICATE_NAME: "renamed" },
      fetchSecret: fetch,
      cwd: "/",
    });
    assert.equal(missing.config, undefined);
    assert.match(
      missing.problems.map((p) => `${p.path}: ${p.message}`).join("\n"),
      /tenants\[0\]\.auth\.certificatePem: is an unresolved Key Vault reference .*renamed was not found/,
    );
  });
});
