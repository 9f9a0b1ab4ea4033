/**
 * The normalizer: one raw Exchange audit record (`AuditData`) in, one `ExchangeAudit_CL` row out.
 * Pure and total: it never throws; records it cannot use come back as `{ok: false, reason}` so the caller can
 * dead-letter them. Mapping rules and quirks are documented in docs/normalization.md.
 */
import type { ExchangeAuditRow } from "../schema/table-schema.ts";
import { foldId } from "../util/record-id.ts";
import { isObject, nameValueBag, parseClientAddress, toBool, toInt, toIsoTime, toStr, toTrimmedStr } from "./coerce.ts";
import {
  logonTypeFromName,
  logonTypeName,
  recordTypeFromName,
  recordTypeName,
  userTypeFromName,
  userTypeName,
} from "./enums.ts";
import { cmdletTarget, folderPermissionParameters, isSystemActor, itemsTouched } from "./fields.ts";
import { type JsonScan, scanJson, scanJsonText, sanitizeJson } from "./json-size.ts";
import { applySubjectPrivacy, subjectValue } from "./privacy.ts";
import { DEFAULT_MAX_FIELD_BYTES, fitRowToLimits } from "./truncate.ts";
import type { NormalizeOptions, NormalizeResult } from "./types.ts";

export type { NormalizeOptions, NormalizeResult } from "./types.ts";
export { fitRowToLimits } from "./truncate.ts";

/** Longest record Id accepted; real Ids are 36-character GUIDs. */
export const MAX_ID_LENGTH = 512;

/** Options with the defaults filled in (keep subjects, keep AuditData, source `api`). */
export function normalizeOptions(partial: Partial<NormalizeOptions> = {}): NormalizeOptions {
  return {
    subjects: partial.subjects ?? "keep",
    keepAuditData: partial.keepAuditData ?? true,
    ingestionSource: partial.ingestionSource ?? "api",
    sourceContentId: partial.sourceContentId ?? "",
    ...(partial.connectorTenant !== undefined ? { connectorTenant: partial.connectorTenant } : {}),
    ...(partial.maxFieldBytes !== undefined ? { maxFieldBytes: partial.maxFieldBytes } : {}),
  };
}

/**
 * Normalizes one audit record. `raw` is the `AuditData` object, or its JSON text. Rejects (never throws) input
 * that is not a JSON object or has no usable `Id` (the de-duplication key); everything else yields a row with
 * every column of `ExchangeAudit_CL`, null where the record does not say.
 */
export function normalizeRecord(raw: unknown, opts: NormalizeOptions): NormalizeResult {
  try {
    return normalize(raw, opts);
  } catch (err) {
    // Defensive: a bug or a hostile value (getter, proxy) must cost one record, not the pipeline.
    return { ok: false, reason: `normalizer failed: ${describeError(err)}` };
  }
}

function describeError(err: unknown): string {
  try {
    return err instanceof Error ? err.message : String(err);
  } catch {
    return "unknown error";
  }
}

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return `a ${typeof v}`;
}

function recordIdOf(v: unknown): { id: string } | { reason: string } {
  if (v === undefined || v === null) return { reason: "record has no Id" };
  const s = typeof v === "string" ? v.trim() : typeof v === "number" && Number.isFinite(v) ? String(v) : null;
  if (s === null) return { reason: `record Id is ${kindOf(v)}, expected a string` };
  if (s.length === 0) return { reason: "record Id is empty" };
  if (s.length > MAX_ID_LENGTH) return { reason: `record Id is longer than ${MAX_ID_LENGTH} characters` };
  // GUIDs compare case-insensitively: one form per record so de-duplication and RecordId joins see one id.
  return { id: foldId(s) };
}

function creationTimeReason(v: unknown): string {
  if (v === undefined || v === null || v === "") return "record has no CreationTime";
  const shown = typeof v === "string" ? `'${v.slice(0, 64)}'` : `${kindOf(v)} ${String(v).slice(0, 32)}`;
  return (
    `CreationTime ${shown} is not a time in the API's format (yyyy-MM-ddTHH:mm:ss[.fffffff][Z|±hh:mm], UTC when ` +
    "no zone, year 1000 or later; epoch numbers need a unit: /Date(ms)/)"
  );
}

