/** `exo-audit investigate`: sessions, actions, messages read and alerts for one mailbox, user, session or IP. */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { type Command, parseDateOption, UsageError, parseCommandArgs } from "./types.ts";

const USAGE = `Usage: exo-audit investigate [--data-dir DIR] (--mailbox UPN | --user UPN | --session ID | --ip IP)
                            [--from ISO] [--to ISO] [--out FILE.html] [--json]

Answers, over local data (collected by 'run' or 'demo', or imported with 'import'): which sessions touched
this mailbox, what did each do, which mails were read? Lists the sessions in scope with their IPs,
clients, apps, first/last seen and whether another session of the same user was active at the same time
from another network; a timeline per session (actions grouped, admin cmdlet parameters); the messages
read (Bind, with folders; subject and sender from EmailEvents when that table is present locally) and the
folders synchronised (Sync); the analytics rules' alerts that involve the scope. The queries are the
content pack's (ExchangeAuditSessions parser, the messages-read hunting query, the analytics rules).

Options:
  --data-dir DIR    data directory (default: .data)
  --mailbox UPN     sessions that touched this mailbox (as owner or target)
  --user UPN        sessions of this acting user
  --session ID      one Exchange SessionId
  --ip IP           sessions with activity from this client IP
  --from ISO        start of the window (default: the oldest record)
  --to ISO          end of the window (default: just after the newest record)
  --out FILE.html   write a single-file HTML report with a timeline chart
  --json            print the investigation as JSON (the same content as the report)

Without --out or --json a text summary is printed. Exit code: 0, 1 when the data cannot be read, 2 for bad
usage.

Example:
  exo-audit investigate --mailbox adele.vance@contoso.com --out report.html`;

const SCOPES = ["mailbox", "user", "session", "ip"] as const;

function parseDate(name: string, text: string | undefined): Date | undefined {
  return text === undefined ? undefined : parseDateOption(name, text);
}

export const investigateCommand: Command = {
  name: "investigate",
  summary: "sessions, actions, messages read and alerts for a mailbox, user, session or IP",
  usage: USAGE,
  async run(argv) {
    const { values } = parseCommandArgs({
      args: argv,
      options: {
        "data-dir": { type: "string" },
        mailbox: { type: "string" },
        user: { type: "string" },
        session: { type: "string" },
        ip: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        out: { type: "string" },
        json: { type: "boolean" },
      },
    });
    const given = SCOPES.filter((s) => typeof values[s] === "string" && values[s] !== "");
    if (given.length !== 1) throw new UsageError("give exactly one of --mailbox, --user, --session, --ip");
    const kind = given[0]!;
    const scope = { kind, value: String(values[kind]) };
    const from = parseDate("from", values.from as string | undefined);
    const to = parseDate("to", values.to as string | undefined);
    const dataDir = resolve((values["data-dir"] as string | undefined) ?? ".data");
    const { runInvestigation } = await import("../investigate/index.ts");
    const { reportHtml } = await import("../investigate/html.ts");
    const { summaryText } = await import("../investigate/text.ts");
    let inv: Awaited<ReturnType<typeof runInvestigation>>;
    try {
      inv = await runInvestigation({ dataDir, scope, ...(from ? { from } : {}), ...(to ? { to } : {}) });
    } catch (err) {
      process.stderr.write(`exo-audit investigate: ${(err as Error).message}\n`);
      return 1;
    }
    if (values.out) {
      const path = resolve(String(values.out));
      writeFileSync(path, reportHtml(inv));
      process.stderr.write(`wrote ${path}\n`);
    }
    if (values.json) process.stdout.write(`${JSON.stringify(inv, null, 2)}\n`);
    else if (!values.out) process.stdout.write(summaryText(inv));
    return 0;
  },
};
