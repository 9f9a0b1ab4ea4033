/** Contracts of the normalizer (pure functions from one raw audit record to one row). */
import type { ExchangeAuditRow } from "../schema/table-schema.ts";

export type SubjectPrivacy = "keep" | "hash" | "drop";

export type IngestionSource = "api" | "purview-csv" | "ual-json" | "ual-csv" | "json" | "jsonl";

export interface NormalizeOptions {
  /** What to do with message subjects (default keep). */
  subjects: SubjectPrivacy;
  /** Keep the raw record in the AuditData column (default true). */
  keepAuditData: boolean;
  ingestionSource: IngestionSource;
  /** contentId or file:row. */
  sourceContentId: string;
  /** Tenant the connector collects for (multi-tenant deployments). */
  connectorTenant?: string;
  /** Largest JSON size of one field in bytes (default 64,000, under the service's 64 KB field limit). */
  maxFieldBytes?: number;
}

export type NormalizeResult = { ok: true; row: ExchangeAuditRow } | { ok: false; reason: string };
