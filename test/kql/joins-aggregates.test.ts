import assert from "node:assert/strict";
import { test } from "node:test";
import { KqlEngineError } from "../../kql/engine/syntax.ts";
import { run } from "./run.ts";

// The documented join-flavor example: https://learn.microsoft.com/kusto/query/join-operator
const XY =
  "let X = datatable(Key:string, Value1:long)['a', 1, 'b', 2, 'b', 3, 'c', 4]; let Y = datatable(Key:string, Value2:long)['b', 10, 'c', 20, 'c', 30, 'd', 40];";
const sorted = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r)).sort();

test("the default join (innerunique) keeps one left row per key", () => {
  const rows = run(`${XY} X | join Y on Key`);
  assert.equal(rows.length, 3);
  assert.deepEqual(
    rows
      .filter((r) => r.Key === "c")
      .map((r) => r.Value2)
      .sort(),
    [20, 30],
  );
  assert.equal(rows.filter((r) => r.Key === "b").length, 1);
  assert.deepEqual(Object.keys(rows[0] ?? {}), ["Key", "Value1", "Key1", "Value2"]);
});

test("inner join matches every pair of rows", () => {
  assert.deepEqual(
    sorted(run(`${XY} X | join kind=inner Y on Key | project Key, Value1, Value2`)),
    sorted([
      { Key: "b", Value1: 2, Value2: 10 },
      { Key: "b", Value1: 3, Value2: 10 },
      { Key: "c", Value1: 4, Value2: 20 },
      { Key: "c", Value1: 4, Value2: 30 },
    ]),
  );
});

test("outer joins keep unmatched rows with empty or null columns", () => {
  const left = run(`${XY} X | join kind=leftouter Y on Key`);
  assert.equal(left.length, 5);
  assert.deepEqual(
    left.find((r) => r.Key === "a"),
    { Key: "a", Value1: 1, Key1: "", Value2: null },
  );
  const right = run(`${XY} X | join kind=rightouter Y on Key`);
  assert.equal(right.length, 5);
  assert.deepEqual(
    right.find((r) => r.Key1 === "d"),
    { Key: "", Value1: null, Key1: "d", Value2: 40 },
  );
  assert.equal(run(`${XY} X | join kind=fullouter Y on Key`).length, 6);
});

test("semi and anti joins return one side only", () => {
  assert.deepEqual(
    sorted(run(`${XY} X | join kind=leftsemi Y on Key`)),
    sorted([
      { Key: "b", Value1: 2 },
      { Key: "b", Value1: 3 },
      { Key: "c", Value1: 4 },
    ]),
  );
  assert.deepEqual(run(`${XY} X | join kind=leftanti Y on Key`), [{ Key: "a", Value1: 1 }]);
  assert.deepEqual(run(`${XY} X | join kind=rightanti Y on Key`), [{ Key: "d", Value2: 40 }]);
  assert.deepEqual(
    sorted(run(`${XY} X | join kind=rightsemi Y on Key`)),
    sorted([
      { Key: "b", Value2: 10 },
      { Key: "c", Value2: 20 },
      { Key: "c", Value2: 30 },
    ]),
  );
});

test("join on $left/$right columns and on several keys", () => {
  const rows = run(
    "let A = datatable(u:string, ip:string)['eve', '1.1.1.1', 'eve', '2.2.2.2']; let B = datatable(user:string, ip:string, c:long)['eve', '2.2.2.2', 7]; A | join kind=inner B on $left.u == $right.user, ip | project u, ip, c",
  );
  assert.deepEqual(rows, [{ u: "eve", ip: "2.2.2.2", c: 7 }]);
});

test("lookup adds right-side columns to matching left rows and keeps the rest", () => {
  const rows = run(`${XY} X | lookup (Y | summarize Value2 = max(Value2) by Key) on Key | sort by Value1 asc`);
  assert.deepEqual(rows, [
    { Key: "a", Value1: 1, Value2: null },
    { Key: "b", Value1: 2, Value2: 10 },
    { Key: "b", Value1: 3, Value2: 10 },
    { Key: "c", Value1: 4, Value2: 30 },
  ]);
});

const S =
  "let S = datatable(u:string, op:string, n:long, t:datetime, ip:string)['eve', 'Send', 1, datetime(2024-01-01 10:05), '1.1.1.1', 'eve', 'Read', 2, datetime(2024-01-01 10:40), '2.2.2.2', 'eve', 'Read', long(null), datetime(2024-01-01 11:20), '1.1.1.1', 'bob', 'Read', 5, datetime(2024-01-01 10:10), '3.3.3.3'];";

