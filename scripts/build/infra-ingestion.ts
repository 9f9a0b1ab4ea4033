/**
 * Ingestion resources of `dist/infra/azuredeploy.json`: the two custom tables, the `kind: Direct` DCR
 * (stream declarations, transforms and outputs all derived from `connector/schema`), the optional DCE
 * for private link, the connector's user-assigned identity and its Monitoring Metrics Publisher role
 * on the DCR (the only role ingestion needs).
 */
import { armTableSchema, dcrStreamDeclaration, dcrTransform, outputStream } from "../../connector/schema/derive.ts";
import { TABLES } from "../../connector/schema/table-schema.ts";
import { API_VERSIONS, ROLES } from "./api-versions.ts";

type Resource = Record<string, unknown>;

export const DCR_ID = "[resourceId('Microsoft.Insights/dataCollectionRules', variables('dcrName'))]";
export const DCE_ID = "[resourceId('Microsoft.Insights/dataCollectionEndpoints', variables('dceName'))]";
export const IDENTITY_ID =
  "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', variables('identityName'))]";
const WORKSPACE_ID = "[resourceId('Microsoft.OperationalInsights/workspaces', parameters('workspaceName'))]";
const DESTINATION = "workspace";

/** Unwraps `[expr]` so it can be nested in another expression. */
export const inner = (expr: string): string => expr.slice(1, -1);

export const tableId = (tableName: string) =>
  `[resourceId('Microsoft.OperationalInsights/workspaces/tables', parameters('workspaceName'), '${tableName}')]`;

/** A role assignment for the connector identity on `scope` (an existing resource's relative id). */
export function roleAssignment(
  roleId: string,
  scope: { type: string; nameExpr: string },
  dependsOn: string,
  condition?: string,
): Resource {
  const scopeId = `resourceId('${scope.type}', ${scope.nameExpr})`;
  return {
    type: "Microsoft.Authorization/roleAssignments",
    apiVersion: API_VERSIONS["Microsoft.Authorization/roleAssignments"],
    ...(condition ? { condition } : {}),
    name: `[guid(${scopeId}, variables('identityName'), '${roleId}')]`,
    scope: `[format('${scope.type.split("/").slice(0, 2).join("/")}/{0}', ${scope.nameExpr})]`,
    dependsOn: [dependsOn, IDENTITY_ID],
    properties: {
      roleDefinitionId: `[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '${roleId}')]`,
      principalId: `[reference(${inner(IDENTITY_ID)}, '${API_VERSIONS["Microsoft.ManagedIdentity/userAssignedIdentities"]}').principalId]`,
      principalType: "ServicePrincipal",
      description: "exo-audit connector",
    },
  };
}

export function ingestionResources(): Resource[] {
  const tables: Resource[] = TABLES.map((t) => ({
    type: "Microsoft.OperationalInsights/workspaces/tables",
    apiVersion: API_VERSIONS["Microsoft.OperationalInsights/workspaces/tables"],
    name: `[concat(parameters('workspaceName'), '/${t.tableName}')]`,
    properties: {
      plan: "[parameters('plan')]",
      retentionInDays: "[parameters('retentionInDays')]",
      totalRetentionInDays: "[parameters('totalRetentionInDays')]",
      schema: armTableSchema(t),
    },
  }));
  const dce: Resource = {
    type: "Microsoft.Insights/dataCollectionEndpoints",
    apiVersion: API_VERSIONS["Microsoft.Insights/dataCollectionEndpoints"],
    condition: "[parameters('deployDataCollectionEndpoint')]",
    name: "[variables('dceName')]",
    location: "[parameters('location')]",
    properties: {
      description: "Private-link ingestion endpoint for the exo-audit connector",
      networkAcls: { publicNetworkAccess: "[parameters('dcePublicNetworkAccess')]" },
    },
  };
  const streamDeclarations: Record<string, unknown> = {};
  for (const t of TABLES) streamDeclarations[t.streamName] = dcrStreamDeclaration(t);
  const dcr: Resource = {
    type: "Microsoft.Insights/dataCollectionRules",
    apiVersion: API_VERSIONS["Microsoft.Insights/dataCollectionRules"],
    name: "[variables('dcrName')]",
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
    location: "[parameters('location')]",
  };
  const publisher = roleAssignment(
    ROLES.monitoringMetricsPublisher,
    { type: "Microsoft.Insights/dataCollectionRules", nameExpr: "variables('dcrName')" },
    DCR_ID,
  );
  return [...tables, dce, dcr, identity, publisher];
}
