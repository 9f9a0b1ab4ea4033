import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { run } from "./run.ts";

const T = `datatable(k: string, x: long)["a", 1, "a", 2, "a", 3, "a", 4, "b", 10]`;

describe("percentiles()", () => {
  it("gives one nearest-rank column per requested percentile, named as Kusto names them", () => {
    const rows = run(`${T} | summarize percentiles(x, 50, 100) by k | order by k asc`);
    assert.deepEqual(rows, [
      { k: "a", percentile_x_50: 2, percentile_x_100: 4 },
      { k: "b", percentile_x_50: 10, percentile_x_100: 10 },
    ]);
  });

  it("keeps the other aggregates of the summarize in place", () => {
    const rows = run(`${T} | summarize n = count(), percentiles(x, 25, 75), m = max(x)`);
    assert.deepEqual(rows, [{ n: 5, percentile_x_25: 2, percentile_x_75: 4, m: 10 }]);
  });
});
