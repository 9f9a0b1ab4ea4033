/**
 * Content validation (`npm run validate`): every file of analytics-rules/, hunting-queries/, parsers/ and
 * workbooks/ is parsed, schema-checked, cross-checked and its KQL analysed; every offender is collected
 * and returned together.
 */
import { readFileSync } from "node:fs";
import {
  type AnalyticsRule,
  type ContentKind,
  type HuntingQuery,
  type LoadedFile,
  loadContent,
  type ParserFunction,
  parserParameterList,
  REPO_ROOT,
  type Workbook,
} from "../../kql/content/load.ts";
import { infraTemplate } from "../build/infra.ts";
import { solutionMetadata } from "../build/index.ts";
import { toJsonText } from "../build/json.ts";
import { solutionTemplate } from "../build/solution.ts";
import { createUiDefinition } from "../build/ui-definition.ts";
import type { FunctionDef } from "../../kql/kusto.ts";
import {
  checkBranding,
  checkConnectorIds,
  checkCustomDetailKeys,
  checkLocaleLinks,
  checkNonAscii,
  checkParserPreamble,
} from "./check-ci.ts";
import { checkConnector } from "./check-connector.ts";
import { checkCorpus, type CorpusEntry } from "./check-corpus.ts";
import { checkPackage } from "./check-package.ts";
import { checkParser } from "./check-parsers.ts";
import { checkSummaryRules } from "./check-summary-rules.ts";
import { checkAnalyticsRule, checkHuntingQuery } from "./check-rules.ts";
import { checkTransforms } from "./check-transforms.ts";
import { checkWorkbook } from "./check-workbooks.ts";
import type { CheckContext, Doc, PendingQuery } from "./context.ts";
import { createKqlPool, type KqlPool, type QueryAnalysis, schemaOnlyFunctions } from "./kql.ts";
import { lintDeployment, type Template } from "./deployment/lint.ts";
import { createCachedKqlPool, defaultCacheFile } from "./kql-cache.ts";
import { lazySourceMap } from "./source-map.ts";
import type { Offender } from "./types.ts";

export type { Offender } from "./types.ts";

export interface ValidateOptions {
  /** Folder holding analytics-rules/, hunting-queries/, parsers/, workbooks/ (default: the repository). */
  root?: string;
  /** Also validate the DCR transforms derived from the table schema (default true). */
  transforms?: boolean;
  /** Also lint the built infra template for deployment-time constraints (default true). */
  deployment?: boolean;
  /** Upper bound of KQL worker threads (default: available parallelism, at most 4; 1 = this thread). */
  workers?: number;
  /**
   * Reuse KQL analyses of unchanged queries from an on-disk cache: true (default) for
   * node_modules/.cache/exo-audit/kql-validate-<root hash>.json, a file path, or false for none.
   */
  cache?: boolean | string;
  /** Also validate the generated data connector page's queries (default true). */
  connector?: boolean;
  /** Check the package built from the content even when content offenders were found (default: only then not). */
  packageCheck?: boolean;
}

export interface ValidationResult {
  offenders: Offender[];
  counts: { analyticsRules: number; huntingQueries: number; parsers: number; workbooks: number; queries: number };
  /** Wall time of the run, including loading the Kusto language service. */
  elapsedMs: number;
}

