/** Which Entra ID token errors are permanent (connector/auth/errors.ts), and the line that names the fix. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { aadstsCode, describeAuthError, permanentAuthError } from "../../connector/auth/errors.ts";
import { createServer } from "node:net";
import { createMsalTokenProvider } from "../../connector/auth/msal.ts";
import { startEntraEmulator } from "../../connector/emulators/entra.ts";
import { classifyCause } from "../../connector/sink/classify.ts";

const msal = (code: number) =>
  Object.assign(new Error(`invalid_client: Error(s): ${code} - Description: AADSTS${code}: Something. Trace ID: x`), {
    name: "ServerError",
  });

describe("Entra ID error classes", () => {
  const cases: Array<[string, unknown, string | undefined, string | undefined]> = [
    ["invalid secret from MSAL", msal(7000215), "AADSTS7000215", "auth.clientSecret"],
    ["expired secret", msal(7000222), "AADSTS7000222", "auth.clientSecret"],
    ["unknown application", msal(700016), "AADSTS700016", "auth.clientId"],
    ["unknown tenant", msal(90002), "AADSTS90002", "tenantId"],
    ["consent missing", msal(65001), "AADSTS65001", "grant admin consent"],
    ["certificate not on the app", msal(700027), "AADSTS700027", "auth.certificatePath"],
    [
      "@azure/identity AuthenticationError with error_codes",
      { name: "AuthenticationError", message: "boom", errorResponse: { errorCodes: [7000215] } },
      "AADSTS7000215",
      "auth.clientSecret",
    ],
    ["wrapped in a cause", new Error("upload failed", { cause: msal(90002) }), "AADSTS90002", "tenantId"],
    ["transient Entra outage (AADSTS90033)", msal(90033), undefined, undefined],
    [
      "no AADSTS code (network)",
      Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
      undefined,
      undefined,
    ],
  ];
  for (const [name, err, code, fix] of cases) {
    it(`${name}: ${code ? `permanent ${code}, fix names ${fix}` : "transient"}`, () => {
      const p = permanentAuthError(err);
      assert.equal(p?.code, code);
      if (fix) assert.ok(p!.fix.startsWith(fix), p!.fix);
    });
  }

  it("reads the code from the message when there is no error_codes array", () => {
    assert.equal(aadstsCode("AADSTS700016: Application with identifier"), 700016);
  });

  it("names the full setting for a tenant and for the ingestion identity", () => {
    const p = permanentAuthError(msal(7000215))!;
    assert.match(describeAuthError(p, "tenant t", "tenants[]."), /fix tenants\[\]\.auth\.clientSecret/);
    const t = permanentAuthError(msal(90002))!;
    assert.match(describeAuthError(t, "ingestion", "ingestion."), /fix ingestion\.auth\.tenantId/);
  });

  it("the sink classifies a refused token as 'credential', an Entra outage as transient", () => {
    assert.equal(classifyCause(msal(7000215)).kind, "credential");
    assert.equal(classifyCause(msal(90033)).kind, "transient");
  });
});

describe("the real cause instead of endpoints_resolution_error (issue 18, minor)", () => {
  const T = "7f3a1c2e-5b4d-4e8f-9a1b-2c3d4e5f6a7b";
  const C = "0b5e6c1a-3d2f-4a8b-9c7d-1e2f3a4b5c6d";
  const token = async (authorityHost: string, ca?: string) => {
    const p = createMsalTokenProvider({
      tenantId: T,
      clientId: C,
      authorityHost,
      credential: { kind: "secret", clientSecret: "s" },
      ...(ca ? { ca } : {}),
    });
    try {
      return await p.getToken("https://manage.office.com/.default");
    } finally {
      await p.close();
    }
  };

  it("names an unreachable authority", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    await assert.rejects(token(`https://127.0.0.1:${port}`), (e: Error) => {
      assert.match(e.message, new RegExp(`cannot reach https://127.0.0.1:${port} \\(ECONNREFUSED`));
      assert.doesNotMatch(e.message, /endpoints_resolution_error/);
      return true;
    });
  });

  it("names an untrusted authority certificate and the setting to fix", async () => {
    const entra = await startEntraEmulator({ clients: [{ tenantId: T, clientId: C, secret: "s" }] });
    try {
      await assert.rejects(
        token(entra.authorityHost),
        /certificate of https:\/\/127\.0\.0\.1:\d+ is not trusted.*authorityCaFile/,
      );
      assert.ok((await token(entra.authorityHost, entra.caCert)).token);
    } finally {
      await entra.stop();
    }
  });
});
