/**
 * `dist/infra/azuredeploy.json`: everything the connector needs in the customer's subscription, for an
 * existing Log Analytics workspace in the deployment's resource group. Outputs carry only ids and
 * endpoints (never keys or connection strings).
 */
import { API_VERSIONS, DEPLOYMENT_TEMPLATE_SCHEMA } from "./api-versions.ts";
import { DCR_IMMUTABLE_ID, hostingResources, INGESTION_ENDPOINT, STORAGE_ID, VAULT_ID } from "./infra-hosting.ts";
import { DCR_ID, IDENTITY_ID, ingestionResources, inner } from "./infra-ingestion.ts";
import { stripBlanks } from "./json.ts";

const param = (type: string, description: string, extra: Record<string, unknown> = {}) => ({
  type,
  ...extra,
  metadata: { description },
});

export function infraTemplate(): Record<string, unknown> {
  const hosted = "[not(equals(parameters('hosting'), 'none'))]";
  return stripBlanks({
    $schema: DEPLOYMENT_TEMPLATE_SCHEMA,
    contentVersion: "1.0.0.0",
    metadata: {
      description:
        "exo-audit: custom tables, DCR (kind Direct), identity and least-privilege roles, and optional hosting (Azure Functions Flex Consumption or a Container Apps job) for the Exchange Online audit connector.",
    },
    parameters: {
      workspaceName: param("string", "Existing Log Analytics workspace (Microsoft Sentinel) in this resource group."),
      location: param("string", "Region of the workspace; the DCR must be in the workspace's region.", {
        defaultValue: "[resourceGroup().location]",
      }),
      namePrefix: param("string", "Prefix of the created resource names (letters and digits).", {
        defaultValue: "exoaudit",
        minLength: 3,
        maxLength: 11,
      }),
      plan: param("string", "Table plan of the custom tables. Basic is cheaper but analytics rules need Analytics.", {
        defaultValue: "Analytics",
        allowedValues: ["Analytics", "Basic"],
      }),
      retentionInDays: param("int", "Interactive retention in days (-1 = workspace default).", {
        defaultValue: 90,
        minValue: -1,
        maxValue: 730,
      }),
      totalRetentionInDays: param("int", "Total retention including long-term retention, in days (-1 = default).", {
        defaultValue: 365,
        minValue: -1,
        maxValue: 4383,
      }),
      deployDataCollectionEndpoint: param(
        "bool",
        "Deploy a data collection endpoint (only needed for private link; the DCR has its own endpoint).",
        { defaultValue: false },
      ),
      dcePublicNetworkAccess: param("string", "Public network access of the DCE when one is deployed.", {
        defaultValue: "Disabled",
        allowedValues: ["Enabled", "Disabled", "SecuredByPerimeter"],
      }),
      hosting: param("string", "Where the connector runs: functions, containerAppsJob, or none (ingestion only).", {
        defaultValue: "functions",
        allowedValues: ["functions", "containerAppsJob", "none"],
      }),
      tenants: param("string", "Tenant(s) to collect: a tenant id or domain, or a comma-separated list.", {
        defaultValue: "[subscription().tenantId]",
      }),
      o365ClientId: param("string", "Application (client) id of the Entra app with ActivityFeed.Read.", {
        defaultValue: "",
      }),
      certificateName: param("string", "Key Vault certificate (secret) name of the app's certificate.", {
        defaultValue: "exo-audit-o365",
      }),
      functionSchedule: param("string", "NCRONTAB schedule (6 fields, UTC) of the function app.", {
        defaultValue: "0 */5 * * * *",
      }),
      jobCronExpression: param("string", "Cron schedule (5 fields, UTC) of the Container Apps job.", {
        defaultValue: "*/5 * * * *",
      }),
      containerImage: param("string", "Container image of the connector (required for containerAppsJob).", {
        defaultValue: "ghcr.io/exo-audit/exo-audit:latest",
      }),
      enableApplicationInsights: param("bool", "Create Application Insights for the hosted connector.", {
        defaultValue: true,
      }),
    },
    variables: {
      suffix: "[uniqueString(resourceGroup().id, parameters('workspaceName'))]",
      dcrName: "[concat(parameters('namePrefix'), '-dcr')]",
      dceName: "[concat(parameters('namePrefix'), '-dce')]",
      identityName: "[concat(parameters('namePrefix'), '-connector')]",
      storageName: "[take(concat(replace(toLower(parameters('namePrefix')), '-', ''), variables('suffix')), 24)]",
      keyVaultName: "[take(concat(parameters('namePrefix'), '-kv-', variables('suffix')), 24)]",
      appInsightsName: "[concat(parameters('namePrefix'), '-ai')]",
      planName: "[concat(parameters('namePrefix'), '-plan')]",
      functionAppName: "[concat(parameters('namePrefix'), '-func-', variables('suffix'))]",
      containerEnvName: "[concat(parameters('namePrefix'), '-env')]",
      containerJobName: "[concat(parameters('namePrefix'), '-job')]",
      stateContainer: "exo-audit-state",
      packageContainer: "app-package",
      stateTable: "exoauditstate",
      stateContainerResource: "[concat(variables('storageName'), '/default/', variables('stateContainer'))]",
      packageContainerResource: "[concat(variables('storageName'), '/default/', variables('packageContainer'))]",
      stateTableResource: "[concat(variables('storageName'), '/default/', variables('stateTable'))]",
    },
    resources: [...ingestionResources(), ...hostingResources()],
    outputs: {
      dataCollectionRuleId: { type: "string", value: DCR_ID },
      dataCollectionRuleImmutableId: { type: "string", value: DCR_IMMUTABLE_ID },
      logsIngestionEndpoint: { type: "string", value: INGESTION_ENDPOINT },
      identityClientId: {
        type: "string",
        value: `[reference(${inner(IDENTITY_ID)}, '${API_VERSIONS["Microsoft.ManagedIdentity/userAssignedIdentities"]}').clientId]`,
      },
      storageAccountName: { type: "string", condition: hosted, value: `[last(split(${inner(STORAGE_ID)}, '/'))]` },
      keyVaultUri: {
        type: "string",
        condition: hosted,
        value: `[reference(${inner(VAULT_ID)}, '${API_VERSIONS["Microsoft.KeyVault/vaults"]}').vaultUri]`,
      },
    },
  });
}
