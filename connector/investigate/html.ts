/**
 * The investigation as one self-contained HTML file: a timeline chart (one row per session, one mark per
 * grouped action, drawn by the inlined Chart.js), then the sessions, each session's actions, the messages
 * read, the folders synchronised and the alerts. Suspicious sessions (concurrent from another network, or
 * on a network new for the user) are marked. Every value is escaped.
 */
import { escapeHtml as e } from "../workbook/grid.ts";
import { chartLibrary } from "../workbook/page.ts";
import type { Action, Investigation, Session } from "./collect.ts";

const CSS = `
body{margin:0;padding:16px 24px;font:13px/1.45 "Segoe UI",system-ui,sans-serif;color:#1b1a19;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:15px;margin:22px 0 6px}h3{font-size:13px;margin:14px 0 4px}
.muted{color:#605e5c}
table{border-collapse:collapse;width:100%;font-size:12px;margin:4px 0}
th{background:#f3f2f1;text-align:left;font-weight:600}
th,td{padding:3px 6px;border-bottom:1px solid #edebe9;vertical-align:top}
td.wrap{white-space:normal;word-break:break-all;max-width:520px}
tr.suspicious td{background:#fde7e9}
.tag{display:inline-block;border-radius:3px;padding:0 5px;margin-right:4px;font-size:11px;background:#d13438;color:#fff}
.tag.new{background:#ca5010}
.chart{position:relative;height:var(--h)}
code{font-size:11px}
`;

const SCRIPT = `
(function(){
  var spec = JSON.parse(document.getElementById("timeline-data").textContent);
  Chart.defaults.animation = false;
  var colours = ["#0078d4","#107c10","#8764b8","#00b7c3","#986f0b","#4f6bed","#69797e"];
  var datasets = spec.sessions.map(function(s, i){
    var c = s.suspicious ? "#d13438" : colours[i % colours.length];
    return { label: s.label, data: s.points, backgroundColor: c, borderColor: c, pointRadius: s.radius, pointStyle: "rectRounded" };
  });
  var chart = new Chart(document.getElementById("timeline"), { type: "scatter", data: { datasets: datasets },
    options: { responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false },
      tooltip: { callbacks: { label: function(c){ return c.raw.label; } } } },
      scales: { x: { type: "linear", ticks: { callback: function(v){ return new Date(v).toISOString().slice(5,16).replace("T"," "); } } },
        y: { min: -0.5, max: spec.sessions.length - 0.5, reverse: true,
          afterBuildTicks: function(axis){ axis.ticks = spec.sessions.map(function(_, i){ return { value: i }; }); },
          ticks: { autoSkip: false,
          callback: function(v){ return spec.sessions[v] ? spec.sessions[v].label : ""; } } } } } });
  var marks = 0;
  chart.data.datasets.forEach(function(_, i){ marks += chart.getDatasetMeta(i).data.length; });
  document.getElementById("timeline").dataset.marks = String(marks);
  document.body.dataset.ready = "true";
})();
`;

const NO_SESSION = "(no session)";

export function isSuspicious(s: Session): boolean {
  return s.concurrentWith.length > 0 && s.newNetwork;
}

function sessionLabel(id: string, sessions: Session[]): string {
  const s = sessions.find((x) => x.sessionId === id);
  return s ? `${id.slice(0, 8)} ${s.clientIPs.join(",")}` : id;
}

function timelineSpec(inv: Investigation): unknown {
  const ids = [...new Set([...inv.sessions.map((s) => s.sessionId), ...inv.timeline.map((a) => a.sessionId)])];
  return {
    sessions: ids.map((id, y) => {
      const s = inv.sessions.find((x) => x.sessionId === id);
      return {
        label: sessionLabel(id, inv.sessions),
        suspicious: s ? isSuspicious(s) : false,
        radius: 5,
        points: inv.timeline
          .filter((a) => a.sessionId === id)
          .map((a) => ({ x: Date.parse(a.first), y, label: `${a.first.slice(0, 16)} ${a.operation} ×${a.count}` })),
      };
    }),
  };
}

