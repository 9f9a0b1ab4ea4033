/**
 * Workbook queries as the portal runs them: text parameters are pasted raw into the query, so a value holding
 * an apostrophe, a double quote or a backslash must not break (or change) any query; the connector-health items
 * honour {Instance}; the heavy session items wait for a User or a Mailbox.
 */
import assert from "node:assert/strict";
import { basename } from "node:path";
import { test } from "node:test";
import { loadWorkbooks, parserFunctionDefs, type Workbook, type WorkbookItem } from "../../kql/content/load.ts";
import { executeQuery } from "../../kql/engine/evaluator.ts";
import { analyze, buildGlobalState } from "../../kql/kusto.ts";
import {
  type DeclaredParam,
  enclosingLiteral,
  findReferences,
  PARAM_TYPE,
  scanWorkbook,
  substituteParameters,
} from "../../scripts/validate/workbook-params.ts";

const functions = parserFunctionDefs();
const globals = buildGlobalState({ functions });
const workbooks = loadWorkbooks().files.map((f) => ({ name: basename(f.file), data: f.data as Workbook }));
const byName = (name: string) => {
  const wb = workbooks.find((w) => w.name === name);
  assert.ok(wb, `workbook ${name} not found`);
  return wb.data;
};

/** Parameters whose value the portal pastes into the query as typed: text boxes and unquoted single dropdowns. */
function rawParams(declared: Map<string, DeclaredParam>): Set<string> {
  const out = new Set<string>();
  for (const p of declared.values()) {
    if (p.type === PARAM_TYPE.text || (p.type === PARAM_TYPE.dropdown && p.quote === "" && !p.multiSelect))
      out.add(p.name);
  }
  return out;
}

/** The query with `values` pasted raw for their parameters and typed placeholders for every other one. */
function fill(query: string, declared: Map<string, DeclaredParam>, values: Record<string, string>): string {
  let text = "";
  let last = 0;
  for (const r of findReferences(query)) {
    if (!(r.name in values) || (r.format !== undefined && r.format !== "value")) continue;
    text += query.slice(last, r.start) + values[r.name];
    last = r.end;
  }
  text += query.slice(last);
  return substituteParameters(text, declared).text;
}

function items(wb: Workbook): WorkbookItem[] {
  const out: WorkbookItem[] = [];
  const walk = (list: WorkbookItem[] | undefined) => {
    for (const it of list ?? []) {
      out.push(it);
      if (it.type === 12) walk((it.content as { items?: WorkbookItem[] }).items);
    }
  };
  walk(wb.items as WorkbookItem[]);
  return out;
}
const itemNamed = (wb: Workbook, name: string) => {
  const it = items(wb).find((i) => (i as { name?: string }).name === name);
  assert.ok(it, `item ${name} not found`);
  return it as WorkbookItem & { name: string; conditionalVisibility?: Record<string, unknown> };
};
const queryOf = (it: WorkbookItem) => (it.content as { query: string }).query;

const HOSTILE = ["o'brien@contoso.com", 'say "hi" to C:\\temp\\', "x' or true or '"];

test("the check itself rejects a value with an apostrophe pasted between single quotes", () => {
  const { errors } = analyze("ExchangeAudit_CL | where UserId =~ 'o'brien@contoso.com'", globals);
  assert.ok(errors.length > 0);
});