test("summarize count, countif, dcount, dcountif, sum, sumif, min, max, avg by a key", () => {
  const rows = run(
    `${S} S | summarize c = count(), ci = countif(op == "Read"), d = dcount(ip), di = dcountif(ip, op == "Read"), s = sum(n), si = sumif(n, op == "Read"), lo = min(t), hi = max(n), a = avg(n) by u | sort by u asc`,
  );
  assert.deepEqual(rows, [
    { u: "bob", c: 1, ci: 1, d: 1, di: 1, s: 5, si: 5, lo: "2024-01-01T10:10:00.000Z", hi: 5, a: 5 },
    { u: "eve", c: 3, ci: 2, d: 2, di: 2, s: 3, si: 2, lo: "2024-01-01T10:05:00.000Z", hi: 2, a: 1.5 },
  ]);
});

test("summarize by bin() groups datetimes into buckets", () => {
  const rows = run(`${S} S | summarize c = count() by bin(t, 1h) | sort by t asc`);
  assert.deepEqual(rows, [
    { t: "2024-01-01T10:00:00.000Z", c: 3 },
    { t: "2024-01-01T11:00:00.000Z", c: 1 },
  ]);
});

test("summarize without by returns one row even for no input", () => {
  assert.deepEqual(run(`${S} S | where u == "nobody" | summarize count(), dcount(ip)`), [{ count_: 0, dcount_ip: 0 }]);
  assert.deepEqual(run(`${S} S | where u == "nobody" | summarize count() by u`), []);
});

test("arg_max(*) and arg_min return the whole winning row", () => {
  const rows = run(`${S} S | summarize arg_max(t, *) by u | sort by u asc`);
  assert.deepEqual(rows, [
    { u: "bob", t: "2024-01-01T10:10:00.000Z", op: "Read", n: 5, ip: "3.3.3.3" },
    { u: "eve", t: "2024-01-01T11:20:00.000Z", op: "Read", n: null, ip: "1.1.1.1" },
  ]);
  assert.deepEqual(run(`${S} S | summarize arg_min(t, op, ip) by u | sort by u asc | project u, op, ip`), [
    { u: "bob", op: "Read", ip: "3.3.3.3" },
    { u: "eve", op: "Send", ip: "1.1.1.1" },
  ]);
});

test("make_set, make_set_if, make_list, make_list_if, make_bag and take_any", () => {
  const rows = run(
    `${S} S | where u == "eve" | sort by t asc | summarize ips = make_set(ip), readIps = make_set_if(ip, op == "Read"), ops = make_list(op), reads = make_list_if(n, op == "Read"), bag = make_bag(bag_pack(op, ip)), any = take_any(u)`,
  );
  assert.deepEqual(rows, [
    {
      ips: ["1.1.1.1", "2.2.2.2"],
      readIps: ["2.2.2.2", "1.1.1.1"],
      ops: ["Send", "Read", "Read"],
      reads: [2],
      bag: { Send: "1.1.1.1", Read: "2.2.2.2" },
      any: "eve",
    },
  ]);
});

test("aggregates inside expressions and make_set size limits", () => {
  const rows = run(`${S} S | summarize ratio = todouble(countif(op == "Read")) / count(), firstIp = make_set(ip, 1)`);
  assert.deepEqual(rows, [{ ratio: 0.75, firstIp: ["1.1.1.1"] }]);
});

test("anything unsupported fails loudly with its name and position", () => {
  assert.throws(
    () => run("print x = hash('a')"),
    (err: unknown) =>
      err instanceof KqlEngineError && /function hash\(\)/.test(err.message) && err.line === 1 && err.column === 11,
  );
  assert.throws(
    () => run("print x = 1 | evaluate bag_unpack(x)"),
    /unsupported by the KQL test engine: operator Evaluate/,
  );
  assert.throws(() => run("print x = nosuchthing"), /does not compile/);
});

test("percentiles() returns one nearest-rank column per percentage, named as Kusto names them", () => {
  const rows = run(
    "range x from 1 to 10 step 1 | extend g = x % 2 | summarize percentiles(x, 50, 90), n = count() by g | order by g asc",
  );
  assert.deepEqual(rows, [
    { g: 0, percentile_x_50: 6, percentile_x_90: 10, n: 5 },
    { g: 1, percentile_x_50: 5, percentile_x_90: 9, n: 5 },
  ]);
  assert.deepEqual(run("datatable(x:long)[] | summarize percentiles(x, 50)"), [{ percentile_x_50: null }]);
});
