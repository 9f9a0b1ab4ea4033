/**
 * KQL semantic validation with Microsoft's Kusto language service (`kql/kusto.ts`): every query
 * is analysed against one global state holding our tables, the built-in Sentinel tables and our parser
 * functions. The service is a slow Bridge.NET build (tens of ms per query, ~1 s to load), so the queries of
 * a run are analysed in a small pool of worker threads, each loading the service and the state once.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { type ParserFunction, parameterDefault } from "../../kql/content/load.ts";
import {
  analyze,
  buildGlobalState,
  type FunctionDef,
  type K,
  type KqlDiagnostic,
  resultColumns,
} from "../../kql/kusto.ts";

export interface QueryAnalysis {
  errors: KqlDiagnostic[];
  /** Output columns of the query (null when the result is not tabular). */
  columns: { name: string; type: string }[] | null;
}

export interface KqlJob {
  text: string;
  /** Analyse against the DCR transform `source` of this stream instead of the workspace. */
  transformSourceFor?: string;
}

/**
 * Azure-Sentinel's validator ignores diagnostics about `_GetWatchlist` (a workspace function its
 * schemas do not declare); we do the same so watchlist-based allow-lists stay possible.
 */
const IGNORED = [/_GetWatchlist/];

export function analyzeWith(globals: K, query: string): QueryAnalysis {
  const { code, errors } = analyze(query, globals);
  return {
    errors: errors.filter((e) => !IGNORED.some((re) => re.test(e.message))),
    columns: resultColumns(code),
  };
}

/** Analyses jobs in this thread, building each global state once. */
export function createAnalyzer(functions: readonly FunctionDef[]): (job: KqlJob) => QueryAnalysis {
  const states = new Map<string, K>();
  return (job) => {
    const key = job.transformSourceFor ?? "";
    let globals = states.get(key);
    if (!globals) {
      globals = job.transformSourceFor
        ? buildGlobalState({ transformSourceFor: job.transformSourceFor })
        : buildGlobalState({ functions });
      states.set(key, globals);
    }
    return analyzeWith(globals, job.text);
  };
}

/** Below this many jobs per extra thread, loading the service again costs more than it saves. */
const JOBS_PER_WORKER = 12;

/** Analyses batches of jobs in this thread or in worker threads that keep the service loaded. */
export interface KqlPool {
  /** Replaces the declared parser functions for the following batches. */
  setFunctions(functions: readonly FunctionDef[]): void;
  /** Analyses a batch; results are in job order. */
  run(jobs: readonly KqlJob[]): Promise<QueryAnalysis[]>;
  close(): Promise<void>;
}

/**
 * A pool sized for about `expectedJobs` analyses: up to `maxWorkers` worker threads (default: the
 * available parallelism, at most 4), or the current thread for small runs or `maxWorkers` 1.
 */
export function createKqlPool(
  functions: readonly FunctionDef[],
  expectedJobs: number,
  maxWorkers = Math.min(4, availableParallelism()),
): KqlPool {
  const size = Math.max(1, Math.min(maxWorkers, Math.floor(expectedJobs / JOBS_PER_WORKER)));
  if (size === 1) {
    let analyzeJob = createAnalyzer(functions);
    return {
      setFunctions: (f) => {
        analyzeJob = createAnalyzer(f);
      },
      run: async (jobs) => jobs.map((j) => analyzeJob(j)),
      close: async () => {},
    };
  }
  const workers = Array.from(
    { length: size },
    () => new Worker(new URL("./kql-worker.ts", import.meta.url), { workerData: { functions } }),
  );
  return {
    setFunctions(f) {
      for (const w of workers) w.postMessage({ functions: f });
    },
    async run(jobs) {
      const results: QueryAnalysis[] = new Array(jobs.length);
      // Longest texts first so the pool does not end waiting on one big query.
      const order = jobs.map((_, i) => i).sort((a, b) => jobs[b]!.text.length - jobs[a]!.text.length);
      let next = 0;
      await Promise.all(
        workers.map(
          (worker) =>
            new Promise<void>((resolve, reject) => {
              const feed = () => {
                const i = order[next++];
                if (i === undefined) {
                  worker.off("message", onMessage).off("error", reject);
                  resolve();
                } else worker.postMessage({ id: i, job: jobs[i] });
              };
              const onMessage = (m: { id: number; result: QueryAnalysis }) => {
                results[m.id] = m.result;
                feed();
              };
              worker.on("message", onMessage).on("error", reject);
              feed();
            }),
        ),
      );
      return results;
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/**
 * Parser functions re-declared with a constant body of their result schema: callers bind the same
 * columns and types, but the Kusto service no longer re-analyses each parser body at every call site
 * (about a third of the analysis time of the pack).
 */
export function schemaOnlyFunctions(
  functions: readonly FunctionDef[],
  columnsOf: ReadonlyMap<string, { name: string; type: string }[] | null>,
): FunctionDef[] {
  return functions.map((f) => {
    const cols = columnsOf.get(f.name);
    if (!cols || cols.length === 0) return f;
    const schema = cols.map((c) => `['${c.name.replace(/'/g, "\\'")}']:${c.type === "unknown" ? "dynamic" : c.type}`);
    return { ...f, body: `datatable(${schema.join(", ")})[]` };
  });
}

const NULL_OF_TYPE: Record<string, string> = {
  string: '""',
  dynamic: "dynamic(null)",
  datetime: "datetime(null)",
  timespan: "timespan(null)",
  bool: "bool(null)",
  int: "int(null)",
  long: "long(null)",
  real: "real(null)",
  decimal: "decimal(null)",
  guid: "guid(null)",
};

/**
 * The text Azure-Sentinel analyses for a parser: each parameter bound by a `let` to its default (a KQL
 * literal) or a typed null, then the body. `prefixLength` maps diagnostics back to the body.
 */
export function parserAnalysisText(parser: ParserFunction): { text: string; prefixLength: number } {
  const prefix = (parser.FunctionParams ?? [])
    .filter((p) => !String(p.Type).startsWith("table"))
    .map((p) => {
      const value = parameterDefault(p) ?? NULL_OF_TYPE[p.Type] ?? "dynamic(null)";
      return `let ${p.Name} = ${value};\n`;
    })
    .join("");
  return { text: prefix + parser.FunctionQuery, prefixLength: prefix.length };
}
