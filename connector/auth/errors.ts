/**
 * Which Entra ID (AADSTS) token errors are permanent: retrying them cannot succeed until an operator changes a
 * setting, so the run fails at once with one line naming that setting. Everything else (no AADSTS code, 5xx,
 * network, throttling) stays transient and keeps the bounded retries of its caller.
 *
 * The code is read from `error_codes` of the token response (what `@azure/identity`'s AuthenticationError
 * carries as `errorResponse`) or from the `AADSTS<n>:` prefix of the description (what MSAL's ServerError and
 * every wrapper keep in the message). Codes: https://learn.microsoft.com/entra/identity-platform/reference-error-codes
 *
 * | AADSTS   | meaning                                                      | setting to fix                       |
 * |----------|--------------------------------------------------------------|--------------------------------------|
 * | 7000215  | invalid client secret (often the secret's id, not its value) | auth.clientSecret                    |
 * | 7000222  | client secret expired                                        | auth.clientSecret                    |
 * | 7000218  | no credential in the request                                 | auth.clientSecret / certificatePath  |
 * | 700027   | client assertion signature invalid (certificate not on app)  | auth.certificatePath                 |
 * | 700023   | client assertion type not supported                          | auth.certificatePath                 |
 * | 700024   | client assertion not within its valid time range             | auth.certificatePath (clock)         |
 * | 700016   | application not found in the directory                      | auth.clientId (or tenantId)          |
 * | 7000112  | application disabled                                         | auth.clientId                        |
 * | 90002    | tenant not found                                             | tenantId                             |
 * | 900023   | tenant identifier is not a valid tenant                      | tenantId                             |
 * | 90023    | tenant identifier malformed                                  | tenantId                             |
 * | 65001    | consent missing                                              | admin consent for the app            |
 * | 500011   | resource principal not in the tenant (consent missing)      | admin consent for the app            |
 * | 501051   | application not assigned a role for the resource             | admin consent for the app            |
 * | 53003    | blocked by Conditional Access                                | Conditional Access policy            |
 * | 700213   | no matching federated identity record                        | auth.workloadIdentity                |
 * | other    | transient (retried within the caller's bounds)               |                                      |
 */

export interface PermanentAuthError {
  /** `AADSTS7000215`. */
  code: string;
  /** What Entra means by it, one short phrase. */
  meaning: string;
  /** The configuration key (relative to an `auth` block or a tenant) or action that fixes it. */
  fix: string;
}

const PERMANENT: Record<number, Omit<PermanentAuthError, "code">> = {
  7000215: { meaning: "invalid client secret", fix: "auth.clientSecret (use the secret's value, not its id)" },
  7000222: { meaning: "the client secret has expired", fix: "auth.clientSecret (create a new secret)" },
  7000218: { meaning: "no credential was sent", fix: "auth.clientSecret or auth.certificatePath" },
  700027: { meaning: "the certificate is not registered on the app", fix: "auth.certificatePath" },
  700023: { meaning: "client assertion type not supported", fix: "auth.certificatePath" },
  700024: { meaning: "client assertion outside its valid time", fix: "auth.certificatePath (check the clock)" },
  700016: { meaning: "application not found in the directory", fix: "auth.clientId (or the tenant id)" },
  7000112: { meaning: "the application is disabled", fix: "auth.clientId" },
  90002: { meaning: "tenant not found", fix: "tenantId" },
  900023: { meaning: "not a valid tenant", fix: "tenantId" },
  90023: { meaning: "malformed tenant identifier", fix: "tenantId" },
  65001: { meaning: "admin consent missing", fix: "grant admin consent to the app registration" },
  500011: { meaning: "the API is not consented in this tenant", fix: "grant admin consent to the app registration" },
  501051: { meaning: "the app has no role for the resource", fix: "grant admin consent to the app registration" },
  53003: { meaning: "blocked by Conditional Access", fix: "the Conditional Access policy for the app" },
  700213: { meaning: "no matching federated credential", fix: "auth.workloadIdentity (federated credential)" },
};

/** The AADSTS code of an error from MSAL, @azure/identity or a wrapper, if any. */
export function aadstsCode(err: unknown): number | undefined {
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e && typeof e === "object" && !seen.has(e)) {
    seen.add(e);
    const o = e as {
      errorResponse?: { errorCodes?: unknown; error_codes?: unknown };
      message?: unknown;
      cause?: unknown;
    };
    const codes = o.errorResponse?.errorCodes ?? o.errorResponse?.error_codes;
    if (Array.isArray(codes) && typeof codes[0] === "number") return codes[0];
    const m = typeof o.message === "string" ? /AADSTS(\d{5,8})\b/.exec(o.message) : null;
    if (m) return Number(m[1]);
    e = o.cause;
  }
  const m = typeof err === "string" ? /AADSTS(\d{5,8})\b/.exec(err) : null;
  return m ? Number(m[1]) : undefined;
}

/** The permanent error `err` is, or undefined when it may succeed on retry. */
export function permanentAuthError(err: unknown): PermanentAuthError | undefined {
  const code = aadstsCode(err);
  const entry = code === undefined ? undefined : PERMANENT[code];
  return entry ? { code: `AADSTS${code}`, ...entry } : undefined;
}

/** One line for the log and the run's error: `AADSTS7000215 (invalid client secret) for <who>: fix <setting>`. */
export function describeAuthError(p: PermanentAuthError, who: string, settingPrefix: string): string {
  // The ingestion identity's tenant lives in its auth block (ingestion.auth.tenantId), a tenant's at its top.
  const key = p.fix === "tenantId" && settingPrefix === "ingestion." ? "auth.tenantId" : p.fix;
  const fix = key.startsWith("auth.") || key === "tenantId" ? `${settingPrefix}${key}` : key;
  return `Entra ID refused the token request for ${who}: ${p.code} (${p.meaning}); this will not pass on retry, fix ${fix}`;
}
