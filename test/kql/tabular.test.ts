import assert from "node:assert/strict";
import { test } from "node:test";
import { run } from "./run.ts";

const T =
  'datatable(Name:string, Dept:string, Salary:long, At:datetime)["ann", "eng", 100, datetime(2024-01-01 10:05), "bob", "eng", 80, datetime(2024-01-01 10:50), "cy", "ops", 90, datetime(2024-01-01 11:10), "di", "", long(null), datetime(2024-01-01 12:00)]';

test("let binds scalars, tables and lambdas with default parameters", () => {
  const rows = run(
    `let min = 85; let t = ${T}; let f = (x:long, bonus:long = 5) { x + bonus }; t | where Salary > min | project Name, Pay = f(Salary), Pay2 = f(Salary, 1)`,
  );
  assert.deepEqual(rows, [
    { Name: "ann", Pay: 105, Pay2: 101 },
    { Name: "cy", Pay: 95, Pay2: 91 },
  ]);
});

test("tabular functions take table parameters and run through invoke", () => {
  const rows = run(`let onlyEng = (t:(Dept:string)) { t | where Dept == "eng" }; ${T} | invoke onlyEng() | count`);
  assert.deepEqual(rows, [{ Count: 2 }]);
});

test("database functions (parsers) are callable with and without arguments", () => {
  const fns = [{ name: "Ops", parameters: "(d:string = 'ops')", body: `${T} | where Dept == d | project Name` }];
  assert.deepEqual(run("Ops", {}, fns), [{ Name: "cy" }]);
  assert.deepEqual(run("Ops('eng') | count", {}, fns), [{ Count: 2 }]);
});

test("extend, project, project-away, project-rename and project-reorder shape columns", () => {
  assert.deepEqual(run(`${T} | take 1 | extend Double = Salary * 2, Salary = Salary + 1 | project-away At, Dept`), [
    { Name: "ann", Salary: 101, Double: 200 },
  ]);
  assert.deepEqual(
    run(`${T} | take 1 | project-rename Who = Name | project-reorder Salary, Who | project-away At, Dept`),
    [{ Salary: 100, Who: "ann" }],
  );
  const cols = Object.keys(run(`${T} | take 1 | project-reorder Salary`)[0] ?? {});
  assert.deepEqual(cols, ["Salary", "Name", "Dept", "At"]);
});

test("sort orders descending by default with nulls last, asc puts nulls first", () => {
  assert.deepEqual(
    run(`${T} | sort by Salary | project Salary`).map((r) => r.Salary),
    [100, 90, 80, null],
  );
  assert.deepEqual(
    run(`${T} | order by Salary asc | project Salary`).map((r) => r.Salary),
    [null, 80, 90, 100],
  );
  assert.deepEqual(
    run(`${T} | sort by Salary asc nulls last | project Salary`).map((r) => r.Salary),
    [80, 90, 100, null],
  );
  assert.deepEqual(
    run(`${T} | sort by Dept asc, Salary desc | project Name`).map((r) => r.Name),
    ["di", "ann", "bob", "cy"],
  );
});

test("top, take and limit cut the row set", () => {
  assert.deepEqual(run(`${T} | top 2 by Salary | project Name`), [{ Name: "ann" }, { Name: "cy" }]);
  assert.deepEqual(run(`${T} | top 1 by Salary asc | project Name`), [{ Name: "di" }]);
  assert.equal(run(`${T} | take 3`).length, 3);
  assert.equal(run(`${T} | limit 1`).length, 1);
});

test("distinct and count", () => {
  assert.deepEqual(run(`${T} | distinct Dept | sort by Dept asc`), [{ Dept: "" }, { Dept: "eng" }, { Dept: "ops" }]);
  assert.equal(run(`${T} | distinct *`).length, 4);
  assert.deepEqual(run(`${T} | count`), [{ Count: 4 }]);
});

test("serialize with row_number, prev and next", () => {
  const rows = run(
    `${T} | sort by At asc | serialize n = row_number() | extend before = prev(Name), after = next(Name, 1, "end") | project n, Name, before, after`,
  );
  assert.deepEqual(rows, [
    { n: 1, Name: "ann", before: "", after: "bob" },
    { n: 2, Name: "bob", before: "ann", after: "cy" },
    { n: 3, Name: "cy", before: "bob", after: "di" },
    { n: 4, Name: "di", before: "cy", after: "end" },
  ]);
});

test("parse extracts columns with the simple and regex kinds", () => {
  const rows = run(
    'datatable(s:string)["Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27)", "nothing"] | parse s with * "resourceName=" resource ", totalSlices=" slices:long ")" * | project resource, slices',
  );
  assert.deepEqual(rows, [
    { resource: "PipelineScheduler", slices: 27 },
    { resource: "", slices: null },
  ]);
  const rx = run('print s = "user=eve id=42" | parse kind=regex s with "user=" who @"\\s+id=" id:long');
  assert.deepEqual(rx, [{ s: "user=eve id=42", who: "eve", id: 42 }]);
});

