/**
 * The CSV `CreationDate` column as a fallback for a missing `CreationTime`, read with a format the operator
 * states (`--creation-date-format`), because Export-Csv writes it as locale text (`10/8/2024 5:08:37 AM` in
 * en-US, `08.10.2024 05:08:37` in de-DE) that cannot be read unambiguously without knowing the locale.
 * The value is taken as UTC, as Search-UnifiedAuditLog returns it.
 *
 * | token      | meaning                        | token | meaning                           |
 * |------------|--------------------------------|-------|-----------------------------------|
 * | yyyy       | 4-digit year                   | H, HH | hour 0-23                         |
 * | M, MM      | month 1-12                     | h, hh | hour 1-12, with tt                |
 * | d, dd      | day 1-31                       | tt    | AM / PM                           |
 * | m, mm      | minute                         | s, ss | second                            |
 * Any other character must appear as is.
 */

const TOKENS = ["yyyy", "MM", "M", "dd", "d", "HH", "H", "hh", "h", "mm", "m", "ss", "s", "tt"];

/** A parser for `format`; throws naming the problem when the format lacks a date part. */
export function creationDateParser(format: string): (text: string) => string | null {
  const fields: string[] = [];
  let pattern = "";
  for (let i = 0; i < format.length; ) {
    const token = TOKENS.find((t) => format.startsWith(t, i));
    if (token) {
      fields.push(token[0] === "t" ? "t" : token[0]!);
      pattern +=
        token === "yyyy"
          ? "(\\d{4})"
          : token === "tt"
            ? "([AaPp][Mm])"
            : token.length === 2
              ? "(\\d{2})"
              : "(\\d{1,2})";
      i += token.length;
    } else {
      pattern += format[i]!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      i++;
    }
  }
  for (const need of ["y", "M", "d"]) {
    if (!fields.includes(need))
      throw new Error(`--creation-date-format '${format}' has no ${need === "y" ? "yyyy" : need} part`);
  }
  const re = new RegExp(`^\\s*${pattern}\\s*$`);
  return (text) => {
    const m = re.exec(text);
    if (!m) return null;
    const v: Record<string, number | string> = { y: 0, M: 0, d: 0, H: 0, h: -1, m: 0, s: 0, t: "" };
    fields.forEach((f, i) => {
      v[f] = f === "t" ? m[i + 1]!.toUpperCase() : Number(m[i + 1]);
    });
    let hour = v.H as number;
    if ((v.h as number) >= 0) {
      const h = v.h as number;
      if (h < 1 || h > 12) return null;
      hour = (h % 12) + (v.t === "PM" ? 12 : 0);
    }
    const [y, mo, d, mi, s] = [v.y, v.M, v.d, v.m, v.s] as number[];
    if (y! < 1000 || mo! < 1 || mo! > 12 || d! < 1 || hour > 23 || mi! > 59 || s! > 59) return null;
    const ms = Date.UTC(y!, mo! - 1, d!, hour, mi!, s!);
    if (new Date(ms).getUTCDate() !== d) return null;
    return new Date(ms).toISOString();
  };
}
