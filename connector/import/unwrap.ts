/**
 * Export rows wrap the audit record: Purview CSV (`RecordId`, `AuditData` as CSV-escaped JSON),
 * Search-UnifiedAuditLog output (`Identity` = AuditData.Id, `CreationDate`, `AuditData` as a JSON string or
 * object). The API itself delivers only `AuditData`, so that is what the normalizer gets. The wrapper's id is
 * cross-checked against `AuditData.Id` (o365-management-api.md §8); its locale `CreationDate` text is ignored
 * in favour of `AuditData.CreationTime`, and only fills a missing CreationTime when it is unambiguous
 * (`/Date(ms)/` or ISO 8601).
 */
import { isObject, toIsoTime, toStr } from "../normalize/coerce.ts";

type Obj = Record<string, unknown>;

export type Unwrapped = { record: Obj } | { error: string };

/** Excel cuts cells at 32,767 characters; a Purview CSV saved by Excel loses the end of long AuditData. */
const EXCEL_CELL_LIMIT = 32_767;

/** Parses an `AuditData` cell or property (JSON text or an object already). */
export function parseAuditData(value: unknown): Unwrapped {
  if (isObject(value)) return { record: value };
  if (typeof value !== "string") return { error: `AuditData is ${value === null ? "null" : typeof value}` };
  const text = value.trim();
  if (text.length === 0) return { error: "AuditData is empty" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const hint =
      value.length === EXCEL_CELL_LIMIT
        ? " (the cell is exactly 32,767 characters: probably cut by Excel; re-export without opening in Excel)"
        : "";
    return { error: `AuditData is not valid JSON: ${(err as Error).message}${hint}` };
  }
  if (!isObject(parsed)) return { error: "AuditData is not a JSON object" };
  return { record: parsed };
}

/**
 * Reconciles the record with the export wrapper: fills a missing `Id` from the wrapper's id, rejects a
 * mismatch (the row is corrupt or columns were shifted), fills a missing `CreationTime` from an unambiguous
 * `CreationDate`. Never modifies the input.
 */
export function reconcile(
  record: Obj,
  wrapperId: unknown,
  creationDate: unknown,
  idLabel: string,
  parseCreationDate?: (text: string) => string | null,
): Unwrapped {
  let out = record;
  const exportId = toStr(wrapperId)?.trim();
  if (exportId) {
    const auditId = toStr(record.Id)?.trim();
    if (!auditId) out = { ...out, Id: exportId };
    else if (auditId.toLowerCase() !== exportId.toLowerCase()) {
      return { error: `${idLabel} ${exportId} does not match AuditData.Id ${auditId}` };
    }
  }
  if (toIsoTime(out.CreationTime) === null) {
    // Only an unambiguous CreationDate (ISO, /Date(ms)/), or one read with the format the operator stated.
    const text = toStr(creationDate);
    const iso = toIsoTime(creationDate) ?? (parseCreationDate && text ? parseCreationDate(text) : null);
    if (iso !== null) out = { ...out, CreationTime: iso };
  }
  return { record: out };
}

/** True for a Search-UnifiedAuditLog (or Graph) result object rather than a bare AuditData record. */
export function isWrapper(value: unknown): value is Obj {
  return isObject(value) && ("AuditData" in value || "auditData" in value) && !("Id" in value);
}

/** The AuditData record of a JSON export element (wrapper or bare record). */
export function unwrapJsonElement(value: unknown): Unwrapped & { wrapped?: boolean } {
  if (!isWrapper(value)) {
    if (isObject(value)) return { record: value };
    const kind = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
    return { error: `element is ${kind}, expected an audit record object` };
  }
  const audit = parseAuditData(value.AuditData ?? value.auditData);
  if ("error" in audit) return audit;
  const result = reconcile(audit.record, value.Identity ?? value.RecordId ?? value.id, value.CreationDate, "Identity");
  return { ...result, wrapped: true };
}
