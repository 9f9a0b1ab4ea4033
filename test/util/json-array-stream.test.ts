import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { JsonStreamError, parseJsonArrayStream } from "../../connector/util/json-array-stream.ts";

async function* chunked(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** Scanner only (wholeDocumentBytes 0), so these tests exercise element boundaries across chunks. */
async function collect(text: string, size = 3): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const v of parseJsonArrayStream(chunked(text, size), { wholeDocumentBytes: 0 })) out.push(v);
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
      for await (const v of parseJsonArrayStream(chunked('[{"Id":"a"},{"Id":"b"},{"Id":"c', 4), {
        wholeDocumentBytes: 0,
      }))
        seen.push(v);
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

describe("documents short enough for one JSON.parse", () => {
  const inputs = [
    '[{"Id":"a","Subject":"Zürich 📧"},{"Id":"b","N":[1,{"x":"]"}]}]',
    " \r\n[ ]\n",
    '\ufeff[{"Id":"bom"}]',
    '[{"Id":"a"},{"Id":"b"},{"Id":"c',
    '{"error":{"code":"AF20051"}}',
    '[{"a":1},{"a":tru}]',
    "[1,2] x",
    "",
  ];
  const run = async (text: string, wholeDocumentBytes: number, size: number) => {
    const out: unknown[] = [];
    try {
      for await (const v of parseJsonArrayStream(chunked(text, size), { wholeDocumentBytes })) out.push(v);
      return { out };
    } catch (err) {
      const e = err as JsonStreamError;
      return { out, error: `${e.name}: ${e.message} after ${e.elementsRead}` };
    }
  };

  test("yield the same elements and the same errors as the scanner", async () => {
    for (const text of inputs) {
      for (const size of [1, 5, 1000]) {
        assert.deepEqual(await run(text, 1 << 20, size), await run(text, 0, size), `${JSON.stringify(text)} / ${size}`);
      }
    }
  });

  test("a document longer than the limit is streamed from the chunks already read", async () => {
    const records = Array.from({ length: 50 }, (_, i) => ({ Id: `r${i}`, Text: "x".repeat(i * 7) }));
    const text = JSON.stringify(records);
    for (const limit of [1, 100, text.length - 1, text.length, text.length + 1]) {
      assert.deepEqual((await run(text, limit, 64)).out, records, `limit ${limit}`);
    }
  });

  test("stopping early releases the source when the document is streamed", async () => {
    let released = false;
    async function* source() {
      try {
        for (let i = 0; i < 100; i++) yield new TextEncoder().encode(i === 0 ? '[{"Id":"0"}' : `,{"Id":"${i}"}`);
        yield new TextEncoder().encode("]");
      } finally {
        released = true;
      }
    }
    for await (const v of parseJsonArrayStream(source(), { wholeDocumentBytes: 30 })) {
      assert.deepEqual(v, { Id: "0" });
      break;
    }
    assert.equal(released, true);
  });
});
