/**
 * Naming rules ARM's JSON schemas do not express, per resource type, from Microsoft's table
 * https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules (and each
 * service's page where it is stricter, linked per row).
 */
export interface NameRule {
  min: number;
  max: number;
  /** The whole name must match. */
  pattern: RegExp;
  /** In words, for the offender message. */
  chars: string;
  /** Unique across Azure (part of a DNS name), not only in the resource group. */
  global?: boolean;
  doc: string;
}

const RULES_DOC = "https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules";

export const NAME_RULES: Record<string, NameRule> = {
  "Microsoft.Storage/storageAccounts": {
    min: 3,
    max: 24,
    pattern: /^[a-z0-9]+$/,
    chars: "lower-case letters and digits",
    global: true,
    doc: `${RULES_DOC}#microsoftstorage`,
  },
  "Microsoft.KeyVault/vaults": {
    min: 3,
    max: 24,
    pattern: /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]$/,
    chars: "letters, digits and single hyphens, starting with a letter, ending with a letter or digit",
    global: true,
    doc: `${RULES_DOC}#microsoftkeyvault`,
  },
  "Microsoft.Web/sites": {
    min: 2,
    max: 60,
    pattern: /^[a-zA-Z0-9](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]$/,
    chars: "letters, digits and hyphens, not starting or ending with a hyphen",
    global: true,
    doc: `${RULES_DOC}#microsoftweb`,
  },
  "Microsoft.Web/serverfarms": {
    min: 1,
    max: 60,
    pattern: /^[a-zA-Z0-9-]+$/,
    chars: "letters, digits and hyphens",
    doc: `${RULES_DOC}#microsoftweb`,
  },
  "Microsoft.App/jobs": {
    min: 2,
    max: 32,
    pattern: /^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/,
    chars: "lower-case letters, digits and single hyphens, starting with a letter",
    doc: `${RULES_DOC}#microsoftapp`,
  },
  "Microsoft.App/managedEnvironments": {
    min: 2,
    max: 60,
    pattern: /^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/,
    chars: "lower-case letters, digits and single hyphens, starting with a letter",
    doc: `${RULES_DOC}#microsoftapp`,
  },
  "Microsoft.ManagedIdentity/userAssignedIdentities": {
    min: 3,
    max: 128,
    pattern: /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/,
    chars: "letters, digits, hyphens and underscores, starting with a letter or digit",
    doc: `${RULES_DOC}#microsoftmanagedidentity`,
  },
  "Microsoft.Insights/dataCollectionRules": {
    min: 1,
    max: 64,
    pattern: /^[a-zA-Z0-9][\w.-]*$/,
    chars: "letters, digits, -, _ and ., starting with a letter or digit",
    doc: `${RULES_DOC}#microsoftinsights`,
  },
  "Microsoft.Insights/dataCollectionEndpoints": {
    min: 3,
    max: 44,
    pattern: /^[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]$/,
    chars: "letters, digits and hyphens, starting and ending with a letter or digit",
    doc: `${RULES_DOC}#microsoftinsights`,
  },
  "Microsoft.Insights/components": {
    min: 1,
    max: 260,
    pattern: /^[^%&\\?/]+$/,
    chars: "anything but %&\\?/",
    doc: `${RULES_DOC}#microsoftinsights`,
  },
  "Microsoft.Resources/deployments": {
    min: 1,
    max: 64,
    pattern: /^[-\w.()]+$/,
    chars: "letters, digits, -, _, . and parentheses",
    doc: `${RULES_DOC}#microsoftresources`,
  },
};

/** Why `name` breaks the rule, or undefined. */
export function nameProblem(name: string, rule: NameRule): string | undefined {
  if (name.length < rule.min || name.length > rule.max) {
    return `is ${name.length} characters; the limit is ${rule.min}-${rule.max}`;
  }
  if (!rule.pattern.test(name)) return `must use ${rule.chars}`;
  return undefined;
}
