/**
 * Entity mapping rules of Sentinel's `ValidEntityMappingsAttribute`: the entity type is known, each
 * identifier is valid for the type and not repeated, and at least one required identifier set is fully
 * mapped. The table is data: `scripts/schemas/entity-identifiers.json`.
 */
import { readFileSync } from "node:fs";
import type { EntityMapping } from "../../kql/content/load.ts";
import type { FieldPath } from "./types.ts";

interface EntityDef {
  identifiers: string[];
  required: string[][];
}

let table: Map<string, EntityDef> | undefined;

/** Entity type → valid identifiers and required identifier sets. */
export function entityTypes(): Map<string, EntityDef> {
  if (!table) {
    const raw = JSON.parse(readFileSync(new URL("../schemas/entity-identifiers.json", import.meta.url), "utf8")) as {
      entities: Record<string, EntityDef>;
    };
    table = new Map(Object.entries(raw.entities));
  }
  return table;
}

/** Problems of an `entityMappings` list (paths relative to the document root). */
export function checkEntityMappings(mappings: unknown): { path: FieldPath; message: string }[] {
  if (!Array.isArray(mappings)) return [];
  const problems: { path: FieldPath; message: string }[] = [];
  (mappings as Partial<EntityMapping>[]).forEach((m, i) => {
    if (!m || typeof m !== "object") return;
    const def = entityTypes().get(String(m.entityType));
    if (!def) {
      problems.push({
        path: ["entityMappings", i, "entityType"],
        message: `unknown entity type '${m.entityType}' (known: ${[...entityTypes().keys()].join(", ")})`,
      });
      return;
    }
    const ids: string[] = [];
    (Array.isArray(m.fieldMappings) ? m.fieldMappings : []).forEach((f, j) => {
      const id = String(f?.identifier);
      if (!def.identifiers.includes(id)) {
        problems.push({
          path: ["entityMappings", i, "fieldMappings", j, "identifier"],
          message: `'${id}' is not an identifier of entity type ${m.entityType} (valid: ${def.identifiers.join(", ")})`,
        });
      } else if (ids.includes(id)) {
        problems.push({
          path: ["entityMappings", i, "fieldMappings", j, "identifier"],
          message: `identifier '${id}' is mapped twice in this entity`,
        });
      }
      ids.push(id);
    });
    if (!def.required.some((set) => set.every((r) => ids.includes(r)))) {
      problems.push({
        path: ["entityMappings", i, "fieldMappings"],
        message: `missing required identifiers for type ${m.entityType}: map one of ${def.required
          .map((s) => `{${s.join(", ")}}`)
          .join(" / ")}`,
      });
    }
  });
  return problems;
}

/** Column names a mapping list reads from the query output, with their paths. */
export function entityColumns(mappings: unknown): { path: FieldPath; column: string }[] {
  if (!Array.isArray(mappings)) return [];
  const out: { path: FieldPath; column: string }[] = [];
  (mappings as Partial<EntityMapping>[]).forEach((m, i) => {
    (Array.isArray(m?.fieldMappings) ? m.fieldMappings : []).forEach((f, j) => {
      if (typeof f?.columnName === "string") {
        out.push({ path: ["entityMappings", i, "fieldMappings", j, "columnName"], column: f.columnName });
      }
    });
  });
  return out;
}

/**
 * `CloudApplication.AppId` is the integer id of a Defender for Cloud Apps application: an Entra application (client)
 * id is a GUID, held in a string or guid column, and does not map (Sentinel drops the entity, and incidents grouped by
 * it do not group). Such a column goes to `CloudApplication.Name` and a custom detail instead.
 */
export function checkAppIdColumnTypes(
  mappings: unknown,
  types: Map<string, string>,
): { path: FieldPath; message: string }[] {
  if (!Array.isArray(mappings)) return [];
  const problems: { path: FieldPath; message: string }[] = [];
  (mappings as Partial<EntityMapping>[]).forEach((m, i) => {
    if (m?.entityType !== "CloudApplication") return;
    (Array.isArray(m.fieldMappings) ? m.fieldMappings : []).forEach((f, j) => {
      if (f?.identifier !== "AppId" || typeof f.columnName !== "string") return;
      const type = types.get(f.columnName);
      if (type === undefined || type === "int" || type === "long") return;
      problems.push({
        path: ["entityMappings", i, "fieldMappings", j, "columnName"],
        message: `column '${f.columnName}' (${type}) holds an application GUID, but CloudApplication.AppId is the integer Defender for Cloud Apps app id: map the app to Name and keep the GUID as a custom detail`,
      });
    });
  });
  return problems;
}
