/**
 * Ingestion resources of `dist/infra/azuredeploy.json`: the two custom tables, the `kind: Direct` DCR
 * (stream declarations, transforms and outputs all derived from `connector/schema`), the optional DCE
 * for private link, and the connector's user-assigned identity. Its roles are in `infra-roles.ts`.
 *
 * | plan      | table properties sent                                  | why |
 * | --------- | ------------------------------------------------------ | --- |
 * | Analytics | plan, retentionInDays, totalRetentionInDays, schema    | both retentions are settable |
 * | Basic     | plan, totalRetentionInDays, schema                     | interactive retention is fixed (30 days) and the API refuses `retentionInDays` |
 *
 * Retention rules: https://learn.microsoft.com/azure/azure-monitor/logs/data-retention-configure
 */
import { armTableSchema, dcrStreamDeclaration, dcrTransform, outputStream } from "../../connector/schema/derive.ts";
import { SUMMARY_TABLES, TABLES } from "../../connector/schema/table-schema.ts";
import { loadSummaryRule } from "../../kql/summary.ts";
import { API_VERSIONS } from "./api-versions.ts";
import { DCE_ID, inner, WORKSPACE_ID } from "./infra-ids.ts";

type Resource = Record<string, unknown>;

const DESTINATION = "workspace";

export const tableId = (tableName: string) =>
  `[resourceId('Microsoft.OperationalInsights/workspaces/tables', parameters('workspaceName'), '${tableName}')]`;

/** The `variables` entries the tables read: each table's schema, and the plan-dependent retention. */
export function tableVariables(): Record<string, unknown> {
  const schemas: Record<string, unknown> = {};
  for (const t of [...TABLES, ...SUMMARY_TABLES]) schemas[t.tableName] = armTableSchema(t);
  return {
    tableSchemas: schemas,
    tableRetention:
      "[if(equals(parameters('plan'), 'Basic'), createObject('plan', 'Basic', 'totalRetentionInDays', parameters('totalRetentionInDays')), createObject('plan', parameters('plan'), 'retentionInDays', parameters('retentionInDays'), 'totalRetentionInDays', parameters('totalRetentionInDays')))]",
  };
}

export function ingestionResources(): Resource[] {
  const tables: Resource[] = TABLES.map((t) => ({
    type: "Microsoft.OperationalInsights/workspaces/tables",
    apiVersion: API_VERSIONS["Microsoft.OperationalInsights/workspaces/tables"],
    name: `[concat(parameters('workspaceName'), '/${t.tableName}')]`,
    properties: `[union(variables('tableRetention'), createObject('schema', variables('tableSchemas').${t.tableName}))]`,
  }));
  const dce: Resource = {
    type: "Microsoft.Insights/dataCollectionEndpoints",
    apiVersion: API_VERSIONS["Microsoft.Insights/dataCollectionEndpoints"],
    condition: "[parameters('deployDataCollectionEndpoint')]",
    name: "[variables('dceName')]",
    location: "[parameters('location')]",
    properties: {
      description: "Ingestion endpoint for the exo-audit connector (private link)",
      networkAcls: { publicNetworkAccess: "[parameters('dcePublicNetworkAccess')]" },
    },
  };
  const streamDeclarations: Record<string, unknown> = {};
  for (const t of TABLES) streamDeclarations[t.streamName] = dcrStreamDeclaration(t);
  const dcr: Resource = {
    type: "Microsoft.Insights/dataCollectionRules",
    apiVersion: API_VERSIONS["Microsoft.Insights/dataCollectionRules"],
    name: "[variables('dcrName')]",
    // A DCR must be in its destination workspace's region: `location` is the workspace's region (required).
    location: "[parameters('location')]",
    // Direct: the DCR gets its own logs ingestion endpoint, so no DCE is needed without private link.
    kind: "Direct",
    dependsOn: [...TABLES.map((t) => tableId(t.tableName)), DCE_ID],
    properties: {
      description: "exo-audit: Exchange Online audit records and connector heartbeats (Logs Ingestion API)",
      dataCollectionEndpointId: `[if(parameters('deployDataCollectionEndpoint'), ${inner(DCE_ID)}, null())]`,
      streamDeclarations,
      destinations: { logAnalytics: [{ workspaceResourceId: WORKSPACE_ID, name: DESTINATION }] },
      dataFlows: TABLES.map((t) => ({
        streams: [t.streamName],
        destinations: [DESTINATION],
        transformKql: dcrTransform(t),
        outputStream: outputStream(t),
      })),
    },
  };
  const identity: Resource = {
    type: "Microsoft.ManagedIdentity/userAssignedIdentities",
    apiVersion: API_VERSIONS["Microsoft.ManagedIdentity/userAssignedIdentities"],
    name: "[variables('identityName')]",
    location: "[variables('hostingLocation')]",
  };
  return [...tables, ...summaryResources(), dce, dcr, identity];
}

/**
 * The summary-rule tables and their rules. Limits of Log Analytics summary rules as documented by Microsoft
 * ("Aggregate data in a Log Analytics workspace by using summary rules", learn.microsoft.com, read 2026-12):
 * bin size 20 minutes to 24 hours (20, 30, 60, 120, 180, 360, 720, 1440), up to 30 active rules per workspace,
 * a query time-out of 10 minutes and at most 500,000 result rows (100 MB) per bin; the destination must be a
 * custom `_CL` table on the Analytics plan; cross-workspace queries and user-defined functions are not supported;
 * bins already processed are not re-run for rows ingested after the bin's delay; TimeGenerated is reserved (the
 * service sets it; a result column of that name is kept as `_OriginalTimeGenerated`). The baseline writes a few rows
 * per user and day, far below these.
 */
function summaryResources(): Resource[] {
  const out: Resource[] = [];
  for (const t of SUMMARY_TABLES) {
    const rule = loadSummaryRule(t.summaryRule);
    out.push({
      type: "Microsoft.OperationalInsights/workspaces/tables",
      apiVersion: API_VERSIONS["Microsoft.OperationalInsights/workspaces/tables"],
      name: `[concat(parameters('workspaceName'), '/${t.tableName}')]`,
      // Analytics plan whatever the plan of the raw table: summary rules write Analytics tables; 30 days hold the 14-day baseline.
      properties: `[createObject('plan', 'Analytics', 'retentionInDays', 30, 'schema', variables('tableSchemas').${t.tableName})]`,
    });
    out.push({
      type: "Microsoft.OperationalInsights/workspaces/summaryLogs",
      apiVersion: API_VERSIONS["Microsoft.OperationalInsights/workspaces/summaryLogs"],
      name: `[concat(parameters('workspaceName'), '/${rule.name}')]`,
      dependsOn: [tableId(t.tableName), ...TABLES.map((s) => tableId(s.tableName))],
      properties: {
        ruleType: "User",
        displayName: rule.displayName,
        description: rule.description.trim(),
        ruleDefinition: {
          query: rule.query.trim(),
          binSize: rule.binSize,
          ...(rule.binDelay === undefined ? {} : { binDelay: rule.binDelay }),
          timeSelector: "TimeGenerated",
          destinationTable: t.tableName,
        },
      },
    });
  }
  return out;
}
