/**
 * Aggregation functions of `summarize` (nulls skipped as documented in
 * https://learn.microsoft.com/kusto/query/scalar-data-types/null-values#null-values-and-aggregation-functions).
 * `dcount` is exact here (Kusto's is an HLL estimate; on small sets they agree).
 */
import type { Fn, Row } from "./context.ts";
import { compare, isNull, keyOf, toStringValue } from "./values.ts";

export interface Accumulator {
  add(row: Row, i: number, rows: Row[]): void;
  /** One value, or several for multi-column aggregates (`arg_max`, `take_any(a, b)`). */
  result(): unknown;
}

/** Builds a fresh accumulator per group. `args` are the compiled argument expressions. */
export type AggregateFactory = (args: Fn[], constArgs: unknown[]) => () => Accumulator;

const truthy = (v: unknown) => v === true;

function counting(useIf: boolean): AggregateFactory {
  return (args) => () => {
    let n = 0;
    const pred = useIf ? args[0] : undefined;
    return {
      add(row, i, rows) {
        if (!pred || truthy(pred(row, i, rows))) n++;
      },
      result: () => n,
    };
  };
}

/** What an aggregate over values does with each value and at the end. */
interface ValueState {
  add(v: unknown): void;
  result(): unknown;
}

/**
 * An aggregate over the non-null values of its first argument, of the rows its `-if` predicate (second argument)
 * keeps: the null and predicate handling every such aggregate shares.
 */
function overValues(useIf: boolean, state: () => ValueState): AggregateFactory {
  return (args) => () => {
    const value = args[0]!;
    const pred = args[1]!;
    const s = state();
    return {
      add(row, i, rows) {
        if (useIf && !truthy(pred(row, i, rows))) return;
        const v = value(row, i, rows);
        if (!isNull(v)) s.add(v);
      },
      result: () => s.result(),
    };
  };
}

const dcount = (useIf: boolean) =>
  overValues(useIf, () => {
    const seen = new Set<string>();
    return { add: (v) => seen.add(keyOf(v)), result: () => seen.size };
  });

const sum = (useIf: boolean) =>
  overValues(useIf, () => {
    let total: number | null = null;
    return {
      add: (v) => {
        total = (total ?? 0) + Number(v);
      },
      result: () => total,
    };
  });

const avg = (useIf: boolean) =>
  overValues(useIf, () => {
    let total = 0;
    let n = 0;
    return {
      add: (v) => {
        total += Number(v);
        n++;
      },
      result: () => (n ? total / n : null),
    };
  });

const extreme = (dir: 1 | -1, useIf: boolean) =>
  overValues(useIf, () => {
    let best: unknown = null;
    return {
      add: (v) => {
        if (best === null || Math.sign(compare(v, best)) === dir) best = v;
      },
      result: () => best,
    };
  });

function collect(set: boolean, useIf: boolean): AggregateFactory {
  return (args, constArgs) => () => {
    const value = args[0]!;
    const pred = args[1]!;
    const max = Number(constArgs[useIf ? 2 : 1] ?? 1_048_576);
    const out: unknown[] = [];
    const seen = set ? new Set<string>() : undefined;
    return {
      add(row, i, rows) {
        if (out.length >= max) return;
        if (useIf && !truthy(pred(row, i, rows))) return;
        const v = value(row, i, rows);
        if (isNull(v)) return;
        // make_list/make_set flatten nothing; dynamic arrays are kept as single elements.
        if (seen) {
          const k = keyOf(v);
          if (seen.has(k)) return;
          seen.add(k);
        }
        out.push(v);
      },
      result: () => out,
    };
  };
}

function makeBag(useIf: boolean): AggregateFactory {
  return (args) => () => {
    const value = args[0]!;
    const pred = args[1]!;
    const out: Record<string, unknown> = {};
    return {
      add(row, i, rows) {
        if (useIf && !truthy(pred(row, i, rows))) return;
        const v = value(row, i, rows);
        if (v && typeof v === "object" && !Array.isArray(v)) {
          for (const [k, x] of Object.entries(v)) if (!(k in out)) out[k] = x;
        }
      },
      result: () => out,
    };
  };
}

