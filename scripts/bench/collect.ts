/**
 * Collection throughput from the O365 emulator with 100 ms added to every response (a realistic round trip to
 * manage.office.com): bounded concurrent blob fetching (8 connections) against the one-blob-at-a-time baseline,
 * in the same run, over the same 20,000 records, both through the real client, MSAL and HTTPS.
 *
 * Run alone: `node scripts/bench/collect.ts`.
 */
import { createTokenProvider } from "../../connector/auth/index.ts";
import { startEntraEmulator } from "../../connector/emulators/entra.ts";
import { startO365Emulator } from "../../connector/emulators/o365/index.ts";
import { runBounded } from "../../connector/source/concurrency.ts";
import { createManagementActivityClient, TokenBucket } from "../../connector/source/index.ts";
import type { ContentBlobRef } from "../../connector/source/types.ts";
import type { BenchResult } from "./types.ts";

const TENANT = "4b1c2d3e-5f60-4a7b-8c9d-0e1f2a3b4c5d";
const CLIENT = "6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f";
const SECRET = "bench-secret-value";
const PER_BLOB = 200;
const LATENCY_MS = 100;
const CONCURRENCY = 8;
const HOUR = 3_600_000;

function records(endMs: number, count: number): Record<string, unknown>[] {
  const step = (18 * HOUR) / count;
  return Array.from({ length: count }, (_, i) => ({
    CreationTime: new Date(endMs - 18 * HOUR + i * step).toISOString().slice(0, 19),
    Id: `b3nch000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    Operation: i % 3 ? "MailItemsAccessed" : "Send",
    OrganizationId: TENANT,
    RecordType: i % 3 ? 50 : 2,
    ResultStatus: "Succeeded",
    UserId: `user${i % 500}@contoso.onmicrosoft.com`,
    UserKey: `10032000${String(i % 500).padStart(8, "0")}`,
    UserType: 0,
    Version: 1,
    Workload: "Exchange",
    ClientIPAddress: `198.51.100.${i % 250}`,
    MailboxOwnerUPN: `user${i % 500}@contoso.onmicrosoft.com`,
    LogonType: 0,
  }));
}

export async function run(options: { quick?: boolean } = {}): Promise<BenchResult[]> {
  // --quick: 5,000 records (about 4 s) instead of 20,000 (about 14 s).
  const RECORDS = options.quick ? 5_000 : 20_000;
  const now = Date.now();
  const entra = await startEntraEmulator({ clients: [{ tenantId: TENANT, clientId: CLIENT, secret: SECRET }] });
  const o365 = await startO365Emulator({
    tenantId: TENANT,
    entra,
    records: records(now - 2 * HOUR, RECORDS),
    subscriptions: ["Audit.Exchange"],
    latencyMs: LATENCY_MS,
    pageSize: 100,
    publisher: { recordsPerBlob: PER_BLOB, duplicateFraction: 0, lateFraction: 0, seed: 11 },
  });
  const tokens = await createTokenProvider({
    method: "secret",
    tenantId: TENANT,
    clientId: CLIENT,
    clientSecret: SECRET,
    authorityHost: entra.authorityHost,
    ca: entra.caCert,
  });
  try {
    const measure = async (concurrency: number) => {
      const client = createManagementActivityClient({
        tenantId: TENANT,
        tokenProvider: tokens,
        apiRoot: o365.apiRoot,
        ca: o365.caCert,
        maxConnections: concurrency,
        bucket: new TokenBucket({ requestsPerMinute: 2000 }),
      });
      const t0 = performance.now();
      const refs: ContentBlobRef[] = [];
      for await (const page of client.listContent("Audit.Exchange", new Date(now - 24 * HOUR + 60_000), new Date(now)))
        refs.push(...page);
      let count = 0;
      const outcomes = await runBounded(refs, concurrency, async (ref) => {
        for await (const _ of client.fetchRecords(ref)) count++;
      });
      const seconds = (performance.now() - t0) / 1000;
      await client.close();
      const failed = outcomes.filter((o) => !o.ok).length;
      if (failed) throw new Error(`${failed} blobs failed`);
      if (count !== RECORDS) throw new Error(`read ${count} records, expected ${RECORDS}`);
      return { rate: count / seconds, seconds, blobs: refs.length };
    };
    const sequential = await measure(1);
    const concurrent = await measure(CONCURRENCY);
    return [
      {
        name: "collect: records/s from the emulator (100 ms per request, 8 concurrent blob fetches)",
        unit: "records/s",
        value: Math.round(concurrent.rate),
        baseline: { name: "one blob at a time", value: Math.round(sequential.rate) },
        ratio: Number((concurrent.rate / sequential.rate).toFixed(2)),
        notes: `${RECORDS} records in ${concurrent.blobs} blobs of ${PER_BLOB}; ${concurrent.seconds.toFixed(2)} s vs ${sequential.seconds.toFixed(2)} s; token bucket 2,000/min; HTTPS + MSAL token`,
      },
    ];
  } finally {
    await tokens.close();
    await o365.stop();
    await entra.stop();
  }
}

if (import.meta.main) {
  for (const r of await run({ quick: process.argv.includes("--quick") })) console.log(JSON.stringify(r));
}
