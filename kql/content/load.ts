/**
 * Reads the content pack from disk: analytics rules, hunting queries (Azure-Sentinel YAML), parser
 * functions (Azure-Sentinel solution parser YAML) and workbooks (Azure Monitor workbook JSON).
 * Parsing problems are returned, not thrown, so validation can report every offender at once.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { isMap, LineCounter, parseDocument } from "yaml";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export const CONTENT_DIRS = {
  analyticsRules: "analytics-rules",
  huntingQueries: "hunting-queries",
  parsers: "parsers",
  workbooks: "workbooks",
} as const;

export type ContentKind = keyof typeof CONTENT_DIRS;

export interface ContentProblem {
  /** Path relative to the repository root. */
  file: string;
  /** Field path (`entityMappings[0].fieldMappings[1].identifier`) or `(file)`. */
  field: string;
  message: string;
  line?: number;
}

export interface LoadedFile<T> {
  kind: ContentKind;
  /** Path relative to the repository root (forward slashes). */
  file: string;
  /** Absolute path. */
  path: string;
  data: T;
  /** Line of a top-level key in the source (1-based), when known. */
  lineOf(key: string): number | undefined;
}

export interface EntityMapping {
  entityType: string;
  fieldMappings: { identifier: string; columnName: string }[];
}

export interface AnalyticsRule {
  id: string;
  name: string;
  description: string;
  severity: "Informational" | "Low" | "Medium" | "High";
  kind: "Scheduled" | "NRT";
  status?: string;
  requiredDataConnectors?: { connectorId: string; dataTypes: string[] }[];
  queryFrequency?: string;
  queryPeriod?: string;
  triggerOperator?: string;
  triggerThreshold?: number;
  tactics?: string[];
  relevantTechniques?: string[];
  query: string;
  entityMappings?: EntityMapping[];
  customDetails?: Record<string, string>;
  alertDetailsOverride?: {
    alertDisplayNameFormat?: string;
    alertDescriptionFormat?: string;
    alertSeverityColumnName?: string;
    alertTacticsColumnName?: string;
  };
  eventGroupingSettings?: { aggregationKind: string };
  incidentConfiguration?: Record<string, unknown>;
  suppressionDuration?: string;
  suppressionEnabled?: boolean;
  tags?: string[];
  version: string;
}

export interface HuntingQuery {
  id: string;
  name: string;
  description: string;
  "description-detailed"?: string;
  requiredDataConnectors?: { connectorId: string; dataTypes: string[] }[];
  tactics?: string[];
  relevantTechniques?: string[];
  query: string;
  entityMappings?: EntityMapping[];
  tags?: string[];
  version?: string;
}

export interface ParserParam {
  Name: string;
  Type: string;
  Default?: string | number | boolean;
}

/** Azure-Sentinel solution parser format (`Solutions/<x>/Parsers/*.yaml`). */
export interface ParserFunction {
  id: string;
  Function: { Title: string; Version: string; LastUpdated: string };
  Category: string;
  FunctionName: string;
  FunctionAlias: string;
  Description?: string;
  FunctionParams?: ParserParam[];
  FunctionQuery: string;
}

export interface WorkbookItem {
  type: number;
  name?: string;
  content?: Record<string, unknown> & { query?: string; items?: WorkbookItem[]; parameters?: unknown[] };
}

export interface Workbook {
  version: string;
  items: WorkbookItem[];
  [key: string]: unknown;
}

function listFiles(dir: string, ext: string): string[] {
  let names: string[];
  try {
    names = readdirSync(join(REPO_ROOT, dir));
  } catch {
    return [];
  }
  return names.filter((n) => n.toLowerCase().endsWith(ext)).sort();
}

