import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { run, scalar } from "./run.ts";

test("datetime_diff counts unit boundaries as documented", () => {
  assert.equal(scalar("datetime_diff('year', datetime(2017-01-01), datetime(2000-12-31))"), 17);
  assert.equal(scalar("datetime_diff('quarter', datetime(2017-07-01), datetime(2017-03-30))"), 2);
  assert.equal(scalar("datetime_diff('month', datetime(2017-01-01), datetime(2015-12-30))"), 13);
  assert.equal(scalar("datetime_diff('week', datetime(2017-10-29 00:00), datetime(2017-09-30 23:59))"), 5);
  assert.equal(scalar("datetime_diff('day', datetime(2017-10-29 00:00), datetime(2017-09-30 23:59))"), 29);
  assert.equal(scalar("datetime_diff('hour', datetime(2017-10-31 01:00), datetime(2017-10-30 23:59))"), 2);
  assert.equal(scalar("datetime_diff('minute', datetime(2017-10-30 23:05:01), datetime(2017-10-30 23:00:59))"), 5);
  assert.equal(
    scalar("datetime_diff('second', datetime(2017-10-30 23:00:10.100), datetime(2017-10-30 23:00:00.900))"),
    10,
  );
});

test("datetime_add, startofday, endofday, dayofweek and hourofday", () => {
  assert.equal(scalar("datetime_add('month', 1, datetime(2017-01-31))"), "2017-02-28T00:00:00.000Z");
  assert.equal(scalar("datetime_add('hour', -2, datetime(2017-01-01 01:00))"), "2016-12-31T23:00:00.000Z");
  assert.equal(scalar("startofday(datetime(2017-01-01 10:10:17), -1)"), "2016-12-31T00:00:00.000Z");
  // The engine keeps milliseconds: Kusto's 23:59:59.9999999 becomes .999.
  assert.equal(scalar("endofday(datetime(2017-01-01 10:10:17))"), "2017-01-01T23:59:59.999Z");
  assert.equal(scalar("dayofweek(datetime(1947-11-30 10:00:05))"), "00:00:00");
  assert.equal(scalar("dayofweek(datetime(1970-05-11))"), "1.00:00:00");
  assert.equal(scalar("hourofday(datetime(2015-12-14 18:54))"), 18);
});

test("format_datetime and format_timespan use the documented specifiers", () => {
  assert.equal(scalar("format_datetime(datetime(2017-01-29 09:00:05), 'yy-MM-dd [HH:mm:ss]')"), "17-01-29 [09:00:05]");
  assert.equal(scalar("format_datetime(datetime(2017-01-29 09:00:05), 'yyyy-M-dd [H:mm:ss]')"), "2017-1-29 [9:00:05]");
  assert.equal(
    scalar("format_datetime(datetime(2017-01-29 09:00:05), 'yy-MM-dd [hh:mm:ss tt]')"),
    "17-01-29 [09:00:05 AM]",
  );
  assert.equal(scalar("format_timespan(time(14.02:03:04.12345), 'h:m:s')"), "2:3:4");
  assert.equal(scalar("format_timespan(time(14.02:03:04.12345), 'dd.hh:mm:ss')"), "14.02:03:04");
});

test("ago and now read the injected clock, fixed for the whole query", () => {
  assert.equal(scalar("now()"), "2026-03-10T12:00:00.000Z");
  assert.equal(scalar("ago(1d)"), "2026-03-09T12:00:00.000Z");
  assert.equal(scalar("now(-2h)"), "2026-03-10T10:00:00.000Z");
  assert.equal(scalar("now() - ago(90m)"), "01:30:00");
});

