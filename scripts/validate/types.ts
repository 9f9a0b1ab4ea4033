/** Shared types of the content validator (`npm run validate`). */

/** One problem found in one file. Every offender is collected; validation never stops at the first. */
export interface Offender {
  /** Path relative to the validated root (forward slashes). */
  file: string;
  /** Field path such as `entityMappings[0].fieldMappings[1].identifier`, `query`, or `(file)`. */
  field: string;
  /** 1-based line in the file, when known. */
  line?: number;
  /** 1-based column in the file, when known. */
  column?: number;
  message: string;
}

/** A JSON path inside a content document (`["entityMappings", 0, "columnName"]`). */
export type FieldPath = readonly (string | number)[];

/** Formats a path the way reports show it: `entityMappings[0].fieldMappings[1].identifier`. */
export function fieldName(path: FieldPath): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? p : `.${p}`;
  }
  return out === "" ? "(file)" : out;
}
