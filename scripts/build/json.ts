/** JSON helpers for deterministic, arm-ttk-friendly template output. */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Objects that must survive `stripBlanks` even when empty (see `required`). */
const REQUIRED = new WeakSet<object>();

/**
 * Marks a value ARM requires even when it is empty, so `stripBlanks` keeps it. The case that needs it:
 * each entry of `identity.userAssignedIdentities` must be `{}`; without it ARM answers `MissingIdentityIds`
 * (https://learn.microsoft.com/azure/templates/microsoft.web/sites#managedserviceidentity).
 */
export function required<T extends object>(value: T): T {
  REQUIRED.add(value);
  return value;
}

/** Keys whose values are always ARM-required, marked or not: a map of identity ids to `{}`. */
const REQUIRED_KEYS = new Set(["userAssignedIdentities"]);

/**
 * Removes `null`, `[]`, `{}` (and `undefined`) recursively: arm-ttk's "Template Should Not Contain Blanks"
 * rejects them, and an omitted optional property means the same to ARM. Values marked with `required`, and
 * everything under `userAssignedIdentities`, are kept as they are.
 */
export function stripBlanks<T>(value: T): T {
  if (value && typeof value === "object" && REQUIRED.has(value as object)) return value;
  if (Array.isArray(value)) {
    return value.map((v) => stripBlanks(v)).filter((v) => !isBlank(v)) as T;
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (REQUIRED_KEYS.has(k) && v && typeof v === "object") {
        out[k] = v;
        continue;
      }
      const s = stripBlanks(v);
      if (!isBlank(s)) out[k] = s;
    }
    return out as T;
  }
  return value;
}

function isBlank(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (REQUIRED.has(v as object)) return false;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === "object") return Object.keys(v as object).length === 0;
  return false;
}

/** Pretty JSON with a trailing newline, the form every generated file is written in. */
export const toJsonText = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
