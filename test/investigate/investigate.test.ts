import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { runImport } from "../../connector/commands/import.ts";
import { investigateCommand } from "../../connector/commands/investigate.ts";
import { UsageError } from "../../connector/commands/types.ts";
import { ATTACKER_IPS } from "../../connector/dataset/index.ts";
import { reportHtml } from "../../connector/investigate/html.ts";
import { type Investigation, runInvestigation } from "../../connector/investigate/index.ts";
import { findChromium, launch } from "../../scripts/build/browser.ts";
import { type DemoData, demoData } from "../workbook/demo-data.ts";

const cli = fileURLToPath(new URL("../../connector/cli.ts", import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/exports/${name}`, import.meta.url));

describe("investigate the demo's hijacked mailbox", () => {
  let demo: DemoData;
  let inv: Investigation;
  before(
    async () => {
      demo = await demoData();
      inv = await runInvestigation({ dataDir: demo.dir, scope: { kind: "mailbox", value: demo.victim } });
    },
    { timeout: 240_000 },
  );
  after(() => demo?.remove());

  it("lists the attacker's session apart from the owner's: concurrent, from a network the user never used", () => {
    const attacker = inv.sessions.find((s) => s.sessionId === demo.hijackSession);
    assert.ok(attacker, "the hijacked session is in scope");
    assert.deepEqual(attacker.clientIPs, [ATTACKER_IPS.hijack]);
    assert.ok(attacker.newNetwork);
    const owner = inv.sessions.filter((s) => s.sessionId !== demo.hijackSession);
    assert.ok(owner.length >= 1);
    assert.ok(
      owner.every((s) => !s.newNetwork || s.concurrentWith.length === 0),
      "no owner session looks like it",
    );
    // The owner's session running at the same time is the one the attacker's overlaps.
    const overlapped = owner.find((s) => s.concurrentWith.some((o) => o.sessionId === demo.hijackSession));
    assert.ok(overlapped, "the owner's concurrent session");
    assert.ok(attacker.concurrentWith.some((o) => o.sessionId === overlapped.sessionId));
  });

  it("lists the six messages the attacker read, by InternetMessageId, with their folder", () => {
    const read = inv.messages.filter((m) => m.sessions.includes(demo.hijackSession));
    assert.equal(read.length, 6);
    for (const m of read) {
      assert.match(m.internetMessageId, /^<.+@.+>$/);
      assert.deepEqual(m.folders, ["\\Inbox"]);
      assert.deepEqual(m.clientIPs, [ATTACKER_IPS.hijack]);
      assert.equal(m.subject, null, "EmailEvents is not in the demo data");
    }
    assert.equal(inv.emailEventsPresent, false);
  });

  it("shows the attacker's inbox rule with its parameters in the session's timeline", () => {
    const rule = inv.timeline.find((a) => a.sessionId === demo.hijackSession && a.operation === "New-InboxRule");
    assert.ok(rule);
    assert.equal(rule.parameters[0]?.ForwardTo, "invoices.archive@proton.example");
    const ops = inv.timeline.filter((a) => a.sessionId === demo.hijackSession).map((a) => a.operation);
    assert.ok(ops.includes("MailItemsAccessed") && ops.includes("Add-MailboxFolderPermission"), ops.join());
  });

  it("names the alerts that involve the mailbox", () => {
    const rules = inv.alerts.map((a) => a.rule);
    assert.ok(
      rules.some((r) => /concurrent sessions/i.test(r)),
      rules.join("; "),
    );
    assert.ok(
      rules.some((r) => /forwards or redirects mail outside/i.test(r)),
      rules.join("; "),
    );
  });

  it("draws the report in Chromium: a timeline with a mark per action and the attacker's rows marked", {
    skip: !findChromium() && "no Chromium",
  }, async () => {
    const out = mkdtempSync(join(tmpdir(), "exo-report-"));
    const browser = await launch(findChromium()!);
    try {
      const path = join(out, "report.html");
      writeFileSync(path, reportHtml(inv));
      const { page, errors } = await browser.open(path);
      assert.deepEqual(errors, []);
      const marks = Number(await page.$eval("#timeline", (c) => c.getAttribute("data-marks")));
      assert.equal(marks, inv.timeline.length);
      const flagged = await page.$$eval("tr.suspicious[data-session]", (rows) =>
        rows.map((r) => r.getAttribute("data-session")),
      );
      assert.deepEqual(flagged, [demo.hijackSession]);
      const messageRows = await page.$$eval("table[data-table=messages] tbody tr", (rows) => rows.length);
      assert.equal(messageRows, inv.messages.length);
      // `EXO_SCREENSHOTS=1` refreshes the README's picture of a report.
      if (process.env.EXO_SCREENSHOTS) {
        await page.setViewport({ width: 1200, height: 760 });
        const shot = fileURLToPath(new URL("../../docs/images/investigation-report.png", import.meta.url));
        await page.screenshot({ path: shot as `${string}.png` });
      }
    } finally {
      await browser.close();
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe("investigate a Purview export imported with exo-audit import", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "exo-investigate-import-"));
  before(async () => {
    let out = "";
    const io = {
      out: (t: string) => {
        out += t;
      },
      err: () => {},
    };
    // The fixture holds two unreadable rows on purpose (exit 1, dead-lettered); the four good ones land.
    await runImport(["--data-dir", dataDir, fixture("purview-audit-search.csv")], io);
    assert.equal((JSON.parse(out) as { accepted: number }).accepted, 4);
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it("finds the session that read the mailbox and the messages it read, dated by the export, not the import", async () => {
    const inv = await runInvestigation({ dataDir, scope: { kind: "mailbox", value: "Tony.Hawks@contoso.com" } });
    assert.equal(inv.sessions.length, 1);
    assert.equal(inv.sessions[0]!.sessionId, "1f99e672-8141-4a22-9aa0-96357297e843");
    assert.match(inv.sessions[0]!.firstSeen, /^2020-04-07/);
    assert.equal(inv.messages.length, 3);
    assert.ok(inv.messages.every((m) => m.folders.includes("\\Inbox\\Finance")));
  });

  it("joins the messages read with EmailEvents when that table is present locally", async () => {
    const before = await runInvestigation({
      dataDir,
      scope: { kind: "session", value: "1f99e672-8141-4a22-9aa0-96357297e843" },
    });
    const id = before.messages[0]!.internetMessageId;
    const mail = {
      TimeGenerated: "2020-04-07T20:00:00Z",
      InternetMessageId: id,
      Subject: "Q1 wire instructions",
      SenderFromAddress: "cfo@contoso.com",
      // EmailEvents has one row per recipient: the join is on message id and recipient (the mailbox's owner)
      RecipientEmailAddress: "Tony.Hawks@contoso.com",
      NetworkMessageId: "6b1f0c9e-0000-4000-8000-000000000001",
      EmailDirection: "Inbound",
      DeliveryLocation: "Inbox/folder",
    };
    writeFileSync(join(dataDir, "workspace", "EmailEvents.ndjson"), `${JSON.stringify(mail)}\n`);
    try {
      const inv = await runInvestigation({
        dataDir,
        scope: { kind: "session", value: "1f99e672-8141-4a22-9aa0-96357297e843" },
      });
      assert.equal(inv.emailEventsPresent, true);
      const m = inv.messages.find((x) => x.internetMessageId === id);
      assert.equal(m?.subject, "Q1 wire instructions");
      assert.equal(m?.sender, "cfo@contoso.com");
    } finally {
      rmSync(join(dataDir, "workspace", "EmailEvents.ndjson"));
    }
  });

  it("shows an admin cmdlet's parameters for a user", async () => {
    const inv = await runInvestigation({ dataDir, scope: { kind: "user", value: "adam@contoso.onmicrosoft.com" } });
    const rule = inv.timeline.find((a) => a.operation === "New-InboxRule");
    assert.equal(rule?.parameters[0]?.ForwardTo, "alpha@localhost.com");
  });

  it("prints the same content with --json from the command line", () => {
    const r = spawnSync(
      process.execPath,
      [cli, "investigate", "--data-dir", dataDir, "--ip", "104.28.196.199", "--json"],
      {
        encoding: "utf8",
      },
    );
    assert.equal(r.status, 0, r.stderr);
    const inv = JSON.parse(r.stdout) as Investigation;
    assert.deepEqual(inv.scope, { kind: "ip", value: "104.28.196.199" });
    assert.deepEqual(
      inv.sessions.map((s) => s.sessionId),
      ["87bfd35a-633e-41ae-8656-d9029c255b94"],
    );
  });

  it("refuses a command line without exactly one of --mailbox, --user, --session, --ip", async () => {
    await assert.rejects(investigateCommand.run(["--data-dir", dataDir]), UsageError);
    await assert.rejects(investigateCommand.run(["--mailbox", "a@b", "--ip", "1.2.3.4"]), UsageError);
  });
});
