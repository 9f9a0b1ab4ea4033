/**
 * On-disk cache of KQL analyses for `npm run validate` (like `eslint --cache`): a result is reused when the
 * query text, the global state it is analysed against (table schemas, declared functions, transform
 * source) and the Kusto language service version are all unchanged. A run with only cache hits does not
 * load the service at all. Entries not used by a run are dropped when it saves, so the file stays small.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { kqlTransformSourceSchema } from "../../connector/schema/derive.ts";
import { TABLES } from "../../connector/schema/table-schema.ts";
import { REPO_ROOT } from "../../kql/content/load.ts";
import { allTables, type FunctionDef } from "../../kql/kusto.ts";
import { createKqlPool, type KqlJob, type KqlPool, type QueryAnalysis } from "./kql.ts";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

/** Bump when the analysis or what it returns changes. */
const FORMAT = 1;

/** Cache file for a content root (one per root, so validating fixtures does not evict the pack's entries). */
export const defaultCacheFile = (root: string): string =>
  join(REPO_ROOT, "node_modules", ".cache", "exo-audit", `kql-validate-${sha(root).slice(0, 12)}.json`);

function serviceVersion(): string {
  const require = createRequire(import.meta.url);
  return (require("@kusto/language-service-next/package.json") as { version: string }).version;
}

let schemaPrint: string | undefined;
/** Fingerprint of everything in the global state except the functions. */
function schemaFingerprint(): string {
  schemaPrint ??= sha(
    JSON.stringify([
      FORMAT,
      serviceVersion(),
      allTables(),
      TABLES.map((t) => [t.streamName, kqlTransformSourceSchema(t)]),
    ]),
  );
  return schemaPrint;
}

/** A pool that answers from the cache first and starts the real pool only for misses. */
export function createCachedKqlPool(
  functions: readonly FunctionDef[],
  expectedJobs: number,
  maxWorkers: number | undefined,
  file: string,
): KqlPool {
  let stored: Record<string, QueryAnalysis> = {};
  try {
    const raw = JSON.parse(readFileSync(file, "utf8")) as { format?: number; entries?: Record<string, QueryAnalysis> };
    if (raw.format === FORMAT && raw.entries) stored = raw.entries;
  } catch {
    // no cache yet, or unreadable: start empty
  }
  const used: Record<string, QueryAnalysis> = {};
  let current = functions;
  let functionsPrint = sha(JSON.stringify(functions));
  let pool: KqlPool | undefined;
  const keyOf = (job: KqlJob) =>
    sha(
      `${schemaFingerprint()}|${job.transformSourceFor ? `transform:${job.transformSourceFor}` : functionsPrint}|${job.text}`,
    );

  return {
    setFunctions(f) {
      current = f;
      functionsPrint = sha(JSON.stringify(f));
      pool?.setFunctions(f);
    },
    async run(jobs) {
      const keys = jobs.map(keyOf);
      const missing = jobs.map((_, i) => i).filter((i) => !stored[keys[i]!]);
      if (missing.length > 0) {
        pool ??= createKqlPool(current, expectedJobs, maxWorkers);
        const fresh = await pool.run(missing.map((i) => jobs[i]!));
        missing.forEach((i, k) => {
          stored[keys[i]!] = fresh[k]!;
        });
      }
      return keys.map((k) => {
        used[k] = stored[k]!;
        return stored[k]!;
      });
    },
    async close() {
      await pool?.close();
      try {
        mkdirSync(dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, JSON.stringify({ format: FORMAT, entries: used }));
        renameSync(tmp, file);
      } catch {
        // a read-only checkout only loses the speed-up
      }
    },
  };
}
