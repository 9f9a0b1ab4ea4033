/**
 * A multi-tenant hosted environment for hosting tests and the scale-out benchmark: Azurite (state, leases,
 * de-duplication, dead letters), one Entra emulator with a multi-tenant app registered in every tenant, one
 * O365 emulator per tenant and one workspace emulator. Connector instances are built from a YAML
 * configuration exactly as a hosted deployment would read it (inline `EXO_AUDIT_CONFIG_YAML`).
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { type EntraEmulator, startEntraEmulator } from "../../connector/emulators/entra.ts";
import { type O365Emulator, startO365Emulator } from "../../connector/emulators/o365/index.ts";
import { startWorkspaceEmulator, type WorkspaceEmulator } from "../../connector/emulators/workspace/index.ts";
import { makeRecord } from "../pipeline/support.ts";
import { type Azurite, startAzurite } from "../support/azurite.ts";

export const CLIENT_ID = "6c1f0d2e-8a4b-4c3d-9e5f-0a1b2c3d4e5f";
const SECRET = "hosting~Secret_Value.for-tests-42";
const H = 3_600_000;
export const CONTENT_TYPES = ["Audit.Exchange", "Audit.General"];

/** Tenant GUIDs that read well in failures: 00000000-0000-4000-8000-0000000000NN. */
export function tenantId(i: number): string {
  return `${(0xa0000000 + i).toString(16)}-0000-4000-8000-${String(i).padStart(12, "0")}`;
}

export interface FleetOptions {
  tenants: number;
  recordsPerTenant: number;
  /** Added latency of every O365 response (makes runs long enough to overlap or be killed). */
  latencyMs?: number;
  recordsPerBlob?: number;
  pageSize?: number;
  duplicateFraction?: number;
  /** Collection settings merged into the config. */
  collection?: Record<string, unknown>;
  leaseSeconds?: number;
  /** Start Azurite (default true). */
  azurite?: boolean;
}

export interface Fleet {
  dir: string;
  azurite?: Azurite;
  entra: EntraEmulator;
  o365: O365Emulator[];
  workspace: WorkspaceEmulator;
  tenantIds: string[];
  caFile: string;
  container: string;
  /** The raw configuration (tests adjust it per instance). */
  raw(instance: string): Record<string, unknown>;
  /** The configuration as YAML, for `EXO_AUDIT_CONFIG_YAML` or a file. */
  yaml(instance: string): string;
  /** Writes the YAML to a file and returns its path. */
  configFile(instance: string): string;
  /** Every record id held by the emulators. */
  expectedIds(): Set<string>;
  /** Record ids delivered to the workspace (with repetitions). */
  deliveredIds(): Promise<string[]>;
  stop(): Promise<void>;
}

/** Exchange records spread over `hours`, newest 2 h ago (all published by now), unique ids. */
export function records(count: number, hours: number): Record<string, unknown>[] {
  const end = Date.now() - 2 * H;
  return Array.from({ length: count }, (_, i) =>
    makeRecord(new Date(end - Math.floor((i * hours * H) / count)).toISOString(), randomUUID()),
  );
}

const contentTypeOf = (r: Record<string, unknown>) =>
  CONTENT_TYPES[Number.parseInt(String(r.Id).slice(0, 2), 16) % CONTENT_TYPES.length]!;

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const dir = mkdtempSync(join(tmpdir(), "exo-hosting-"));
  const tenantIds = Array.from({ length: options.tenants }, (_, i) => tenantId(i + 1));
  const azurite = options.azurite === false ? undefined : await startAzurite();
  const entra = await startEntraEmulator({
    clients: tenantIds.map((t) => ({ tenantId: t, clientId: CLIENT_ID, secret: SECRET })),
  });
  const o365 = await Promise.all(
    tenantIds.map((t, i) =>
      startO365Emulator({
        tenantId: t,
        entra,
        subscriptions: CONTENT_TYPES,
        records: records(options.recordsPerTenant, 20),
        pageSize: options.pageSize ?? 10,
        ...(options.latencyMs ? { latencyMs: options.latencyMs } : {}),
        publisher: {
          seed: 100 + i,
          recordsPerBlob: options.recordsPerBlob ?? 12,
          duplicateFraction: options.duplicateFraction ?? 0.05,
          lateFraction: 0,
          contentTypeOf,
        },
      }),
    ),
  );
  const workspace = await startWorkspaceEmulator({
    dataDir: dir,
    verifyToken: (token) => entra.verify(token, "https://monitor.azure.com"),
  });
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, entra.caCert);
  const container = `state-${randomUUID().slice(0, 8)}`;
  const raw = (instance: string): Record<string, unknown> => ({
    instance,
    logLevel: "warn",
    allowCustomHosts: true,
    tenants: tenantIds.map((t, i) => ({
      tenantId: t,
      name: `tenant-${i + 1}`,
      contentTypes: CONTENT_TYPES,
      auth: { clientId: CLIENT_ID, clientSecret: SECRET },
      apiRoot: o365[i]!.apiRoot,
      authorityHost: entra.authorityHost,
      caFile,
    })),
    ingestion: {
      endpoint: workspace.endpoint,
      dcrImmutableId: workspace.dcrImmutableId,
      caFile,
      auth: { tenantId: tenantIds[0], clientId: CLIENT_ID, clientSecret: SECRET },
    },
    state: azurite
      ? { azure: { connectionString: azurite.connectionString, container, leaseSeconds: options.leaseSeconds ?? 15 } }
      : { dir: join(dir, "state") },
    collection: {
      initialLookbackHours: 24,
      batchRows: 40,
      concurrency: 3,
      requestsPerMinute: 60_000,
      ...options.collection,
    },
  });
  return {
    dir,
    ...(azurite ? { azurite } : {}),
    entra,
    o365,
    workspace,
    tenantIds,
    caFile,
    container,
    raw,
    yaml: (instance) => stringify(raw(instance)),
    configFile(instance) {
      const file = join(dir, `${instance}.yaml`);
      writeFileSync(file, stringify(raw(instance)), { mode: 0o600 });
      return file;
    },
    expectedIds() {
      const all = new Set<string>();
      for (const e of o365) for (const id of e.recordIds()) all.add(id);
      return all;
    },
    async deliveredIds() {
      return (await workspace.readTable("ExchangeAudit_CL")).map((r) => r.RecordId as string);
    },
    async stop() {
      await Promise.all([...o365.map((e) => e.stop()), entra.stop(), workspace.stop(), azurite?.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Counts of a list's repeated values (ids delivered more than once). */
export function duplicates(ids: readonly string[]): number {
  return ids.length - new Set(ids).size;
}
