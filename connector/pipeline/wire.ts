/**
 * Builds a runnable connector from a validated {@link Config}: O365 clients (one per tenant), the Logs
 * Ingestion sink, checkpoint / de-duplication / dead-letter stores and optional leases. `demo`, hosting and
 * tests reuse it; every part can be replaced through {@link RuntimeOverrides}.
 */
import { join } from "node:path";
import type { TokenCredential } from "@azure/core-auth";
import { createTokenProvider } from "../auth/index.ts";
import type { TokenProvider } from "../auth/types.ts";
import type { Config, TenantConfig } from "../config/types.ts";
import type { Logger } from "../log.ts";
import { createLogger } from "../log.ts";
import { normalizeRecord } from "../normalize/index.ts";
import type { NormalizeOptions, NormalizeResult } from "../normalize/types.ts";
import { createLogsIngestionSink, FileDeadLetterStore, ingestionAudience } from "../sink/index.ts";
import type { DeadLetterStore, RowSink } from "../sink/types.ts";
import { createManagementActivityClient } from "../source/index.ts";
import type { Timers } from "../source/rate-limit.ts";
import type { ManagementActivityClient } from "../source/types.ts";
import { FileCheckpointStore } from "../state/file-checkpoint-store.ts";
import { FileDedupStore } from "../state/file-dedup-store.ts";
import type { CheckpointStore, DedupStore, LeaseManager } from "../state/types.ts";
import { apiAuthConfig, buildIngestionCredential, readCa, registerConfigSecrets } from "./credentials.ts";
import { makeWindowPolicy, type WindowPolicy } from "./windows.ts";

export { apiAuthConfig, ingestionCredentialConfig } from "./credentials.ts";

/** A tenant with its API client. */
export interface RuntimeTenant {
  config: TenantConfig;
  client: ManagementActivityClient;
}

/** Everything a run needs. */
export interface Runtime {
  config: Config;
  tenants: RuntimeTenant[];
  sink: RowSink;
  checkpoints: CheckpointStore;
  /** De-duplication memory for a tenant (local state shares one store; Azure state has one per tenant). */
  dedupFor(tenantId: string): DedupStore;
  deadLetters: DeadLetterStore;
  leases?: LeaseManager;
  normalize: (raw: unknown, opts: NormalizeOptions) => NormalizeResult;
  policy: WindowPolicy;
  logger: Logger;
  /** Local clock (tests); default Date.now. */
  now?: () => number;
  /** Closes clients, sink and stores (flushes de-duplication shards and dead letters). */
  close(): Promise<void>;
}

/** Replacements for parts of the runtime (tests, `demo`, hosting). */
export interface RuntimeOverrides {
  logger?: Logger;
  sink?: RowSink;
  checkpoints?: CheckpointStore;
  dedup?: DedupStore;
  deadLetters?: DeadLetterStore;
  leases?: LeaseManager;
  /** Builds the API client of a tenant (default: the real client with the configured credential). */
  clientFor?: (tenant: TenantConfig) => ManagementActivityClient | Promise<ManagementActivityClient>;
  /** Token provider for a tenant's API client. */
  tokenProviderFor?: (tenant: TenantConfig) => TokenProvider | Promise<TokenProvider>;
  ingestionCredential?: TokenCredential;
  normalize?: (raw: unknown, opts: NormalizeOptions) => NormalizeResult;
  now?: () => number;
  /** Clock and sleep of the API clients (simulated time: tests and benchmarks). */
  sourceTimers?: Timers;
}

