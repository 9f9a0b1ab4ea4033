import assert from "node:assert/strict";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { createHttpHeaders, type PipelineRequest } from "@azure/core-rest-pipeline";
import { arrayJson, type PreparedRow } from "../../connector/sink/batches.ts";
import { createIngestionClient } from "../../connector/sink/client.ts";
import { gzipBatch, PLACEHOLDER_LOGS, withPreparedBody } from "../../connector/sink/wire.ts";
import { startHarness, staticCredential } from "./harness.ts";
import { auditRows } from "./rows.ts";

const DCR = "dcr-00112233445566778899aabbccddeeff";

function prepared(rows: Record<string, unknown>[]): PreparedRow[] {
  return rows.map((row, index) => {
    const json = JSON.stringify(row);
    return { index, row, json, bytes: Buffer.byteLength(json), trimmed: false };
  });
}

/** A client whose last policy records each request and answers 204 without touching the network. */
function capturingClient() {
  const { client } = createIngestionClient({ endpoint: "https://127.0.0.1:9", credential: staticCredential() });
  const seen: { body: Buffer; encoding: string | undefined }[] = [];
  client.pipeline.addPolicy(
    {
      name: "capture",
      sendRequest: async (request: PipelineRequest) => {
        seen.push({ body: Buffer.from(request.body as Uint8Array), encoding: request.headers.get("content-encoding") });
        return { request, status: 204, headers: createHttpHeaders() };
      },
    },
    { phase: "Sign", afterPolicies: ["exoAuditRequestCounter"] },
  );
  return { client, seen };
}

test("sends exactly the batch's prepared JSON array, gzipped once, in one request", async () => {
  const rows = prepared(auditRows(40));
  const { client, seen } = capturingClient();
  const body = await gzipBatch(rows);
  await withPreparedBody(body, () => client.upload(DCR, "Custom-ExchangeAudit", PLACEHOLDER_LOGS));
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.encoding, "gzip");
  assert.equal(gunzipSync(seen[0]!.body).toString("utf8"), arrayJson(rows));
  assert.deepEqual(
    JSON.parse(gunzipSync(seen[0]!.body).toString("utf8")),
    rows.map((r) => r.row),
  );
});

test("gzips the SDK's own body when a request carries no prepared body", async () => {
  const logs = [
    { RecordId: "a", Operation: "Send" },
    { RecordId: "b", Operation: "MailItemsAccessed" },
  ];
  const { client, seen } = capturingClient();
  await client.upload(DCR, "Custom-ExchangeAudit", logs);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.encoding, "gzip");
  assert.deepEqual(JSON.parse(gunzipSync(seen[0]!.body).toString("utf8")), logs);
});

test("the emulator receives each batch as the exact JSON array the sink sized", async () => {
  const h = await startHarness({ sink: { maxBatchBytes: 60_000 } });
  try {
    const rows = auditRows(120);
    const report = await h.sink.send("audit", rows);
    assert.equal(report.accepted, 120);
    const accepted = h.emu.requests.filter((r) => r.status === 204);
    assert.ok(accepted.length > 1, "several batches");
    assert.equal(report.requests, accepted.length);
    assert.ok(accepted.every((r) => r.gzip && (r.uncompressedBytes ?? 0) <= 60_000));
    // The bodies add up to the rows' own JSON plus brackets and commas: nothing re-serialized differently.
    const expected =
      rows.reduce((n, r) => n + Buffer.byteLength(JSON.stringify(r)), 0) +
      accepted.length * 2 +
      (120 - accepted.length);
    assert.equal(
      accepted.reduce((n, r) => n + (r.uncompressedBytes ?? 0), 0),
      expected,
    );
    assert.equal(
      report.bytes,
      accepted.reduce((n, r) => n + r.bodyBytes, 0),
    );
    assert.equal(h.emu.rowsAccepted("ExchangeAudit_CL"), 120);
  } finally {
    await h.close();
  }
});

test("builds the exact body even for rows prepared without their JSON or with a wrong size", async () => {
  const rows = auditRows(5).map((row, index) => ({ index, row, bytes: 10, trimmed: false }) as PreparedRow);
  const body = gunzipSync(await gzipBatch(rows)).toString("utf8");
  assert.equal(body, JSON.stringify(rows.map((r) => r.row)));
});
