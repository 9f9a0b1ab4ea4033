/**
 * Checks of analytics rules and hunting queries beyond their JSON Schema: schedule arithmetic, entity
 * identifiers, MITRE pairs, legacy entity columns, alert-override placeholders, the KQL itself and every
 * column the rule reads from the query output.
 */
import type { AnalyticsRule, HuntingQuery } from "../../kql/content/load.ts";
import { type CheckContext, checkQuery, type Doc, report } from "./context.ts";
import { MAX_SCHEDULE_MS, MIN_SCHEDULE_MS, parseDuration } from "./durations.ts";
import { checkAppIdColumnTypes, checkEntityMappings, entityColumns } from "./entities.ts";
import { checkMitre } from "./mitre.ts";
import { checkSchema } from "./schema.ts";
import type { FieldPath } from "./types.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Columns Sentinel's old entity model used; new content maps entities with entityMappings instead. */
const LEGACY_COLUMNS = [
  "AccountCustomEntity",
  "HostCustomEntity",
  "IPCustomEntity",
  "URLCustomEntity",
  "ProcessCustomEntity",
  "FileHashCustomEntity",
];

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const MAX_PLACEHOLDERS = 3;

/** Validates one analytics rule file. */
export function checkAnalyticsRule(ctx: CheckContext, doc: Doc<AnalyticsRule>): void {
  const rule = doc.data;
  for (const p of checkSchema("analytics-rule", rule)) report(ctx, doc, p.path, p.message);
  if (rule.kind === "Scheduled") checkSchedule(ctx, doc);
  checkCommon(ctx, doc);

  const query = typeof rule.query === "string" ? rule.query : "";
  for (const legacy of LEGACY_COLUMNS) {
    const at = query.indexOf(legacy);
    if (at >= 0) {
      report(
        ctx,
        doc,
        ["query"],
        `uses the legacy column ${legacy}; map the entity with entityMappings on a real column instead`,
        doc.map.positionInString(["query"], at),
      );
    }
  }

  const override = rule.alertDetailsOverride;
  const used: { path: FieldPath; column: string }[] = entityColumns(rule.entityMappings);
  if (rule.customDetails && typeof rule.customDetails === "object") {
    for (const [key, column] of Object.entries(rule.customDetails)) {
      if (typeof column === "string") used.push({ path: ["customDetails", key], column });
    }
  }
  if (override && typeof override === "object") {
    for (const key of ["alertDisplayNameFormat", "alertDescriptionFormat"] as const) {
      const text = override[key];
      if (typeof text !== "string") continue;
      const names = [...text.matchAll(PLACEHOLDER)].map((m) => (m[1] ?? "").trim());
      if (names.length > MAX_PLACEHOLDERS) {
        report(
          ctx,
          doc,
          ["alertDetailsOverride", key],
          `has ${names.length} {{placeholders}}; Sentinel allows at most ${MAX_PLACEHOLDERS}`,
        );
      }
      for (const n of names) used.push({ path: ["alertDetailsOverride", key], column: n });
    }
    for (const key of ["alertSeverityColumnName", "alertTacticsColumnName"] as const) {
      const column = override[key];
      if (typeof column === "string") used.push({ path: ["alertDetailsOverride", key], column });
    }
    const dyn = (override as { alertDynamicProperties?: { value?: unknown }[] }).alertDynamicProperties;
    if (Array.isArray(dyn)) {
      dyn.forEach((d, i) => {
        if (typeof d?.value === "string")
          used.push({ path: ["alertDetailsOverride", "alertDynamicProperties", i, "value"], column: d.value });
      });
    }
  }
  checkOutputColumns(ctx, doc, query, used, rule.entityMappings);
}

/** Validates one hunting query file. */
export function checkHuntingQuery(ctx: CheckContext, doc: Doc<HuntingQuery>): void {
  for (const p of checkSchema("hunting-query", doc.data)) report(ctx, doc, p.path, p.message);
  checkCommon(ctx, doc);
  const query = typeof doc.data.query === "string" ? doc.data.query : "";
  checkOutputColumns(ctx, doc, query, entityColumns(doc.data.entityMappings), doc.data.entityMappings);
}

function checkCommon(ctx: CheckContext, doc: Doc<AnalyticsRule | HuntingQuery>): void {
  for (const p of checkEntityMappings(doc.data.entityMappings)) report(ctx, doc, p.path, p.message);
  const tactics = Array.isArray(doc.data.tactics) ? doc.data.tactics : [];
  const techniques = Array.isArray(doc.data.relevantTechniques) ? doc.data.relevantTechniques : [];
  for (const p of checkMitre(tactics, techniques)) report(ctx, doc, ["relevantTechniques", p.index], p.message);
}

function checkOutputColumns(
  ctx: CheckContext,
  doc: Doc<unknown>,
  query: string,
  used: { path: FieldPath; column: string }[],
  entityMappings?: unknown,
): void {
  if (query === "") return;
  checkQuery(ctx, doc, ["query"], query, {
    onColumns: (columns, types) => {
      for (const p of checkAppIdColumnTypes(entityMappings, types)) report(ctx, doc, p.path, p.message);
      if (!columns) {
        if (used.length > 0) report(ctx, doc, ["query"], "the query does not return a table, so nothing can be mapped");
        return;
      }
      for (const u of used) {
        if (!columns.has(u.column)) {
          report(
            ctx,
            doc,
            u.path,
            `column '${u.column}' is not an output column of the query (outputs: ${[...columns].join(", ")})`,
          );
        }
      }
    },
  });
}

function checkSchedule(ctx: CheckContext, doc: Doc<AnalyticsRule>): void {
  const rule = doc.data;
  const parsed: Record<"queryFrequency" | "queryPeriod", number | null> = { queryFrequency: null, queryPeriod: null };
  for (const key of ["queryFrequency", "queryPeriod"] as const) {
    const text = rule[key];
    if (typeof text !== "string") continue;
    const ms = parseDuration(text);
    if (ms === null) continue; // the schema pattern already reports the format
    if (ms < MIN_SCHEDULE_MS || ms > MAX_SCHEDULE_MS) {
      report(ctx, doc, [key], `${text} is outside Sentinel's range of 5 minutes to 14 days`);
    }
    parsed[key] = ms;
  }
  const { queryFrequency: freq, queryPeriod: period } = parsed;
  if (freq === null || period === null) return;
  if (period < freq) {
    report(ctx, doc, ["queryPeriod"], "queryPeriod must be greater than or equal to queryFrequency");
  }
  if (period >= 2 * DAY && freq < HOUR) {
    report(ctx, doc, ["queryFrequency"], "when queryPeriod is 2 days or more, queryFrequency must be at least 1 hour");
  }
}
