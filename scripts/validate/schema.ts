/**
 * JSON Schema validation of content documents against the schemas kept in `scripts/schemas/`
 * (Sentinel validator limits: lengths, enums, counts, patterns). Cross-field rules that JSON Schema cannot
 * express (durations in range, period ≥ frequency, identifiers per entity type, MITRE pairs, query
 * columns) live in the other validate modules.
 */
import { readdirSync, readFileSync } from "node:fs";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { FieldPath } from "./types.ts";

export type SchemaName = "analytics-rule" | "hunting-query" | "parser" | "workbook";

const SCHEMA_DIR = new URL("../schemas/", import.meta.url);

let compiled: Map<SchemaName, ValidateFunction> | undefined;

function validators(): Map<SchemaName, ValidateFunction> {
  if (compiled) return compiled;
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
  const names = readdirSync(SCHEMA_DIR).filter((n) => n.endsWith(".schema.json"));
  for (const n of names) ajv.addSchema(JSON.parse(readFileSync(new URL(n, SCHEMA_DIR), "utf8")));
  compiled = new Map();
  for (const name of ["analytics-rule", "hunting-query", "parser", "workbook"] as const) {
    const v = ajv.getSchema(`${name}.schema.json`);
    if (!v) throw new Error(`schema ${name}.schema.json is missing from scripts/schemas`);
    compiled.set(name, v);
  }
  return compiled;
}

export interface SchemaProblem {
  path: FieldPath;
  message: string;
}

/** Validates `data` against a content schema; returns one problem per failing keyword. */
export function checkSchema(name: SchemaName, data: unknown): SchemaProblem[] {
  const validate = validators().get(name)!;
  if (validate(data)) return [];
  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const e of validate.errors ?? []) {
    // `if` and `allOf` wrappers repeat the real error of their branch.
    if (e.keyword === "if" || e.keyword === "allOf") continue;
    // propertyNames reports the inner pattern error as well; keep only the propertyNames one.
    if ((e as { propertyName?: string }).propertyName !== undefined) continue;
    const p = describe(e);
    const key = `${p.path.join("/")}|${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(p);
  }
  return problems;
}

function pointerToPath(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describe(e: ErrorObject): SchemaProblem {
  const path = pointerToPath(e.instancePath);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required":
      return { path: [...path, String(params.missingProperty)], message: "is required" };
    case "additionalProperties":
      return {
        path: [...path, String(params.additionalProperty)],
        message: "is not a known field (typo?); remove it or use a supported field",
      };
    case "enum":
      return { path, message: `must be one of: ${(params.allowedValues as unknown[]).join(", ")}` };
    case "const":
      return { path, message: `must be ${JSON.stringify(params.allowedValue)}` };
    case "not":
      return { path, message: "is not allowed here (NRT rules run every minute and have no frequency or period)" };
    case "maxLength":
      return { path, message: `is longer than ${params.limit} characters` };
    case "minLength":
      return { path, message: params.limit === 1 ? "must not be empty" : `is shorter than ${params.limit} characters` };
    case "maxItems":
      return { path, message: `has more than ${params.limit} entries` };
    case "minItems":
      return { path, message: `needs at least ${params.limit} entr${params.limit === 1 ? "y" : "ies"}` };
    case "maxProperties":
      return { path, message: `has more than ${params.limit} entries` };
    case "propertyNames":
      return {
        path: [...path, String(params.propertyName)],
        message: "key must be at most 20 characters, start with a letter and contain only letters, digits, _",
      };
    case "type": {
      const hint =
        e.data !== null && typeof e.data !== "object" ? ` (found ${typeof e.data}; quote the value in YAML)` : "";
      return { path, message: `must be a ${params.type}${hint}` };
    }
    case "pattern":
      return { path, message: `has an invalid format (must match ${params.pattern})` };
    default:
      return { path, message: e.message ?? `fails ${e.keyword}` };
  }
}