/** Builds the runtime. Nothing is sent to a service until a run starts. */
export async function createRuntime(config: Config, overrides: RuntimeOverrides = {}): Promise<Runtime> {
  registerConfigSecrets(config);
  const logger = overrides.logger ?? createLogger({ level: config.logLevel, fields: { instance: config.instance } });
  const closers: (() => Promise<void>)[] = [];
  const policy = makeWindowPolicy({
    windowHours: config.collection.windowHours,
    overlapHours: config.collection.overlapHours,
    initialLookbackHours: config.collection.initialLookbackHours,
  });

  let ingestionCredential = overrides.ingestionCredential;
  const credential = async (): Promise<TokenCredential> => {
    ingestionCredential ??= await buildIngestionCredential(config, logger, closers);
    return ingestionCredential;
  };

  let checkpoints = overrides.checkpoints;
  let leases = overrides.leases;
  let deadLetters = overrides.deadLetters;
  let dedupFor: (tenantId: string) => DedupStore;
  if (config.state.azure && !(checkpoints && overrides.dedup && deadLetters)) {
    const azure = await import("../state/azure/index.ts");
    const az = config.state.azure;
    const container = await azure.stateContainer({
      container: az.container,
      ...(az.connectionString ? { connectionString: az.connectionString } : {}),
      ...(az.accountUrl ? { accountUrl: az.accountUrl, credential: await credential() } : {}),
    });
    checkpoints ??= new azure.BlobCheckpointStore(container);
    leases ??= new azure.BlobLeaseManager(container, {
      leaseSeconds: az.leaseSeconds,
      instance: config.instance,
      logger,
    });
    deadLetters ??= config.deadLetter.dir
      ? new FileDeadLetterStore(config.deadLetter.dir)
      : new azure.BlobDeadLetterStore(container);
    const stores = new Map<string, DedupStore>();
    dedupFor = (tenantId) => {
      if (overrides.dedup) return overrides.dedup;
      let s = stores.get(tenantId);
      if (!s) {
        s = new azure.BlobDedupStore(container, { tenantId, retentionDays: config.state.dedupRetentionDays });
        stores.set(tenantId, s);
      }
      return s;
    };
    closers.push(async () => {
      for (const s of stores.values()) await s.close();
    });
  } else {
    checkpoints ??= new FileCheckpointStore(join(config.state.dir, "checkpoints"));
    deadLetters ??= new FileDeadLetterStore(config.deadLetter.dir ?? join(config.state.dir, "dead-letters"));
    const dedup =
      overrides.dedup ??
      new FileDedupStore(join(config.state.dir, "dedup"), {
        retentionDays: config.state.dedupRetentionDays,
        maxIds: config.state.dedupMaxIds,
        logger,
      });
    dedupFor = () => dedup;
    if (!overrides.dedup) closers.push(() => dedup.close());
  }
  if (!overrides.deadLetters) closers.push(() => deadLetters!.close());

  const sink =
    overrides.sink ??
    createLogsIngestionSink({
      endpoint: config.ingestion.endpoint,
      dcrImmutableId: config.ingestion.dcrImmutableId,
      streams: config.ingestion.streams,
      credential: await credential(),
      audience: ingestionAudience(config.ingestion.cloud),
      ...(config.ingestion.caFile ? { ca: readCa(config.ingestion.caFile)! } : {}),
      maxConcurrency: config.ingestion.maxConcurrency,
      ...(config.allowCustomHosts ? { allowCustomHost: true } : {}),
      deadLetters: deadLetters!,
      logger,
    });
  if (!overrides.sink) closers.push(() => sink.close());

  const tenants: RuntimeTenant[] = [];
  for (const t of config.tenants) {
    let client: ManagementActivityClient;
    if (overrides.clientFor) client = await overrides.clientFor(t);
    else {
      const tokenProvider = overrides.tokenProviderFor
        ? await overrides.tokenProviderFor(t)
        : await createTokenProvider(apiAuthConfig(t, logger));
      if (!overrides.tokenProviderFor && "close" in tokenProvider) {
        closers.push(() => (tokenProvider as { close(): Promise<void> }).close());
      }
      client = createManagementActivityClient({
        tenantId: t.tenantId,
        publisherId: t.publisherId,
        tokenProvider,
        cloud: t.cloud,
        ...(t.apiRoot ? { apiRoot: t.apiRoot } : {}),
        ...(t.caFile ? { ca: readCa(t.caFile)! } : {}),
        requestsPerMinute: config.collection.requestsPerMinute,
        ...(overrides.sourceTimers ? { timers: overrides.sourceTimers } : {}),
        logger,
      });
    }
    closers.push(() => client.close());
    tenants.push({ config: t, client });
  }

  const runtime: Runtime = {
    config,
    tenants,
    sink,
    checkpoints,
    dedupFor,
    deadLetters: deadLetters!,
    normalize: overrides.normalize ?? normalizeRecord,
    policy,
    logger,
    async close() {
      // Close in reverse order of creation; one failing closer must not keep the others open.
      const errors: unknown[] = [];
      for (const c of closers.reverse()) await c().catch((e: unknown) => errors.push(e));
      if (errors.length > 0) logger.warn("some resources did not close cleanly", { errors });
    },
  };
  if (leases) runtime.leases = leases;
  if (overrides.now) runtime.now = overrides.now;
  return runtime;
}
