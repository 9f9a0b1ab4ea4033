/**
 * `dist/infra/azuredeploy.json`: everything the connector needs in the customer's subscription, for an
 * existing Log Analytics workspace in the deployment's resource group. Outputs carry only names, ids and
 * endpoints (never keys or connection strings). `npm run validate` lints the built template
 * (scripts/validate/check-deployment.ts) for the constraints ARM's schemas do not express.
 *
 * Names: `<namePrefix>-<kind>-<suffix>` with `suffix = uniqueString(resourceGroup, workspace)`, lower case,
 * so one resource group can hold a deployment per workspace (one per customer for an MSSP) without one
 * overwriting another's DCR, identity or hosting.
 */
import { DEPLOYMENT_TEMPLATE_SCHEMA } from "./api-versions.ts";
import { hostingResources } from "./infra-hosting.ts";
import {
  DCR_ID,
  DCR_IMMUTABLE_ID,
  FUNCTIONS,
  HOSTED,
  IDENTITY_ID,
  IDENTITY_REF,
  INGESTION_ENDPOINT,
  JOB,
  ref,
  VAULT_ID,
} from "./infra-ids.ts";
import { ingestionResources, tableVariables } from "./infra-ingestion.ts";
import { roleResources } from "./infra-roles.ts";
import { stripBlanks } from "./json.ts";

const param = (type: string, description: string, extra: Record<string, unknown> = {}) => ({
  type,
  ...extra,
  metadata: { description },
});

/**
 * Retention values the API takes: interactive -1 (workspace default) or 4..730; total also whole years
 * beyond two (1095..4383). These are the portal's choices
 * (https://learn.microsoft.com/azure/azure-monitor/logs/data-retention-configure).
 */
export const RETENTION_DAYS = [-1, 4, 7, 14, 30, 31, 60, 90, 120, 180, 270, 365, 550, 730];
export const RETENTION_YEARS_DAYS = [1095, 1460, 1826, 2191, 2556, 2922, 3288, 3653, 4018, 4383];

function parameters(): Record<string, unknown> {
  return {
    workspaceName: param("string", "Existing Log Analytics workspace (Microsoft Sentinel) in this resource group."),
    location: param(
      "string",
      "Region of the workspace (az monitor log-analytics workspace show --query location): the DCR must be in it.",
    ),
    hostingLocation: param("string", "Region of the identity, storage, Key Vault and hosting (empty = location).", {
      defaultValue: "",
    }),
    namePrefix: param("string", "Prefix of the created resource names: a letter, then letters and digits.", {
      defaultValue: "exoaudit",
      minLength: 3,
      maxLength: 11,
    }),
    plan: param("string", "Table plan of the custom tables. Basic is cheaper but analytics rules need Analytics.", {
      defaultValue: "Analytics",
      allowedValues: ["Analytics", "Basic"],
    }),
    retentionInDays: param("int", "Interactive retention in days (-1 = workspace default); ignored for Basic (30).", {
      defaultValue: 90,
      allowedValues: RETENTION_DAYS,
    }),
    totalRetentionInDays: param("int", "Total retention including long-term retention, in days (-1 = default).", {
      defaultValue: 365,
      allowedValues: [...RETENTION_DAYS, ...RETENTION_YEARS_DAYS],
    }),
    deployDataCollectionEndpoint: param(
      "bool",
      "Deploy a data collection endpoint (only needed for private link; the DCR has its own endpoint).",
      { defaultValue: false },
    ),
    dcePublicNetworkAccess: param(
      "string",
      "Public network access of the DCE: Disabled only with a private link scope (AMPLS) the connector reaches.",
      { defaultValue: "Enabled", allowedValues: ["Enabled", "Disabled", "SecuredByPerimeter"] },
    ),
    hosting: param("string", "Where the connector runs: functions, containerAppsJob, or none (ingestion only).", {
      defaultValue: "functions",
      allowedValues: ["functions", "containerAppsJob", "none"],
    }),
    tenants: param("string", "Tenant id(s) (GUIDs) to collect, comma-separated for an MSSP.", {
      defaultValue: "[subscription().tenantId]",
    }),
    o365ClientId: param("string", "Application (client) id of the Entra app with ActivityFeed.Read."),
    publisherId: param(
      "string",
      "PublisherIdentifier sent for every tenant: your own tenant GUID (empty = each tenant's).",
      {
        defaultValue: "",
      },
    ),
    certificateName: param("string", "Key Vault certificate name of the app's certificate.", {
      defaultValue: "exo-audit-o365",
    }),
    recoverKeyVault: param(
      "bool",
      "Recover the soft-deleted Key Vault of an earlier deployment (and its certificate).",
      {
        defaultValue: false,
      },
    ),
    functionSchedule: param("string", "NCRONTAB schedule (6 fields, UTC) of the function app.", {
      defaultValue: "0 */5 * * * *",
    }),
    jobCronExpression: param("string", "Cron schedule (5 fields, UTC) of the Container Apps job.", {
      defaultValue: "*/5 * * * *",
    }),
    containerImage: param(
      "string",
      "Connector image for containerAppsJob, e.g. <registry>.azurecr.io/exo-audit:0.1.0.",
      {
        defaultValue: "",
      },
    ),
    containerRegistryName: param("string", "Azure Container Registry (in this resource group) the job pulls from.", {
      defaultValue: "",
    }),
    enableApplicationInsights: param("bool", "Create Application Insights for the hosted connector.", {
      defaultValue: true,
    }),
  };
}

