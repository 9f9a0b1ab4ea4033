/**
 * Fault-test environment: Entra, O365 and workspace emulators over HTTPS, the real API client, token providers
 * (MSAL), Logs Ingestion sink and file state stores, wired through `createRuntime`. Only the waiting is changed:
 * the client's and the sink's `sleep` are fake (they record the requested wait, advance a fake clock and return
 * at once), so a 5-minute 403 or a 60-second Retry-After costs no wall time while the code still computes the
 * real durations; request timeouts are scaled down (120 s → 600 ms) so "slow past the timeout" stays fast.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTokenProvider } from "../../connector/auth/index.ts";
import { withDefaults } from "../../connector/config/load.ts";
import type { Config } from "../../connector/config/types.ts";
import { validateRawConfig } from "../../connector/config/validate.ts";
import { type EntraEmulator, startEntraEmulator } from "../../connector/emulators/entra.ts";
import { type O365Emulator, type PublisherOptions, startO365Emulator } from "../../connector/emulators/o365/index.ts";
import { startWorkspaceEmulator, type WorkspaceEmulator } from "../../connector/emulators/workspace/index.ts";
import { createLogger, MemoryLogSink } from "../../connector/log.ts";
import { type RunReport, runOnce } from "../../connector/pipeline/run.ts";
import { apiAuthConfig } from "../../connector/pipeline/credentials.ts";
import { buildIngestionCredential } from "../../connector/pipeline/credentials.ts";
import { createRuntime, type Runtime, type RuntimeOverrides } from "../../connector/pipeline/wire.ts";
import { createLogsIngestionSink, FileDeadLetterStore, type SinkRetryOptions } from "../../connector/sink/index.ts";
import { createManagementActivityClient } from "../../connector/source/index.ts";
import { TokenBucket } from "../../connector/source/rate-limit.ts";
import { makeRecord } from "../pipeline/support.ts";

const H = 3_600_000;
/** Scaled request timeout of client and sink (production default 120 s). */
export const SCALED_TIMEOUT_MS = 600;

/** A fake clock shared by the client's and the sink's waits. */
export class FakeClock {
  offsetMs = 0;
  readonly waits: number[] = [];
  now = () => Date.now() + this.offsetMs;
  sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.waits.push(ms);
    this.offsetMs += Math.max(0, ms);
    // Yield to the event loop so a wait still lets other work progress (as a real timer would).
    return new Promise((r) => setImmediate(r));
  };
  /** Total fake time waited. */
  waited(): number {
    return this.waits.reduce((a, b) => a + b, 0);
  }
}

export interface FaultEnvOptions {
  records?: number;
  hours?: number;
  publisher?: PublisherOptions;
  tokenLifetimeSec?: number;
  /** Latency of every O365 response (keeps a run long enough for mid-run events). */
  latencyMs?: number;
  /** Serve a different DCR id than the configured one (404 DCR not found). */
  wrongDcr?: boolean;
  sinkRetry?: SinkRetryOptions;
  batchRows?: number;
}

export interface FaultEnv {
  dir: string;
  tenantId: string;
  clientId: string;
  secret: string;
  entra: EntraEmulator;
  o365: O365Emulator;
  workspace: WorkspaceEmulator;
  config: Config;
  logs: MemoryLogSink;
  /** Fake clock of the API client (backoff, Retry-After, request budget). */
  clock: FakeClock;
  /** Fake clock of the sink (retry waits, 403 propagation time). */
  sinkClock: FakeClock;
  /** A fresh runtime (state re-read from disk, like a restarted process). */
  runtime(extra?: RuntimeOverrides): Promise<Runtime>;
  /** Builds a runtime, runs once, closes it. */
  runOnce(extra?: RuntimeOverrides): Promise<RunReport>;
  /** RecordIds in the workspace table (with repeats). */
  delivered(): Promise<string[]>;
  /** Every record id the source holds in visible blobs. */
  expected(): Set<string>;
  /** Log lines at warn or error level, as text. */
  problems(): string;
  stop(): Promise<void>;
}

