import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { UsageError } from "../../connector/commands/types.ts";
import { workbookCommand } from "../../connector/commands/workbook.ts";
import { renderWorkbooks } from "../../connector/workbook/index.ts";
import { findReferences, grainFor, type ParamDecl, substitute } from "../../connector/workbook/params.ts";

const NOW = new Date("2026-03-10T12:00:00Z");
const decl = (name: string, type: number, extra: Partial<ParamDecl> = {}): ParamDecl => ({
  name,
  type,
  label: undefined,
  required: false,
  multiSelect: false,
  quote: "'",
  delimiter: ",",
  query: undefined,
  defaultValue: undefined,
  ...extra,
});

describe("parameter references", () => {
  const decls = new Map([
    ["TimeRange", decl("TimeRange", 4)],
    ["User", decl("User", 1)],
    ["Apps", decl("Apps", 2, { multiSelect: true })],
  ]);
  const start = new Date("2026-03-03T12:00:00Z");
  const values = new Map([
    ["TimeRange", { values: ["604800000"], label: "Last 7 days", range: { start, end: NOW, durationMs: 604_800_000 } }],
    ["User", { values: ["o'brien@contoso.com"], label: "o'brien@contoso.com" }],
    ["Apps", { values: ["a", "b"], label: "a, b" }],
  ]);

  it("expands a time range to a between filter, its bounds to datetimes and its grain to a bin size", () => {
    const q = substitute(
      "T | where TimeGenerated {TimeRange} | summarize count() by bin(t, {TimeRange:grain}) | where x > {TimeRange:start}",
      decls,
      values,
      true,
    );
    assert.equal(
      q,
      "T | where TimeGenerated between (datetime(2026-03-03T12:00:00.000Z) .. datetime(2026-03-10T12:00:00.000Z)) | summarize count() by bin(t, 2h) | where x > datetime(2026-03-03T12:00:00.000Z)",
    );
  });

  it("escapes a text value inside the string literal it is placed in, so an apostrophe cannot break the query", () => {
    assert.equal(
      substitute("where UserId =~ '{User}'", decls, values, true),
      "where UserId =~ 'o\\'brien@contoso.com'",
    );
  });

  it("quotes and joins multi-select dropdown values outside strings, and shows labels in text", () => {
    assert.equal(substitute("where AppId in ({Apps})", decls, values, true), "where AppId in ('a','b')");
    assert.equal(
      substitute("Range: {TimeRange:label}, user {User}", decls, values, false),
      "Range: Last 7 days, user o'brien@contoso.com",
    );
  });

  it("leaves undeclared names and doubled braces alone", () => {
    assert.equal(substitute("{Unknown} {{User}}", decls, values, true), "{Unknown} {{User}}");
    assert.deepEqual(findReferences("{0} {{x}}"), []);
  });

  it("picks about a hundred bins for a time chart", () => {
    assert.equal(grainFor(86_400_000), "15m");
    assert.equal(grainFor(604_800_000), "2h");
  });
});

describe("workbook render over a small data directory", () => {
  const dir = mkdtempSync(join(tmpdir(), "exo-wb-params-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "workspace"));
  const row = (t: string, user: string, op: string) =>
    JSON.stringify({ TimeGenerated: t, EventTime: t, UserId: user, Operation: op, RecordId: `${t}${user}` });
  writeFileSync(
    join(dir, "workspace", "ExchangeAudit_CL.ndjson"),
    [
      row("2026-03-10T08:00:00Z", "ada@contoso.com", "Send"),
      row("2026-03-10T09:00:00Z", "ada@contoso.com", "MailItemsAccessed"),
      row("2026-03-10T10:00:00Z", "bob@contoso.com", "Send"),
      row("2026-02-01T10:00:00Z", "bob@contoso.com", "Send"),
    ].join("\n"),
  );
  const workbook = {
    version: "Notebook/1.0",
    items: [
      { type: 1, name: "intro", content: { json: "## Test for {User}" } },
      {
        type: 9,
        name: "params",
        content: {
          version: "KqlParameterItem/1.0",
          parameters: [
            { name: "TimeRange", type: 4, isRequired: true, value: { durationMs: 86_400_000 } },
            {
              name: "User",
              type: 2,
              quote: "'",
              query:
                "ExchangeAudit_CL | summarize n = count() by UserId | order by n desc | project value = UserId, label = UserId, selected = n > 1",
            },
            { name: "Case", type: 1, isRequired: true },
          ],
        },
      },
      {
        type: 3,
        name: "ops",
        content: {
          version: "KqlItem/1.0",
          query:
            "ExchangeAudit_CL | where TimeGenerated {TimeRange} | where UserId == {User} | summarize n = count() by Operation",
          visualization: "table",
        },
      },
      {
        type: 3,
        name: "needs-case",
        content: {
          version: "KqlItem/1.0",
          query: "ExchangeAudit_CL | where UserId == '{Case}'",
          visualization: "table",
        },
      },
      {
        type: 3,
        name: "only-for-bob",
        conditionalVisibility: { parameterName: "User", comparison: "isEqualTo", value: "bob@contoso.com" },
        content: { version: "KqlItem/1.0", query: "ExchangeAudit_CL | take 1", visualization: "table" },
      },
      {
        type: 3,
        name: "broken",
        content: { version: "KqlItem/1.0", query: "ExchangeAudit_CL | summarize nope(UserId)", visualization: "table" },
      },
    ],
  };
  const file = join(dir, "test-workbook.json");
  writeFileSync(file, JSON.stringify(workbook));

  it("resolves a dropdown from its own query, honours conditional visibility and waits for a required parameter", async () => {
    const [page] = await renderWorkbooks([file], { dataDir: dir, now: NOW });
    assert.ok(page);
    // ada has two rows, so the dropdown's query selects her; only the last day is in the time range.
    assert.match(page.html, /<h2>Test for (<a [^>]*>)?ada@contoso\.com/);
    assert.match(page.html, /data-item="ops" data-state="drawn"[^>]*data-rows="2"/);
    assert.match(page.html, /data-item="needs-case" data-state="pending"/);
    assert.ok(!page.html.includes('data-item="only-for-bob"'));
    const [bob] = await renderWorkbooks([file], {
      dataDir: dir,
      now: NOW,
      params: { User: "bob@contoso.com", Case: "x" },
    });
    assert.match(bob!.html, /data-item="ops" data-state="drawn"[^>]*data-rows="1"/);
    assert.match(bob!.html, /data-item="only-for-bob" data-state="drawn"/);
    assert.match(bob!.html, /data-item="needs-case" data-state="empty"/);
  });

  it("shows a failing item's error in place and exits 1; bad usage exits with a usage error", async () => {
    const out = join(dir, "out");
    const code = await workbookCommand.run([
      "render",
      file,
      "--data-dir",
      dir,
      "--out",
      out,
      "--now",
      NOW.toISOString(),
    ]);
    assert.equal(code, 1);
    const html = readFileSync(join(out, "test-workbook.html"), "utf8");
    assert.match(html, /data-item="broken" data-state="error"/);
    assert.match(html, /<pre class="error">[^<]*nope/);
    await assert.rejects(workbookCommand.run(["render", file, "--theme", "pink"]), UsageError);
    await assert.rejects(workbookCommand.run(["render", file, "--param", "novalue"]), UsageError);
    await assert.rejects(workbookCommand.run(["draw", file]), UsageError);
  });
});
