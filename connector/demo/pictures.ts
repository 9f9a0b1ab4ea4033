/**
 * The demo's picture: the investigation report of the hijacked mailbox and the content pack's workbooks
 * rendered over the collected data, written into the data directory (no browser needed: they are HTML
 * files to open). The hijacked mailbox is found in the data (the mailbox read from the story's attacker IP),
 * not assumed, so the picture shows what the rows say.
 *
 * | outcome                          | result                                                     |
 * | -------------------------------- | ---------------------------------------------------------- |
 * | everything rendered              | paths of the report and of each page; `problems` empty     |
 * | a workbook item failed           | its page is written with the error in place; listed        |
 * | no hijacked session in the data  | no report; listed in `problems`                            |
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Alert } from "../../kql/detect.ts";
import { ATTACKER_IPS } from "../dataset/index.ts";

export interface Pictures {
  mailbox: string | null;
  report: string | null;
  workbooks: string[];
  problems: string[];
}

export async function writePictures(dataDir: string, alerts: Alert[]): Promise<Pictures> {
  const [{ executeQuery }, { workspaceTables }, { REPO_ROOT }, { runInvestigation }, { reportHtml }, wb] =
    await Promise.all([
      import("../../kql/engine/evaluator.ts"),
      import("../../kql/tables-from-disk.ts"),
      import("../../kql/content/load.ts"),
      import("../investigate/index.ts"),
      import("../investigate/html.ts"),
      import("../workbook/index.ts"),
    ]);
  const problems: string[] = [];
  const { rows } = executeQuery(
    `ExchangeAudit_CL | where ClientIP == "${ATTACKER_IPS.hijack}" and isnotempty(MailboxOwnerUPN) | take 1`,
    { tables: workspaceTables(dataDir) },
  );
  const mailbox = rows[0] ? String(rows[0].MailboxOwnerUPN) : null;
  let report: string | null = null;
  if (mailbox) {
    const inv = await runInvestigation({ dataDir, scope: { kind: "mailbox", value: mailbox }, alerts });
    report = join(dataDir, `investigation-${mailbox.replace(/[^\w.@-]/g, "_")}.html`);
    writeFileSync(report, reportHtml(inv));
  } else {
    problems.push(`no session from the hijack story's IP ${ATTACKER_IPS.hijack}: no report written`);
  }
  const dir = join(REPO_ROOT, "workbooks");
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => join(dir, f));
  const out = join(dataDir, "workbooks");
  mkdirSync(out, { recursive: true });
  const pages = await wb.renderWorkbooks(files, { dataDir, now: new Date() });
  for (const p of pages) problems.push(...p.problems.map((x) => `${p.file}: ${x}`));
  return { mailbox, report, workbooks: pages.map((p) => wb.writePage(out, p)), problems };
}