/** Loads every file of one kind. Files that do not parse are reported in `problems` and skipped. */
export function loadContent<T>(
  kind: ContentKind,
  root: string = REPO_ROOT,
): {
  files: LoadedFile<T>[];
  problems: ContentProblem[];
} {
  const dir = CONTENT_DIRS[kind];
  const isJson = kind === "workbooks";
  const files: LoadedFile<T>[] = [];
  const problems: ContentProblem[] = [];
  const base = join(root, dir);
  let names: string[];
  try {
    names = readdirSync(base).sort();
  } catch {
    return { files, problems };
  }
  for (const name of names) {
    const path = join(base, name);
    const file = relative(root, path).split("\\").join("/");
    if (name.toLowerCase().endsWith(".md")) continue;
    const wanted = isJson ? ".json" : ".yaml";
    if (!name.endsWith(wanted)) {
      problems.push({ file, field: "(file)", message: `unexpected file: ${dir}/ holds only ${wanted} files` });
      continue;
    }
    const text = readFileSync(path, "utf8");
    if (isJson) {
      try {
        const data = JSON.parse(text) as T;
        files.push({ kind, file, path, data, lineOf: (key) => jsonLineOf(text, key) });
      } catch (err) {
        const msg = (err as Error).message;
        const pos = /position (\d+)/.exec(msg);
        const line = pos ? text.slice(0, Number(pos[1])).split("\n").length : undefined;
        problems.push({ file, field: "(file)", message: `invalid JSON: ${msg}`, line });
      }
      continue;
    }
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const line = e.linePos?.[0]?.line ?? lineCounter.linePos(e.pos[0]).line;
        problems.push({ file, field: "(file)", message: `invalid YAML: ${e.message.split("\n")[0]}`, line });
      }
      continue;
    }
    if (!isMap(doc.contents)) {
      problems.push({ file, field: "(file)", message: "invalid YAML: the document must be a mapping" });
      continue;
    }
    const contents = doc.contents;
    const data = doc.toJS() as T;
    files.push({
      kind,
      file,
      path,
      data,
      lineOf: (key) => {
        const pair = contents.items.find((p) => (p.key as { value?: unknown })?.value === key);
        const offset = (pair?.key as { range?: [number, number, number] } | undefined)?.range?.[0];
        return offset === undefined ? undefined : lineCounter.linePos(offset).line;
      },
    });
  }
  return { files, problems };
}

function jsonLineOf(text: string, key: string): number | undefined {
  const idx = text.indexOf(`"${key}"`);
  return idx < 0 ? undefined : text.slice(0, idx).split("\n").length;
}

export const loadAnalyticsRules = (root?: string) => loadContent<AnalyticsRule>("analyticsRules", root);
export const loadHuntingQueries = (root?: string) => loadContent<HuntingQuery>("huntingQueries", root);
export const loadParsers = (root?: string) => loadContent<ParserFunction>("parsers", root);
export const loadWorkbooks = (root?: string) => loadContent<Workbook>("workbooks", root);

/**
 * A parameter default as a KQL literal. Azure-Sentinel's parser test writes `let <Name>= <Default>;`
 * and wraps string defaults in single quotes itself, so string defaults are written bare in the YAML
 * (`Default: '*'`, as Microsoft's ASIM parsers do) and quoted here; every other type is already a
 * literal (`datetime(null)`, `dynamic([])`, `false`).
 */
export function parameterDefault(p: ParserParam): string | undefined {
  if (p.Default === undefined) return undefined;
  const text = String(p.Default);
  return p.Type === "string" ? `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'` : text;
}

/** `name:type=default` entries of a parser (the function's parameter declarations). */
export function parserParameters(parser: ParserFunction): string[] {
  return (parser.FunctionParams ?? []).map((p) => {
    const value = parameterDefault(p);
    return value === undefined ? `${p.Name}:${p.Type}` : `${p.Name}:${p.Type}=${value}`;
  });
}

/** Kusto parameter list text of a parser, e.g. `(starttime:datetime=datetime(null), disabled:bool=false)`. */
export function parserParameterList(parser: ParserFunction): string {
  return `(${parserParameters(parser).join(", ")})`;
}

/** Parser functions as the Kusto global state and the test engine declare them. */
export function parserFunctionDefs(root?: string): { name: string; parameters: string; body: string }[] {
  return loadParsers(root).files.map((f) => ({
    name: f.data.FunctionAlias || f.data.FunctionName,
    parameters: parserParameterList(f.data),
    body: f.data.FunctionQuery,
  }));
}

export { listFiles };
