/**
 * The Content Hub solution package (`dist/solution/mainTemplate.json`), in the layout the V3 packaging
 * tool writes: one `contentTemplates` resource per content item (wrapping the item's resource and its
 * `metadata`), parsers also deployed directly as workspace functions with their `Parser-<name>` metadata
 * (rules call them), and one `contentPackages` resource describing the solution and its dependencies.
 * `variables.solutionId` holds `<publisherId>.<offerId>` and everything else reads it through
 * `_solutionId` = `[variables('solutionId')]` (validSolutionID; IDs-Should-Be-Derived-From-ResourceIDs).
 */
import type { AnalyticsRule, HuntingQuery, ParserFunction, Workbook } from "../../kql/content/load.ts";
import { API_VERSIONS, DEPLOYMENT_TEMPLATE_SCHEMA } from "./api-versions.ts";
import { workbookTables, workbookTitle } from "./content-mapping.ts";
import { CONNECTOR_ID, type ConnectorUiConfig, connectorUiConfig } from "./data-connector.ts";
import { stripBlanks } from "./json.ts";
import { solutionDescriptionHtml } from "./solution-description.ts";
import {
  dataConnectorItem,
  huntingItem,
  type Item,
  LOCATION,
  parserFunctionResource,
  parserItem,
  parserResourceId,
  quote,
  type Resource,
  ruleItem,
  WS,
  workbookItem,
} from "./solution-items.ts";

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

const ws = (suffix: string) => `[concat(${WS}, '/Microsoft.SecurityInsights/', ${suffix})]`;
const cid = (item: Item) => `[variables('${item.contentIdVar}')]`;

/** Package logo (the tool's `Logo`): Microsoft Sentinel's generic solution logo in Azure-Sentinel/Logos. */
export const PACKAGE_ICON =
  '<img src="https://raw.githubusercontent.com/Azure/Azure-Sentinel/master/Logos/Azure_Sentinel.svg" width="75px" height="75px">';

function productId(item: Item): string {
  return `[concat(take(variables('_solutionId'), 50), '-', '${item.infix}', '-', uniqueString(concat(variables('_solutionId'), '-', '${item.kind}', '-', ${quote(item.contentId)}, '-', ${quote(item.version)})))]`;
}

const source = (meta: SolutionMetadata) => ({
  kind: "Solution",
  name: meta.name,
  sourceId: "[variables('_solutionId')]",
});
const author = (meta: SolutionMetadata) => ({ name: meta.author.name, email: "[variables('_email')]" });

function metadataProperties(item: Item, meta: SolutionMetadata): Resource {
  return {
    description: `${meta.name} ${item.kind}: ${item.displayName}`,
    parentId: item.parentId,
    contentId: cid(item),
    kind: item.kind,
    version: item.version,
    source: source(meta),
    author: author(meta),
    support: meta.support,
    dependencies: item.dependencies && { operator: "AND", criteria: item.dependencies },
  };
}

function metadataResource(item: Item, meta: SolutionMetadata): Resource {
  return {
    type: "Microsoft.OperationalInsights/workspaces/providers/metadata",
    apiVersion: API_VERSIONS["Microsoft.OperationalInsights/workspaces/providers/metadata"],
    name: ws(quote(item.metadataName ?? `${item.kind}-${item.contentId}`)),
    properties: metadataProperties(item, meta),
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
      source: source(meta),
      author: author(meta),
      support: meta.support,
      contentId: cid(item),
      contentKind: item.kind,
      displayName: item.displayName,
      contentProductId: productId(item),
      id: productId(item),
      version: item.version,
    },
  };
}

/** The parser's top-level function and its `Parser-<name>` metadata, as the packaging tool adds them. */
function parserTopLevel(p: ParserFunction, item: Item, meta: SolutionMetadata): Resource[] {
  return [
    parserFunctionResource(p, true),
    {
      type: "Microsoft.OperationalInsights/workspaces/providers/metadata",
      apiVersion: API_VERSIONS["Microsoft.OperationalInsights/workspaces/providers/metadata"],
      name: ws(quote(item.metadataName!)),
      location: LOCATION,
      dependsOn: [parserResourceId(p)],
      properties: metadataProperties(item, meta),
    },
  ];
}