const list = (xs: string[]) => e(xs.join(", "));
const time = (iso: string) => e(iso.replace("T", " ").replace(/:00\.000Z$|\.000Z$/, "Z"));

function sessionsTable(inv: Investigation): string {
  const rows = inv.sessions.map((s) => {
    const tags = [
      ...(s.concurrentWith.length ? [`<span class="tag">concurrent</span>`] : []),
      ...(s.newNetwork ? [`<span class="tag new">new network</span>`] : []),
    ].join("");
    const other = s.concurrentWith.map((o) => `${o.sessionId.slice(0, 8)} (${o.clientIPs.join(", ")})`);
    return `<tr class="${isSuspicious(s) ? "suspicious" : ""}" data-session="${e(s.sessionId)}"><td><code>${e(s.sessionId)}</code><br>${tags}</td>
<td>${e(s.userId)}</td><td>${list(s.clientIPs)}</td><td class="wrap">${list(s.clients)}</td><td class="wrap">${list(s.apps)}</td>
<td>${time(s.firstSeen)}</td><td>${time(s.lastSeen)}</td><td>${s.records}</td><td>${e(other.join("; "))}</td></tr>`;
  });
  return `<table><thead><tr><th>Session</th><th>User</th><th>Client IPs</th><th>Clients</th><th>Apps</th><th>First seen</th><th>Last seen</th><th>Records</th><th>Concurrent with (other network)</th></tr></thead><tbody>${rows.join("\n")}</tbody></table>`;
}

function actionsTable(actions: Action[]): string {
  const rows = actions.map((a) => {
    const params = a.parameters.map((p) =>
      Object.entries(p)
        .map(([k, v]) => `-${k} ${typeof v === "string" ? v : JSON.stringify(v)}`)
        .join(" "),
    );
    return `<tr><td>${time(a.first)}${a.last !== a.first ? ` – ${time(a.last).slice(11)}` : ""}</td><td>${e(a.operation)}</td><td>${a.count}</td>
<td>${a.items || ""}</td><td>${list(a.clientIPs)}</td><td>${list(a.mailboxes)}</td><td class="wrap">${list(a.folders)}</td><td class="wrap"><code>${e(params.join("\n"))}</code></td></tr>`;
  });
  return `<table><thead><tr><th>When</th><th>Operation</th><th>Records</th><th>Items</th><th>Client IPs</th><th>Mailboxes</th><th>Folders</th><th>Parameters</th></tr></thead><tbody>${rows.join("\n")}</tbody></table>`;
}

/** Messages read by suspicious sessions first; subject and sender only when EmailEvents is present locally. */
function messagesTable(inv: Investigation): string {
  if (!inv.messages.length) return `<p class="muted">No message read (Bind) in scope.</p>`;
  const bad = new Set(inv.sessions.filter(isSuspicious).map((s) => s.sessionId));
  const flagged = (m: Investigation["messages"][number]) => m.sessions.some((s) => bad.has(s));
  const ordered = [...inv.messages].sort((a, b) => Number(flagged(b)) - Number(flagged(a)));
  const mail = inv.emailEventsPresent;
  const rows = ordered.map(
    (
      m,
    ) => `<tr class="${flagged(m) ? "suspicious" : ""}"><td>${time(m.firstRead)}</td><td>${e(m.userId)}</td><td>${e(m.mailbox)}</td><td class="wrap"><code>${e(m.internetMessageId)}</code></td>
${mail ? `<td>${e(m.subject ?? "")}</td><td>${e(m.sender ?? "")}</td>` : ""}<td>${list(m.folders)}</td><td>${list(m.accessTypes)}</td><td>${e(m.sessions.map((s) => s.slice(0, 8)).join(", "))}</td><td>${list(m.clientIPs)}</td></tr>`,
  );
  const mailHead = mail ? "<th>Subject</th><th>Sender</th>" : "";
  return `<table data-table="messages"><thead><tr><th>First read</th><th>By</th><th>Mailbox</th><th>InternetMessageId</th>${mailHead}<th>Folders</th><th>Access</th><th>Sessions</th><th>Client IPs</th></tr></thead><tbody>${rows.join("\n")}</tbody></table>`;
}

