/**
 * Chart data from a query result, in the shapes the portal infers, as a Chart.js configuration the page
 * draws with the bundled library. Only data goes into the page (JSON); the drawing code is in `page.ts`.
 *
 * | visualization                 | x                          | series                                          |
 * | ----------------------------- | -------------------------- | ----------------------------------------------- |
 * | timechart, linechart, area... | the first datetime column  | each numeric column; split by the first string  |
 * |                               |                            | column when there is one (one numeric column)   |
 * | barchart, categoricalbar...   | the first string column    | each numeric column (horizontal bars); over the  |
 * |                               | (else datetime column)     | first datetime column: one column per time bin   |
 * | piechart, donutchart          | the first string column    | the first numeric column                         |
 * | no usable column              | (error in place)           |                                                 |
 */
import type { Column } from "../../kql/engine/context.ts";

export interface ChartSpec {
  type: "line" | "bar" | "pie";
  /** Time charts: x in epoch milliseconds. */
  time: boolean;
  /** Bar charts: bars along y (categories), or columns along x (time bins). */
  horizontal?: boolean;
  labels?: string[];
  datasets: { label: string; data: (number | { x: number; y: number })[] }[];
}

const NUMERIC = new Set(["int", "long", "real", "decimal", "double"]);
const isNum = (c: Column) => NUMERIC.has(c.type);
const num = (v: unknown) => (typeof v === "number" ? v : Number(v) || 0);

export const CHART_KINDS: Record<string, ChartSpec["type"]> = {
  timechart: "line",
  linechart: "line",
  areachart: "line",
  scatterchart: "line",
  barchart: "bar",
  categoricalbar: "bar",
  columnchart: "bar",
  piechart: "pie",
  donutchart: "pie",
};

/** Series beyond this many are summed into "Other", as the portal caps the legend. */
const MAX_SERIES = 12;

export function chartSpec(visualization: string, columns: Column[], rows: Record<string, unknown>[]): ChartSpec {
  const type = CHART_KINDS[visualization];
  if (!type) throw new Error(`visualization '${visualization}' is not supported`);
  const values = columns.filter(isNum);
  const category = columns.find((c) => c.type === "string");
  if (!values.length) throw new Error(`${visualization}: the result has no numeric column to draw`);
  if (type === "line") return timeSpec(columns, rows, values, category);
  const bins = type === "bar" ? columns.find((c) => c.type === "datetime") : undefined;
  const axis = category ?? bins;
  if (!axis) throw new Error(`${visualization}: the result has no text or datetime column for the categories`);
  const ordered =
    axis === bins ? [...rows].sort((a, b) => String(a[axis.name]).localeCompare(String(b[axis.name]))) : rows;
  const label = (v: unknown) =>
    axis === bins
      ? String(v ?? "")
          .slice(5, 16)
          .replace("T", " ")
      : String(v ?? "");
  const labels = ordered.map((r) => label(r[axis.name]));
  const series = type === "pie" ? values.slice(0, 1) : values;
  return {
    type,
    time: false,
    horizontal: axis !== bins,
    labels,
    datasets: series.map((c) => ({ label: c.name, data: ordered.map((r) => num(r[c.name])) })),
  };
}

function timeSpec(
  columns: Column[],
  rows: Record<string, unknown>[],
  values: Column[],
  category: Column | undefined,
): ChartSpec {
  const x = columns.find((c) => c.type === "datetime");
  if (!x) throw new Error("timechart: the result has no datetime column");
  const sorted = [...rows].sort((a, b) => Date.parse(String(a[x.name])) - Date.parse(String(b[x.name])));
  const point = (r: Record<string, unknown>, c: Column) => ({ x: Date.parse(String(r[x.name])), y: num(r[c.name]) });
  if (!category) {
    return {
      type: "line",
      time: true,
      datasets: withZeros(values.map((c) => ({ label: c.name, data: sorted.map((r) => point(r, c)) }))),
    };
  }
  const value = values[0]!;
  const bySeries = new Map<string, { x: number; y: number }[]>();
  for (const r of sorted) {
    const key = String(r[category.name] ?? "");
    const list = bySeries.get(key) ?? [];
    if (!list.length) bySeries.set(key, list);
    list.push(point(r, value));
  }
  const ranked = [...bySeries.entries()].sort(
    (a, b) => b[1].reduce((s, p) => s + p.y, 0) - a[1].reduce((s, p) => s + p.y, 0),
  );
  const datasets = ranked.slice(0, MAX_SERIES).map(([label, data]) => ({ label: label || "(empty)", data }));
  if (ranked.length > MAX_SERIES) {
    const other = new Map<number, number>();
    for (const [, data] of ranked.slice(MAX_SERIES)) for (const p of data) other.set(p.x, (other.get(p.x) ?? 0) + p.y);
    datasets.push({ label: "Other", data: [...other].sort((a, b) => a[0] - b[0]).map(([x, y]) => ({ x, y })) });
  }
  return { type: "line", time: true, datasets: withZeros(datasets) };
}

/**
 * Binned series (`summarize ... by bin(t, grain)`) leave out empty bins; a line drawn across them would
 * show activity where there was none, so each series gets 0 in every bin of the common grid (the smallest
 * step between x values), as the portal draws them. Irregular or very long grids are left as they are.
 */
function withZeros(datasets: ChartSpec["datasets"]): ChartSpec["datasets"] {
  const xs = [...new Set(datasets.flatMap((d) => (d.data as { x: number }[]).map((p) => p.x)))].sort((a, b) => a - b);
  let step = Number.POSITIVE_INFINITY;
  for (let i = 1; i < xs.length; i++) step = Math.min(step, xs[i]! - xs[i - 1]!);
  if (!Number.isFinite(step) || step <= 0) return datasets;
  if (xs.some((x) => (x - xs[0]!) % step !== 0) || (xs.at(-1)! - xs[0]!) / step > 2000) return datasets;
  return datasets.map((d) => {
    const at = new Map((d.data as { x: number; y: number }[]).map((p) => [p.x, p.y]));
    const data: { x: number; y: number }[] = [];
    for (let x = xs[0]!; x <= xs.at(-1)!; x += step) data.push({ x, y: at.get(x) ?? 0 });
    return { label: d.label, data };
  });
}
