/**
 * Grids and tiles as static HTML, with the workbook's column formatters applied (`gridSettings.formatters`,
 * `labelSettings`, `tileSettings`). Cells are escaped; no value reaches the page as markup.
 *
 * | formatter    | cell                                                                   |
 * | ------------ | ---------------------------------------------------------------------- |
 * | 0, 1, other  | the value as text (arrays and bags as JSON, datetimes without millis)  |
 * | 4 bar        | the number over a bar, its length relative to the column's maximum     |
 * | 5 hidden     | the column is left out                                                 |
 * | 7 link       | the value styled as a link (a static page cannot set the parameter)    |
 * | 8 heatmap    | background of the palette's colour, stronger with the value (true = 1) |
 * | 12 big number| tiles: the number with `numberFormat.options` (significant digits)     |
 */
import type { Column } from "../../kql/engine/context.ts";

type Json = Record<string, unknown>;

export const PALETTE: Record<string, string> = {
  blue: "#0078d4",
  green: "#107c10",
  orange: "#ff8c00",
  red: "#d13438",
  redBright: "#e81123",
  purple: "#8764b8",
  yellow: "#fce100",
  gray: "#7a7574",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Display text of a cell value. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string")
    return /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(v) ? v.replace(/\.\d+Z$/, "Z").replace("T", " ") : v;
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

interface Formatter {
  columnMatch: string;
  formatter: number;
  formatOptions?: Json;
  numberFormat?: { options?: Intl.NumberFormatOptions };
}

/** The first formatter whose `columnMatch` (a regular expression in the portal) matches the column. */
function formatterFor(formatters: Formatter[], column: string): Formatter | undefined {
  return formatters.find((f) => {
    try {
      return new RegExp(`^(?:${f.columnMatch})$`).test(column);
    } catch {
      return f.columnMatch === column;
    }
  });
}

const numeric = (v: unknown): number => (typeof v === "number" ? v : v === true ? 1 : Number(v) || 0);

function formatCell(v: unknown, f: Formatter | undefined, max: number): string {
  const text = escapeHtml(cellText(v));
  const colour = PALETTE[String(f?.formatOptions?.palette ?? "blue")] ?? PALETTE.blue!;
  switch (f?.formatter) {
    case 4: {
      const pct = max > 0 ? Math.max(0, Math.min(100, (numeric(v) / max) * 100)) : 0;
      return `<td class="bar"><span class="fill" style="width:${pct.toFixed(1)}%;background:${colour}"></span><span>${text}</span></td>`;
    }
    case 7:
      return `<td><span class="link">${text}</span></td>`;
    case 8: {
      const level = max > 0 ? Math.max(0, Math.min(1, numeric(v) / max)) : 0;
      const alpha = Math.round(level * 0.75 * 255)
        .toString(16)
        .padStart(2, "0");
      return `<td class="heat" style="background:${colour}${alpha}">${text}</td>`;
    }
    default:
      return `<td>${text}</td>`;
  }
}

/** A table; `rowLimit` rows at most (the portal pages beyond), the rest counted below it. */
export function gridHtml(columns: Column[], rows: Record<string, unknown>[], settings: Json): string {
  const grid = (settings.gridSettings ?? {}) as Json;
  const formatters = (Array.isArray(grid.formatters) ? grid.formatters : []) as Formatter[];
  const labels = new Map(
    ((grid.labelSettings ?? []) as { columnId: string; label: string }[]).map((l) => [l.columnId, l.label]),
  );
  const shown = columns.filter((c) => formatterFor(formatters, c.name)?.formatter !== 5);
  const limit = Math.min(Number(grid.rowLimit ?? 250) || 250, 250);
  const max = new Map(shown.map((c) => [c.name, Math.max(0, ...rows.map((r) => numeric(r[c.name])))]));
  const head = shown.map((c) => `<th>${escapeHtml(labels.get(c.name) ?? c.name)}</th>`).join("");
  const body = rows
    .slice(0, limit)
    .map(
      (r) =>
        `<tr>${shown.map((c) => formatCell(r[c.name], formatterFor(formatters, c.name), max.get(c.name) ?? 0)).join("")}</tr>`,
    )
    .join("\n");
  const more = rows.length > limit ? `<p class="more">${rows.length - limit} more rows not shown</p>` : "";
  return `<div class="grid"><table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>${more}`;
}

/** One tile per row: the title column over the big number. */
export function tilesHtml(columns: Column[], rows: Record<string, unknown>[], settings: Json): string {
  const tile = (settings.tileSettings ?? {}) as Json;
  const title = ((tile.titleContent as Json | undefined)?.columnMatch as string | undefined) ?? columns[0]?.name ?? "";
  const left = (tile.leftContent ?? {}) as Formatter;
  const valueCol = left.columnMatch ?? columns[1]?.name ?? "";
  const fmt = new Intl.NumberFormat("en-US", left.numberFormat?.options ?? {});
  const tiles = rows.map((r) => {
    const v = r[valueCol];
    const big = typeof v === "number" ? fmt.format(v) : cellText(v);
    return `<div class="tile"><div class="tile-title">${escapeHtml(cellText(r[title]))}</div><div class="tile-value">${escapeHtml(big)}</div></div>`;
  });
  return `<div class="tiles">${tiles.join("")}</div>`;
}