/** One line per suspicious session: where from, what it read, what it changed. */
function verdict(inv: Investigation): string {
  const bad = inv.sessions.filter(isSuspicious);
  if (!bad.length)
    return `<p>No session in scope was concurrent with another session of its user from a new network.</p>`;
  const items = bad.map((s) => {
    const read = inv.messages.filter((m) => m.sessions.includes(s.sessionId)).length;
    const ops = [
      ...new Set(
        inv.timeline.filter((a) => a.sessionId === s.sessionId && a.parameters.length).map((a) => a.operation),
      ),
    ];
    const others = s.concurrentWith.map((o) => `${o.sessionId.slice(0, 8)} (${o.clientIPs.join(", ")})`).join(", ");
    return `<li><b>Session ${e(s.sessionId)}</b> of ${e(s.userId)} from ${list(s.clientIPs)}, a network the user had not used, ran at the same time as ${e(others)}: read ${read} message(s)${ops.length ? `; changed: ${list(ops)}` : ""}.</li>`;
  });
  return `<ul class="verdict">${items.join("")}</ul>`;
}

function scopeText(inv: Investigation): string {
  return `${inv.scope.kind} ${inv.scope.value}`;
}

export function reportHtml(inv: Investigation): string {
  const ids = [...new Set([...inv.sessions.map((s) => s.sessionId), ...inv.timeline.map((a) => a.sessionId)])];
  const perSession = ids.map((id) => {
    const s = inv.sessions.find((x) => x.sessionId === id);
    const head = s
      ? `${e(id)} <span class="muted">${e(s.userId)} from ${list(s.clientIPs)}</span>${isSuspicious(s) ? ' <span class="tag">suspicious</span>' : ""}`
      : e(id === NO_SESSION ? "Records without a session (legacy protocols, system activity)" : id);
    return `<h3>${head}</h3>${actionsTable(inv.timeline.filter((a) => a.sessionId === id))}`;
  });
  const synced = inv.syncedFolders.length
    ? `<table><thead><tr><th>First sync</th><th>Session</th><th>Mailbox</th><th>Folder</th><th>Records</th></tr></thead><tbody>${inv.syncedFolders
        .map(
          (f) =>
            `<tr><td>${time(f.first)}</td><td><code>${e(f.sessionId)}</code></td><td>${e(f.mailbox)}</td><td>${e(f.folder)}</td><td>${f.records}</td></tr>`,
        )
        .join("\n")}</tbody></table>`
    : `<p class="muted">No folder synchronised in scope.</p>`;
  const alerts = inv.alerts.length
    ? `<table><thead><tr><th>Severity</th><th>Rule</th><th>Result rows naming the scope</th></tr></thead><tbody>${inv.alerts
        .map((a) => `<tr><td>${e(a.severity)}</td><td>${e(a.rule)}</td><td>${a.rows}</td></tr>`)
        .join("\n")}</tbody></table>`
    : `<p class="muted">No analytics rule raised an alert involving the scope.</p>`;
  const spec = JSON.stringify(timelineSpec(inv)).replaceAll("<", "\\u003c");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Investigation: ${e(scopeText(inv))}</title><style>${CSS}</style></head>
<body>
<h1>Investigation: ${e(scopeText(inv))}</h1>
<p class="muted">${time(inv.from)} to ${time(inv.to)} · ${inv.sessions.length} sessions · ${inv.messages.length} messages read · ${inv.alerts.length} alerting rules${inv.emailEventsPresent ? "" : " · EmailEvents not present locally: messages are listed by InternetMessageId"}</p>
${verdict(inv)}
<h2>Timeline</h2>
<div class="chart" style="--h:${Math.max(160, 40 + ids.length * 34)}px"><canvas id="timeline"></canvas></div>
<h2>Sessions</h2>
${sessionsTable(inv)}
<h2>Messages read</h2>
${messagesTable(inv)}
<h2>Folders synchronised (Sync: treat every item as read)</h2>
${synced}
<h2>Alerts</h2>
${alerts}
<h2>Actions per session</h2>
${perSession.join("\n")}
<script type="application/json" id="timeline-data">${spec}</script>
<script>${chartLibrary()}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