function enumValue(v: unknown, fromName: (name: string) => number | undefined): number | null {
  const n = toInt(v);
  if (n !== null) return n;
  return typeof v === "string" ? (fromName(v.trim()) ?? null) : null;
}

function normalize(raw: unknown, opts: NormalizeOptions): NormalizeResult {
  let rec: unknown = raw;
  if (typeof raw === "string") {
    try {
      rec = JSON.parse(raw);
    } catch (err) {
      return { ok: false, reason: `record is not valid JSON: ${describeError(err)}` };
    }
  }
  if (!isObject(rec)) return { ok: false, reason: `record is ${kindOf(rec)}, expected a JSON object` };
  const idCheck = recordIdOf(rec.Id);
  if ("reason" in idCheck) return { ok: false, reason: idCheck.reason };
  // No row gets a made-up time (ingestion time, a 1901 or 1970 date): the record is refused with the value.
  const eventTime = toIsoTime(rec.CreationTime);
  if (eventTime === null) return { ok: false, reason: creationTimeReason(rec.CreationTime) };

  const recordType = enumValue(rec.RecordType, recordTypeFromName);
  const rtName =
    recordType !== null
      ? recordTypeName(recordType)
      : typeof rec.RecordType === "string" && /^[A-Za-z][A-Za-z0-9]{0,63}$/.test(rec.RecordType.trim())
        ? rec.RecordType.trim()
        : null;
  const operation = toTrimmedStr(rec.Operation);
  const userId = toStr(rec.UserId);
  const userKey = toStr(rec.UserKey);
  const userType = enumValue(rec.UserType, userTypeFromName);
  const logonType = enumValue(rec.LogonType, logonTypeFromName);
  const resultStatus = toTrimmedStr(rec.ResultStatus);
  const aac = isObject(rec.AppAccessContext) ? rec.AppAccessContext : undefined;
  const item = isObject(rec.Item) ? rec.Item : undefined;
  const parentFolder = item && isObject(item.ParentFolder) ? item.ParentFolder : undefined;
  const address = parseClientAddress(toStr(rec.ClientIP) ?? toStr(rec.ClientIPAddress) ?? toStr(rec.ActorIpAddress));
  const mailboxOwner = toStr(rec.MailboxOwnerUPN);

  const cmdletParams = nameValueBag(rec.Parameters);
  const parameters = cmdletParams ?? folderPermissionParameters(operation, rec, parentFolder);
  const operationProperties = nameValueBag(rec.OperationProperties);
  const modifiedProperties = nameValueBag(rec.ModifiedProperties, ["NewValue", "Value"]);
  const isCmdlet = recordType === 1 || (cmdletParams !== null && mailboxOwner === null);
  const touched = itemsTouched(rec, item);
  const destFolder = isObject(rec.DestFolder) ? toStr(rec.DestFolder.Path) : toStr(rec.DestFolder);

  const auditSource = applySubjectPrivacy(rec, opts.subjects);
  const row: ExchangeAuditRow = {
    TimeGenerated: eventTime,
    EventTime: eventTime,
    RecordId: idCheck.id,
    RecordType: recordType,
    RecordTypeName: rtName,
    Operation: operation,
    Workload: toStr(rec.Workload),
    ResultStatus: resultStatus,
    Succeeded: succeeded(resultStatus),
    OrganizationId: toStr(rec.OrganizationId),
    UserId: userId,
    UserKey: userKey,
    UserType: userType === null ? null : userTypeName(userType),
    IsSystemActor: isSystemActor(userId, userKey, userType),
    ClientIP: address.ip,
    ClientIPPort: address.port,
    ClientInfoString: toStr(rec.ClientInfoString),
    ClientAppId: toStr(rec.ClientAppId) ?? (aac ? toStr(aac.ClientAppId) : null),
    ClientAppName: (aac ? toStr(aac.ClientAppName) : null) ?? toStr(rec.ClientAppName),
    AppId: toStr(rec.AppId),
    SessionId: toStr(rec.SessionId),
    AADSessionId: aac ? toStr(aac.AADSessionId) : null,
    UniqueTokenId: aac ? toStr(aac.UniqueTokenId) : null,
    LogonType: logonType === null ? null : logonTypeName(logonType),
    LogonUserSid: toStr(rec.LogonUserSid),
    // One published sample spells the key "ExternalAccess " (trailing space).
    ExternalAccess: toBool(rec.ExternalAccess ?? rec["ExternalAccess "]),
    MailboxOwnerUPN: mailboxOwner,
    MailboxGuid: toStr(rec.MailboxGuid),
    TargetMailbox: isCmdlet ? cmdletTarget(operation, cmdletParams, rec) : mailboxOwner,
    ObjectId: toStr(rec.ObjectId) ?? (item ? toStr(item.Id) : null),
    Parameters: parameters,
    ModifiedProperties: modifiedProperties,
    OperationProperties: operationProperties,
    MailAccessType:
      (operationProperties
        ? (toStr(operationProperties.MailAccessType) ?? toStr(operationProperties.AttachmentAccessType))
        : null) ?? toStr(rec.MailAccessType),
    IsThrottled: toBool(operationProperties?.IsThrottled ?? rec.IsThrottled),
    OperationCount: toInt(rec.OperationCount),
    InternetMessageIds: touched.internetMessageIds,
    FolderPaths: touched.folderPaths,
    ItemCount: touched.itemCount,
    Subject: subjectValue(item ? toStr(item.Subject) : null, opts.subjects),
    SendAsUserSmtp: toStr(rec.SendAsUserSmtp),
    SendOnBehalfOfUserSmtp: toStr(rec.SendOnBehalfOfUserSmtp),
    DestFolder: destFolder,
    DestMailboxOwnerUPN: toStr(rec.DestMailboxOwnerUPN),
    CrossMailboxOperation: toBool(rec.CrossMailboxOperations ?? rec.CrossMailboxOperation),
    OriginatingServer: toTrimmedStr(rec.OriginatingServer),
    SourceContentId: opts.sourceContentId || null,
    IngestionSource: opts.ingestionSource,
    ConnectorTenant: opts.connectorTenant || null,
    Truncated: [],
    AuditData: opts.keepAuditData ? auditSource : null,
  };
  // From text, the size bound can come from the text itself, cheaper than walking the value. Hashing subjects
  // can lengthen AuditData, so in that case the value actually stored is measured.
  const scan =
    (typeof raw === "string" && auditSource === rec ? scanJsonText(raw) : undefined) ?? scanJson(auditSource);
  return { ok: true, row: withinLimits(row, scan, opts) };
}

