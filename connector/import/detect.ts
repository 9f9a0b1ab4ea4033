/**
 * Detects the layout of an audit export from its first bytes (content first; the extension only breaks ties).
 * Formats: o365-management-api.md §8 (Purview CSV, classic portal CSV, Search-UnifiedAuditLog as JSON or
 * Export-Csv) plus plain JSON arrays and JSON Lines of AuditData objects.
 */

export type ExportLayout =
  | { kind: "csv"; delimiter: string; psTypeLine: boolean }
  | { kind: "json-array" }
  | { kind: "jsonl" }
  | { kind: "json-values" };

export type DetectResult = ExportLayout | { kind: "unknown"; reason: string };

const DELIMITERS = [",", ";", "\t"];

function firstLine(text: string, from = 0): string {
  const nl = text.indexOf("\n", from);
  const line = nl < 0 ? text.slice(from) : text.slice(from, nl);
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

function headerNames(line: string, delimiter: string): string[] {
  return line.split(delimiter).map((f) => f.trim().replace(/^"|"$/g, "").trim().toLowerCase());
}

/** Detects the layout from the head of the file (decoded as UTF-8, BOM allowed). */
export function detectLayout(head: string, fileName = ""): DetectResult {
  const text = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  const start = text.search(/\S/);
  if (start < 0) return { kind: "unknown", reason: "the file is empty" };
  const c = text[start];
  if (c === "[") return { kind: "json-array" };
  if (c === "{") {
    // JSON Lines when the first line is a complete JSON value; otherwise pretty-printed objects
    // (ConvertTo-Json of a single result prints one multi-line object, not an array).
    const jsonlByName = /\.(jsonl|ndjson)$/i.test(fileName);
    if (text.indexOf("\n", start) < 0) return jsonlByName ? { kind: "jsonl" } : { kind: "json-values" };
    const line = firstLine(text, start);
    try {
      JSON.parse(line);
      return { kind: "jsonl" };
    } catch {
      return jsonlByName && line.trim() !== "{" ? { kind: "jsonl" } : { kind: "json-values" };
    }
  }
  let headerStart = start;
  let psTypeLine = false;
  if (text.startsWith("#TYPE", start)) {
    // Windows PowerShell 5.1 Export-Csv writes "#TYPE <type name>" before the header.
    psTypeLine = true;
    const nl = text.indexOf("\n", start);
    if (nl < 0) return { kind: "unknown", reason: "CSV file has a #TYPE line but no header" };
    headerStart = nl + 1;
  }
  const header = firstLine(text, headerStart);
  for (const delimiter of DELIMITERS) {
    if (headerNames(header, delimiter).includes("auditdata")) return { kind: "csv", delimiter, psTypeLine };
  }
  return {
    kind: "unknown",
    reason:
      "unrecognized format: expected a CSV export with an AuditData column, a JSON array, or JSON Lines of audit records",
  };
}
