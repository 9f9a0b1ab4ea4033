/**
 * Enumerations of the Office 365 audit schema, as data. Unknown values are expected (the RecordType enum
 * keeps growing past 380), so lookups never fail: they fall back to `Unknown<n>`.
 * Source: office-365-management-activity-api-schema.md (AuditLogRecordType, User Type, LogonType).
 */

/** RecordType values Exchange produces (and a few neighbours seen in the Audit.Exchange feed). */
export const RECORD_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: "ExchangeAdmin",
  2: "ExchangeItem",
  3: "ExchangeItemGroup",
  4: "SharePoint",
  6: "SharePointFileOperation",
  8: "AzureActiveDirectory",
  13: "ComplianceDLPExchange",
  18: "SecurityComplianceCenterEOPCmdlet",
  19: "ExchangeAggregatedOperation",
  28: "ThreatIntelligence",
  29: "MailSubmission",
  47: "ThreatIntelligenceAtpContent",
  50: "ExchangeItemAggregated",
  64: "AirInvestigation",
  68: "ComplianceSupervisionExchange",
  75: "MipAutoLabelExchangeItem",
  101: "ExchangeSearch",
  107: "ComplianceDLPExchangeClassification",
  275: "OWAAuth",
  285: "ComplianceDLMExchange",
};

/** `UserType` names, index = value (0..9). Names follow the column description of `UserType`. */
export const USER_TYPE_NAMES: readonly string[] = [
  "Regular",
  "Reserved",
  "Admin",
  "DcAdmin",
  "System",
  "Application",
  "ServicePrincipal",
  "CustomPolicy",
  "SystemPolicy",
  "PartnerTechnician",
];

/** Mailbox `LogonType` / `InternalLogonType` names, index = value (0..6). */
export const LOGON_TYPE_NAMES: readonly string[] = [
  "Owner",
  "Admin",
  "Delegated",
  "Transport",
  "SystemService",
  "BestAccess",
  "DelegatedAdmin",
];

function reverse(names: Iterable<[string | number, string]>): Map<string, number> {
  const map = new Map<string, number>();
  for (const [value, name] of names) map.set(name.toLowerCase(), Number(value));
  return map;
}

const RECORD_TYPE_BY_NAME = reverse(Object.entries(RECORD_TYPE_NAMES));
const USER_TYPE_BY_NAME = reverse(USER_TYPE_NAMES.entries());
const LOGON_TYPE_BY_NAME = reverse(LOGON_TYPE_NAMES.entries());

/** Search-UnifiedAuditLog exports carry the RecordType as its name ("ExchangeAdmin"); maps it back. */
export function recordTypeFromName(name: string): number | undefined {
  return RECORD_TYPE_BY_NAME.get(name.toLowerCase());
}

export function userTypeFromName(name: string): number | undefined {
  return USER_TYPE_BY_NAME.get(name.toLowerCase());
}

export function logonTypeFromName(name: string): number | undefined {
  return LOGON_TYPE_BY_NAME.get(name.toLowerCase());
}

/** Name of a RecordType value, `Unknown<n>` for values this version does not know. */
export function recordTypeName(value: number): string {
  return RECORD_TYPE_NAMES[value] ?? `Unknown${value}`;
}

export function userTypeName(value: number): string {
  return USER_TYPE_NAMES[value] ?? `Unknown${value}`;
}

export function logonTypeName(value: number): string {
  return LOGON_TYPE_NAMES[value] ?? `Unknown${value}`;
}