test("timespan literals and arithmetic", () => {
  assert.equal(scalar("1d + 2h"), "1.02:00:00");
  assert.equal(scalar("30m + 10s + 1ms"), "00:30:10.0010000");
  assert.equal(scalar("time(1.02:03:04)"), "1.02:03:04");
  assert.equal(scalar("2h / 30m"), 4);
  assert.equal(scalar("1h * 3"), "03:00:00");
  assert.equal(scalar("datetime(2024-01-02) - datetime(2024-01-01 12:00)"), "12:00:00");
  assert.equal(scalar("datetime(2024-01-01) + 36h"), "2024-01-02T12:00:00.000Z");
  assert.equal(scalar("totimespan('0.00:01:00')"), "00:01:00");
  assert.equal(scalar("todatetime('2015-12-24')"), "2015-12-24T00:00:00.000Z");
});

test("bin and floor round numbers, timespans and datetimes down", () => {
  assert.equal(scalar("bin(4.5, 1)"), 4);
  assert.equal(scalar("floor(-4.5, 1)"), -5);
  assert.equal(scalar("bin(time(16d), 7d)"), "14.00:00:00");
  assert.equal(scalar("bin(datetime(1970-05-11 13:45:07), 1d)"), "1970-05-11T00:00:00.000Z");
  assert.equal(scalar("bin(datetime(2026-03-10 11:47), 15m)"), "2026-03-10T11:45:00.000Z");
});

test("between includes both ends, for numbers and datetimes", () => {
  assert.equal(scalar("5 between (1 .. 5)"), true);
  assert.equal(scalar("6 !between (1 .. 5)"), true);
  assert.equal(scalar("datetime(2024-01-01 10:00) between (datetime(2024-01-01) .. 1d)"), true);
  assert.equal(scalar("datetime(2024-01-02 10:00) between (datetime(2024-01-01) .. 1d)"), false);
});

test("arithmetic: integer division truncates, real division does not", () => {
  assert.equal(scalar("7 / 2"), 3);
  assert.equal(scalar("7.0 / 2"), 3.5);
  assert.equal(scalar("7 % 3"), 1);
  assert.equal(scalar("-(3 - 5)"), 2);
  assert.equal(scalar("abs(-5)"), 5);
  assert.equal(scalar("round(2.98765, 3)"), 2.988);
  assert.equal(scalar("round(2.15, 1)"), 2.2);
  assert.equal(scalar("min_of(10, 1, -3, 17)"), -3);
  assert.equal(scalar("max_of(10, 1, -3, 17)"), 17);
});

test("iff, iif, case and coalesce pick values as documented", () => {
  assert.equal(scalar('iff(1 > 2, "a", "b")'), "b");
  assert.equal(scalar('iif(true, "a", "b")'), "a");
  assert.equal(scalar('iff(bool(null), "a", "b")'), "b");
  assert.equal(scalar('case(5 > 10, "big", 5 > 3, "medium", "small")'), "medium");
  assert.equal(scalar('case(false, "x", "default")'), "default");
  assert.equal(scalar("coalesce(int(null), 5, 6)"), 5);
  assert.equal(scalar('coalesce("", "x")'), "x");
});

test("null semantics: comparisons, logic and predicates", () => {
  const rows = run(
    "datatable(val:int)[5, int(null)] | extend Big = val > 3, BigOrNull = val > 3 or isnull(val), Eq = val == int(null), Ne = val != int(null)",
  );
  assert.deepEqual(rows, [
    { val: 5, Big: true, BigOrNull: true, Eq: false, Ne: true },
    { val: null, Big: null, BigOrNull: true, Eq: null, Ne: null },
  ]);
  assert.equal(scalar("isnull(dynamic(null))"), true);
  assert.equal(scalar("isnotnull(0)"), true);
  assert.equal(scalar("isempty(int(null))"), true);
  assert.equal(scalar("not(true)"), false);
  // null != 1 is true (null vs non-null), and where keeps only true predicates.
  assert.deepEqual(run("datatable(v:int)[1, int(null)] | where v != 1"), [{ v: null }]);
  assert.deepEqual(run("datatable(v:int)[1, int(null)] | where v > 0"), [{ v: 1 }]);
});

