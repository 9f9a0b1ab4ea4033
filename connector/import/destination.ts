/**
 * Where `exo-audit import` sends rows: the configured Azure workspace (the same sink, dead-letter store and
 * de-duplication memory as the live connector, so an import never re-sends what collection already delivered),
 * or a local emulated workspace under a data folder when there is no Azure configuration.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { DEFAULT_CONFIG_FILE, loadConfig } from "../config/load.ts";
import { ConfigError } from "../config/types.ts";
import { startWorkspaceEmulator } from "../emulators/workspace/index.ts";
import type { Logger } from "../log.ts";
import type { NormalizeOptions } from "../normalize/types.ts";
import { createRuntime } from "../pipeline/wire.ts";
import { createLogsIngestionSink, FileDeadLetterStore } from "../sink/index.ts";
import type { DeadLetterStore, RowSink } from "../sink/types.ts";
import { FileDedupStore } from "../state/file-dedup-store.ts";
import type { DedupStore } from "../state/types.ts";

export interface ImportDestination {
  /** One line for the operator: where rows go. */
  description: string;
  sink: RowSink;
  deadLetters: DeadLetterStore;
  dedup: DedupStore;
  /** Defaults from the configuration (subjects, keepAuditData, connectorTenant). */
  normalize: Partial<NormalizeOptions>;
  /** Local mode only: the NDJSON file of the emulated ExchangeAudit_CL table. */
  tablePath?: string;
  /** Folder of the dead-letter files, when local. */
  deadLetterDir?: string;
  close(): Promise<void>;
}

export interface DestinationOptions {
  /** Local emulated workspace under this folder (`<dir>/workspace/ExchangeAudit_CL.ndjson`). */
  dataDir?: string;
  /** Config file (default EXO_AUDIT_CONFIG, then ./exo-audit.yaml). */
  configFile?: string;
  /** Tenant the imported data belongs to (default: the first configured tenant). */
  tenant?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  logger: Logger;
}

/** True when a configuration for Azure is available (file or environment). */
export function hasAzureConfig(opts: Pick<DestinationOptions, "configFile" | "env" | "cwd">): boolean {
  const env = opts.env ?? process.env;
  return Boolean(
    opts.configFile ||
      env.EXO_AUDIT_CONFIG ||
      env.EXO_AUDIT_INGESTION_ENDPOINT ||
      existsSync(resolve(opts.cwd ?? process.cwd(), DEFAULT_CONFIG_FILE)),
  );
}

/** Opens the destination: local emulator when `dataDir` is given or nothing is configured, else Azure. */
export async function openImportDestination(opts: DestinationOptions): Promise<ImportDestination> {
  if (opts.dataDir !== undefined || !hasAzureConfig(opts)) {
    return openLocal(resolve(opts.cwd ?? process.cwd(), opts.dataDir ?? ".data"), opts);
  }
  return openAzure(opts);
}

/** The emulator accepts any bearer token; the sink still goes through the real SDK and HTTPS. */
class LocalToken implements TokenCredential {
  async getToken(): Promise<AccessToken> {
    return { token: "local-emulator-token", expiresOnTimestamp: Date.now() + 3_600_000 };
  }
}

async function openLocal(dataDir: string, opts: DestinationOptions): Promise<ImportDestination> {
  const emulator = await startWorkspaceEmulator({ dataDir });
  const deadLetterDir = join(dataDir, "dead-letters");
  const deadLetters = new FileDeadLetterStore(deadLetterDir);
  const dedup = new FileDedupStore(join(dataDir, "state", "dedup"), { logger: opts.logger });
  const sink = createLogsIngestionSink({
    endpoint: emulator.endpoint,
    dcrImmutableId: emulator.dcrImmutableId,
    credential: new LocalToken(),
    ca: emulator.caCert,
    deadLetters,
    logger: opts.logger,
  });
  const tablePath = emulator.tablePath("ExchangeAudit_CL");
  return {
    description: `local workspace emulator (${tablePath})`,
    sink,
    deadLetters,
    dedup,
    normalize: opts.tenant ? { connectorTenant: opts.tenant } : {},
    tablePath,
    deadLetterDir,
    async close() {
      await closeAll([() => sink.close(), () => dedup.close(), () => deadLetters.close(), () => emulator.stop()]);
    },
  };
}

async function openAzure(opts: DestinationOptions): Promise<ImportDestination> {
  const loaded = loadConfig({
    ...(opts.configFile ? { file: opts.configFile } : {}),
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  if (!loaded.config) throw new ConfigError(loaded.problems);
  for (const w of loaded.problems.filter((p) => p.severity === "warning")) {
    opts.logger.warn("configuration warning", { path: w.path, message: w.message });
  }
  const config = loaded.config;
  const tenant = opts.tenant?.toLowerCase() ?? config.tenants[0]?.tenantId;
  if (tenant === undefined) throw new Error("the configuration has no tenant");
  if (opts.tenant && !config.tenants.some((t) => t.tenantId === tenant)) {
    throw new Error(`tenant ${opts.tenant} is not in the configuration`);
  }
  const runtime = await createRuntime(config, { logger: opts.logger });
  return {
    description: `Logs Ingestion endpoint ${config.ingestion.endpoint} (DCR ${config.ingestion.dcrImmutableId}, stream ${config.ingestion.streams.audit})`,
    sink: runtime.sink,
    deadLetters: runtime.deadLetters,
    dedup: runtime.dedupFor(tenant),
    normalize: { ...config.normalize, connectorTenant: tenant },
    ...(config.deadLetter.dir ? { deadLetterDir: config.deadLetter.dir } : {}),
    close: () => runtime.close(),
  };
}

async function closeAll(closers: (() => Promise<void>)[]): Promise<void> {
  const errors: unknown[] = [];
  for (const c of closers) await c().catch((e: unknown) => errors.push(e));
  if (errors.length > 0) throw errors[0];
}