for (const { name, data } of workbooks) {
  const scan = scanWorkbook(data);
  const raw = rawParams(scan.declared);

  test(`${name}: every query parses when a text parameter holds an apostrophe, a double quote or a backslash`, () => {
    const failures: string[] = [];
    for (const q of scan.queries) {
      const names = findReferences(q.query)
        .map((r) => r.name)
        .filter((n) => raw.has(n));
      if (names.length === 0) continue;
      for (const value of HOSTILE) {
        const text = fill(q.query, scan.declared, Object.fromEntries(names.map((n) => [n, value])));
        const { errors } = analyze(text, globals);
        if (errors.length > 0) failures.push(`${q.path.join(".")} with ${value}: ${errors[0]!.message}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  test(`${name}: every text parameter is referenced as a whole multi-line string literal`, () => {
    const bad: string[] = [];
    for (const q of scan.queries) {
      for (const r of findReferences(q.query)) {
        if (!raw.has(r.name)) continue;
        const whole =
          enclosingLiteral(q.query, r.start) === "```" &&
          q.query.slice(r.start - 3, r.start) === "```" &&
          q.query.startsWith("```", r.end);
        if (!whole) bad.push(`${q.path.join(".")}: {${r.name}} at ${r.start}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  test(`${name}: no query calls pack(), whose current name is bag_pack()`, () => {
    const bad = scan.queries.filter((q) => /(?<![\w.])pack\s*\(/.test(q.query)).map((q) => q.path.join("."));
    assert.deepEqual(bad, []);
  });
}

test("a session id holding quotes and backslashes selects exactly that session", () => {
  const wb = byName("exchange-session-investigation.json");
  const { declared } = scanWorkbook(wb);
  const odd = `o'brien "x" \\y`;
  const query = fill(queryOf(itemNamed(wb, "session-operations")), declared, { SessionId: odd });
  const row = (SessionId: string, Operation: string) => ({
    TimeGenerated: "2026-01-01T12:00:00Z",
    EventTime: "2026-01-01T12:00:00Z",
    SessionId,
    Operation,
  });
  const result = executeQuery(query, {
    tables: { ExchangeAudit_CL: [row(odd, "Send"), row("o", "HardDelete")] },
    now: new Date("2026-01-02T00:00:00Z"),
    functions,
  });
  assert.deepEqual(
    result.rows.map((r) => r.Operation),
    ["Send"],
  );
});

test("every connector-health query over the audit or heartbeat table honours {Instance}", () => {
  const scan = scanWorkbook(byName("exchange-audit-connector-health.json"));
  const ignoring = scan.queries
    .filter((q) => /ExchangeAudit(Health)?_CL/.test(q.query))
    .filter((q) => !findReferences(q.query).some((r) => r.name === "Instance"))
    .map((q) => q.path.join("."));
  assert.deepEqual(ignoring, []);
});

test("the throughput and delay items count only the tenants of the chosen instance", () => {
  const wb = byName("exchange-audit-connector-health.json");
  const { declared } = scanWorkbook(wb);
  const health = [
    { TimeGenerated: "2026-01-01T10:00:00Z", Instance: "host-a", ConnectorTenant: "tenant-a" },
    { TimeGenerated: "2026-01-01T10:00:00Z", Instance: "host-b", ConnectorTenant: "tenant-b" },
  ];
  const audit = (tenant: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      TimeGenerated: "2026-01-01T09:30:00Z",
      EventTime: "2026-01-01T09:30:00Z",
      _IngestionTime: "2026-01-01T09:45:00Z",
      RecordId: `${tenant}-${i}`,
      RecordTypeName: "ExchangeItem",
      ConnectorTenant: tenant,
    }));
  const tables = {
    ExchangeAuditHealth_CL: health,
    ExchangeAudit_CL: [...audit("tenant-a", 2), ...audit("tenant-b", 3)],
  };
  const run = (item: string, instance: string) =>
    executeQuery(fill(queryOf(itemNamed(wb, item)), declared, { Instance: instance }), {
      tables,
      now: new Date("2026-01-02T00:00:00Z"),
      functions,
    }).rows;
  const rows = (instance: string) => run("throughput-table", instance).reduce((s, r) => s + Number(r.Rows), 0);
  assert.equal(rows("host-a"), 2);
  assert.equal(rows("host-b"), 3);
  assert.equal(rows(""), 5);
  assert.equal(run("ingestion-delay", "host-a").length, 1);
  assert.equal(run("ingestion-delay", "nobody").length, 0);
});

/** The value of a workbook's hidden `Scope` parameter for the given parameter values (run on the engine). */
function scopeOf(wb: Workbook, values: Record<string, string>): unknown {
  const { declared } = scanWorkbook(wb);
  const paramsItem = items(wb).find((i) => i.type === 9);
  assert.ok(paramsItem, "no parameters item");
  const params = (paramsItem.content as { parameters: { name: string; query?: string }[] }).parameters;
  const query = params.find((p) => p.name === "Scope")?.query;
  assert.ok(query, "no Scope parameter query");
  return executeQuery(fill(query, declared, values), { tables: {}, now: new Date(), functions }).rows[0]?.Scope;
}

test("the messages item of the mail access workbook waits until a Mailbox, an Actor or a Client IP is chosen", () => {
  const wb = byName("exchange-mail-access-scoping.json");
  assert.deepEqual(itemNamed(wb, "messages").conditionalVisibility, {
    parameterName: "Scope",
    comparison: "isNotEqualTo",
    value: "",
  });
  const none = { Mailbox: "", Actor: "", ClientIP: "" };
  assert.equal(scopeOf(wb, none), "");
  assert.equal(scopeOf(wb, { ...none, Mailbox: "o'brien@contoso.com" }), "scoped");
  assert.equal(scopeOf(wb, { ...none, Actor: "d3590ed6-52b3-4102-aeff-aad2292ab01c" }), "scoped");
  assert.equal(scopeOf(wb, { ...none, ClientIP: "2001:db8::17" }), "scoped");
});

test("the session grid, tiles and timeline wait until a User or a Mailbox is chosen", () => {
  const wb = byName("exchange-session-investigation.json");
  const gate = { parameterName: "Scope", comparison: "isNotEqualTo", value: "" };
  for (const name of ["sessions", "summary-tiles", "session-timeline"]) {
    assert.deepEqual(itemNamed(wb, name).conditionalVisibility, gate, name);
  }
  // every item that compares a user's sessions with each other is gated the same way
  for (const it of items(wb).filter((i) => i.type === 3 && /join kind=inner \(Sessions\b/.test(queryOf(i)))) {
    assert.deepEqual((it as { conditionalVisibility?: unknown }).conditionalVisibility, gate);
  }
  const scope = (User: string, Mailbox: string) => scopeOf(wb, { User, Mailbox });
  assert.equal(scope("", ""), "");
  assert.equal(scope("o'brien@contoso.com", ""), "scoped");
  assert.equal(scope("", "ceo@contoso.com"), "scoped");
});

test("the admin workbook lists mail protection, forwarding, connector and protocol changes with their settings", () => {
  const wb = byName("exchange-admin-and-permission-changes.json");
  const { declared } = scanWorkbook(wb);
  const row = (Operation: string, Parameters: Record<string, string>) => ({
    TimeGenerated: "2026-01-01T12:00:00Z",
    EventTime: "2026-01-01T12:00:00Z",
    Operation,
    UserId: "it.admin@contoso.com",
    Parameters,
  });
  const rows = executeQuery(fill(queryOf(itemNamed(wb, "mail-protection-and-flow")), declared, { Admin: "" }), {
    tables: {
      ExchangeAudit_CL: [
        row("Set-AntiPhishPolicy", { Identity: "Default", EnableSpoofIntelligence: "False" }),
        row("Disable-SafeLinksRule", { Identity: "Standard Preset" }),
        row("Set-RemoteDomain", { Identity: "Default", AutoForwardEnabled: "True" }),
        row("New-OutboundConnector", { Name: "Relay", SmartHosts: "198.51.100.25" }),
        row("Set-CASMailbox", { Identity: "megan.bowen@contoso.com", ImapEnabled: "True" }),
        row("Set-Mailbox", { Identity: "megan.bowen@contoso.com", Type: "Shared" }),
        row("Set-AntiPhishPolicyX", { Identity: "not a cmdlet" }),
      ],
    },
    now: new Date("2026-01-02T00:00:00Z"),
    functions,
  }).rows;
  assert.deepEqual(rows.map((r) => r.Operation).sort(), [
    "Disable-SafeLinksRule",
    "New-OutboundConnector",
    "Set-AntiPhishPolicy",
    "Set-CASMailbox",
    "Set-RemoteDomain",
  ]);
  const antiPhish = rows.find((r) => r.Operation === "Set-AntiPhishPolicy");
  assert.deepEqual([antiPhish?.Target, antiPhish?.Settings], ["Default", { EnableSpoofIntelligence: "False" }]);
});
