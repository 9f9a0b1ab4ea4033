/**
 * One content item of the solution package per content file, with the ids and resources the V3
 * packaging tool (`Tools/Create-Azure-Sentinel-Solution`) gives it:
 *
 * | Kind | contentId | Resource in the content template | Extra |
 * | --- | --- | --- | --- |
 * | AnalyticsRule | the rule id | `Microsoft.SecurityInsights/AlertRuleTemplates` | |
 * | HuntingQuery | the query id | `Microsoft.OperationalInsights/savedSearches` | |
 * | Parser | `<FunctionName>-Parser` | workspace function (`workspaces/savedSearches`) | also deployed at top level with a `Parser-<name>` metadata |
 * | Workbook | the WorkbooksMetadata `workbookKey` | `Microsoft.Insights/workbooks`, `fromTemplateId` `sentinel-<Key>` | `workbook<n>-name` parameter; DataConnector and DataType dependencies |
 * | DataConnector | `ExchangeAuditConnector` | `workspaces/providers/dataConnectors` (GenericUI) | |
 *
 * Content ids are reached through a variable pair (`x` holds the id, `_x` = `[variables('x')]`) so that
 * every `*Id` property is derived from `variables()` (ARM-TTK IDs-Should-Be-Derived-From-ResourceIDs).
 */
import { basename } from "node:path";
import type { AnalyticsRule, HuntingQuery, ParserFunction, Workbook } from "../../kql/content/load.ts";
import { API_VERSIONS } from "./api-versions.ts";
import {
  alertRuleTemplateProperties,
  huntingQueryProperties,
  parserAlias,
  parserProperties,
  stableGuid,
  workbookKey,
  workbookTitle,
} from "./content-mapping.ts";
import { CONNECTOR_ID, CONNECTOR_TITLE, CONNECTOR_VERSION, type ConnectorUiConfig } from "./data-connector.ts";

export type Resource = Record<string, unknown>;
export type Kind = "AnalyticsRule" | "HuntingQuery" | "Parser" | "Workbook" | "DataConnector";

export const WS = "parameters('workspace')";
export const LOCATION = "[parameters('workspace-location')]";
export const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** One content item, as both packaging steps need it. */
export interface Item {
  kind: Kind;
  infix: "ar" | "hq" | "pr" | "wb" | "dc";
  contentId: string;
  /** Name of the variable holding `[variables('<contentIdVar without _>')]`. */
  contentIdVar: string;
  version: string;
  displayName: string;
  /** The item's own resource (inside the content template). */
  resource: Resource;
  /** ARM expression of the item's resource id (metadata parentId). */
  parentId: string;
  /** Name of the item's metadata resource (default `<kind>-<contentId>`; parsers: `Parser-<function>`). */
  metadataName?: string;
  /** Metadata dependencies (workbooks: the connector and the tables they read). */
  dependencies?: { kind: string; contentId: string }[];
}

const VAR_PREFIX: Record<Kind, string> = {
  AnalyticsRule: "analyticRulecontentId",
  HuntingQuery: "huntingQuerycontentId",
  Parser: "parserContentId",
  Workbook: "workbookContentId",
  DataConnector: "dataConnectorContentId",
};

/** `_<prefix><n>`: the variable an item's contentId is read from (n counts per kind from 1). */
export const contentIdVar = (kind: Kind, n: number) => `_${VAR_PREFIX[kind]}${n}`;

export function ruleItem(r: AnalyticsRule, n: number): Item {
  return {
    kind: "AnalyticsRule",
    infix: "ar",
    contentId: r.id,
    contentIdVar: contentIdVar("AnalyticsRule", n),
    version: r.version,
    displayName: r.name,
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

export function huntingItem(q: HuntingQuery, n: number): Item {
  return {
    kind: "HuntingQuery",
    infix: "hq",
    contentId: q.id,
    contentIdVar: contentIdVar("HuntingQuery", n),
    version: q.version ?? "1.0.0",
    displayName: q.name,
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

/** The workspace function of a parser (inside its content template and again at top level). */
export function parserFunctionResource(p: ParserFunction, topLevel: boolean): Resource {
  return {
    type: "Microsoft.OperationalInsights/workspaces/savedSearches",
    apiVersion: API_VERSIONS["Microsoft.OperationalInsights/workspaces/savedSearches"],
    name: `[concat(${WS}, '/', ${quote(parserAlias(p))})]`,
    location: topLevel ? LOCATION : undefined,
    properties: parserProperties(p),
  };
}

export const parserContentId = (p: ParserFunction) => `${p.FunctionName}-Parser`;
export const parserResourceId = (p: ParserFunction) =>
  `[resourceId('Microsoft.OperationalInsights/workspaces/savedSearches', ${WS}, ${quote(parserAlias(p))})]`;

export function parserItem(p: ParserFunction, n: number): Item {
  return {
    kind: "Parser",
    infix: "pr",
    contentId: parserContentId(p),
    contentIdVar: contentIdVar("Parser", n),
    version: p.Function.Version,
    displayName: p.Function.Title,
    parentId: parserResourceId(p),
    metadataName: `Parser-${parserAlias(p)}`,
    resource: parserFunctionResource(p, false),
  };
}

export function workbookItem(
  w: { file: string; data: Workbook },
  n: number,
  meta: { publisherId: string; offerId: string; version: string },
  dependencies: { kind: string; contentId: string }[],
): Item {
  const base = basename(w.file).replace(/\.json$/i, "");
  const key = workbookKey(w.file);
  const name = stableGuid(meta.publisherId, meta.offerId, "workbook", base);
  return {
    kind: "Workbook",
    infix: "wb",
    contentId: key,
    contentIdVar: contentIdVar("Workbook", n),
    version: meta.version,
    displayName: workbookTitle(w.data, base),
    parentId: `[resourceId('Microsoft.Insights/workbooks', '${name}')]`,
    dependencies,
    resource: {
      type: "Microsoft.Insights/workbooks",
      apiVersion: API_VERSIONS["Microsoft.Insights/workbooks"],
      name,
      location: LOCATION,
      kind: "shared",
      properties: {
        displayName: `[parameters('workbook${n}-name')]`,
        // the whole workbook as one string: arm-ttk blank checks do not look inside it
        serializedData: JSON.stringify({ ...w.data, fromTemplateId: `sentinel-${key}` }),
        version: "1.0",
        sourceId: "[variables('workspaceResourceId')]",
        category: "sentinel",
      },
    },
  };
}

export function dataConnectorItem(ui: ConnectorUiConfig): Item {
  return {
    kind: "DataConnector",
    infix: "dc",
    contentId: CONNECTOR_ID,
    contentIdVar: contentIdVar("DataConnector", 1),
    version: CONNECTOR_VERSION,
    displayName: CONNECTOR_TITLE,
    parentId: `[extensionResourceId(resourceId('Microsoft.OperationalInsights/workspaces', ${WS}), 'Microsoft.SecurityInsights/dataConnectors', variables('${contentIdVar("DataConnector", 1)}'))]`,
    resource: {
      name: `[concat(${WS}, '/Microsoft.SecurityInsights/', variables('${contentIdVar("DataConnector", 1)}'))]`,
      apiVersion: API_VERSIONS["Microsoft.OperationalInsights/workspaces/providers/dataConnectors"],
      type: "Microsoft.OperationalInsights/workspaces/providers/dataConnectors",
      location: LOCATION,
      kind: "GenericUI",
      properties: { connectorUiConfig: { ...ui, id: `[variables('${contentIdVar("DataConnector", 1)}')]` } },
    },
  };
}
