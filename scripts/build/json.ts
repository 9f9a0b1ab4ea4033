/** JSON helpers for deterministic, arm-ttk-friendly template output. */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * Removes `null`, `[]`, `{}` (and `undefined`) recursively: arm-ttk's "Template Should Not Contain Blanks"
 * rejects them, and an omitted optional property means the same to ARM.
 */
export function stripBlanks<T>(value: T): T {
  if (Array.isArray(value)) {
    return value.map((v) => stripBlanks(v)).filter((v) => !isBlank(v)) as T;
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const s = stripBlanks(v);
      if (!isBlank(s)) out[k] = s;
    }
    return out as T;
  }
  return value;
}

function isBlank(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === "object") return Object.keys(v as object).length === 0;
  return false;
}

/** Pretty JSON with a trailing newline, the form every generated file is written in. */
export const toJsonText = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
