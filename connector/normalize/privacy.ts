/**
 * Message subjects are personal data that many tenants may not ship to a SIEM. The `subjects` option applies
 * to the `Subject` column AND to every subject inside the raw `AuditData` (Item, AffectedItems, FolderItems),
 * otherwise hashing the column would be pointless.
 */
import { createHash } from "node:crypto";
import { isObject } from "./coerce.ts";
import type { SubjectPrivacy } from "./types.ts";

type Obj = Record<string, unknown>;

/** SHA-256 hex of the subject text (UTF-8): equal subjects stay joinable without being readable. */
export function hashSubject(subject: string): string {
  return createHash("sha256").update(subject, "utf8").digest("hex");
}

/** The Subject column value for a subject per the privacy mode. */
export function subjectValue(subject: string | null, mode: SubjectPrivacy): string | null {
  if (subject === null || mode === "drop") return null;
  return mode === "hash" ? hashSubject(subject) : subject;
}

function redactSubject(holder: unknown, mode: SubjectPrivacy): unknown {
  if (!isObject(holder) || !("Subject" in holder)) return holder;
  const copy: Obj = { ...holder };
  if (mode === "drop") delete copy.Subject;
  else copy.Subject = typeof holder.Subject === "string" ? hashSubject(holder.Subject) : holder.Subject;
  return copy;
}

/**
 * Copy of the record with subjects hashed or dropped (copy-on-write: only the objects on the path to a
 * subject are copied; the input is never modified). Returns the record itself for `keep`.
 */
export function applySubjectPrivacy(rec: Obj, mode: SubjectPrivacy): Obj {
  if (mode === "keep") return rec;
  const out: Obj = { ...rec };
  if (isObject(rec.Item)) out.Item = redactSubject(rec.Item, mode);
  if (Array.isArray(rec.AffectedItems)) out.AffectedItems = rec.AffectedItems.map((a) => redactSubject(a, mode));
  if (Array.isArray(rec.Folders)) {
    out.Folders = rec.Folders.map((f) =>
      isObject(f) && Array.isArray(f.FolderItems)
        ? { ...f, FolderItems: f.FolderItems.map((fi) => redactSubject(fi, mode)) }
        : f,
    );
  }
  return out;
}
