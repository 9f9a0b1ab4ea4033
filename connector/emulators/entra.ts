/**
 * A local Entra ID token endpoint that the real `@azure/msal-node` and `@azure/identity` code talks to over
 * HTTPS: OAuth2 client credentials (v2 `/{tenant}/oauth2/v2.0/token` with `scope`, v1 `/{tenant}/oauth2/token`
 * with `resource`), client secrets, certificate-signed client assertions (signature verified against the
 * registered certificate), federated assertions (workload identity), OpenID discovery documents and the
 * instance-discovery document. Errors use Entra's shape and AADSTS codes. Tokens are HS256 JWTs whose `aud` is
 * the requested resource; other emulators check bearer tokens with `verify(token, audience)`.
 */
import {
  createHmac,
  createPublicKey,
  randomBytes,
  randomUUID,
  constants as cryptoConstants,
  timingSafeEqual,
  verify as verifySignature,
  X509Certificate,
} from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { localTls } from "./tls.ts";

/** A registered application (service principal) of a tenant. */
export interface EntraClient {
  tenantId: string;
  clientId: string;
  /** Accepted client secret. */
  secret?: string;
  /** Certificate PEM whose key signs client assertions. */
  certificatePem?: string;
  /** Alternatively the hex thumbprint (SHA-1 or SHA-256) plus the PEM to verify with. */
  certificateThumbprint?: string;
  /** Exact federated token accepted as client assertion (workload identity). */
  federatedToken?: string;
  /** App roles put in the token (`roles` claim). Default `["ActivityFeed.Read"]`. */
  roles?: string[];
}

export interface EntraEmulatorOptions {
  clients: EntraClient[];
  /**
   * HMAC key signing the tokens (hex, 32 bytes; default random). Give two emulators the same key to verify in
   * one process the tokens another process issued (emulators as separate processes, see entra-main.ts).
   */
  signingKey?: string;
  /** Access-token lifetime. Default 3599 s (what Entra issues for app tokens). */
  tokenLifetimeSec?: number;
  /** Emulator clock. Default `Date.now`. */
  now?: () => number;
  /**
   * Also serve an App Service style managed-identity endpoint (plain http on 127.0.0.1, as on App Service):
   * tokens for `clientId` (system-assigned) or any of `userAssigned` client ids.
   */
  managedIdentity?: { tenantId: string; clientId: string; userAssigned?: string[] };
}

export interface EntraEmulator {
  /** `https://127.0.0.1:<port>`: pass as authority host. */
  authorityHost: string;
  /** PEM the clients must trust. */
  caCert: string;
  /** True when `token` was issued here, is unexpired and its `aud` matches `audience` (scope or resource). */
  verify(token: string, audience: string): boolean;
  /** The claims of a valid token issued here, else undefined. */
  claims(token: string): Record<string, unknown> | undefined;
  /** Number of tokens issued so far. */
  issued(): number;
  /** App Service managed-identity endpoint and header value (IDENTITY_ENDPOINT / IDENTITY_HEADER). */
  managedIdentityEndpoint?: string;
  managedIdentityHeader?: string;
  /**
   * While set, token requests answer 503 `temporarily_unavailable` (AADSTS90033, a transient code), or with
   * `"hang"` get no answer at all (a black-holed authority).
   */
  setOutage(on: boolean | "hang"): void;
  /** Token requests seen (grant, client, outcome), for assertions in tests. */
  readonly requests: Array<{ path: string; clientId?: string; method: string; outcome: string }>;
  stop(): Promise<void>;
}

interface RegisteredClient extends EntraClient {
  thumbprints: Set<string>;
  publicKeyPem?: string;
}

const b64url = (buf: Buffer | string) => Buffer.from(buf).toString("base64url");

