/** The investigation as a short text summary for the terminal: sessions (suspicious first), counts, alerts. */
import type { Investigation } from "./collect.ts";
import { isSuspicious } from "./html.ts";

export function summaryText(inv: Investigation): string {
  const lines = [`Investigation of ${inv.scope.kind} ${inv.scope.value}, ${inv.from} to ${inv.to}`, ""];
  lines.push(`Sessions (${inv.sessions.length}):`);
  const ordered = [...inv.sessions].sort((a, b) => Number(isSuspicious(b)) - Number(isSuspicious(a)));
  for (const s of ordered) {
    const flags = [s.concurrentWith.length ? "CONCURRENT" : "", s.newNetwork ? "NEW NETWORK" : ""].filter(Boolean);
    const read = inv.messages.filter((m) => m.sessions.includes(s.sessionId)).length;
    lines.push(
      `  ${s.sessionId}  ${s.userId}  ${s.clientIPs.join(",")}  ${s.firstSeen} .. ${s.lastSeen}  ${s.records} records, ${read} messages read${flags.length ? `  [${flags.join(", ")}]` : ""}`,
    );
  }
  lines.push("", `Messages read: ${inv.messages.length}; folders synchronised: ${inv.syncedFolders.length}`);
  lines.push(`Alerts involving the scope (${inv.alerts.length}):`);
  for (const a of inv.alerts) lines.push(`  [${a.severity}] ${a.rule} (${a.rows} row(s))`);
  return `${lines.join("\n")}\n`;
}