const SUCCESS = new Set(["succeeded", "partiallysucceeded", "true", "success"]);
const FAILURE = new Set(["failed", "false", "failure"]);

function succeeded(status: string | null): boolean | null {
  if (status === null) return null;
  if (status === "Succeeded" || status === "True") return true;
  if (status === "Failed" || status === "False") return false;
  const s = status.toLowerCase();
  return SUCCESS.has(s) ? true : FAILURE.has(s) ? false : null;
}

const DYNAMIC_FIELDS = ["Parameters", "ModifiedProperties", "OperationProperties", "AuditData"] as const;

/**
 * Every string and dynamic value of the row is a piece of the record (or a short constant), so when the
 * record's size bound is under the field limit nothing can be too large and the exact measurement is skipped.
 */
function withinLimits(row: ExchangeAuditRow, scan: JsonScan, opts: NormalizeOptions): ExchangeAuditRow {
  const maxField = opts.maxFieldBytes ?? DEFAULT_MAX_FIELD_BYTES;
  let out = row;
  if (!scan.safe) {
    const cut: string[] = [];
    out = { ...row };
    for (const key of DYNAMIC_FIELDS) {
      if (out[key] !== null && !scanJson(out[key]).safe) {
        out[key] = sanitizeJson(out[key]);
        cut.push(key);
      }
    }
    out.Truncated = cut;
  }
  const extra = Math.max(opts.sourceContentId.length, opts.connectorTenant?.length ?? 0) * 6;
  if (scan.bound <= maxField && extra <= maxField && scan.safe) return out;
  return fitRowToLimits(out, { maxFieldBytes: maxField }).row;
}
