/**
 * Checks of the summary rules (summary-rules/*.yaml) that write the summary tables of connector/schema: the
 * fields the infrastructure template deploys, the service's documented limits, and the query's KQL, whose
 * output must be exactly the destination table's columns and types.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { SUMMARY_TABLES } from "../../connector/schema/table-schema.ts";
import { SUMMARY_BIN_SIZES, type SummaryRule } from "../../kql/summary.ts";
import { type CheckContext, checkQuery, type Doc, report } from "./context.ts";
import { lazySourceMap } from "./source-map.ts";

export function checkSummaryRules(ctx: CheckContext, root: string): number {
  let checked = 0;
  // a content root without the folder (a validation fixture) has no summary rules to check; the build needs them
  if (!existsSync(join(root, "summary-rules"))) return checked;
  for (const table of SUMMARY_TABLES) {
    const path = join(root, table.summaryRule);
    if (!existsSync(path)) {
      ctx.offenders.push({
        file: table.summaryRule,
        field: "",
        message: `summary rule of ${table.tableName} is missing`,
      });
      continue;
    }
    const text = readFileSync(path, "utf8");
    const doc: Doc<SummaryRule> = {
      file: table.summaryRule,
      data: parse(text) as SummaryRule,
      map: lazySourceMap(text),
    };
    const rule = doc.data;
    checked++;
    if (typeof rule.name !== "string" || !/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(rule.name))
      report(ctx, doc, ["name"], "name: a letter then letters, digits, '-' or '_' (at most 64; no '/')");
    for (const f of ["displayName", "description"] as const)
      if (typeof rule[f] !== "string" || rule[f].trim() === "") report(ctx, doc, [f], `${f} is required`);
    if (rule.destinationTable !== table.tableName)
      report(ctx, doc, ["destinationTable"], `destinationTable must be ${table.tableName} (connector/schema)`);
    if (!(SUMMARY_BIN_SIZES as readonly number[]).includes(rule.binSize))
      report(ctx, doc, ["binSize"], `binSize must be one of ${SUMMARY_BIN_SIZES.join(", ")} (minutes)`);
    // binDelay: seconds in the ARM schema, minutes (at most 1440) in the Azure Monitor documentation
    if (rule.binDelay !== undefined && (!Number.isInteger(rule.binDelay) || rule.binDelay < 0 || rule.binDelay > 1440))
      report(
        ctx,
        doc,
        ["binDelay"],
        "binDelay must be a whole number between 0 and 1440 (valid as seconds and as minutes)",
      );
    if (typeof rule.query !== "string" || rule.query.trim() === "") {
      report(ctx, doc, ["query"], "query is required");
      continue;
    }
    if (/\b(ago|now)\s*\(/.test(rule.query))
      report(ctx, doc, ["query"], "the service restricts the query to its bin: no ago()/now() time filters");
    checkQuery(ctx, doc, ["query"], rule.query, {
      onColumns: (columns, types) => {
        const got = [...(columns ?? [])].map((c) => `${c}:${types.get(c)}`);
        if (got.some((c) => c.startsWith("TimeGenerated:"))) {
          report(
            ctx,
            doc,
            ["query"],
            "the query must not return TimeGenerated: the service sets that reserved column itself and keeps a result column of that name as _OriginalTimeGenerated",
          );
          return;
        }
        // the service adds TimeGenerated to every row it writes
        const want = table.columns.filter((c) => c.name !== "TimeGenerated").map((c) => `${c.name}:${c.type}`);
        if (JSON.stringify(got) !== JSON.stringify(want))
          report(ctx, doc, ["query"], `the query must return ${want.join(", ")}; it returns ${got.join(", ")}`);
      },
    });
  }
  return checked;
}