function variables(): Record<string, unknown> {
  const named = (kind: string) => `[concat(variables('prefix'), '-${kind}-', variables('suffix'))]`;
  return {
    suffix: "[uniqueString(resourceGroup().id, parameters('workspaceName'))]",
    prefix: "[toLower(parameters('namePrefix'))]",
    hostingLocation:
      "[if(empty(parameters('hostingLocation')), parameters('location'), parameters('hostingLocation'))]",
    dcrName: named("dcr"),
    dceName: named("dce"),
    identityName: named("id"),
    storageName: "[take(concat(replace(variables('prefix'), '-', ''), variables('suffix')), 24)]",
    keyVaultName: "[take(concat(variables('prefix'), '-kv-', variables('suffix')), 24)]",
    appInsightsName: named("ai"),
    planName: named("plan"),
    functionAppName: named("func"),
    containerEnvName: named("env"),
    containerJobName: named("job"),
    rolesDeploymentName: named("roles"),
    stateContainer: "exo-audit-state",
    packageContainer: "app-package",
    stateContainerResource: "[concat(variables('storageName'), '/default/', variables('stateContainer'))]",
    packageContainerResource: "[concat(variables('storageName'), '/default/', variables('packageContainer'))]",
    ...tableVariables(),
  };
}

function outputs(): Record<string, unknown> {
  const out = (value: string, condition?: string) => ({ type: "string", ...(condition ? { condition } : {}), value });
  return {
    dataCollectionRuleId: out(DCR_ID),
    dataCollectionRuleImmutableId: out(DCR_IMMUTABLE_ID),
    logsIngestionEndpoint: out(INGESTION_ENDPOINT),
    identityResourceId: out(IDENTITY_ID),
    identityClientId: out(`[${IDENTITY_REF}.clientId]`),
    identityPrincipalId: out(`[${IDENTITY_REF}.principalId]`),
    functionAppName: out("[variables('functionAppName')]", FUNCTIONS),
    containerJobName: out("[variables('containerJobName')]", JOB),
    storageAccountName: out("[variables('storageName')]", HOSTED),
    keyVaultName: out("[variables('keyVaultName')]", HOSTED),
    keyVaultUri: out(`[${ref(VAULT_ID, "Microsoft.KeyVault/vaults")}.vaultUri]`, HOSTED),
    certificateName: out("[parameters('certificateName')]", HOSTED),
  };
}

export function infraTemplate(): Record<string, unknown> {
  return stripBlanks({
    $schema: DEPLOYMENT_TEMPLATE_SCHEMA,
    contentVersion: "1.0.0.0",
    metadata: {
      description:
        "exo-audit: custom tables, DCR (kind Direct), identity and least-privilege roles, and optional hosting (Azure Functions Flex Consumption or a Container Apps job) for the Exchange Online audit connector.",
    },
    parameters: parameters(),
    variables: variables(),
    resources: [...ingestionResources(), ...roleResources(), ...hostingResources()],
    outputs: outputs(),
  });
}
