/**
 * The alert-budget benchmarks' generated tenant (detections.ts, recall.ts): one seed, every realistic behaviour of
 * docs/dataset.md, normalized as the connector does and shaped as if each row had been ingested live
 * (TimeGenerated = ingestion time = EventTime), as a backtest replays it.
 */
import { ALL_BEHAVIOURS_ON, generateDataset } from "../../connector/dataset/index.ts";
import { normalizeRecord } from "../../connector/normalize/index.ts";

/** The measured days end on a Tuesday morning. */
export const BENCH_END = new Date(Date.UTC(2026, 2, 10, 6));

/** Normalized rows of a benign-only tenant, shaped as if ingested live (TimeGenerated = ingestion = EventTime). */
export function benignRows(mailboxes: number, days: number, end: Date): Record<string, unknown>[] {
  return tenantRows(mailboxes, days, end, false);
}

/** The bench tenant's normalized rows; `attacks` plants the dataset's stories in its last hours. */
export function tenantRows(mailboxes: number, days: number, end: Date, attacks: boolean): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  const ds = generateDataset({ mailboxes, days, end, seed: 15, attacks, behaviours: ALL_BEHAVIOURS_ON });
  for (const rec of ds.records()) {
    const row = normalizedRow(rec);
    if (!row) continue;
    row.TimeGenerated = row.EventTime;
    row._IngestionTime = row.EventTime;
    rows.push(row);
  }
  return rows;
}

/** A generated record as the connector writes it (subjects and AuditData kept); undefined when it refuses it. */
export function normalizedRow(rec: unknown): Record<string, unknown> | undefined {
  const r = normalizeRecord(rec, {
    subjects: "keep",
    keepAuditData: true,
    ingestionSource: "api",
    sourceContentId: "bench",
  });
  return r.ok ? (r.row as unknown as Record<string, unknown>) : undefined;
}