/** Starts the emulator on 127.0.0.1 with a random port. */
export async function startEntraEmulator(options: EntraEmulatorOptions): Promise<EntraEmulator> {
  const tls = await localTls();
  const key = options.signingKey ? Buffer.from(options.signingKey, "hex") : randomBytes(32);
  const now = options.now ?? Date.now;
  const lifetime = options.tokenLifetimeSec ?? 3599;
  const clients = options.clients.map(register);
  let issuedCount = 0;
  let outage: boolean | "hang" = false;
  const requests: EntraEmulator["requests"] = [];

  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    handle(req, res).catch((err) => send(res, 500, { error: "server_error", error_description: String(err) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const mi = options.managedIdentity ? await startManagedIdentityEndpoint(options.managedIdentity) : undefined;

  async function startManagedIdentityEndpoint(identity: NonNullable<EntraEmulatorOptions["managedIdentity"]>) {
    const header = randomBytes(16).toString("hex");
    const http: Server = createHttpServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const requested = url.searchParams.get("client_id") ?? url.searchParams.get("clientid");
      const clientId = requested ?? identity.clientId;
      const known = clientId === identity.clientId || (identity.userAssigned ?? []).includes(clientId);
      const resource = url.searchParams.get("resource");
      const outcome = (o: string) => requests.push({ path: "msi", clientId, method: "managed-identity", outcome: o });
      if (url.pathname !== "/msi/token" || req.headers["x-identity-header"] !== header) {
        outcome("bad_request");
        send(res, 400, { statusCode: 400, message: "Missing or invalid X-IDENTITY-HEADER." });
      } else if (!known || !resource) {
        outcome("unknown_identity");
        send(res, 400, {
          statusCode: 400,
          message: `No managed identity found for client id ${clientId} or missing resource.`,
        });
      } else {
        const iat = Math.floor(now() / 1000);
        issuedCount++;
        outcome("issued");
        const tokenText = sign({
          aud: resource,
          iss: `https://sts.windows.net/${identity.tenantId}/`,
          iat,
          nbf: iat,
          exp: iat + lifetime,
          appid: clientId,
          tid: identity.tenantId,
          idtyp: "app",
          ver: "1.0",
        });
        send(res, 200, {
          access_token: tokenText,
          expires_on: String(iat + lifetime),
          resource,
          token_type: "Bearer",
          client_id: clientId,
        });
      }
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    return { server: http, header, endpoint: `http://127.0.0.1:${(http.address() as AddressInfo).port}/msi/token` };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", origin);
    const parts = url.pathname.split("/").filter(Boolean);
    if (req.method === "GET" && parts[0] === "common" && parts[1] === "discovery" && parts[2] === "instance") {
      const host = new URL(origin).host;
      return send(res, 200, {
        tenant_discovery_endpoint: `${origin}/{tenant}/v2.0/.well-known/openid-configuration`,
        "api-version": "1.1",
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      });
    }
    const tenant = parts[0] ?? "";
    const rest = parts.slice(1).join("/");
    if (
      req.method === "GET" &&
      (rest === "v2.0/.well-known/openid-configuration" || rest === ".well-known/openid-configuration")
    ) {
      return send(res, 200, {
        issuer: `${origin}/${tenant}/v2.0`,
        authorization_endpoint: `${origin}/${tenant}/oauth2/v2.0/authorize`,
        token_endpoint: `${origin}/${tenant}/oauth2/v2.0/token`,
        jwks_uri: `${origin}/${tenant}/discovery/v2.0/keys`,
        end_session_endpoint: `${origin}/${tenant}/oauth2/v2.0/logout`,
        token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
        tenant_region_scope: null,
        cloud_instance_name: "emulator.local",
      });
    }
    if (req.method === "GET" && rest === "discovery/v2.0/keys") return send(res, 200, { keys: [] });
    if (req.method === "POST" && (rest === "oauth2/v2.0/token" || rest === "oauth2/token")) {
      if (outage === "hang") {
        requests.push({ path: "token", method: "unknown", outcome: "hang" });
        return;
      }
      if (outage) {
        requests.push({ path: "token", method: "unknown", outcome: "outage" });
        return send(res, 503, aadError("temporarily_unavailable", 90033, "A transient error has occurred."));
      }
      const form = new URLSearchParams(await readBody(req));
      return token(res, tenant, form, rest === "oauth2/token", `${origin}/${tenant}/${rest}`);
    }
    return send(res, 404, aadError("invalid_request", 90002, `Endpoint ${req.method} ${url.pathname} not found.`));
  }

  function token(res: ServerResponse, tenant: string, form: URLSearchParams, v1: boolean, endpoint: string): void {
    const clientId = form.get("client_id") ?? undefined;
    const log = (outcome: string) =>
      requests.push({ path: v1 ? "v1" : "v2", clientId, method: credentialMethod(form), outcome });
    if (form.get("grant_type") !== "client_credentials") {
      log("unsupported_grant_type");
      send(res, 400, aadError("unsupported_grant_type", 70003, "The app requested an unsupported grant type."));
      return;
    }
    const client = clients.find((c) => c.tenantId.toLowerCase() === tenant.toLowerCase() && c.clientId === clientId);
    if (!client) {
      log("unknown_client");
      send(
        res,
        400,
        aadError(
          "unauthorized_client",
          700016,
          `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`,
        ),
      );
      return;
    }
    const resource = v1 ? form.get("resource") : scopeResource(form.get("scope"));
    if (!resource) {
      log("invalid_scope");
      send(
        res,
        400,
        aadError(
          "invalid_scope",
          1002012,
          "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
        ),
      );
      return;
    }
    const problem = authenticate(client, form, endpoint);
    if (problem) {
      log(problem.outcome);
      send(res, 401, aadError("invalid_client", problem.code, problem.message));
      return;
    }
    const iat = Math.floor(now() / 1000);
    const payload = {
      aud: resource,
      iss: `https://sts.windows.net/${client.tenantId}/`,
      iat,
      nbf: iat,
      exp: iat + lifetime,
      appid: client.clientId,
      azp: client.clientId,
      tid: client.tenantId,
      oid: randomUUID(),
      roles: client.roles ?? ["ActivityFeed.Read"],
      uti: randomBytes(12).toString("base64url"),
      ver: v1 ? "1.0" : "2.0",
    };
    issuedCount++;
    log("issued");
    send(res, 200, {
      token_type: "Bearer",
      expires_in: lifetime,
      ext_expires_in: lifetime,
      ...(v1 ? { expires_on: String(iat + lifetime), resource } : {}),
      access_token: sign(payload),
    });
  }

  function authenticate(
    client: RegisteredClient,
    form: URLSearchParams,
    endpoint: string,
  ): { outcome: string; code: number; message: string } | undefined {
    const secret = form.get("client_secret");
    const assertion = form.get("client_assertion");
    if (secret !== null) {
      if (client.secret && safeEqual(secret, client.secret)) return undefined;
      return {
        outcome: "bad_secret",
        code: 7000215,
        message:
          "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
      };
    }
    if (assertion !== null) {
      if (form.get("client_assertion_type") !== "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") {
        return { outcome: "bad_assertion_type", code: 700023, message: "Client assertion type is not supported." };
      }
      if (client.federatedToken && safeEqual(assertion, client.federatedToken)) return undefined;
      const reason = checkAssertion(client, assertion, endpoint);
      return reason
        ? {
            outcome: "bad_assertion",
            code: 700027,
            message: `Client assertion contains an invalid signature. [Reason - ${reason}]`,
          }
        : undefined;
    }
    return {
      outcome: "no_credential",
      code: 7000218,
      message: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    };
  }

  function checkAssertion(client: RegisteredClient, jwt: string, endpoint: string): string | undefined {
    const [h, p, s] = jwt.split(".");
    if (!h || !p || !s) return "The assertion is not a JWT.";
    let header: Record<string, string>;
    let payload: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(h, "base64url").toString("utf8"));
      payload = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
    } catch {
      return "The assertion is not a JWT.";
    }
    const thumb = header["x5t#S256"] ?? header.x5t;
    const thumbHex = thumb ? Buffer.from(thumb, "base64url").toString("hex") : "";
    if (!client.publicKeyPem || !client.thumbprints.has(thumbHex))
      return `The key was not found., Thumbprint of key used by client: '${thumbHex.toUpperCase()}'`;
    const data = Buffer.from(`${h}.${p}`);
    const signature = Buffer.from(s, "base64url");
    const keyObject = createPublicKey(client.publicKeyPem);
    const ok =
      header.alg === "PS256"
        ? verifySignature(
            "sha256",
            data,
            {
              key: keyObject,
              padding: cryptoConstants.RSA_PKCS1_PSS_PADDING,
              saltLength: cryptoConstants.RSA_PSS_SALTLEN_AUTO,
            },
            signature,
          )
        : header.alg === "RS256"
          ? verifySignature("sha256", data, keyObject, signature)
          : false;
    if (!ok) return "The signature does not verify.";
    const nowSec = now() / 1000;
    if (payload.aud !== endpoint) return `The audience '${payload.aud}' is not the token endpoint.`;
    if (payload.iss !== client.clientId || payload.sub !== client.clientId)
      return "The issuer and subject must be the client id.";
    if (typeof payload.exp !== "number" || payload.exp < nowSec - 300) return "The assertion has expired.";
    if (typeof payload.nbf === "number" && payload.nbf > nowSec + 300) return "The assertion is not yet valid.";
    return undefined;
  }

  function sign(payload: Record<string, unknown>): string {
    const head = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
    const body = b64url(JSON.stringify(payload));
    const sig = createHmac("sha256", key).update(`${head}.${body}`).digest("base64url");
    return `${head}.${body}.${sig}`;
  }

  function claims(tokenText: string): Record<string, unknown> | undefined {
    const [h, p, s] = tokenText.split(".");
    if (!h || !p || !s) return undefined;
    const expected = createHmac("sha256", key).update(`${h}.${p}`).digest();
    const given = Buffer.from(s, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const payload = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as Record<string, unknown>;
    if (typeof payload.exp !== "number" || payload.exp * 1000 <= now()) return undefined;
    return payload;
  }

  return {
    authorityHost: origin,
    caCert: tls.cert,
    verify: (tokenText, audience) => {
      const c = claims(tokenText);
      return !!c && normalizeResource(String(c.aud)) === normalizeResource(scopeResource(audience) ?? audience);
    },
    claims,
    issued: () => issuedCount,
    setOutage: (on: boolean | "hang") => {
      outage = on;
    },
    managedIdentityEndpoint: mi?.endpoint,
    managedIdentityHeader: mi?.header,
    requests,
    stop: async () => {
      for (const s of [server, mi?.server]) {
        if (!s) continue;
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };
}

function register(client: EntraClient): RegisteredClient {
  const thumbprints = new Set<string>();
  let publicKeyPem: string | undefined;
  if (client.certificatePem) {
    const x509 = new X509Certificate(client.certificatePem);
    thumbprints.add(x509.fingerprint256.replaceAll(":", "").toLowerCase());
    thumbprints.add(x509.fingerprint.replaceAll(":", "").toLowerCase());
    publicKeyPem = x509.publicKey.export({ type: "spki", format: "pem" }).toString();
    if (client.certificateThumbprint && !thumbprints.has(client.certificateThumbprint.toLowerCase())) {
      throw new Error("certificateThumbprint does not match certificatePem");
    }
  }
  return { ...client, thumbprints, publicKeyPem };
}

/** `https://manage.office.com/.default` → `https://manage.office.com`; undefined unless a `/.default` scope. */
function scopeResource(scope: string | null): string | undefined {
  const first = scope?.split(" ").find((s) => s.endsWith("/.default"));
  return first ? first.slice(0, -"/.default".length) : undefined;
}

function normalizeResource(resource: string): string {
  return resource.replace(/\/+$/, "").toLowerCase();
}

function credentialMethod(form: URLSearchParams): string {
  if (form.has("client_secret")) return "secret";
  if (form.has("client_assertion")) return "assertion";
  return "none";
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function aadError(error: string, code: number, description: string): Record<string, unknown> {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  return {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${new Date().toISOString()}`,
    error_codes: [code],
    timestamp: new Date().toISOString().replace("T", " ").slice(0, 19) + "Z",
    trace_id: traceId,
    correlation_id: correlationId,
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
