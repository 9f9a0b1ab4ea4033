/**
 * Hosted configuration: the app settings the ARM template writes, Key Vault references resolved with the
 * managed identity (or reported with the setting's name), and the documentation of every setting.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { ENV_BINDINGS } from "../../connector/config/env.ts";
import { loadHostedConfig } from "../../connector/hosting/config.ts";
import {
  certificatePemFrom,
  type KeyVaultReference,
  parseKeyVaultReference,
  type SecretFetcher,
} from "../../connector/hosting/key-vault.ts";
import { HOSTED_SETTINGS, IGNORED_SETTINGS } from "../../connector/hosting/settings.ts";
import { localTls } from "../../connector/emulators/tls.ts";

const T1 = "1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7a81";
const T2 = "2c3d4e5f-6071-4829-8b3c-4d5e6f7a8b92";
const APP = "6c1f0d2e-8a4b-4c3d-9e5f-0a1b2c3d4e5f";
const MI = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a";
const DCR = "dcr-0123456789abcdef0123456789abcdef";

/** PEM with certificate and key, as a Key Vault certificate with content type application/x-pem-file holds it. */
async function pem(): Promise<string> {
  const tls = await localTls();
  return `${tls.key}\n${tls.cert}`;
}

/** An in-memory vault: the fetcher a managed identity would reach, counting reads. */
function vault(secrets: Record<string, { value: string; contentType?: string }>) {
  const reads: KeyVaultReference[] = [];
  const fetch: SecretFetcher = async (ref) => {
    reads.push(ref);
    const s = secrets[`${ref.vaultUrl}/${ref.name}`];
    if (!s) throw new Error(`(403) Caller is not authorized to perform action on resource (${ref.name})`);
    return s;
  };
  return { fetch, reads };
}

function armEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    AZURE_CLIENT_ID: MI,
    EXO_AUDIT_TENANTS: `${T1}, ${T2}`,
    EXO_AUDIT_CLIENT_ID: APP,
    EXO_AUDIT_DCR_ENDPOINT: "https://exo-dce-abcd.westeurope-1.ingest.monitor.azure.com",
    EXO_AUDIT_DCR_IMMUTABLE_ID: DCR,
    EXO_AUDIT_STATE_BLOB_URL: "https://exoauditstate.blob.core.windows.net/exo-audit-state",
    EXO_AUDIT_STATE_TABLE_URL: "https://exoauditstate.table.core.windows.net/",
    EXO_AUDIT_STATE_TABLE: "exoauditstate",
    EXO_AUDIT_KEY_VAULT_URL: "https://exo-audit-kv.vault.azure.net/",
    EXO_AUDIT_CERTIFICATE_NAME: "o365-api",
    EXO_AUDIT_SCHEDULE: "0 */5 * * * *",
    ...extra,
  };
}

