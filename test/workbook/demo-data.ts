/**
 * The demo's data in a temporary directory, made by the demo itself (emulators, dataset, connector), so the
 * pages and reports are tested over the rows `npm start` produces: the audit table and the health heartbeat.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runDemo } from "../../connector/demo/run-demo.ts";
import { ATTACKER_IPS } from "../../connector/dataset/index.ts";
import { executeQuery } from "../../kql/engine/evaluator.ts";
import { workspaceTables } from "../../kql/tables-from-disk.ts";

export interface DemoData {
  dir: string;
  /** The end of the dataset: the clock pages and reports are rendered at. */
  now: Date;
  /** The session-hijack story: the victim, and the attacker's session id. */
  victim: string;
  hijackSession: string;
  /** A session that both read (Bind) and synchronised (Sync) mail: every session detail item has rows. */
  bindSyncSession: string;
  remove(): void;
}

export async function demoData(): Promise<DemoData> {
  const dir = mkdtempSync(join(tmpdir(), "exo-pages-"));
  const summary = await runDemo({ dataDir: dir, mailboxes: 12, days: 2, seed: 1 });
  if (!summary.ok) throw new Error(`demo failed: ${summary.ruleFailures.join("; ")}`);
  const { rows } = executeQuery(
    `ExchangeAudit_CL | where ClientIP == "${ATTACKER_IPS.hijack}" | summarize by SessionId, MailboxOwnerUPN`,
    { tables: workspaceTables(dir) },
  );
  const hijack = rows.find((r) => r.MailboxOwnerUPN);
  if (!hijack) throw new Error("the demo data has no hijacked session");
  const both = executeQuery(
    `ExchangeAudit_CL | where Operation == "MailItemsAccessed" and isnotempty(SessionId)
     | summarize Sync = countif(MailAccessType == "Sync"), Bind = countif(MailAccessType == "Bind") by SessionId
     | where Sync > 0 and Bind > 0 | order by SessionId asc | take 1`,
    { tables: workspaceTables(dir) },
  ).rows[0];
  if (!both) throw new Error("the demo data has no session with Bind and Sync");
  return {
    dir,
    now: new Date(),
    victim: String(hijack.MailboxOwnerUPN),
    hijackSession: String(hijack.SessionId),
    bindSyncSession: String(both.SessionId),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
