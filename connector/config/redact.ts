/** Printable view of a configuration with secrets masked (for `exo-audit config check`). */
import { SECRET_KEYS } from "./validate.ts";

/** Deep copy with every secret value replaced by `[redacted]` (and PEM private keys never shown). */
export function redactConfig<T>(value: T): T {
  const walk = (v: unknown, key?: string): unknown => {
    if (typeof v === "string") {
      if (key && SECRET_KEYS.has(key)) return "[redacted]";
      if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(v)) return "[redacted]";
      return v;
    }
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    }
    return v;
  };
  return walk(value) as T;
}
