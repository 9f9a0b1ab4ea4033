/**
 * Content file → ARM resource properties, the way the Content Hub packager (`createSolutionV3.ps1`)
 * maps them: rule YAML → `AlertRuleTemplates` properties (ISO 8601 durations, long trigger operators,
 * `displayName`, base `techniques`, shipped disabled), hunting YAML → `savedSearches` with the
 * description/tactics/techniques tags, parser YAML → a workspace function, workbook JSON → `serializedData`.
 */
import { createHash } from "node:crypto";
import {
  type AnalyticsRule,
  type HuntingQuery,
  type ParserFunction,
  parserParameters,
  type Workbook,
} from "../../kql/content/load.ts";
import { toIsoDuration } from "../validate/durations.ts";
import { baseTechnique } from "../validate/mitre.ts";

const TRIGGER: Record<string, string> = { gt: "GreaterThan", lt: "LessThan", eq: "Equal", ne: "NotEqual" };

const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];

/** `T1114.003` entries → base techniques, and the sub-techniques list newer APIs accept. */
export function splitTechniques(techniques: readonly string[] | undefined): {
  techniques: string[];
  subTechniques: string[];
} {
  const list = techniques ?? [];
  return {
    techniques: unique(list.map(baseTechnique)),
    subTechniques: unique(list.filter((t) => t.includes("."))),
  };
}

/** ISO 8601 duration from `1h`/TimeSpan, passing ISO values through. */
export const isoDuration = (text: string): string => (/^P/.test(text) ? text : toIsoDuration(text));

/** Properties of a `Microsoft.SecurityInsights/AlertRuleTemplates` resource for a rule. */
export function alertRuleTemplateProperties(rule: AnalyticsRule): Record<string, unknown> {
  const { techniques, subTechniques } = splitTechniques(rule.relevantTechniques);
  const scheduled =
    rule.kind === "Scheduled"
      ? {
          queryFrequency: isoDuration(String(rule.queryFrequency)),
          queryPeriod: isoDuration(String(rule.queryPeriod)),
          triggerOperator: TRIGGER[String(rule.triggerOperator)] ?? rule.triggerOperator,
          triggerThreshold: rule.triggerThreshold,
        }
      : {};
  const incident = rule.incidentConfiguration as
    | { groupingConfiguration?: { lookbackDuration?: string } & Record<string, unknown> }
    | undefined;
  const lookback = incident?.groupingConfiguration?.lookbackDuration;
  return {
    displayName: rule.name,
    description: unquotedDescription(rule.description),
    severity: rule.severity,
    enabled: false,
    query: rule.query,
    ...scheduled,
    suppressionDuration: isoDuration(rule.suppressionDuration ?? "1h"),
    suppressionEnabled: rule.suppressionEnabled ?? false,
    status: rule.status ?? "Available",
    requiredDataConnectors: rule.requiredDataConnectors,
    tactics: rule.tactics,
    techniques,
    subTechniques,
    entityMappings: rule.entityMappings,
    customDetails: rule.customDetails,
    alertDetailsOverride: rule.alertDetailsOverride,
    eventGroupingSettings: rule.eventGroupingSettings,
    incidentConfiguration: incident
      ? {
          ...incident,
          groupingConfiguration: incident.groupingConfiguration && {
            ...incident.groupingConfiguration,
            lookbackDuration: lookback ? isoDuration(lookback) : undefined,
          },
        }
      : undefined,
  };
}

/**
 * A YAML description as the packaging tool writes it: trailing white space removed, and when it starts
 * with a quote (our block scalars wrap the text in `'...'`) the first and last characters dropped
 * (`commonFunctions.ps1` GenerateAlertRule; nothing else is unescaped).
 */
export function unquotedDescription(text: string): string {
  const t = text.trimEnd();
  return t.startsWith("'") || t.startsWith('"') ? t.slice(1, -1) : t;
}

/** A hunting query's description tag: trimmed, a leading and a trailing `'` each dropped (GenerateHuntingQuery). */
export function huntingDescription(text: string): string {
  let t = text.trim();
  if (t.startsWith("'")) t = t.slice(1);
  if (t.endsWith("'")) t = t.slice(0, -1);
  return t;
}

/**
 * Properties of the hunting query's `savedSearches` resource: `description`, `tactics` and `techniques`
 * tags with the YAML values as written (sub-techniques kept, comma-joined), as the packaging tool emits.
 */
export function huntingQueryProperties(q: HuntingQuery): Record<string, unknown> {
  return {
    eTag: "*",
    displayName: q.name,
    category: "Hunting Queries",
    query: q.query,
    version: 2,
    tags: [
      { name: "description", value: huntingDescription(q.description) },
      { name: "tactics", value: (q.tactics ?? []).join(",").replace(/ /g, "") },
      { name: "techniques", value: (q.relevantTechniques ?? []).join(",").replace(/ /g, "") },
    ].filter((t) => t.value !== ""),
  };
}

/** `functionParameters` as the packaging tool joins them: `disabled:bool=false,since:datetime=datetime(null)`. */
export function functionParameters(p: ParserFunction): string {
  return parserParameters(p).join(",");
}

/** Name queries call a parser by. */
export const parserAlias = (p: ParserFunction): string => p.FunctionAlias || p.FunctionName;

/** Properties of the parser's workspace function (`savedSearches` with a `functionAlias`). */
export function parserProperties(p: ParserFunction): Record<string, unknown> {
  return {
    eTag: "*",
    displayName: p.Function.Title,
    category: p.Category,
    functionAlias: parserAlias(p),
    // omitted when empty: ARM-TTK "Template Should Not Contain Blanks" rejects ""
    functionParameters: functionParameters(p) || undefined,
    query: p.FunctionQuery,
    version: 2,
    tags: [{ name: "description", value: p.Description ?? p.Function.Title }],
  };
}

/** A workbook's display name: its first markdown heading, else the humanized file name. */
export function workbookTitle(wb: Workbook, baseName: string): string {
  for (const item of wb.items ?? []) {
    const json = (item.content as { json?: unknown } | undefined)?.json;
    if (item.type === 1 && typeof json === "string") {
      const m = /^#{1,3}\s+(.+)$/m.exec(json);
      if (m?.[1]) return m[1].trim();
    }
  }
  return baseName.replace(/[-_]+/g, " ").replace(/\b\w/g, (c) => c.toUpperCase());
}

/** Name-based UUID (RFC 4122 version 5 layout over SHA-1): stable workbook resource names. */
export function stableGuid(...parts: string[]): string {
  const h = createHash("sha1").update(parts.join("\u0000")).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** WorkbooksMetadata `workbookKey` of a workbook file: `ExoAudit` + the file name in PascalCase. */
export function workbookKey(file: string): string {
  const base = file.replace(/^.*\//, "").replace(/\.json$/i, "");
  return `ExoAudit${base
    .split(/[-_\s]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("")}`;
}

/**
 * The tables a workbook reads (WorkbooksMetadata `dataTypesDependencies` and the workbook's DataType
 * dependencies): those of `tableNames` its JSON names, else the first (the audit table its parsers read).
 */
export function workbookTables(wb: Workbook, tableNames: readonly string[]): string[] {
  const text = JSON.stringify(wb);
  const found = tableNames.filter((n) => text.includes(n));
  return found.length ? found : tableNames.slice(0, 1);
}
