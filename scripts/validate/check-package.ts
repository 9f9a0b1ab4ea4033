/**
 * Checks of a built Content Hub package (`mainTemplate.json`) that Microsoft's CI runs on
 * `Solutions/<name>/Package/` (shared reference `azure-sentinel-ci.md`):
 *
 * | Check | Rule | Upstream |
 * | --- | --- | --- |
 * | solution id | `variables.solutionId` = `<publisherId>.<offerId>` (lower case); `_solutionId` = `[variables('solutionId')]` | `.script/SolutionValidations/validSolutionID.ts` |
 * | branding | `/(?<!Microsoft\s)(?<!-)\bSentinel\b/` nowhere in the file text | `.script/SolutionValidations/validMSBranding.ts` |
 * | locale links | no `https://docs.microsoft.com/xx-yy` or `https://azure.microsoft.com/xx-yy` in the file text | `.script/documentsLinkValidator.ts` |
 * | support | every top-level metadata `support` has a name and a valid email or http(s) link | `validSupportObject.ts` |
 * | domains | top-level metadata and contentPackages `categories.domains` (at least one) and `verticals` from `ValidDomainsVerticals.json` | `validDomainsVerticals.ts` |
 * | ids derived | a property whose name ends in "id" (any case; not under parameters/outputs/tags/metadata, not an ARM-TTK exception) must not resolve to a literal after one level of variable expansion | ARM-TTK `IDs-Should-Be-Derived-From-ResourceIDs` |
 *
 * Decision table of the ids rule, value after expanding `[variables('x')]` once:
 *
 * | Value | Result |
 * | --- | --- |
 * | expression starting with resourceId/extensionResourceId/subscriptionResourceId/tenantResourceId/if/parameters/reference/variables/subscription/guid | pass |
 * | other expression (`concat(take(variables(...)))`, as the packaging tool writes contentProductId and id) | pass: Azure-Sentinel's `.github/actions/entrypoint.ps1` waives this test's errors on `contentProductId` and `id` |
 * | an expression in the source that expands to a literal (`[variables('_solutionId')]` → `pub.offer`) | fail |
 * | a literal under `customDetails` (the key is a rule's, the value a column name) | fail |
 * | a literal elsewhere (`connectorId`, `contentId` as the tool itself writes them) | pass |
 */
import { brandingOffences, localeLinkOffsets } from "./check-ci.ts";
import { textPosition } from "./source-map.ts";
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

/** validMSBranding and documentsLinkValidator over the text of a package file as written (mainTemplate.json or createUiDefinition.json). */
export function checkPackageBranding(text: string, file: string): Offender[] {
  const links = localeLinkOffsets(text).map((offset) => ({
    file,
    field: "(file)",
    ...textPosition(text, offset),
    message: "documentation link with a locale segment (documentsLinkValidator)",
  }));
  return [
    ...links,
    ...brandingOffences(text).map((offset) => ({
      file,
      field: "(file)",
      ...textPosition(text, offset),
      message: `'Sentinel' not preceded by 'Microsoft' (validMSBranding): ...${text.slice(Math.max(0, offset - 40), offset + 8).replace(/\s+/g, " ")}`,
    })),
  ];
}

/** `.script/SolutionValidations/ValidDomainsVerticals.json` (read 2026-12). */
export const VALID_DOMAINS = [
  "Application",
  "Cloud Provider",
  "Compliance",
  "DevOps",
  "Identity",
  "Internet of Things (IoT)",
  "IT Operations",
  "Migration",
  "Networking",
  "Platform",
  "Security - Others",
  "Security - Threat Intelligence",
  "Security - Threat Protection",
  "Security - 0-day Vulnerability",
  "Security - Automation (SOAR)",
  "Security - Cloud Security",
  "Security - Information Protection",
  "Security - Insider Threat",
  "Security - Network",
  "Security - Vulnerability Management",
  "Storage",
  "Training and Tutorials",
  "User Behavior (UEBA)",
];
export const VALID_VERTICALS = ["Aeronautics", "Education", "Finance", "Healthcare", "Manufacturing", "Retail"];

type Props = {
  support?: { name?: string; email?: string; link?: string };
  categories?: { domains?: string[]; verticals?: string[] };
};

/** validSupportObject and validDomainsVerticals over the top-level metadata (and contentPackages categories). */
export function checkSupportAndDomains(template: Template, file: string): Offender[] {
  const out: Offender[] = [];
  const resources = (template.resources ?? []) as { type?: string; properties?: Props }[];
  resources.forEach((r, i) => {
    const where = `resources[${i}].properties`;
    const p = r.properties ?? {};
    if (r.type === "Microsoft.OperationalInsights/workspaces/providers/metadata") {
      const s = p.support;
      const email = s?.email?.trim() ?? "";
      const link = s?.link?.trim() ?? "";
      if (!s) out.push({ file, field: where, message: "metadata needs a support object (validSupportObject)" });
      else if (!s.name?.trim()) out.push({ file, field: `${where}.support.name`, message: "support needs a name" });
      else if (email === "" && link === "") {
        out.push({ file, field: `${where}.support`, message: "support needs an email or a link (validSupportObject)" });
      } else if (email !== "" && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
        out.push({ file, field: `${where}.support.email`, message: `invalid support email ${email}` });
      } else if (link !== "" && !/^https?:\/\/\S+$/.test(link)) {
        out.push({ file, field: `${where}.support.link`, message: `invalid support link ${link}` });
      }
    }
    const isPackage = r.type === "Microsoft.OperationalInsights/workspaces/providers/contentPackages";
    if (p.categories || (isPackage && !p.categories)) {
      const domains = p.categories?.domains ?? [];
      const bad = [
        ...domains.filter((d) => !VALID_DOMAINS.includes(d)).map((d) => `domain '${d}'`),
        ...(p.categories?.verticals ?? []).filter((v) => !VALID_VERTICALS.includes(v)).map((v) => `vertical '${v}'`),
      ];
      if (domains.length === 0) bad.push("no domain");
      if (bad.length) {
        out.push({ file, field: `${where}.categories`, message: `${bad.join(", ")} (validDomainsVerticals)` });
      }
    }
  });
  return out;
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
    ...checkSupportAndDomains(template, file),
    ...checkPackageBranding(`${JSON.stringify(template, null, 2)}\n`, file),
    ...(uiDefinition ? checkPackageBranding(uiDefinition.text, uiDefinition.file) : []),
  ];
}