test("conversions: tostring, toint, tolong, todouble, toreal, tobool", () => {
  assert.equal(scalar("tostring(123)"), "123");
  assert.equal(scalar('tostring(dynamic({"a":1}))'), '{"a":1}');
  assert.equal(scalar("tostring(datetime(2024-01-01))"), "2024-01-01T00:00:00.0000000Z");
  assert.equal(scalar('toint("123")'), 123);
  assert.equal(scalar('toint("abc")'), null);
  assert.equal(scalar("toint(2.9)"), 2);
  assert.equal(scalar('tolong("42")'), 42);
  assert.equal(scalar('todouble("1.5")'), 1.5);
  assert.equal(scalar('toreal("2")'), 2);
  assert.equal(scalar('tobool("true")'), true);
  assert.equal(scalar('tobool("no")'), null);
  assert.equal(scalar("toint(true)"), 1);
});

test("gettype reports declared and dynamic types", () => {
  assert.equal(scalar("gettype(1)"), "long");
  assert.equal(scalar("gettype(int(1))"), "int");
  assert.equal(scalar("gettype(1.5)"), "real");
  assert.equal(scalar('gettype("a")'), "string");
  assert.equal(scalar("gettype(now())"), "datetime");
  assert.equal(scalar("gettype(1d)"), "timespan");
  assert.equal(scalar("gettype(dynamic([1]))"), "array");
  assert.equal(scalar("gettype(dynamic({}))"), "dictionary");
});

test("IPv4 functions follow the documented examples", () => {
  assert.equal(scalar("ipv4_is_private('192.168.1.1')"), true);
  assert.equal(scalar("ipv4_is_private('172.31.0.1')"), true);
  assert.equal(scalar("ipv4_is_private('8.8.8.8')"), false);
  assert.equal(scalar("ipv4_is_in_range('192.168.1.6', '192.168.1.1/24')"), true);
  assert.equal(scalar("ipv4_is_in_range('192.168.2.6', '192.168.1.1/24')"), false);
  assert.equal(scalar("ipv4_is_match('192.168.1.1', '192.168.1.255', 24)"), true);
  assert.equal(scalar("ipv4_is_match('192.168.1.1', '192.168.1.255')"), false);
  assert.equal(scalar("has_any_ipv4_prefix('from 10.1.2.3', dynamic(['10.', '172.16.']))"), true);
  assert.equal(scalar("has_ipv4('x 203.0.113.10:443', '203.0.113.10')"), true);
});

test("IPv6 functions follow the documented examples and treat IPv4 as mapped addresses", () => {
  assert.equal(scalar("parse_ipv6('127.0.0.1')"), "0000:0000:0000:0000:0000:ffff:7f00:0001");
  assert.equal(scalar("parse_ipv6('fe80::85d:e82c:9446:7994/120')"), "fe80:0000:0000:0000:085d:e82c:9446:7900");
  assert.equal(scalar("parse_ipv6('::ffff:203.0.113.7')"), scalar("parse_ipv6('203.0.113.7')"));
  assert.equal(scalar("parse_ipv6('not an address')"), "");
  assert.equal(scalar("ipv6_is_in_range('fe80::85d:e82c:9446:7994', 'fe80::85d:e82c:9446:7900/120')"), true);
  assert.equal(scalar("ipv6_is_in_range('fe80::85d:e82c:9446:8994', 'fe80::85d:e82c:9446:7900/120')"), false);
  assert.equal(scalar("ipv6_is_in_range('192.168.1.6', '192.168.1.1/24')"), true);
  assert.equal(scalar("ipv6_is_in_range('::ffff:192.168.1.6', '192.168.1.1/24')"), true);
  assert.equal(scalar("ipv6_is_in_any_range('2a01:110:abcd::1', '2001:db8::/32', '2a01:110::/32')"), true);
  assert.equal(scalar("ipv6_is_in_any_range('2a01:111::1', dynamic(['2001:db8::/32', '2a01:110::/32']))"), false);
  assert.equal(scalar("ipv6_is_in_any_range('bad', '2001:db8::/32')"), null);
  assert.equal(scalar("ipv6_is_match('::ffff:7f00:1', '127.0.0.1')"), true);
  assert.equal(scalar("ipv6_is_match('fe80::85d:e82c:9446:7994', 'fe80::85d:e82c:9446:7995', 127)"), true);
  assert.equal(scalar("ipv6_is_match('fe80::85d:e82c:9446:7994', 'fe80::85d:e82c:9446:7995')"), false);
});

