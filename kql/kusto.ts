/**
 * Loads Microsoft's Kusto language service (`@kusto/language-service-next`, a Bridge.NET build of
 * Kusto.Language) and builds the global state our queries are analysed against: our tables from the
 * schema module, the built-in Sentinel tables the content joins (kql/tables/*.json), the DCR
 * transform `source` tables, and our parser functions.
 *
 * The library is a global-namespace script bundle, not a module: it must be evaluated with `require`
 * after `bridge.js` has defined the `Bridge` global.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { kqlSchema, kqlTransformSourceSchema } from "../connector/schema/derive.ts";
import { TABLES, WORKSPACE_TABLES } from "../connector/schema/table-schema.ts";

// biome-ignore lint/suspicious/noExplicitAny: the Bridge.NET bundle has no usable module typings
export type K = any;

let kusto: K | undefined;

/** The `Kusto.Language` namespace (loaded once per process, ~0.5 s). */
export function kustoLanguage(): K {
  if (!kusto) {
    const require = createRequire(import.meta.url);
    require("@kusto/language-service-next/bridge.js");
    require("@kusto/language-service-next/Kusto.Language.Bridge.min.js");
    kusto = (globalThis as unknown as { Kusto: { Language: K } }).Kusto.Language;
  }
  return kusto;
}

export interface TableSchemaJson {
  Name: string;
  Properties: { Name: string; Type: string }[];
}

export interface FunctionDef {
  name: string;
  /** Parameter list in Kusto syntax, e.g. `(starttime:datetime=datetime(null), disabled:bool=false)`, or `()`. */
  parameters: string;
  body: string;
}

const here = dirname(fileURLToPath(import.meta.url));
export const BUILTIN_TABLES_DIR = join(here, "tables");

/** Built-in Sentinel tables (copied facts) keyed by name. */
export function builtinTables(): TableSchemaJson[] {
  return readdirSync(BUILTIN_TABLES_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(BUILTIN_TABLES_DIR, f), "utf8")) as TableSchemaJson);
}

/** Our own tables, derived from the schema module. */
export function ownTables(): TableSchemaJson[] {
  return WORKSPACE_TABLES.map((t) => kqlSchema(t));
}

/** Every table schema known to validation and to the test engine. */
export function allTables(): TableSchemaJson[] {
  return [...ownTables(), ...builtinTables()];
}

function kustoTypeName(type: string): string {
  const t = type.toLowerCase();
  if (t === "boolean") return "bool";
  if (t === "double") return "real";
  if (t === "uniqueid") return "guid";
  return t;
}

const quoteName = (name: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `['${name}']`);

/** Kusto schema text `(a:string, b:datetime)` for a table. */
export function schemaText(table: TableSchemaJson): string {
  return `(${table.Properties.map((p) => `${quoteName(p.Name)}:${kustoTypeName(p.Type)}`).join(", ")})`;
}

export interface GlobalStateOptions {
  /** Parser functions to declare (name, parameters, body). */
  functions?: readonly FunctionDef[];
  /** Extra tables (tests). */
  extraTables?: readonly TableSchemaJson[];
  /** The tables to declare instead of ours plus the built-in ones (an upstream CI run: its own CustomTables). */
  tables?: readonly TableSchemaJson[];
  /** Declare the DCR transform `source` table of this stream instead of nothing (for transform checks). */
  transformSourceFor?: string;
}

/** Builds a Kusto `GlobalState` with our tables, the built-in tables, and the given functions. */
export function buildGlobalState(options: GlobalStateOptions = {}): K {
  const L = kustoLanguage();
  const S = L.Symbols;
  const tables = [...(options.tables ?? allTables()), ...(options.extraTables ?? [])];
  if (options.transformSourceFor) {
    const def = TABLES.find(
      (t) => t.streamName === options.transformSourceFor || t.tableName === options.transformSourceFor,
    );
    if (!def) throw new Error(`unknown stream or table ${options.transformSourceFor}`);
    tables.push(kqlTransformSourceSchema(def));
  }
  const members: K[] = tables.map((t) => new S.TableSymbol.$ctor7(t.Name, schemaText(t), null));
  for (const f of options.functions ?? []) {
    members.push(new S.FunctionSymbol.$ctor16(f.name, f.parameters || "()", f.body, null));
  }
  const db = new S.DatabaseSymbol.$ctor3("workspace", null, members, false);
  return L.GlobalState.Default.WithDatabase(db);
}

export interface KqlDiagnostic {
  severity: string;
  message: string;
  /** Character offset in the query text. */
  start: number;
  length: number;
  /** 1-based line and column in the query text. */
  line: number;
  column: number;
}

/** Offset → 1-based line/column. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lastBreak = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lastBreak = i;
    }
  }
  return { line, column: offset - lastBreak };
}

/** Parses and semantically analyses a query; returns its error diagnostics. */
export function analyze(query: string, globals: K): { code: K; errors: KqlDiagnostic[] } {
  const L = kustoLanguage();
  const code = L.KustoCode.ParseAndAnalyze(query, globals);
  const diags = code.GetDiagnostics();
  const errors: KqlDiagnostic[] = [];
  for (let i = 0; i < diags.Count; i++) {
    const d = diags.getItem(i);
    const severity = String(d.Severity);
    if (severity !== "Error") continue;
    errors.push({
      severity,
      message: String(d.Message),
      start: d.Start,
      length: d.Length,
      ...lineColumn(query, d.Start),
    });
  }
  return { code, errors };
}

/** Output columns (name and Kusto type) of a tabular query, or null when the result is not tabular. */
export function resultColumns(code: K): { name: string; type: string }[] | null {
  const type = code.ResultType;
  if (!type?.Columns) return null;
  const out: { name: string; type: string }[] = [];
  const cols = type.Columns;
  for (let i = 0; i < cols.Count; i++) {
    const c = cols.getItem(i);
    out.push({ name: String(c.Name), type: String(c.Type.Name) });
  }
  return out;
}
