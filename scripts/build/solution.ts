/**
 * The Content Hub solution package (`dist/solution/mainTemplate.json`), in the v3 package layout:
 * one `contentTemplates` resource per content item (wrapping the item's resource and its `metadata`),
 * parsers also deployed directly as workspace functions (rules call them), and one `contentPackages`
 * resource describing the solution and its dependencies.
 */
import { basename } from "node:path";
import type { AnalyticsRule, HuntingQuery, ParserFunction, Workbook } from "../../kql/content/load.ts";
import { API_VERSIONS, DEPLOYMENT_TEMPLATE_SCHEMA } from "./api-versions.ts";
import {
  alertRuleTemplateProperties,
  huntingQueryProperties,
  parserAlias,
  parserProperties,
  stableGuid,
  workbookTitle,
} from "./content-mapping.ts";
import { stripBlanks } from "./json.ts";

export interface SolutionMetadata {
  name: string;
  publisherId: string;
  offerId: string;
  version: string;
  firstPublishDate: string;
  author: { name: string; email: string };
  support: { name: string; tier: string; link: string };
  providers: string[];
  categories: { domains: string[] };
  connectorId: string;
  description: string;
}

export interface SolutionContent {
  rules: { file: string; data: AnalyticsRule }[];
  hunting: { file: string; data: HuntingQuery }[];
  parsers: { file: string; data: ParserFunction }[];
  workbooks: { file: string; data: Workbook }[];
}

type Resource = Record<string, unknown>;

const WS = "parameters('workspace')";
const LOCATION = "[parameters('workspace-location')]";
const ws = (suffix: string) => `[concat(${WS}, '/Microsoft.SecurityInsights/', ${suffix})]`;
const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** One content item, as both packaging steps need it. */
interface Item {
  kind: "AnalyticsRule" | "HuntingQuery" | "Parser" | "Workbook";
  infix: "ar" | "hq" | "pr" | "wb";
  contentId: string;
  version: string;
  displayName: string;
  description: string;
  /** The item's own resource (inside the content template). */
  resource: Resource;
  /** ARM expression of the item's resource id (metadata parentId). */
  parentId: string;
}

function productId(item: Item): string {
  return `[concat(take(variables('_solutionId'), 50), '-', '${item.infix}', '-', uniqueString(concat(variables('_solutionId'), '-', '${item.kind}', '-', ${quote(item.contentId)}, '-', ${quote(item.version)})))]`;
}

function metadataResource(item: Item, meta: SolutionMetadata): Resource {
  return {
    type: "Microsoft.OperationalInsights/workspaces/providers/metadata",
    apiVersion: API_VERSIONS["Microsoft.OperationalInsights/workspaces/providers/metadata"],
    name: ws(`'${item.kind}-${item.contentId}'`),
    properties: {
      description: `${meta.name} ${item.kind}: ${item.displayName}`,
      parentId: item.parentId,
      contentId: item.contentId,
      kind: item.kind,
      version: item.version,
      source: { kind: "Solution", name: meta.name, sourceId: "[variables('_solutionId')]" },
      author: { name: meta.author.name, email: "[variables('_email')]" },
      support: meta.support,
    },
  };
}

function contentTemplate(item: Item, meta: SolutionMetadata): Resource {
  return {
    type: "Microsoft.OperationalInsights/workspaces/providers/contentTemplates",
    apiVersion: API_VERSIONS["Microsoft.OperationalInsights/workspaces/providers/contentTemplates"],
    name: ws(`concat(${WS}, '-${item.infix}-', uniqueString(${quote(item.contentId)}))`),
    location: LOCATION,
    dependsOn: [
      `[extensionResourceId(resourceId('Microsoft.OperationalInsights/workspaces', ${WS}), 'Microsoft.SecurityInsights/contentPackages', variables('_solutionId'))]`,
    ],
    properties: {
      description: `${item.displayName} ${item.kind} with template version ${item.version}`,
      mainTemplate: {
        $schema: DEPLOYMENT_TEMPLATE_SCHEMA,
        contentVersion: item.version,
        resources: [item.resource, metadataResource(item, meta)],
      },
      packageKind: "Solution",
      packageVersion: "[variables('_solutionVersion')]",
      packageName: "[variables('_solutionName')]",
      packageId: "[variables('_solutionId')]",
      contentSchemaVersion: "3.0.0",
      source: { kind: "Solution", name: meta.name, sourceId: "[variables('_solutionId')]" },
      author: { name: meta.author.name, email: "[variables('_email')]" },
      support: meta.support,
      contentId: item.contentId,
      contentKind: item.kind,
      displayName: item.displayName,
      contentProductId: productId(item),
      id: productId(item),
      version: item.version,
    },
  };
}

function ruleItem(r: AnalyticsRule): Item {
  return {
    kind: "AnalyticsRule",
    infix: "ar",
    contentId: r.id,
    version: r.version,
    displayName: r.name,
    description: r.description,
    parentId: `[resourceId('Microsoft.SecurityInsights/AlertRuleTemplates', ${quote(r.id)})]`,
    resource: {
      type: "Microsoft.SecurityInsights/AlertRuleTemplates",
      name: r.id,
      apiVersion: API_VERSIONS["Microsoft.SecurityInsights/AlertRuleTemplates"],
      kind: r.kind,
      location: LOCATION,
      properties: alertRuleTemplateProperties(r),
    },
  };
}

