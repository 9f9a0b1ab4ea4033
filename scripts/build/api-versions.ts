/**
 * The only API versions the build emits, per resource type. Tests fail on any other pair, so a version
 * bump is a deliberate edit here (checked against the shared reference (`logs-ingestion-and-deployment.md`) §10.5 and §5.2 and the
 * published ARM schemas). The solution package uses the versions Microsoft's V3 packaging tool emits, so
 * that a package built here diffs cleanly against the tool's output; `PACKAGE_API_VERSION_SOURCES` says
 * where each was read.
 */
export const API_VERSIONS = {
  "Microsoft.OperationalInsights/workspaces/providers/contentPackages": "2023-04-01-preview",
  "Microsoft.OperationalInsights/workspaces/providers/contentTemplates": "2023-04-01-preview",
  "Microsoft.OperationalInsights/workspaces/providers/metadata": "2022-01-01-preview",
  "Microsoft.OperationalInsights/workspaces/providers/dataConnectors": "2021-03-01-preview",
  "Microsoft.SecurityInsights/AlertRuleTemplates": "2023-02-01-preview",
  "Microsoft.OperationalInsights/savedSearches": "2025-07-01",
  "Microsoft.OperationalInsights/workspaces/savedSearches": "2025-07-01",
  "Microsoft.Insights/workbooks": "2021-08-01",
  "Microsoft.OperationalInsights/workspaces/tables": "2022-10-01",
  // the only version with a published schema for summary rules (arm-schemas 2025-07-01)
  "Microsoft.OperationalInsights/workspaces/summaryLogs": "2025-07-01",
  "Microsoft.Insights/dataCollectionRules": "2023-03-11",
  "Microsoft.Insights/dataCollectionEndpoints": "2023-03-11",
  "Microsoft.ManagedIdentity/userAssignedIdentities": "2023-01-31",
  "Microsoft.Authorization/roleAssignments": "2022-04-01",
  "Microsoft.Resources/deployments": "2022-09-01",
  "Microsoft.Storage/storageAccounts": "2023-05-01",
  "Microsoft.Storage/storageAccounts/blobServices": "2023-05-01",
  "Microsoft.Storage/storageAccounts/blobServices/containers": "2023-05-01",
  "Microsoft.Storage/storageAccounts/tableServices": "2023-05-01",
  "Microsoft.Storage/storageAccounts/tableServices/tables": "2023-05-01",
  "Microsoft.KeyVault/vaults": "2023-07-01",
  "Microsoft.Insights/components": "2020-02-02",
  "Microsoft.Web/serverfarms": "2023-12-01",
  "Microsoft.Web/sites": "2023-12-01",
  "Microsoft.App/managedEnvironments": "2024-03-01",
  "Microsoft.App/jobs": "2024-03-01",
} as const;

export type ResourceType = keyof typeof API_VERSIONS;

/**
 * Where each solution-package API version was read. `commonFunctions.ps1` is
 * Tools/Create-Azure-Sentinel-Solution/common/commonFunctions.ps1 in Azure/Azure-Sentinel (read 2026-12),
 * function `returnContentResources`, the versions of a 3.x (contentPackages) package.
 */
const TOOL = "commonFunctions.ps1 returnContentResources";
export const PACKAGE_API_VERSION_SOURCES: Partial<Record<ResourceType, string>> = {
  "Microsoft.OperationalInsights/workspaces/providers/contentPackages": `${TOOL} metadataApiVersion`,
  "Microsoft.OperationalInsights/workspaces/providers/contentTemplates": `${TOOL} templateSpecsVersionApiVersion`,
  "Microsoft.OperationalInsights/workspaces/providers/metadata": `${TOOL} commonResourceMetadataApiVersion`,
  "Microsoft.OperationalInsights/workspaces/providers/dataConnectors": `${TOOL} dataConnectorsApiVersion`,
  "Microsoft.SecurityInsights/AlertRuleTemplates": `${TOOL} alertRuleApiVersion`,
  "Microsoft.OperationalInsights/savedSearches": `${TOOL} savedSearchesApiVersion (hunting queries)`,
  "Microsoft.OperationalInsights/workspaces/savedSearches": `${TOOL} savedSearchesApiVersion (parsers)`,
  "Microsoft.Insights/workbooks": `${TOOL} insightsWorkbookApiVersion`,
};

/** Role definitions the infra template may assign (least privilege; nothing else is allowed). */
export const ROLES = {
  monitoringMetricsPublisher: "3913510d-42f4-4e42-8a64-420c390055eb",
  storageBlobDataOwner: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
  acrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
} as const;

export const DEPLOYMENT_TEMPLATE_SCHEMA =
  "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
