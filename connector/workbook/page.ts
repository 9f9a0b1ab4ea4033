/**
 * One self-contained HTML page for a run workbook: styles, grids and tiles as markup, markdown rendered
 * here (marked), charts as JSON drawn in the browser by Chart.js, whose UMD build is inlined, so the page
 * needs no network. Every item is a `<section data-state=...>` a test (or a reader) can check:
 *
 * | data-state | meaning                                                                          |
 * | ---------- | -------------------------------------------------------------------------------- |
 * | drawn      | rows, tiles, a chart (the page sets `data-marks` once drawn) or text             |
 * | empty      | the query returned no rows (its `noDataMessage`, or "The query returned no results") |
 * | pending    | waits for a required parameter                                                    |
 * | error      | the query or its chart failed; the message is shown in place                      |
 *
 * When every chart is drawn the page sets `document.body.dataset.ready`.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { marked } from "marked";
import { CHART_KINDS, chartSpec } from "./charts.ts";
import { escapeHtml, gridHtml, tilesHtml } from "./grid.ts";
import { substitute } from "./params.ts";
import type { ItemResult, WorkbookRun } from "./run.ts";

export type Theme = "light" | "dark";

let chartJs: string | undefined;

/** The Chart.js UMD build, read once from the installed package. */
export function chartLibrary(): string {
  if (chartJs === undefined) {
    const dist = dirname(createRequire(import.meta.url).resolve("chart.js"));
    chartJs = readFileSync(join(dist, "chart.umd.min.js"), "utf8");
  }
  return chartJs;
}

const CSS = `
:root{--bg:#fff;--fg:#1b1a19;--muted:#605e5c;--line:#edebe9;--panel:#faf9f8;--head:#f3f2f1;--err:#a4262c}
body.dark{--bg:#1b1a19;--fg:#f3f2f1;--muted:#c8c6c4;--line:#3b3a39;--panel:#252423;--head:#323130;--err:#f1707b}
body{margin:0;padding:16px 20px;background:var(--bg);color:var(--fg);font:13px/1.4 "Segoe UI",system-ui,sans-serif}
.items{display:flex;flex-wrap:wrap;gap:12px}
section{box-sizing:border-box;min-width:0;flex:0 0 calc(var(--w) - 12px)}
section[data-width="100"]{flex-basis:100%}
h1,h2,h3{margin:.3em 0}
h2.item-title{font-size:14px;font-weight:600;margin:0 0 6px}
.params{display:flex;flex-wrap:wrap;gap:8px}
.pill{border:1px solid var(--line);border-radius:12px;padding:2px 10px;background:var(--panel)}
.pill b{font-weight:600}
.grid{max-height:420px;overflow:auto;border:1px solid var(--line)}
table{border-collapse:collapse;width:100%;font-size:12px}
th{position:sticky;top:0;background:var(--head);text-align:left;font-weight:600}
th,td{padding:3px 6px;border-bottom:1px solid var(--line);white-space:nowrap;max-width:420px;overflow:hidden;text-overflow:ellipsis}
td.bar{position:relative}
td.bar .fill{position:absolute;left:0;top:3px;bottom:3px;opacity:.35}
td.bar span:last-child{position:relative}
.link{color:#0078d4;text-decoration:underline}
.tiles{display:flex;flex-wrap:wrap;gap:8px}
.tile{border:1px solid var(--line);background:var(--panel);padding:8px 14px;min-width:110px}
.tile-title{color:var(--muted)}
.tile-value{font-size:24px;font-weight:600}
.chart{position:relative;height:260px}
.notice{color:var(--muted);font-style:italic;padding:8px 0}
.error{color:var(--err);white-space:pre-wrap;font-family:monospace;padding:8px;border:1px solid var(--err)}
.more{color:var(--muted);margin:2px 0}
footer{color:var(--muted);margin-top:16px;font-size:11px}
`;

/** Draws each chart from its JSON and records how many marks (points, bars, slices) it drew. */
const SCRIPT = `
(function(){
  var dark = document.body.classList.contains("dark");
  var colours = ["#0078d4","#e3008c","#107c10","#ff8c00","#8764b8","#00b7c3","#d13438","#498205","#ca5010","#4f6bed","#986f0b","#7a7574","#69797e"];
  Chart.defaults.animation = false;
  Chart.defaults.color = dark ? "#c8c6c4" : "#605e5c";
  Chart.defaults.borderColor = dark ? "#3b3a39" : "#edebe9";
  function when(ms){ var d = new Date(ms); return d.toISOString().slice(5,16).replace("T"," "); }
  document.querySelectorAll("canvas[data-chart]").forEach(function(canvas){
    var spec = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
    var pie = spec.type === "pie";
    var datasets = spec.datasets.map(function(d, i){
      var c = colours[i % colours.length];
      return { label: d.label, data: d.data, borderColor: pie ? (dark ? "#1b1a19" : "#fff") : c,
        backgroundColor: pie ? spec.labels.map(function(_, k){ return colours[k % colours.length]; }) : c,
        pointRadius: spec.time ? 1.5 : undefined, borderWidth: pie ? 1 : 1.5 };
    });
    var options = { responsive: true, maintainAspectRatio: false, plugins: { legend: { position: pie ? "right" : "bottom",
      labels: { boxWidth: 10 } } } };
    if (spec.time) options.scales = { x: { type: "linear", ticks: { callback: when, maxTicksLimit: 8 } } };
    if (spec.type === "bar" && spec.horizontal) options.indexAxis = "y";
    var chart = new Chart(canvas, { type: spec.type, data: { labels: spec.labels, datasets: datasets }, options: options });
    var marks = 0;
    chart.data.datasets.forEach(function(_, i){ marks += chart.getDatasetMeta(i).data.length; });
    canvas.dataset.marks = String(marks);
  });
  document.body.dataset.ready = "true";
})();
`;