test("hash_sha256 and hash_md5 hash the UTF-8 text as hex", () => {
  assert.equal(scalar('hash_sha256("World")'), createHash("sha256").update("World").digest("hex"));
  assert.equal(scalar('hash_md5("World")'), createHash("md5").update("World").digest("hex"));
});

test("dynamic access: members, brackets, indexes and negative indexes", () => {
  const rows = run(
    'print d = dynamic({"a": {"b": [10, 20, 30]}, "c d": "x"}) | project p = d.a.b[0], q = d["c d"], r = d.a.b[-1], s = d.nothere, t = d.a.b[5]',
  );
  assert.deepEqual(rows, [{ p: 10, q: "x", r: 30, s: null, t: null }]);
});

test("dynamic functions: parse_json, bag and array functions", () => {
  assert.deepEqual(scalar("parse_json('{\"a\": [1, 2]}')"), { a: [1, 2] });
  assert.deepEqual(scalar('todynamic("[1, 2]")'), [1, 2]);
  assert.deepEqual(scalar('bag_keys(dynamic({"a": 1, "b": 2}))'), ["a", "b"]);
  assert.deepEqual(scalar('bag_pack("a", 1, "b", "x")'), { a: 1, b: "x" });
  assert.deepEqual(scalar('pack("a", 1)'), { a: 1 });
  assert.deepEqual(scalar("pack_array(1, 'a', 2)"), [1, "a", 2]);
  assert.equal(scalar("array_length(dynamic([1, 2, 3]))"), 3);
  assert.equal(scalar('array_index_of(dynamic(["a", "b"]), "b")'), 1);
  assert.equal(scalar('array_index_of(dynamic(["a", "b"]), "c")'), -1);
  assert.deepEqual(scalar("array_concat(dynamic([1, 2]), dynamic([3]))"), [1, 2, 3]);
  assert.deepEqual(scalar("array_slice(dynamic([1, 2, 3, 4]), 1, 2)"), [2, 3]);
  assert.deepEqual(scalar("array_slice(dynamic([1, 2, 3, 4]), -2, -1)"), [3, 4]);
  assert.deepEqual(scalar('array_sort_asc(dynamic(["b", "a", "c"]))'), ["a", "b", "c"]);
});

test("set functions: difference, intersect, union, has_element", () => {
  assert.deepEqual(scalar("set_difference(dynamic([1, 2, 3]), dynamic([1, 2]))"), [3]);
  assert.deepEqual(scalar("set_intersect(dynamic([1, 2, 3]), dynamic([3, 2, 5]))"), [2, 3]);
  assert.deepEqual(scalar("set_union(dynamic([1, 2]), dynamic([2, 3]))"), [1, 2, 3]);
  assert.equal(scalar('set_has_element(dynamic(["a", "b"]), "b")'), true);
  assert.equal(scalar('set_has_element(dynamic(["a", "b"]), "c")'), false);
});

test("dynamic values compare with scalars by value", () => {
  assert.equal(scalar('dynamic({"a": "x"}).a == "x"'), true);
  assert.equal(scalar('dynamic({"n": 5}).n > 3'), true);
  assert.equal(scalar('tostring(dynamic({"n": 5}).n) == "5"'), true);
});

test("column_ifexists falls back to the default for a missing column", () => {
  const rows = run(
    'datatable(a:string)["x"] | extend b = column_ifexists("a", "none"), c = column_ifexists("zz", "none")',
  );
  assert.deepEqual(rows, [{ a: "x", b: "x", c: "none" }]);
});