function takeAny(useIf: boolean): AggregateFactory {
  return (args) => () => {
    const values = useIf ? args.slice(0, 1) : args;
    const pred = useIf ? args[1] : undefined;
    let picked: unknown[] | null = null;
    return {
      add(row, i, rows) {
        if (picked) return;
        if (pred && !truthy(pred(row, i, rows))) return;
        const vs = values.map((f) => f(row, i, rows));
        // take_any prefers non-null values when it can (documented: "any non-null value" for one argument).
        if (values.length === 1 && (isNull(vs[0]) || vs[0] === "")) return;
        picked = vs;
      },
      result: () =>
        picked ? (values.length === 1 ? picked[0] : picked) : values.length === 1 ? null : values.map(() => null),
    };
  };
}

const stdev = (population: boolean, variance: boolean) =>
  overValues(false, () => {
    const xs: number[] = [];
    return {
      add: (v) => xs.push(Number(v)),
      result: () => {
        const n = xs.length;
        if (n === 0) return null;
        if (n === 1 && !population) return 0;
        const mean = xs.reduce((a, b) => a + b, 0) / n;
        const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (population ? n : n - 1);
        return variance ? v : Math.sqrt(v);
      },
    };
  });

/** Nearest-rank percentile of sorted values, as Kusto documents for exact results on small sets. */
function nearestRank(sorted: unknown[], p: number): unknown {
  if (!sorted.length) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

/** `percentile(x, p)`, and `percentiles(x, p1, p2, ...)` with one output column per percentage. */
function percentile(several: boolean): AggregateFactory {
  return (args, constArgs) => () => {
    const xs: unknown[] = [];
    const ps = constArgs.slice(1).map(Number);
    return {
      add(row, i, rows) {
        const v = args[0]!(row, i, rows);
        if (!isNull(v)) xs.push(v);
      },
      result: () => {
        xs.sort(compare);
        return several ? ps.map((p) => nearestRank(xs, p)) : nearestRank(xs, ps[0]!);
      },
    };
  };
}

/** Aggregates by name. `arg_max`/`arg_min` are handled by the summarize operator itself. */
export const AGGREGATES: Record<string, AggregateFactory> = {
  count: counting(false),
  countif: counting(true),
  dcount: dcount(false),
  count_distinct: dcount(false),
  dcountif: dcount(true),
  sum: sum(false),
  sumif: sum(true),
  avg: avg(false),
  avgif: avg(true),
  min: extreme(-1, false),
  max: extreme(1, false),
  minif: extreme(-1, true),
  maxif: extreme(1, true),
  make_set: collect(true, false),
  make_set_if: collect(true, true),
  make_list: collect(false, false),
  make_list_if: collect(false, true),
  make_bag: makeBag(false),
  make_bag_if: makeBag(true),
  take_any: takeAny(false),
  any: takeAny(false),
  take_anyif: takeAny(true),
  anyif: takeAny(true),
  stdev: stdev(false, false),
  stdevp: stdev(true, false),
  variance: stdev(false, true),
  variancep: stdev(true, true),
  percentile: percentile(false),
  percentiles: percentile(true),
};

/** Aggregates whose trailing arguments are constants (max size, percentile; every argument after the first of `percentiles`). */
export const CONSTANT_ARGS: Record<string, number[]> = {
  make_set: [1],
  make_list: [1],
  make_set_if: [2],
  make_list_if: [2],
  percentile: [1],
  percentiles: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  dcount: [1],
  dcountif: [2],
};

/** `arg_max`/`arg_min` winner selection: strictly better replaces (first row wins ties). */
export function better(dir: 1 | -1, candidate: unknown, best: unknown): boolean {
  if (isNull(candidate)) return false;
  if (isNull(best)) return true;
  return Math.sign(compare(candidate, best)) === dir;
}

export { toStringValue };