test("datatable, range and print build tables from nothing", () => {
  assert.deepEqual(run("range x from 1 to 7 step 3"), [{ x: 1 }, { x: 4 }, { x: 7 }]);
  assert.deepEqual(run("range t from datetime(2024-01-01) to datetime(2024-01-01 02:00) step 1h | count"), [
    { Count: 3 },
  ]);
  assert.deepEqual(run('print a = 1, "b"'), [{ a: 1, print_1: "b" }]);
  assert.deepEqual(run('datatable(k:string, v:dynamic)["a", dynamic([1])]'), [{ k: "a", v: [1] }]);
});

test("materialize, toscalar and as reuse results", () => {
  const rows = run(
    `let t = materialize(${T}); let top = toscalar(t | summarize max(Salary)); t | where Salary == top | as X | project Name`,
  );
  assert.deepEqual(rows, [{ Name: "ann" }]);
});

test("union appends rows and fills missing columns; withsource names the source", () => {
  const rows = run(
    'let a = datatable(x:long)[1]; let b = datatable(x:long, y:string)[2, "b"]; union withsource=Src a, b | sort by x asc',
  );
  assert.deepEqual(rows, [
    { Src: "a", x: 1, y: "" },
    { Src: "b", x: 2, y: "b" },
  ]);
  assert.equal(run(`${T} | union (${T}) | count`)[0]?.Count, 8);
});

test("mv-expand expands arrays and bags; null gives one row, empty gives none", () => {
  const rows = run(
    'datatable(a:int, b:dynamic)[1, dynamic({"prop1":"a1", "prop2":"b1"}), 2, dynamic([5, 6]), 3, dynamic(null), 4, dynamic([])] | mv-expand b',
  );
  assert.deepEqual(rows, [
    { a: 1, b: { prop1: "a1" } },
    { a: 1, b: { prop2: "b1" } },
    { a: 2, b: 5 },
    { a: 2, b: 6 },
    { a: 3, b: null },
  ]);
  const typed = run(
    'print a = dynamic(["x", "y"]), n = dynamic([1, 2, 3]) | mv-expand a to typeof(string), n to typeof(long) | project a, n',
  );
  assert.deepEqual(typed, [
    { a: "x", n: 1 },
    { a: "y", n: 2 },
    { a: "", n: 3 },
  ]);
  const indexed = run('print v = dynamic(["p", "q"]) | mv-expand with_itemindex=i v | project i, v');
  assert.deepEqual(indexed, [
    { i: 0, v: "p" },
    { i: 1, v: "q" },
  ]);
});

test("mv-apply runs the subquery per row", () => {
  const rows = run(
    'datatable(id:string, xs:dynamic)["a", dynamic([1, 5, 3]), "b", dynamic([2])] | mv-apply x = xs to typeof(long) on (top 2 by x | summarize total = sum(x)) | project id, total',
  );
  assert.deepEqual(rows, [
    { id: "a", total: 8 },
    { id: "b", total: 2 },
  ]);
});

test("getschema lists columns and types", () => {
  const rows = run("datatable(a:string, b:long)[] | getschema | project ColumnName, ColumnType");
  assert.deepEqual(rows, [
    { ColumnName: "a", ColumnType: "string" },
    { ColumnName: "b", ColumnType: "long" },
  ]);
});

test("input tables: missing columns are null or empty, ISO strings become datetimes", () => {
  const rows = run(
    "ExchangeAudit_CL | project TimeGenerated, Operation, RecordType, d = datetime_diff('minute', now(), TimeGenerated)",
    {
      ExchangeAudit_CL: [{ TimeGenerated: "2026-03-10T11:00:00Z" }],
    },
  );
  assert.deepEqual(rows, [{ TimeGenerated: "2026-03-10T11:00:00.000Z", Operation: "", RecordType: null, d: 60 }]);
});

test("ingestion_time() reads _IngestionTime or the emulator's _TimeReceived, else null", () => {
  const rows = run("ExchangeAudit_CL | extend i = ingestion_time() | project RecordId, i", {
    ExchangeAudit_CL: [
      { RecordId: "a", _IngestionTime: "2026-03-10T11:00:00Z" },
      { RecordId: "b", _TimeReceived: "2026-03-10T11:30:00Z" },
      { RecordId: "c" },
    ],
  });
  assert.deepEqual(rows, [
    { RecordId: "a", i: "2026-03-10T11:00:00.000Z" },
    { RecordId: "b", i: "2026-03-10T11:30:00.000Z" },
    { RecordId: "c", i: null },
  ]);
});