/** Validates the content under `root`; never throws for content problems (they are offenders). */
export async function validateContent(options: ValidateOptions = {}): Promise<ValidationResult> {
  const started = performance.now();
  const root = options.root ?? REPO_ROOT;
  const offenders: Offender[] = [];
  const load = <T>(kind: ContentKind): Doc<T>[] => {
    const { files, problems } = loadContent<T>(kind, root);
    for (const p of problems) offenders.push({ file: p.file, field: p.field, line: p.line, message: p.message });
    return files.map((f: LoadedFile<T>) => {
      const text = readFileSync(f.path, "utf8");
      return { file: f.file, data: f.data, map: lazySourceMap(text), text } as Doc<T> & { text: string };
    });
  };
  const rules = load<AnalyticsRule>("analyticsRules") as TextDoc<AnalyticsRule>[];
  const hunting = load<HuntingQuery>("huntingQueries") as TextDoc<HuntingQuery>[];
  const parsers = load<ParserFunction>("parsers") as TextDoc<ParserFunction>[];
  const workbooks = load<Workbook>("workbooks") as (Doc<Workbook> & { text: string })[];

  const functions: FunctionDef[] = parsers
    .filter((p) => typeof p.data.FunctionQuery === "string" && (p.data.FunctionAlias || p.data.FunctionName))
    .map((p) => ({
      name: p.data.FunctionAlias || p.data.FunctionName,
      parameters: parserParameterList(p.data),
      body: p.data.FunctionQuery,
    }));
  const ctx: CheckContext = { offenders, pending: [] };

  for (const d of rules) checkAnalyticsRule(ctx, d);
  for (const d of hunting) checkHuntingQuery(ctx, d);
  for (const d of parsers) checkParser(ctx, d);
  checkSummaryRules(ctx, root);
  checkUpstreamCi(ctx, rules, hunting, parsers, workbooks);
  for (const d of workbooks) checkWorkbook(ctx, d, d.text);
  const corpus: CorpusEntry[] = [
    ...rules.map((doc) => ({ kind: "analytics rule", doc })),
    ...hunting.map((doc) => ({ kind: "hunting query", doc })),
    ...parsers.map((doc) => ({ kind: "parser", doc })),
    ...workbooks.map((doc) => ({ kind: "workbook", doc })),
  ] as CorpusEntry[];
  checkCorpus(ctx, corpus);
  if (ctx.offenders.length === 0 || options.packageCheck === true)
    checkBuiltPackage(ctx, { rules, hunting, parsers, workbooks });
  if (options.transforms !== false) checkTransforms(ctx);
  if (options.deployment !== false) offenders.push(...lintDeployment(infraTemplate() as Template));
  if (options.connector !== false) checkConnector(ctx);
  const pool =
    options.cache === false
      ? createKqlPool(functions, ctx.pending.length, options.workers)
      : createCachedKqlPool(
          functions,
          ctx.pending.length,
          options.workers,
          typeof options.cache === "string" ? options.cache : defaultCacheFile(root),
        );
  await analyzePending(ctx.pending, functions, pool);

  offenders.sort(
    (a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || a.field.localeCompare(b.field) || 0,
  );
  return {
    offenders,
    counts: {
      analyticsRules: rules.length,
      huntingQueries: hunting.length,
      parsers: parsers.length,
      workbooks: workbooks.length,
      queries: ctx.pending.length,
    },
    elapsedMs: performance.now() - started,
  };
}

type TextDoc<T> = Doc<T> & { text: string };

/**
 * Builds the Content Hub package in memory from the loaded content and runs the package checks
 * (check-package.ts) on it, so a generator regression fails `npm run validate` too.
 */
function checkBuiltPackage(
  ctx: CheckContext,
  docs: {
    rules: Doc<AnalyticsRule>[];
    hunting: Doc<HuntingQuery>[];
    parsers: Doc<ParserFunction>[];
    workbooks: Doc<Workbook>[];
  },
): void {
  const pick = <T>(list: Doc<T>[]) => list.map((d) => ({ file: d.file, data: d.data }));
  const meta = solutionMetadata();
  try {
    const template = solutionTemplate(
      {
        rules: pick(docs.rules),
        hunting: pick(docs.hunting),
        parsers: pick(docs.parsers),
        workbooks: pick(docs.workbooks),
      },
      meta,
    );
    const ui = createUiDefinition(
      {
        rules: pick(docs.rules),
        hunting: pick(docs.hunting),
        parsers: pick(docs.parsers),
        workbooks: pick(docs.workbooks),
      },
      meta,
    );
    ctx.offenders.push(
      ...checkPackage(template, PACKAGE_FILE, meta, {
        text: toJsonText(ui),
        file: "dist/solution/createUiDefinition.json",
      }),
    );
  } catch (err) {
    ctx.offenders.push({
      file: PACKAGE_FILE,
      field: "(file)",
      message: `cannot build the package: ${(err as Error).message}`,
    });
  }
}

const PACKAGE_FILE = "dist/solution/mainTemplate.json";

/** The rules of Microsoft's content CI (check-ci.ts) over the files it reads. */
function checkUpstreamCi(
  ctx: CheckContext,
  rules: TextDoc<AnalyticsRule>[],
  hunting: TextDoc<HuntingQuery>[],
  parsers: TextDoc<ParserFunction>[],
  workbooks: TextDoc<Workbook>[],
): void {
  for (const d of [...rules, ...hunting, ...parsers]) checkNonAscii(ctx, d, d.text);
  for (const d of [...rules, ...hunting, ...parsers, ...workbooks]) {
    checkBranding(ctx, d, d.text);
    checkLocaleLinks(ctx, d, d.text);
  }
  for (const d of [...rules, ...hunting]) checkConnectorIds(ctx, d);
  for (const d of rules) checkCustomDetailKeys(ctx, d);
  for (const d of parsers) checkParserPreamble(ctx, d);
}

/**
 * Runs the queued KQL analyses: parser bodies first (against the real function bodies), then every
 * other query against the parsers re-declared by their result schema (same columns, far less work).
 */
async function analyzePending(
  pending: readonly PendingQuery[],
  functions: FunctionDef[],
  pool: KqlPool,
): Promise<void> {
  try {
    const parsers = pending.filter((p) => p.functionName !== undefined);
    const others = pending.filter((p) => p.functionName === undefined);
    const parserResults = await pool.run(parsers.map((p) => p.job));
    const columnsOf = new Map<string, QueryAnalysis["columns"]>();
    parsers.forEach((p, i) => {
      const r = parserResults[i]!;
      if (r.errors.length === 0) columnsOf.set(p.functionName!, r.columns);
      p.done(r);
    });
    pool.setFunctions(schemaOnlyFunctions(functions, columnsOf));
    const results = await pool.run(others.map((p) => p.job));
    for (const [i, p] of others.entries()) p.done(results[i]!);
  } finally {
    await pool.close();
  }
}

/** One line per offender: `file:line:col  field  message`. */
export function formatOffender(o: Offender): string {
  const where = o.line ? `${o.file}:${o.line}${o.column ? `:${o.column}` : ""}` : o.file;
  return `${where}  ${o.field}  ${o.message}`;
}
