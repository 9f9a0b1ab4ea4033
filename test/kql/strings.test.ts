import assert from "node:assert/strict";
import { test } from "node:test";
import { run, scalar } from "./run.ts";

// Term matching per https://learn.microsoft.com/kusto/query/datatypes-string-operators
test("has matches whole terms only, case-insensitively", () => {
  assert.equal(scalar('"North America" has "america"'), true);
  assert.equal(scalar('"North America" has "amer"'), false);
  assert.equal(scalar('"North America" !has "amer"'), true);
  assert.equal(scalar('"user@contoso.com" has "contoso.com"'), true);
});

test("contains matches substrings and has_cs/contains_cs are case-sensitive", () => {
  assert.equal(scalar('"North America" contains "amer"'), true);
  assert.equal(scalar('"North America" !contains "xyz"'), true);
  assert.equal(scalar('"North America" contains_cs "amer"'), false);
  assert.equal(scalar('"North America" contains_cs "Amer"'), true);
  assert.equal(scalar('"North America" has_cs "america"'), false);
  assert.equal(scalar('"North America" has_cs "America"'), true);
});

test("has_any and has_all test lists of terms", () => {
  assert.equal(scalar('"New-InboxRule by eve" has_any ("set", "eve")'), true);
  assert.equal(scalar('"New-InboxRule by eve" has_any (dynamic(["bob", "alice"]))'), false);
  assert.equal(scalar('"New-InboxRule by eve" has_all ("by", "eve")'), true);
  assert.equal(scalar('"New-InboxRule by eve" has_all ("by", "bob")'), false);
});

test("== is case-sensitive, =~ and !~ are not", () => {
  assert.equal(scalar('"abc" == "ABC"'), false);
  assert.equal(scalar('"abc" =~ "ABC"'), true);
  assert.equal(scalar('"abc" !~ "ABC"'), false);
  assert.equal(scalar('"abc" != "ABC"'), true);
});

test("in is case-sensitive, in~ is not, and the negations invert them", () => {
  assert.equal(scalar('"Set-Mailbox" in ("set-mailbox")'), false);
  assert.equal(scalar('"Set-Mailbox" in~ ("set-mailbox")'), true);
  assert.equal(scalar('"Set-Mailbox" !in ("set-mailbox")'), true);
  assert.equal(scalar('"Set-Mailbox" !in~ ("set-mailbox")'), false);
  assert.equal(scalar("2 in (dynamic([1, 2]), 5)"), true);
});

test("in accepts a tabular subquery's first column", () => {
  const rows = run('let allow = datatable(u:string)["a", "b"]; datatable(x:string)["a", "c"] | where x !in (allow)');
  assert.deepEqual(rows, [{ x: "c" }]);
});

test("startswith, endswith and matches regex", () => {
  assert.equal(scalar('"Set-Mailbox" startswith "set-"'), true);
  assert.equal(scalar('"Set-Mailbox" endswith "BOX"'), true);
  assert.equal(scalar('"Set-Mailbox" matches regex "^Set-[A-Z]"'), true);
  assert.equal(scalar('"Set-Mailbox" matches regex "^set"'), false);
});

test("string functions follow the documented examples", () => {
  assert.equal(scalar('strlen("hello")'), 5);
  assert.equal(scalar('tolower("AbC")'), "abc");
  assert.equal(scalar('toupper("AbC")'), "ABC");
  assert.equal(scalar('strcat("a", 1, "b")'), "a1b");
  assert.equal(scalar('strcat_delim("-", "a", "b", 3)'), "a-b-3");
  assert.equal(scalar('substring("ABCD", 1, 2)'), "BC");
  assert.equal(scalar('substring("123456", 1)'), "23456");
  assert.equal(scalar('indexof("abcdefg", "cde")'), 2);
  assert.equal(scalar('indexof("abcdefg", "cde", 1, 2)'), -1);
  assert.equal(scalar('indexof("abcdefg", "xyz")'), -1);
  assert.equal(scalar('countof("aaa", "a")'), 3);
  assert.equal(scalar('countof("aaaa", "aa")'), 2);
  assert.equal(scalar('countof("abcabc", "a.c", "regex")'), 2);
  assert.equal(
    scalar('replace_string("A magic trick can turn a cat into a dog", "cat", "hamster")'),
    "A magic trick can turn a hamster into a dog",
  );
  assert.equal(scalar('replace_regex("Number: 42", @"(\\d+)", @"<\\1>")'), "Number: <42>");
  assert.equal(scalar('trim("--", "--https://x--")'), "https://x");
  assert.equal(scalar('trim_start("[a]+", "aaabc")'), "bc");
  assert.equal(scalar('trim_end("[.]+", "abc...")'), "abc");
  assert.equal(scalar('strcat_array(dynamic([1, "b", 3]), ";")'), "1;b;3");
});

test("split returns arrays, and an index selects one element", () => {
  assert.deepEqual(scalar('split("aa_bb", "_")'), ["aa", "bb"]);
  assert.deepEqual(scalar('split("aaa_bbb_ccc", "_", 1)'), ["bbb"]);
  assert.deepEqual(scalar('split("a__b", "_")'), ["a", "", "b"]);
  assert.equal(scalar('tostring(split("user@contoso.com", "@")[1])'), "contoso.com");
});

test("extract and extract_all return capture groups", () => {
  assert.equal(scalar('extract("x=([0-9.]+)", 1, "hello x=45.6|wo")'), "45.6");
  assert.equal(scalar('extract("x=([0-9.]+)", 0, "hello x=45.6|wo")'), "x=45.6");
  assert.equal(scalar('extract("y=([0-9]+)", 1, "x=1")'), "");
  assert.equal(scalar('extract("x=([0-9]+)", 1, "x=12", typeof(long))'), 12);
  assert.deepEqual(scalar('extract_all(@"(\\d+)", "a1 b22 c333")'), ["1", "22", "333"]);
  assert.deepEqual(scalar('extract_all(@"(\\w)(\\d+)", "a1 b22")'), [
    ["a", "1"],
    ["b", "22"],
  ]);
});

test("parse_url splits a URL into its parts", () => {
  assert.deepEqual(scalar('parse_url("https://user:pw@host.example:1234/a/b?k1=v1&k2=v2#frag")'), {
    Scheme: "https",
    Host: "host.example",
    Port: "1234",
    Path: "/a/b",
    Username: "user",
    Password: "pw",
    "Query Parameters": { k1: "v1", k2: "v2" },
    Fragment: "frag",
  });
});

test("strings are never null: missing values are empty", () => {
  assert.equal(scalar('isempty("")'), true);
  assert.equal(scalar('isnotempty("a")'), true);
  assert.equal(scalar('isnull("")'), false);
  assert.equal(scalar("tostring(int(null))"), "");
  const rows = run("datatable(a:string, b:long)[] | union (print b = 1) | project a, b");
  assert.deepEqual(rows, [{ a: "", b: 1 }]);
});