function huntingItem(q: HuntingQuery): Item {
  return {
    kind: "HuntingQuery",
    infix: "hq",
    contentId: q.id,
    version: q.version ?? "1.0.0",
    displayName: q.name,
    description: q.description,
    parentId: `[resourceId('Microsoft.OperationalInsights/savedSearches', ${quote(q.id)})]`,
    resource: {
      type: "Microsoft.OperationalInsights/savedSearches",
      apiVersion: API_VERSIONS["Microsoft.OperationalInsights/savedSearches"],
      name: q.id,
      location: LOCATION,
      properties: huntingQueryProperties(q),
    },
  };
}

function parserFunctionResource(p: ParserFunction): Resource {
  return {
    type: "Microsoft.OperationalInsights/workspaces/savedSearches",
    apiVersion: API_VERSIONS["Microsoft.OperationalInsights/workspaces/savedSearches"],
    name: `[concat(${WS}, '/', ${quote(parserAlias(p))})]`,
    properties: parserProperties(p),
  };
}

function parserItem(p: ParserFunction): Item {
  return {
    kind: "Parser",
    infix: "pr",
    contentId: p.id,
    version: p.Function.Version,
    displayName: p.Function.Title,
    description: p.Description ?? p.Function.Title,
    parentId: `[resourceId('Microsoft.OperationalInsights/workspaces/savedSearches', ${WS}, ${quote(parserAlias(p))})]`,
    resource: parserFunctionResource(p),
  };
}

function workbookItem(w: { file: string; data: Workbook }, meta: SolutionMetadata): Item {
  const base = basename(w.file).replace(/\.json$/i, "");
  const name = stableGuid(meta.publisherId, meta.offerId, "workbook", base);
  const title = workbookTitle(w.data, base);
  return {
    kind: "Workbook",
    infix: "wb",
    contentId: `${meta.offerId}-${base}`,
    version: meta.version,
    displayName: title,
    description: title,
    parentId: `[resourceId('Microsoft.Insights/workbooks', '${name}')]`,
    resource: {
      type: "Microsoft.Insights/workbooks",
      apiVersion: API_VERSIONS["Microsoft.Insights/workbooks"],
      name,
      location: LOCATION,
      kind: "shared",
      properties: {
        displayName: title,
        // the whole workbook as one string: arm-ttk blank checks do not look inside it
        serializedData: JSON.stringify(w.data),
        version: "1.0",
        sourceId: "[variables('workspaceResourceId')]",
        category: "sentinel",
      },
    },
  };
}

/** Builds `mainTemplate.json` for the content. Input order does not matter: items are sorted by file. */
export function solutionTemplate(content: SolutionContent, meta: SolutionMetadata): Record<string, unknown> {
  const byFile = <T extends { file: string }>(list: T[]) => [...list].sort((a, b) => a.file.localeCompare(b.file));
  const parsers = byFile(content.parsers);
  const items: Item[] = [
    ...parsers.map((p) => parserItem(p.data)),
    ...byFile(content.rules).map((r) => ruleItem(r.data)),
    ...byFile(content.hunting).map((h) => huntingItem(h.data)),
    ...byFile(content.workbooks).map((w) => workbookItem(w, meta)),
  ];
  const solutionId = `${meta.publisherId}.${meta.offerId}`;
  // Parsers are also deployed as plain workspace functions so rules and hunting queries work at once.
  const parserFunctions = parsers.map((p) => parserFunctionResource(p.data));
  const pkg: Resource = {
    type: "Microsoft.OperationalInsights/workspaces/providers/contentPackages",
    apiVersion: API_VERSIONS["Microsoft.OperationalInsights/workspaces/providers/contentPackages"],
    name: ws("variables('_solutionId')"),
    location: LOCATION,
    properties: {
      version: "[variables('_solutionVersion')]",
      kind: "Solution",
      contentSchemaVersion: "3.0.0",
      displayName: meta.name,
      publisherDisplayName: meta.support.name,
      descriptionHtml: `<p>${meta.description}</p>`,
      contentKind: "Solution",
      contentProductId: "[variables('_solutioncontentProductId')]",
      id: "[variables('_solutioncontentProductId')]",
      contentId: "[variables('_solutionId')]",
      parentId: "[variables('_solutionId')]",
      source: { kind: "Solution", name: meta.name, sourceId: "[variables('_solutionId')]" },
      author: { name: meta.author.name, email: "[variables('_email')]" },
      support: meta.support,
      dependencies: {
        operator: "AND",
        criteria: items.map((i) => ({ kind: i.kind, contentId: i.contentId, version: i.version })),
      },
      firstPublishDate: meta.firstPublishDate,
      providers: meta.providers,
      categories: meta.categories,
    },
  };
  return stripBlanks({
    $schema: DEPLOYMENT_TEMPLATE_SCHEMA,
    contentVersion: "1.0.0.0",
    parameters: {
      location: {
        type: "string",
        minLength: 1,
        defaultValue: "[resourceGroup().location]",
        metadata: { description: "Not used directly; the default for workspace-location." },
      },
      "workspace-location": {
        type: "string",
        defaultValue: "[parameters('location')]",
        metadata: { description: "Region of the Microsoft Sentinel workspace." },
      },
      workspace: {
        type: "string",
        metadata: { description: "Name of the Log Analytics workspace with Microsoft Sentinel enabled." },
      },
    },
    variables: {
      _solutionName: meta.name,
      _solutionVersion: meta.version,
      _solutionId: solutionId,
      _email: meta.author.email,
      _solutioncontentProductId: `[concat(take(variables('_solutionId'), 50), '-', 'sl', '-', uniqueString(concat(variables('_solutionId'), '-', 'Solution', '-', variables('_solutionId'), '-', variables('_solutionVersion'))))]`,
      workspaceResourceId: `[resourceId('Microsoft.OperationalInsights/workspaces', ${WS})]`,
    },
    resources: [...parserFunctions, ...items.map((i) => contentTemplate(i, meta)), pkg],
  });
}