export interface PackageOptions {
  /** Raw URL of dist/infra/azuredeploy.json for the connector's "Deploy to Azure" button. */
  templateUrl?: string;
}

/** Items in package order (connector, parsers, workbooks, rules, hunting queries; each by file). */
export function solutionItems(content: SolutionContent, meta: SolutionMetadata, ui: ConnectorUiConfig): Item[] {
  const byFile = <T extends { file: string }>(list: T[]) => [...list].sort((a, b) => a.file.localeCompare(b.file));
  const tables = ui.dataTypes.map((d) => d.name);
  const wbDeps = (wb: Workbook) => [
    { kind: "DataConnector", contentId: CONNECTOR_ID },
    ...workbookTables(wb, tables).map((t) => ({ kind: "DataType", contentId: t })),
  ];
  return [
    dataConnectorItem(ui),
    ...byFile(content.parsers).map((p, i) => parserItem(p.data, i + 1)),
    ...byFile(content.workbooks).map((w, i) => workbookItem(w, i + 1, meta, wbDeps(w.data))),
    ...byFile(content.rules).map((r, i) => ruleItem(r.data, i + 1)),
    ...byFile(content.hunting).map((h, i) => huntingItem(h.data, i + 1)),
  ];
}

function variables(items: Item[], meta: SolutionMetadata): Record<string, string> {
  const v: Record<string, string> = {
    solutionId: `${meta.publisherId}.${meta.offerId}`.toLowerCase(),
    _solutionId: "[variables('solutionId')]",
    _solutionName: meta.name,
    _solutionVersion: meta.version,
    email: meta.author.email,
    _email: "[variables('email')]",
    _solutioncontentProductId: `[concat(take(variables('_solutionId'), 50), '-', 'sl', '-', uniqueString(concat(variables('_solutionId'), '-', 'Solution', '-', variables('_solutionId'), '-', variables('_solutionVersion'))))]`,
    workspaceResourceId: `[resourceId('Microsoft.OperationalInsights/workspaces', ${WS})]`,
  };
  for (const i of items) {
    const plain = i.contentIdVar.slice(1);
    v[plain] = i.contentId;
    v[i.contentIdVar] = `[variables('${plain}')]`;
  }
  return v;
}

function workbookParameters(content: SolutionContent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  [...content.workbooks]
    .sort((a, b) => a.file.localeCompare(b.file))
    .forEach((w, i) => {
      out[`workbook${i + 1}-name`] = {
        type: "string",
        defaultValue: workbookTitle(w.data, w.file.replace(/^.*\//, "").replace(/\.json$/i, "")),
        minLength: 1,
        metadata: { description: "Name for the workbook" },
      };
    });
  return out;
}

/** Builds `mainTemplate.json` for the content. Input order does not matter: items are sorted by file. */
export function solutionTemplate(
  content: SolutionContent,
  meta: SolutionMetadata,
  options: PackageOptions = {},
): Record<string, unknown> {
  const ui = connectorUiConfig(options.templateUrl);
  const items = solutionItems(content, meta, ui);
  const parsers = [...content.parsers].sort((a, b) => a.file.localeCompare(b.file));
  const parserItems = items.filter((i) => i.kind === "Parser");
  // Parsers are also deployed as plain workspace functions so rules and hunting queries work at once.
  const topLevel = parsers.flatMap((p, i) => parserTopLevel(p.data, parserItems[i]!, meta));
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
      descriptionHtml: solutionDescriptionHtml(content),
      contentKind: "Solution",
      contentProductId: "[variables('_solutioncontentProductId')]",
      id: "[variables('_solutioncontentProductId')]",
      icon: PACKAGE_ICON,
      contentId: "[variables('_solutionId')]",
      parentId: "[variables('_solutionId')]",
      source: source(meta),
      author: author(meta),
      support: meta.support,
      dependencies: {
        operator: "AND",
        criteria: items.map((i) => ({ kind: i.kind, contentId: cid(i), version: i.version })),
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
      ...workbookParameters(content),
    },
    variables: variables(items, meta),
    resources: [...topLevel, ...items.map((i) => contentTemplate(i, meta)), pkg],
  });
}
