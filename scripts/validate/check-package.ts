/**
 * Checks of a built Content Hub package (`mainTemplate.json`) that Microsoft's CI runs on
 * `Solutions/<name>/Package/` (shared reference `azure-sentinel-ci.md`):
 *
 * | Check | Rule | Upstream |
 * | --- | --- | --- |
 * | solution id | `variables.solutionId` = `<publisherId>.<offerId>` (lower case); `_solutionId` = `[variables('solutionId')]` | `.script/SolutionValidations/validSolutionID.ts` |
 * | branding | `/(?<!Microsoft\s)(?<!-)\bSentinel\b/` nowhere in the file text | `.script/SolutionValidations/validMSBranding.ts` |
 * | ids derived | a property whose name ends in "id" (any case; not under parameters/outputs/tags/metadata, not an ARM-TTK exception) must not resolve to a literal after one level of variable expansion | ARM-TTK `IDs-Should-Be-Derived-From-ResourceIDs` |
 *
 * Decision table of the ids rule, value after expanding `[variables('x')]` once:
 *
 * | Value | Result |
 * | --- | --- |
 * | expression starting with resourceId/extensionResourceId/subscriptionResourceId/tenantResourceId/if/parameters/reference/variables/subscription/guid | pass |
 * | other expression (`concat(take(variables(...)))`, as the packaging tool writes contentProductId) | pass (ARM-TTK's expansion of nested calls is not reproduced) |
 * | an expression in the source that expands to a literal (`[variables('_solutionId')]` → `pub.offer`) | fail |
 * | a literal under `customDetails` (the key is a rule's, the value a column name) | fail |
 * | a literal elsewhere (`connectorId`, `contentId` as the tool itself writes them) | pass |
 */
import { brandingOffences } from "./check-ci.ts";
import type { Offender } from "./types.ts";

type Json = unknown;
type Template = { variables?: Record<string, Json>; resources?: Json[] };

/** Property names ARM-TTK exempts (they are not resource ids). */
const EXCEPTIONS = new Set(
  [
    "appId",
    "clientId",
    "DataTypeId",
    "defaultMenuItemId",
    "keyVaultSecretId",
    "keyId",
    "objectId",
    "menuId",
    "policyDefinitionReferenceId",
    "servicePrincipalClientId",
    "StartingDeviceID",
    "subscriptionId",
    "SyntheticMonitorId",
    "targetProtectionContainerId",
    "targetWorkerSizeId",
    "tenantId",
    "timezoneId",
    "vlanId",
    "workerSizeId",
  ].map((s) => s.toLowerCase()),
);

const ALLOWED =
  /^\s*\[\s*(extensionResourceId|resourceId|subscriptionResourceId|tenantResourceId|if|parameters|reference|variables|subscription|guid)\s*\(/i;
const VARIABLE_ONLY = /^\[\s*variables\(\s*'([^']+)'\s*\)\s*\]$/;
const isExpression = (s: string) => s.startsWith("[") && !s.startsWith("[[");

/** ARM-TTK's one-level expansion of a whole-value variable reference. */
function expandOnce(value: string, variables: Record<string, Json>): Json {
  const m = VARIABLE_ONLY.exec(value.trim());
  return m ? variables[m[1]!] : value;
}

export function checkIdsDerived(template: Template, file: string): Offender[] {
  const variables = template.variables ?? {};
  const out: Offender[] = [];
  const visit = (node: Json, path: string, inCustomDetails: boolean) => {
    if (Array.isArray(node)) {
      node.forEach((x, i) => {
        visit(x, `${path}[${i}]`, false);
      });
      return;
    }
    if (!node || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node as Record<string, Json>)) {
      const here = `${path}.${key}`;
      if (key === "tags" || key === "metadata") continue;
      if (typeof value === "string" && /id$/i.test(key) && !EXCEPTIONS.has(key.toLowerCase())) {
        const problem = idProblem(value, variables, inCustomDetails);
        if (problem) out.push({ file, field: here, message: `${key}: ${problem}` });
      }
      visit(value, here, key === "customDetails");
    }
  };
  visit(template.resources ?? [], "resources", false);
  return out;
}

function idProblem(value: string, variables: Record<string, Json>, inCustomDetails: boolean): string | undefined {
  if (!isExpression(value)) {
    return inCustomDetails
      ? `the literal '${value}' is not derived from resourceId() (IDs-Should-Be-Derived-From-ResourceIDs); rename the customDetails key so it does not end in "id"`
      : undefined;
  }
  const expanded = expandOnce(value, variables);
  if (typeof expanded === "string" && !isExpression(expanded)) {
    return `${value} resolves to the literal '${expanded}' (IDs-Should-Be-Derived-From-ResourceIDs); reference a variable that holds [variables(...)] as the packaging tool does`;
  }
  if (
    typeof expanded === "string" &&
    !ALLOWED.test(expanded) &&
    !/\b(variables|parameters|resourceId)\(/.test(expanded)
  ) {
    return `${value} is not built from resourceId()/variables()/parameters()`;
  }
  return undefined;
}

export function checkSolutionId(
  template: Template,
  file: string,
  meta: { publisherId: string; offerId: string },
): Offender[] {
  const expected = `${meta.publisherId}.${meta.offerId}`.toLowerCase();
  const v = template.variables ?? {};
  const out: Offender[] = [];
  if (v.solutionId !== expected) {
    out.push({
      file,
      field: "variables.solutionId",
      message: `must be '${expected}' (<publisherId>.<offerId>, lower case; validSolutionID), found ${JSON.stringify(v.solutionId)}`,
    });
  }
  if (v._solutionId !== "[variables('solutionId')]") {
    out.push({
      file,
      field: "variables._solutionId",
      message: `must be "[variables('solutionId')]" (validSolutionID), found ${JSON.stringify(v._solutionId)}`,
    });
  }
  return out;
}

/** validMSBranding over the text of a package file as written (mainTemplate.json or createUiDefinition.json). */
export function checkPackageBranding(text: string, file: string): Offender[] {
  return brandingOffences(text).map((offset) => {
    const before = text.slice(0, offset);
    return {
      file,
      field: "(file)",
      line: before.split("\n").length,
      column: offset - before.lastIndexOf("\n"),
      message: `'Sentinel' not preceded by 'Microsoft' (validMSBranding): ...${text.slice(Math.max(0, offset - 40), offset + 8).replace(/\s+/g, " ")}`,
    };
  });
}

/** Every package check (`uiDefinition`: the package's createUiDefinition.json, when at hand). */
export function checkPackage(
  template: Template,
  file: string,
  meta: { publisherId: string; offerId: string },
  uiDefinition?: { text: string; file: string },
) {
  return [
    ...checkSolutionId(template, file, meta),
    ...checkIdsDerived(template, file),
    ...checkPackageBranding(`${JSON.stringify(template, null, 2)}\n`, file),
    ...(uiDefinition ? checkPackageBranding(uiDefinition.text, uiDefinition.file) : []),
  ];
}
