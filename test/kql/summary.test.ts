import assert from "node:assert/strict";
import { test } from "node:test";
import { BASELINE_TABLE } from "../../connector/schema/table-schema.ts";
import { scanWindows } from "../../kql/backtest.ts";
import { loadSummaryRule, summaryRows, withSummaryTables } from "../../kql/summary.ts";

const rule = loadSummaryRule(BASELINE_TABLE.summaryRule);

const sendAs = (at: string, user: string, mailbox: string) => ({
  TimeGenerated: at,
  EventTime: at,
  Operation: "SendAs",
  Succeeded: true,
  IsSystemActor: false,
  UserId: user,
  MailboxOwnerUPN: mailbox,
  SendAsUserSmtp: mailbox,
});

test("the baseline summary runs once per day bin: one row per pair and day, first and last event time", () => {
  const rows = summaryRows(rule, [
    sendAs("2026-03-02T09:00:00Z", "Joni@contoso.com", "finance@contoso.com"),
    sendAs("2026-03-02T15:00:00Z", "joni@contoso.com", "Finance@contoso.com"),
    sendAs("2026-03-03T10:00:00Z", "joni@contoso.com", "finance@contoso.com"),
  ]);
  const pairs = rows.filter((r) => r.Kind === "SendAs");
  assert.deepEqual(
    pairs.map((r) => [r.Actor, r.Value, r.FirstSeen, r.LastSeen, r.Records]),
    [
      ["joni@contoso.com", "finance@contoso.com", "2026-03-02T09:00:00.000Z", "2026-03-02T15:00:00.000Z", 2],
      ["joni@contoso.com", "finance@contoso.com", "2026-03-03T10:00:00.000Z", "2026-03-03T10:00:00.000Z", 1],
    ],
  );
  assert.equal(rows.filter((r) => r.Kind === "Activity").length, 2, "one Activity row per day");
  for (const r of rows)
    assert.deepEqual(
      Object.keys(r),
      BASELINE_TABLE.columns.map((c) => c.name),
    );
});

test("withSummaryTables computes the baseline from ExchangeAudit_CL and keeps rows a scenario gives", () => {
  const given = { TimeGenerated: "2026-02-20T00:00:00Z", Kind: "Activity", Actor: "", Value: "" };
  const provider = withSummaryTables({
    ExchangeAudit_CL: [sendAs("2026-03-02T09:00:00Z", "joni@contoso.com", "finance@contoso.com")],
    ExchangeAuditBaseline_CL: [given],
  });
  const rows = provider("ExchangeAuditBaseline_CL") ?? [];
  assert.equal(rows[0], given);
  assert.ok(rows.some((r) => r.Kind === "SendAs"));
  assert.equal(provider("ExchangeAudit_CL")?.length, 1);
});

test("scanWindows: a table read only behind a leading TimeGenerated filter is scanned for that window", () => {
  const q = `let rawWindow = 1d;
    let b = ExchangeAuditBaseline_CL | where TimeGenerated > ago(14d);
    ExchangeAudit_CL | where TimeGenerated > ago(rawWindow) | join b on X`;
  assert.deepEqual(
    [...scanWindows(q)],
    [
      ["ExchangeAuditBaseline_CL", 14 * 86_400_000],
      ["ExchangeAudit_CL", 86_400_000],
    ],
  );
  assert.equal(scanWindows(`${q} | union ExchangeAudit_CL`).has("ExchangeAudit_CL"), false, "one unfiltered read");
  assert.equal(
    scanWindows(
      `let d = 1d; // ExchangeAudit_CL is read over one day\nExchangeAudit_CL | where TimeGenerated > ago(d)`,
    ).get("ExchangeAudit_CL"),
    86_400_000,
    "a table named in a comment is not a read",
  );
  assert.equal(
    scanWindows(`${q} | where Url has "http://x" | union ExchangeAudit_CL // c`).has("ExchangeAudit_CL"),
    false,
    "a // inside a string does not hide a later read",
  );
});
