import assert from "node:assert/strict";
import { test } from "node:test";
import { AggregateLogsUploadError } from "@azure/monitor-ingestion";
import { classifyUploadError, retryAfterMs } from "../../connector/sink/classify.ts";
import { createIngestionCredential, ingestionAudience } from "../../connector/sink/credential.ts";

function restError(statusCode: number, code: string | undefined, headers: Record<string, string> = {}, message = "m") {
  return Object.assign(new Error(message), {
    name: "RestError",
    statusCode,
    code,
    response: { headers: { get: (n: string) => headers[n.toLowerCase()] }, bodyAsText: message },
  });
}

const aggregate = (...causes: Error[]) =>
  new AggregateLogsUploadError(causes.map((cause) => ({ cause, failedLogs: [{}] })));

test("classifies each status of AggregateLogsUploadError by its cause, not its message", () => {
  const kinds = [
    [429, "transient"],
    [503, "transient"],
    [500, "transient"],
    [408, "transient"],
    [413, "too-large"],
    [400, "bad-request"],
    [401, "unauthorized"],
    [403, "forbidden"],
    [404, "not-found"],
    [409, "fatal"],
    [501, "fatal"],
  ] as const;
  for (const [status, kind] of kinds) {
    const e = aggregate(restError(status, "X"));
    assert.equal(e.message, "undefined\n}", "the SDK quirk this module works around");
    assert.equal(classifyUploadError(e).kind, kind, String(status));
  }
});

test("treats network errors as transient and InvalidApiVersion as a configuration error", () => {
  const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
  assert.equal(classifyUploadError(aggregate(reset)).kind, "transient");
  assert.equal(classifyUploadError(aggregate(restError(400, "InvalidApiVersion"))).kind, "fatal");
  assert.equal(
    classifyUploadError(aggregate(restError(400, undefined, {}, "Bad Request - Invalid Verb"))).kind,
    "transient",
  );
  const abort = Object.assign(new Error("aborted"), { name: "AbortError" });
  assert.equal(classifyUploadError(aggregate(abort)).kind, "aborted");
});

test("picks the most severe failure when several chunks failed", () => {
  assert.equal(classifyUploadError(aggregate(restError(503, "S"), restError(404, "NotFound"))).kind, "not-found");
});

test("reads Retry-After in ms headers, seconds and HTTP-date", () => {
  const bag = (h: Record<string, string>) => ({ get: (n: string) => h[n] });
  assert.equal(retryAfterMs(bag({ "retry-after-ms": "250" }), 0), 250);
  assert.equal(retryAfterMs(bag({ "x-ms-retry-after-ms": "40", "retry-after": "9" }), 0), 40);
  assert.equal(retryAfterMs(bag({ "retry-after": "3" }), 0), 3000);
  const now = Date.parse("2026-03-10T12:00:00Z");
  assert.equal(retryAfterMs(bag({ "retry-after": "Tue, 10 Mar 2026 12:00:05 GMT" }), now), 5000);
  assert.equal(retryAfterMs(bag({}), 0), undefined);
  const e = aggregate(restError(429, "TooManyRequests", { "retry-after": "2" }));
  assert.equal(classifyUploadError(e).retryAfterMs, 2000);
});

test("maps clouds to the monitor audiences and builds each credential kind", () => {
  assert.equal(ingestionAudience(), "https://monitor.azure.com");
  assert.equal(ingestionAudience("usgov"), "https://monitor.azure.us");
  assert.equal(ingestionAudience("china"), "https://monitor.azure.cn");
  const tenantId = "4f1c2b9a-7d3e-4a51-9c0b-2e6f8d1a3b57";
  const clientId = "0a1b2c3d-1111-2222-3333-444455556666";
  const names = [
    createIngestionCredential({ kind: "client-secret", tenantId, clientId, clientSecret: "s3cr3t-value" }),
    createIngestionCredential({ kind: "managed-identity", clientId }),
    createIngestionCredential({ kind: "managed-identity" }),
    createIngestionCredential({ kind: "workload-identity", tenantId, clientId, tokenFilePath: "/var/run/token" }),
    createIngestionCredential({ kind: "cli" }),
    createIngestionCredential({ kind: "default" }, { cloud: "usgov" }),
    createIngestionCredential({ kind: "client-certificate", tenantId, clientId, certificatePath: "/etc/cert.pem" }),
  ].map((c) => c.constructor.name);
  assert.deepEqual(names, [
    "ClientSecretCredential",
    "ManagedIdentityCredential",
    "ManagedIdentityCredential",
    "WorkloadIdentityCredential",
    "AzureCliCredential",
    "DefaultAzureCredential",
    "ClientCertificateCredential",
  ]);
  assert.throws(() => createIngestionCredential({ kind: "client-certificate", tenantId, clientId }), /certificatePath/);
  assert.throws(
    () => createIngestionCredential({ kind: "managed-identity", clientId, resourceId: "/subscriptions/x" }),
    /not both/,
  );
});
