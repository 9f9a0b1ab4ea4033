/**
 * Workbook checks: schema, every `{Parameter}` reference declared, no resource ids baked in (Azure-Sentinel
 * `workbooksTemplateValidator`), not saved as a user workbook, and every workspace query valid KQL after
 * its parameter references are replaced by typed placeholder values.
 */
import type { Workbook } from "../../kql/content/load.ts";
import { type CheckContext, checkQuery, type Doc, report } from "./context.ts";
import { checkSchema } from "./schema.ts";
import { textPosition } from "./source-map.ts";
import {
  enclosingLiteral,
  findReferences,
  KNOWN_FORMATS,
  PARAM_TYPE,
  scanWorkbook,
  substituteParameters,
} from "./workbook-params.ts";

const GUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const BAKED_IDS: { re: RegExp; what: string }[] = [
  { re: new RegExp(`subscriptions/${GUID}`, "g"), what: "a subscription id (subscriptions/<guid>)" },
  { re: new RegExp(`workspace\\(\\s*['"]${GUID}`, "g"), what: "a workspace id in workspace('<guid>')" },
  { re: new RegExp(`workspaces/${GUID}`, "g"), what: "a workspace id (workspaces/<guid>)" },
];

export function checkWorkbook(ctx: CheckContext, doc: Doc<Workbook>, text: string): void {
  const wb = doc.data;
  for (const p of checkSchema("workbook", wb)) report(ctx, doc, p.path, p.message);

  if (wb.fromTemplateId === "sentinel-UserWorkbook") {
    report(
      ctx,
      doc,
      ["fromTemplateId"],
      "a gallery template must not be a saved user workbook (sentinel-UserWorkbook)",
    );
  }
  for (const { re, what } of BAKED_IDS) {
    for (const m of text.matchAll(re)) {
      ctx.offenders.push({
        file: doc.file,
        field: "(file)",
        ...textPosition(text, m.index),
        message: `contains ${what}: '${m[0]}'; a workbook template must not reference concrete resources`,
      });
    }
  }
  if (Array.isArray(wb.fallbackResourceIds)) {
    (wb.fallbackResourceIds as unknown[]).forEach((r, i) => {
      if (typeof r === "string" && r.includes("/")) {
        report(ctx, doc, ["fallbackResourceIds", i], `'${r}' is a concrete resource id; use a parameter or remove it`);
      }
    });
  }

  const scan = scanWorkbook(wb);
  const declaredList = [...scan.declared.keys()].sort().join(", ") || "none";
  for (const t of [...scan.queries, ...scan.texts]) {
    for (const r of findReferences(t.query)) {
      if (r.format !== undefined && !KNOWN_FORMATS.has(r.format)) {
        report(
          ctx,
          doc,
          t.path,
          `unknown parameter format {${r.name}:${r.format}} (known: ${[...KNOWN_FORMATS].join(", ")})`,
          doc.map.positionInString(t.path, r.start),
        );
      }
      if (!scan.declared.has(r.name)) {
        report(
          ctx,
          doc,
          t.path,
          `references undeclared parameter {${r.name}${r.format ? `:${r.format}` : ""}} (declared: ${declaredList})`,
          doc.map.positionInString(t.path, r.start),
        );
      }
    }
  }
  for (const n of scan.nameRefs) {
    if (!scan.declared.has(n.name)) {
      report(ctx, doc, n.path, `conditional visibility names undeclared parameter '${n.name}'`);
    }
  }
  // Text boxes and unquoted single dropdowns are pasted as typed: inside '...' or "..." a value holding that
  // quote (o'brien@contoso.com) breaks or rewrites the query; a whole ```...``` literal takes it unchanged.
  for (const q of scan.queries) {
    for (const r of findReferences(q.query)) {
      const p = scan.declared.get(r.name);
      const raw =
        p && (p.type === PARAM_TYPE.text || (p.type === PARAM_TYPE.dropdown && p.quote === "" && !p.multiSelect));
      if (!raw || (r.format !== undefined && r.format !== "value")) continue;
      const literal = enclosingLiteral(q.query, r.start);
      if (literal === "'" || literal === '"') {
        report(
          ctx,
          doc,
          q.path,
          `text parameter {${r.name}} is pasted as typed inside ${literal}...${literal}: a value holding ${literal} breaks the query; reference it as a whole multi-line literal \`\`\`{${r.name}}\`\`\``,
          doc.map.positionInString(q.path, r.start),
        );
      }
    }
  }
  for (const q of scan.queries) {
    const sub = substituteParameters(q.query, scan.declared);
    checkQuery(ctx, doc, q.path, sub.text, { toOriginal: sub.toOriginal });
  }
}