describe("hosted settings", () => {
  it("builds a multi-tenant configuration from the ARM template's app settings", async () => {
    const cert = await pem();
    const kv = vault({
      "https://exo-audit-kv.vault.azure.net/o365-api": { value: cert, contentType: "application/x-pem-file" },
    });
    const loaded = await loadHostedConfig({ env: armEnv(), fetchSecret: kv.fetch, cwd: "/" });
    assert.deepEqual(loaded.problems, []);
    const c = loaded.config!;
    assert.deepEqual(
      c.tenants.map((t) => t.tenantId),
      [T1, T2],
    );
    for (const t of c.tenants) {
      assert.equal(t.auth.clientId, APP);
      assert.equal(t.auth.certificatePem, cert);
    }
    assert.equal(kv.reads.length, 1, "the certificate is read once for every tenant");
    assert.deepEqual(c.ingestion.auth, { managedIdentity: true, clientId: MI, tenantId: T1 });
    assert.equal(c.ingestion.endpoint, "https://exo-dce-abcd.westeurope-1.ingest.monitor.azure.com");
    assert.deepEqual(c.state.azure, {
      accountUrl: "https://exoauditstate.blob.core.windows.net",
      container: "exo-audit-state",
      leaseSeconds: 30,
    });
    assert.equal(c.deadLetter.dir, undefined, "dead letters go to the state container");
    assert.ok(loaded.settingsUsed.includes("EXO_AUDIT_TENANTS"));
  });

  it("gives every tenant of EXO_AUDIT_TENANTS the publisher id the template passes (MSSP, three customers)", async () => {
    const cert = await pem();
    const kv = vault({
      "https://exo-audit-kv.vault.azure.net/o365-api": { value: cert, contentType: "application/x-pem-file" },
    });
    const T3 = "3d4e5f60-7182-493a-9c4d-5e6f7a8b9ca3";
    const MSSP = "11111111-2222-4333-8444-555555555555";
    const env = armEnv({ EXO_AUDIT_TENANTS: `${T1},${T2},${T3}`, EXO_AUDIT_PUBLISHER_ID: MSSP });
    const loaded = await loadHostedConfig({ env, fetchSecret: kv.fetch, cwd: "/" });
    assert.deepEqual(loaded.problems, []);
    assert.deepEqual(
      loaded.config!.tenants.map((t) => [t.tenantId, t.publisherId, t.auth.clientId]),
      [T1, T2, T3].map((id) => [id, MSSP, APP]),
    );
  });

  it("says a tenant must be given by its GUID when EXO_AUDIT_TENANTS holds a domain", async () => {
    const loaded = await loadHostedConfig({
      env: armEnv({ EXO_AUDIT_TENANTS: `${T1},contoso.onmicrosoft.com` }),
      fetchSecret: vault({}).fetch,
      cwd: "/",
    });
    assert.ok(
      loaded.problems.some((p) => p.path === "tenants[1].tenantId" && /GUID/.test(p.message)),
      JSON.stringify(loaded.problems),
    );
  });

  it("names the instance after the deployment, not the changing replica host name", async () => {
    const cert = await pem();
    const env = armEnv({
      EXO_AUDIT_CERTIFICATE: cert,
      CONTAINER_APP_JOB_NAME: "exo-audit-job",
      HOSTNAME: "exo-audit-job-x7k2p-9fz",
    });
    assert.equal((await loadHostedConfig({ env, cwd: "/" })).config!.instance, "exo-audit-job");
    const fn = armEnv({ EXO_AUDIT_CERTIFICATE: cert, WEBSITE_SITE_NAME: "exo-audit-func" });
    assert.equal((await loadHostedConfig({ env: fn, cwd: "/" })).config!.instance, "exo-audit-func");
    const named = { ...fn, EXO_AUDIT_INSTANCE: "soc-eu" };
    assert.equal((await loadHostedConfig({ env: named, cwd: "/" })).config!.instance, "soc-eu");
  });

  it("accepts the certificate the Container Apps secret reference already resolved", async () => {
    const cert = await pem();
    const env = armEnv({ EXO_AUDIT_CERTIFICATE: cert, EXO_AUDIT_LEASE_SECONDS: "20" });
    const kv = vault({});
    const loaded = await loadHostedConfig({ env, fetchSecret: kv.fetch, cwd: "/" });
    assert.deepEqual(loaded.problems, []);
    assert.equal(loaded.config!.tenants[1]!.auth.certificatePem, cert);
    assert.equal(loaded.config!.state.azure!.leaseSeconds, 20);
    assert.equal(kv.reads.length, 0, "no Key Vault call when the platform resolved the secret");
  });

  it("resolves a literal @Microsoft.KeyVault reference the platform left unresolved", async () => {
    const cert = await pem();
    const env = armEnv({
      EXO_AUDIT_CERTIFICATE: "@Microsoft.KeyVault(VaultName=exo-audit-kv;SecretName=o365-api)",
    });
    const kv = vault({ "https://exo-audit-kv.vault.azure.net/o365-api": { value: cert } });
    const loaded = await loadHostedConfig({ env, fetchSecret: kv.fetch, cwd: "/" });
    assert.deepEqual(loaded.problems, []);
    assert.equal(loaded.config!.tenants[0]!.auth.certificatePem, cert);
    assert.deepEqual(loaded.keyVaultResolved, ["tenants[0].auth.certificatePem", "tenants[1].auth.certificatePem"]);
  });

  it("names the setting and the fix when a reference cannot be resolved", async () => {
    const env = armEnv({ EXO_AUDIT_CERTIFICATE_NAME: "missing-cert" });
    const loaded = await loadHostedConfig({ env, fetchSecret: vault({}).fetch, cwd: "/" });
    assert.equal(loaded.config, undefined);
    const p = loaded.problems.find((x) => x.path === "tenants[0].auth.certificatePem");
    assert.ok(p, JSON.stringify(loaded.problems));
    assert.match(p.message, /unresolved Key Vault reference .*Caller is not authorized.*Key Vault Secrets User/);
  });

  it("refuses a PKCS#12 certificate with instructions to store it as PEM", () => {
    const der = Buffer.from([0x30, 0x82, 0x0a, 0x10, 0x02, 0x01, 0x03]).toString("base64");
    assert.throws(
      () => certificatePemFrom({ value: der, contentType: "application/x-pkcs12" }, "EXO_AUDIT_CERTIFICATE"),
      /EXO_AUDIT_CERTIFICATE: the certificate is stored as PKCS#12 .*application\/x-pem-file/,
    );
    assert.throws(
      () => certificatePemFrom({ value: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----" }, "x"),
      /both the certificate and its private key/,
    );
  });

  it("reports a PKCS#12 certificate resolved by the platform against its setting", async () => {
    const pfx = Buffer.from([0x30, 0x82, 0x0a, 0x10, 0x02, 0x01, 0x03, 0x30]).toString("base64");
    const loaded = await loadHostedConfig({
      env: armEnv({ EXO_AUDIT_CERTIFICATE: pfx }),
      fetchSecret: vault({}).fetch,
      cwd: "/",
    });
    assert.equal(loaded.config, undefined);
    assert.match(
      loaded.problems.find((p) => p.path === "EXO_AUDIT_CERTIFICATE")?.message ?? "",
      /^the certificate is stored as PKCS#12/,
    );
  });

  it("resolves per-tenant certificates referenced in an inline YAML configuration", async () => {
    const cert = await pem();
    const yaml = [
      "tenants:",
      `  - tenantId: ${T1}`,
      `    auth: { clientId: ${APP}, certificatePem: "@Microsoft.KeyVault(SecretUri=https://kv1.vault.azure.net/secrets/contoso/0123abcd)" }`,
      `  - tenantId: ${T2}`,
      `    auth: { clientId: ${APP}, certificatePem: "@Microsoft.KeyVault(SecretUri=https://kv1.vault.azure.net/secrets/fabrikam)" }`,
      "ingestion:",
      "  endpoint: https://exo-dce-abcd.westeurope-1.ingest.monitor.azure.com",
      `  dcrImmutableId: ${DCR}`,
      `  auth: { managedIdentity: true, clientId: ${MI} }`,
      "state:",
      "  azure: { accountUrl: https://exoauditstate.blob.core.windows.net, container: exo-audit-state }",
    ].join("\n");
    const kv = vault({
      "https://kv1.vault.azure.net/contoso": { value: cert },
      "https://kv1.vault.azure.net/fabrikam": { value: cert },
    });
    const loaded = await loadHostedConfig({ env: { EXO_AUDIT_CONFIG_YAML: yaml }, fetchSecret: kv.fetch, cwd: "/" });
    assert.deepEqual(loaded.problems, []);
    assert.deepEqual(
      kv.reads.map((r) => [r.name, r.version]),
      [
        ["contoso", "0123abcd"],
        ["fabrikam", undefined],
      ],
    );
  });

  it("parses both Key Vault reference forms", () => {
    assert.deepEqual(parseKeyVaultReference("@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/n/v1)"), {
      vaultUrl: "https://kv.vault.azure.net",
      name: "n",
      version: "v1",
    });
    assert.deepEqual(
      parseKeyVaultReference("@Microsoft.KeyVault(VaultName=kv; SecretName=n)", "vault.usgovcloudapi.net"),
      { vaultUrl: "https://kv.vault.usgovcloudapi.net", name: "n" },
    );
    assert.throws(
      () => parseKeyVaultReference("@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/keys/n)"),
      /must look like/,
    );
    assert.throws(() => parseKeyVaultReference("@Microsoft.KeyVault(VaultName=kv)"), /needs SecretUri/);
  });

  it("knows every app setting the ARM template writes and documents every hosting setting", () => {
    const infra = readFileSync(new URL("../../scripts/build/infra-hosting.ts", import.meta.url), "utf8");
    const arm = [...infra.matchAll(/name: "((?:EXO_AUDIT|AZURE)_[A-Z_]+)"/g)].map((m) => m[1]!);
    assert.ok(arm.length >= 8);
    const known = new Set([
      ...HOSTED_SETTINGS.map((s) => s.name),
      ...ENV_BINDINGS.map((b) => b.name),
      ...IGNORED_SETTINGS,
    ]);
    assert.deepEqual(
      arm.filter((n) => !known.has(n)),
      [],
      "settings written by the template but not read by the connector",
    );
    const doc = readFileSync(new URL("../../docs/hosting.md", import.meta.url), "utf8");
    assert.deepEqual(
      HOSTED_SETTINGS.map((s) => s.name).filter((n) => !doc.includes(`\`${n}\``)),
      [],
      "hosting settings missing from docs/hosting.md",
    );
  });
});
