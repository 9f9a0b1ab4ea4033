/**
 * Child process of the end-to-end benchmark: hosts the Entra, Management Activity API and workspace
 * emulators with a generated dataset, so that the connector process measured by the benchmark holds only
 * the connector (its peak RSS is the figure we report). Prints one JSON line with the endpoints, then serves
 * until stdin closes. Usage: node scripts/bench/e2e-server.ts <mailboxes> <days> <latencyMs> <dataDir> <recordsPerBlob>
 */
import { generateDataset } from "../../connector/dataset/index.ts";
import { startLocalSource } from "../../connector/emulators/o365/local.ts";
import { startWorkspaceEmulator } from "../../connector/emulators/workspace/index.ts";

const [mailboxes, days, latencyMs, dataDir, recordsPerBlob] = process.argv.slice(2);
const dataset = generateDataset({ mailboxes: Number(mailboxes), days: Number(days), seed: 7 });
const records = [...dataset.records()];
const source = await startLocalSource({
  records,
  latencyMs: Number(latencyMs),
  publisher: { seed: 7, recordsPerBlob: Number(recordsPerBlob), duplicateFraction: 0.01, lateFraction: 0 },
  pageSize: 200,
});
records.length = 0;
const workspace = await startWorkspaceEmulator({
  dataDir: String(dataDir),
  // Every request stays in the log so the benchmark can total the row JSON accepted (~3,300 for 1M rows).
  maxRequestLog: 1_000_000,
  verifyToken: (token) => source.entra.verify(token, "https://monitor.azure.com"),
});
const auth = source.auth as { clientId: string; clientSecret: string };
process.stdout.write(
  `${JSON.stringify({
    tenantId: source.tenantId,
    clientId: auth.clientId,
    clientSecret: auth.clientSecret,
    apiRoot: source.o365.apiRoot,
    authorityHost: source.entra.authorityHost,
    ca: source.o365.caCert,
    ingestionEndpoint: workspace.endpoint,
    dcrImmutableId: workspace.dcrImmutableId,
    sourceRecords: source.o365.recordIds().size,
    blobs: source.o365.blobs().length,
  })}\n`,
);
process.stdin.resume();
process.stdin.on("data", (chunk) => {
  if (chunk.toString().includes("served")) {
    // Uncompressed JSON bytes and wire bytes of the accepted requests since the previous question.
    let jsonBytes = 0;
    let wireBytes = 0;
    let requests = 0;
    for (const r of workspace.requests.splice(0)) {
      if (r.status !== 204) continue;
      requests++;
      jsonBytes += r.uncompressedBytes ?? r.bodyBytes;
      wireBytes += r.bodyBytes;
    }
    process.stdout.write(
      `${JSON.stringify({
        served: source.o365.servedRecordIds().size,
        rowsAccepted: workspace.rowsAccepted("ExchangeAudit_CL"),
        requests,
        jsonBytes,
        wireBytes,
      })}\n`,
    );
  }
});
process.stdin.on("end", async () => {
  await Promise.all([source.stop(), workspace.stop()]);
  process.exit(0);
});
