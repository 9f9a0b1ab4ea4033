/** Typed configuration of the connector, after validation and defaults (see docs/configuration.md). */
import type { SubjectPrivacy } from "../normalize/types.ts";

/** Authentication settings as written in the file (exactly one method set). */
export interface AuthSettings {
  clientId?: string;
  tenantId?: string;
  certificatePath?: string;
  privateKeyPath?: string;
  certificatePem?: string;
  certificatePassword?: string;
  sendCertificateChain?: boolean;
  clientSecret?: string;
  managedIdentity?: boolean;
  workloadIdentity?: boolean;
  tokenFilePath?: string;
  azureCli?: boolean;
  defaultCredential?: boolean;
}

/** The authentication method an {@link AuthSettings} selects. */
export type AuthMethod =
  | "certificate"
  | "secret"
  | "managedIdentity"
  | "workloadIdentity"
  | "azureCli"
  | "defaultCredential";

export interface TenantConfig {
  tenantId: string;
  name: string;
  cloud: "commercial" | "gcc" | "gcchigh" | "dod";
  publisherId: string;
  contentTypes: string[];
  auth: AuthSettings;
  apiRoot?: string;
  authorityHost?: string;
  caFile?: string;
  /** Extra CA trusted for the token endpoint of this identity (default: see docs/configuration.md). */
  authorityCaFile?: string;
}

export interface IngestionConfig {
  endpoint: string;
  dcrImmutableId: string;
  streams: { audit: string; health: string };
  cloud: "public" | "usgov" | "china";
  /** Resolved: the configured ingestion auth, or the first tenant's (with its tenant id). */
  auth: AuthSettings;
  authorityHost?: string;
  caFile?: string;
  /** Extra CA trusted for the token endpoint of this identity (default: see docs/configuration.md). */
  authorityCaFile?: string;
  maxConcurrency: number;
}

export interface StateConfig {
  /** Absolute local folder (when `azure` is not set). */
  dir: string;
  azure?: { accountUrl?: string; connectionString?: string; container: string; leaseSeconds: number };
  dedupRetentionDays: number;
  dedupMaxIds: number;
}

export interface CollectionConfig {
  pollIntervalSec: number;
  windowHours: number;
  overlapHours: number;
  initialLookbackHours: number;
  concurrency: number;
  requestsPerMinute: number;
  batchRows: number;
  timeBudgetSec?: number;
  /** Reconciliation sweeps (connector/pipeline/sweeps.ts). */
  sweeps: { everyMinutes: number; horizonHours: number }[];
  /** Continuous mode: seconds between health rows of an unchanged unit (0 = every poll). */
  healthIntervalSec: number;
}

/** The validated configuration with every default filled in. */
export interface Config {
  instance: string;
  /** Hosts outside the configured clouds accepted (emulators; for testing only). */
  allowCustomHosts?: boolean;
  logLevel: "debug" | "info" | "warn" | "error";
  tenants: TenantConfig[];
  ingestion: IngestionConfig;
  state: StateConfig;
  collection: CollectionConfig;
  normalize: { subjects: SubjectPrivacy; keepAuditData: boolean };
  /** `dir` is unset only with Azure state, where dead letters go to the state container. */
  deadLetter: { dir?: string };
  /** Config file it came from (absolute), if any. */
  source?: string;
}

/** One configuration problem. Errors stop the connector; warnings are reported and tolerated. */
export interface ConfigProblem {
  severity: "error" | "warning";
  /** Where: a dotted path (`tenants[0].auth`) or an environment variable name. */
  path: string;
  message: string;
}

/** Thrown when the configuration has errors; `problems` lists every one of them. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    const errors = problems.filter((p) => p.severity === "error");
    super(
      `configuration has ${errors.length} problem${errors.length === 1 ? "" : "s"}:\n${errors.map((p) => `  - ${p.path}: ${p.message}`).join("\n")}`,
    );
    this.problems = problems;
  }
}
