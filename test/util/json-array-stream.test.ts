import assert from "node:assert/strict";
import { test } from "node:test";
import { JsonStreamError, parseJsonArrayStream } from "../../connector/util/json-array-stream.ts";

async function* chunked(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(text: string, size = 3): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const v of parseJsonArrayStream(chunked(text, size))) out.push(v);
  return out;
}

test("yields every element of an array split at arbitrary byte boundaries", async () => {
  const records = [
    { Id: "a", Subject: "Zürich, [draft] {1}", Nested: { list: [1, 2, { x: "]" }] } },
    { Id: "b", Text: 'quote \\" and \\\\ backslash', Emoji: "📧" },
    42,
    "plain",
    null,
    [1, [2, 3]],
  ];
  const text = JSON.stringify(records, null, 2);
  for (const size of [1, 2, 3, 7, 64, 100_000]) {
    assert.deepEqual(await collect(text, size), records, `chunk size ${size}`);
  }
});

test("accepts an empty array and surrounding whitespace", async () => {
  assert.deepEqual(await collect(" \r\n[ ]\n"), []);
});

test("reports a truncated body after the elements that were complete", async () => {
  const seen: unknown[] = [];
  await assert.rejects(
    (async () => {
      for await (const v of parseJsonArrayStream(chunked('[{"Id":"a"},{"Id":"b"},{"Id":"c', 4))) seen.push(v);
    })(),
    (err: unknown) => err instanceof JsonStreamError && err.elementsRead === 2 && /ended before/.test(err.message),
  );
  assert.deepEqual(seen, [{ Id: "a" }, { Id: "b" }]);
});

test("rejects a document that is not an array", async () => {
  await assert.rejects(collect('{"error":{"code":"AF20051"}}'), /expected a JSON array/);
});

test("rejects an invalid element and names its index", async () => {
  await assert.rejects(collect('[{"a":1},{"a":tru}]'), /element 1 is not valid JSON/);
});
