/** Renders result rows as a readable text table (datetimes ISO, dynamic as compact JSON). */
import type { Column, Row } from "./engine/context.ts";
import { toJsonValue } from "./engine/values.ts";

const cell = (v: unknown): string => {
  const j = toJsonValue(v);
  if (j === null || j === undefined) return "";
  if (typeof j === "object") return JSON.stringify(j);
  return String(j);
};

/** A text table with a header, one line per row; long cells are cut at `maxWidth` characters. */
export function formatTable(columns: Column[], rows: Row[], maxWidth = 60): string {
  if (!columns.length) return "(no columns)\n";
  const cut = (s: string) => (s.length > maxWidth ? `${s.slice(0, maxWidth - 1)}…` : s).replace(/\s+/g, " ");
  const cells = rows.map((r) => columns.map((c) => cut(cell(r[c.name]))));
  const widths = columns.map((c, i) => Math.max(c.name.length, ...cells.map((r) => r[i]!.length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  const out = [line(columns.map((c) => c.name)), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)];
  out.push(`(${rows.length} row${rows.length === 1 ? "" : "s"})`);
  return `${out.join("\n")}\n`;
}