/** Exchange records spread over the last `hours` hours, newest 2 h ago (all published by now). */
export function recordsOver(count: number, hours: number): Record<string, unknown>[] {
  const end = Date.now() - 2 * H;
  return Array.from({ length: count }, (_, i) =>
    makeRecord(new Date(end - Math.floor((i * hours * H) / count)).toISOString(), randomUUID()),
  );
}

/**
 * Publishes `n` new records now: events 70-100 min ago, blobs a few minutes later, so they fall inside the
 * overlap that a caught-up connector re-lists. Returns their ids.
 */
export function publishFresh(o365: O365Emulator, n: number, seed: number): Set<string> {
  const now = Date.now();
  const recs = Array.from({ length: n }, (_, i) =>
    makeRecord(new Date(now - 100 * 60_000 + Math.floor((i * 30 * 60_000) / n)).toISOString(), randomUUID()),
  );
  o365.addRecords(recs, {
    seed,
    recordsPerBlob: 5,
    latencyMinMs: 60_000,
    latencyMaxMs: 300_000,
    lateFraction: 0,
    duplicateFraction: 0,
  });
  return new Set(recs.map((r) => String(r.Id)));
}

/** Starts the emulators and a config pointing at them; `runtime()` wires the real modules. */
export async function faultEnvironment(opts: FaultEnvOptions = {}): Promise<FaultEnv> {
  const dir = mkdtempSync(join(tmpdir(), "exo-fault-"));
  // A tenant per environment: the client's request budget is shared per tenant within the process.
  const tenantId = randomUUID();
  const clientId = randomUUID();
  const secret = `fault~${randomUUID()}`;
  const entra = await startEntraEmulator({
    clients: [{ tenantId, clientId, secret }],
    ...(opts.tokenLifetimeSec ? { tokenLifetimeSec: opts.tokenLifetimeSec } : {}),
  });
  const o365 = await startO365Emulator({
    tenantId,
    records: recordsOver(opts.records ?? 150, opts.hours ?? 20),
    entra,
    pageSize: 5,
    ...(opts.latencyMs ? { latencyMs: opts.latencyMs } : {}),
    publisher: { seed: 3, recordsPerBlob: 10, duplicateFraction: 0, lateFraction: 0, ...opts.publisher },
  });
  const workspace = await startWorkspaceEmulator({
    dataDir: dir,
    verifyToken: (token) => entra.verify(token, "https://monitor.azure.com"),
  });
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, [...new Set([entra.caCert, o365.caCert, workspace.caCert])].join("\n"));
  const raw = {
    allowCustomHosts: true,
    tenants: [
      {
        tenantId,
        auth: { clientId, clientSecret: secret },
        apiRoot: o365.apiRoot,
        authorityHost: entra.authorityHost,
        caFile,
      },
    ],
    ingestion: {
      endpoint: workspace.endpoint,
      dcrImmutableId: opts.wrongDcr ? "dcr-00000000000000000000000000000bad" : workspace.dcrImmutableId,
      caFile,
    },
    state: { dir: join(dir, "state") },
    collection: {
      initialLookbackHours: 48,
      batchRows: opts.batchRows ?? 25,
      concurrency: 3,
      requestsPerMinute: 60_000,
    },
  };
  const problems = validateRawConfig(raw);
  if (problems.length > 0) throw new Error(`test config invalid: ${JSON.stringify(problems)}`);
  const config = withDefaults(raw, dir);
  config.instance = "fault-test";
  const logs = new MemoryLogSink();
  const logger = createLogger({ sink: logs, level: "debug" });
  const clock = new FakeClock();
  const sinkClock = new FakeClock();
  const ca = [entra.caCert, o365.caCert, workspace.caCert];

  async function runtime(extra: RuntimeOverrides = {}): Promise<Runtime> {
    const closers: (() => Promise<void>)[] = [];
    const credential = await buildIngestionCredential(config, logger, closers);
    const deadLetters = extra.deadLetters ?? new FileDeadLetterStore(join(dir, "state", "dead-letters"));
    const sink =
      extra.sink ??
      createLogsIngestionSink({
        endpoint: config.ingestion.endpoint,
        dcrImmutableId: config.ingestion.dcrImmutableId,
        credential,
        ca: workspace.caCert,
        deadLetters,
        logger,
        requestTimeoutMs: SCALED_TIMEOUT_MS,
        clock: sinkClock.now,
        sleep: sinkClock.sleep,
        random: () => 0.5,
        ...(opts.sinkRetry ? { retry: opts.sinkRetry } : {}),
      });
    const rt = await createRuntime(config, {
      logger,
      sink,
      deadLetters,
      clientFor: async (t) => {
        const tokenProvider = await createTokenProvider({
          ...apiAuthConfig(t, logger),
          ...(opts.tokenLifetimeSec ? { refreshMarginMs: 0 } : {}),
        });
        closers.push(() => tokenProvider.close());
        return createManagementActivityClient({
          tenantId: t.tenantId,
          tokenProvider,
          apiRoot: o365.apiRoot,
          ca,
          logger,
          timers: { now: clock.now, sleep: clock.sleep },
          bucket: new TokenBucket({ requestsPerMinute: 60_000, timers: { now: clock.now, sleep: clock.sleep } }),
          requestTimeoutMs: SCALED_TIMEOUT_MS,
        });
      },
      ...extra,
    });
    const close = rt.close.bind(rt);
    rt.close = async () => {
      await close();
      if (!extra.sink) await sink.close();
      if (!extra.deadLetters) await deadLetters.close();
      for (const c of closers) await c().catch(() => {});
    };
    return rt;
  }

  return {
    dir,
    tenantId,
    clientId,
    secret,
    entra,
    o365,
    workspace,
    config,
    logs,
    clock,
    sinkClock,
    runtime,
    async runOnce(extra) {
      const rt = await runtime(extra);
      try {
        return await runOnce(rt);
      } finally {
        await rt.close();
      }
    },
    async delivered() {
      return (await workspace.readTable("ExchangeAudit_CL")).map((r) => String(r.RecordId));
    },
    expected() {
      const ids = new Set<string>();
      const now = o365.now();
      for (const b of o365.blobs()) {
        if (b.visibleAt > now) continue;
        for (const r of b.records) ids.add(String((r as { Id?: unknown }).Id));
      }
      return ids;
    },
    problems() {
      return logs.lines.filter((l) => /"level":"(warn|error)"/.test(l)).join("\n");
    },
    async stop() {
      await Promise.all([entra.stop(), o365.stop(), workspace.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `body` in a fresh fault environment and always stops it. */
export async function withFaultEnvironment(opts: FaultEnvOptions, body: (env: FaultEnv) => Promise<void>) {
  const env = await faultEnvironment(opts);
  try {
    await body(env);
  } finally {
    await env.stop();
  }
}

/**
 * Every record delivered, the run ok, and the expected set non-empty (no vacuous pass); at most `maxDup`
 * duplicate rows (none by default).
 */
export async function assertComplete(
  env: FaultEnv,
  report: { ok: boolean; results: { problems: string[] }[] },
  maxDup = 0,
) {
  assert.equal(report.ok, true, `run failed: ${JSON.stringify(report.results.map((r) => r.problems))}`);
  const ids = await env.delivered();
  const expected = env.expected();
  assert.ok(expected.size >= 100, "the source holds records");
  assert.deepEqual(new Set(ids), expected, "every record delivered");
  if (maxDup === 0) assert.equal(ids.length, new Set(ids).size, "no record delivered twice");
  else assert.ok(ids.length - new Set(ids).size <= maxDup, `at most ${maxDup} duplicate rows`);
}