function section(item: ItemResult, state: string, inner: string, extra = ""): string {
  const w = Math.max(10, Math.min(100, item.width));
  return `<section data-item="${escapeHtml(item.name)}" data-state="${state}" data-width="${w}" style="--w:${w}%"${extra}>${inner}</section>`;
}

interface Ctx {
  charts: string[];
  /** Items whose chart could not be drawn: "item: message". */
  problems: string[];
}

function queryBody(item: Extract<ItemResult, { kind: "query" }>, ctx: Ctx): [string, string] {
  if (item.state === "pending") return ["pending", `<p class="notice">${escapeHtml(item.message ?? "")}</p>`];
  if (item.state === "error") return ["error", `<pre class="error">${escapeHtml(item.message ?? "")}</pre>`];
  if (!item.rows.length) {
    return ["empty", `<p class="notice">${escapeHtml(item.noDataMessage ?? "The query returned no results.")}</p>`];
  }
  if (item.visualization === "tiles") return ["drawn", tilesHtml(item.columns, item.rows, item.settings)];
  if (item.visualization in CHART_KINDS) {
    try {
      const spec = chartSpec(item.visualization, item.columns, item.rows);
      const id = `chart-${ctx.charts.length}`;
      ctx.charts.push(
        `<script type="application/json" id="${id}">${JSON.stringify(spec).replaceAll("<", "\\u003c")}</script>`,
      );
      return ["drawn", `<div class="chart"><canvas data-chart="${id}"></canvas></div>`];
    } catch (err) {
      ctx.problems.push(`${item.name}: ${(err as Error).message}`);
      return ["error", `<pre class="error">${escapeHtml((err as Error).message)}</pre>`];
    }
  }
  return ["drawn", gridHtml(item.columns, item.rows, item.settings)];
}

function itemHtml(item: ItemResult, run: WorkbookRun, ctx: Ctx): string {
  switch (item.kind) {
    case "hidden":
      return "";
    case "markdown": {
      const safe = new Map(
        [...run.values].map(([k, v]) => [k, { ...v, values: v.values.map(escapeHtml), label: escapeHtml(v.label) }]),
      );
      return section(item, "drawn", marked.parse(substitute(item.markdown, run.decls, safe, false), { async: false }));
    }
    case "parameters": {
      const pills = item.params.map(
        (p) => `<span class="pill">${escapeHtml(p.label)}: <b>${escapeHtml(p.value || "(unset)")}</b></span>`,
      );
      return section(item, "drawn", `<div class="params">${pills.join("")}</div>`);
    }
    case "query": {
      const [state, body] = queryBody(item, ctx);
      const title = item.title ? `<h2 class="item-title">${escapeHtml(item.title)}</h2>` : "";
      return section(
        item,
        state,
        title + body,
        ` data-visualization="${escapeHtml(item.visualization)}" data-rows="${item.rows.length}"`,
      );
    }
    case "group":
      return section(
        item,
        "drawn",
        `<h2>${escapeHtml(item.title)}</h2><div class="items">${item.items.map((i) => itemHtml(i, run, ctx)).join("")}</div>`,
      );
    case "unsupported":
      return section(
        item,
        "error",
        `<pre class="error">item type ${escapeHtml(String(item.type))} is not supported</pre>`,
      );
  }
}

export interface PageOptions {
  theme: Theme;
  /** Shown in the footer: where the data came from and the clock used. */
  footer: string;
}

/** The page, and the items whose chart could not be drawn from their result. */
export function workbookPage(run: WorkbookRun, opts: PageOptions): { html: string; problems: string[] } {
  const ctx: Ctx = { charts: [], problems: [] };
  const charts = ctx.charts;
  const body = run.items.map((i) => itemHtml(i, run, ctx)).join("\n");
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(substitute(run.title, run.decls, run.values, false))}</title><style>${CSS}</style></head>
<body class="${opts.theme}">
<div class="items">
${body}
</div>
<footer>${escapeHtml(opts.footer)}</footer>
${charts.join("\n")}
<script>${chartLibrary()}</script>
<script>${SCRIPT}</script>
</body></html>
`;
  return { html, problems: ctx.problems };
}
