/**
 * Hosting resources of `dist/infra/azuredeploy.json`, selected by the `hosting` parameter:
 * state storage (no shared keys, TLS 1.2, blob containers + a table), Key Vault (RBAC) for the O365
 * certificate, optional Application Insights, and either a Flex Consumption function app or a
 * scheduled Container Apps job, both running as the connector's user-assigned identity.
 */
import { NODE_OPTIONS_VALUE } from "../../connector/hosting/node-flags.ts";
import { API_VERSIONS, ROLES } from "./api-versions.ts";
import { DCR_ID, IDENTITY_ID, inner, roleAssignment } from "./infra-ingestion.ts";

type Resource = Record<string, unknown>;

const HOSTED = "[not(equals(parameters('hosting'), 'none'))]";
const FUNCTIONS = "[equals(parameters('hosting'), 'functions')]";
const JOB = "[equals(parameters('hosting'), 'containerAppsJob')]";
const APP_INSIGHTS = "[and(parameters('enableApplicationInsights'), not(equals(parameters('hosting'), 'none')))]";

export const STORAGE_ID = "[resourceId('Microsoft.Storage/storageAccounts', variables('storageName'))]";
export const VAULT_ID = "[resourceId('Microsoft.KeyVault/vaults', variables('keyVaultName'))]";
const INSIGHTS_ID = "[resourceId('Microsoft.Insights/components', variables('appInsightsName'))]";
const PLAN_ID = "[resourceId('Microsoft.Web/serverfarms', variables('planName'))]";
const ENV_ID = "[resourceId('Microsoft.App/managedEnvironments', variables('containerEnvName'))]";
const ref = (id: string, type: keyof typeof API_VERSIONS) => `reference(${inner(id)}, '${API_VERSIONS[type]}')`;
const identityRef = ref(IDENTITY_ID, "Microsoft.ManagedIdentity/userAssignedIdentities");
const dcrRef = ref(DCR_ID, "Microsoft.Insights/dataCollectionRules");
const storageRef = ref(STORAGE_ID, "Microsoft.Storage/storageAccounts");
const DCE_REF = `reference(resourceId('Microsoft.Insights/dataCollectionEndpoints', variables('dceName')), '${API_VERSIONS["Microsoft.Insights/dataCollectionEndpoints"]}')`;

/** The endpoint the connector posts to: the DCE when one is deployed, else the DCR's own endpoint. */
export const INGESTION_ENDPOINT = `[if(parameters('deployDataCollectionEndpoint'), ${DCE_REF}.logsIngestion.endpoint, ${dcrRef}.endpoints.logsIngestion)]`;
export const DCR_IMMUTABLE_ID = `[${dcrRef}.immutableId]`;

/** Environment shared by both hosting options (names documented in docs/deployment.md). */
function connectorSettings(): { name: string; value: string }[] {
  return [
    { name: "AZURE_CLIENT_ID", value: `[${identityRef}.clientId]` },
    { name: "EXO_AUDIT_TENANTS", value: "[parameters('tenants')]" },
    { name: "EXO_AUDIT_CLIENT_ID", value: "[parameters('o365ClientId')]" },
    { name: "EXO_AUDIT_DCR_ENDPOINT", value: INGESTION_ENDPOINT },
    { name: "EXO_AUDIT_DCR_IMMUTABLE_ID", value: DCR_IMMUTABLE_ID },
    {
      name: "EXO_AUDIT_STATE_BLOB_URL",
      value: `[concat(${storageRef}.primaryEndpoints.blob, variables('stateContainer'))]`,
    },
    { name: "EXO_AUDIT_STATE_TABLE_URL", value: `[${storageRef}.primaryEndpoints.table]` },
    { name: "EXO_AUDIT_STATE_TABLE", value: "[variables('stateTable')]" },
    { name: "EXO_AUDIT_KEY_VAULT_URL", value: `[${ref(VAULT_ID, "Microsoft.KeyVault/vaults")}.vaultUri]` },
    { name: "EXO_AUDIT_CERTIFICATE_NAME", value: "[parameters('certificateName')]" },
  ];
}

function storage(): Resource[] {
  const blobSvc = "[resourceId('Microsoft.Storage/storageAccounts/blobServices', variables('storageName'), 'default')]";
  const tableSvc =
    "[resourceId('Microsoft.Storage/storageAccounts/tableServices', variables('storageName'), 'default')]";
  // full child names live in variables: the published schema limits `name` (even an expression) to 63 characters
  const container = (variable: string) => ({
    type: "Microsoft.Storage/storageAccounts/blobServices/containers",
    apiVersion: API_VERSIONS["Microsoft.Storage/storageAccounts/blobServices/containers"],
    condition: HOSTED,
    name: `[variables('${variable}')]`,
    dependsOn: [blobSvc],
    properties: { publicAccess: "None" },
  });
  return [
    {
      type: "Microsoft.Storage/storageAccounts",
      apiVersion: API_VERSIONS["Microsoft.Storage/storageAccounts"],
      condition: HOSTED,
      name: "[variables('storageName')]",
      location: "[parameters('location')]",
      sku: { name: "Standard_LRS" },
      kind: "StorageV2",
      properties: {
        // identity-only access: no account keys, no anonymous blobs, TLS 1.2 minimum
        allowSharedKeyAccess: false,
        allowBlobPublicAccess: false,
        minimumTlsVersion: "TLS1_2",
        supportsHttpsTrafficOnly: true,
        defaultToOAuthAuthentication: true,
        publicNetworkAccess: "Enabled",
      },
    },
    {
      type: "Microsoft.Storage/storageAccounts/blobServices",
      apiVersion: API_VERSIONS["Microsoft.Storage/storageAccounts/blobServices"],
      condition: HOSTED,
      name: "[concat(variables('storageName'), '/default')]",
      dependsOn: [STORAGE_ID],
      properties: { deleteRetentionPolicy: { enabled: true, days: 7 } },
    },
    container("stateContainerResource"),
    container("packageContainerResource"),
    {
      type: "Microsoft.Storage/storageAccounts/tableServices",
      apiVersion: API_VERSIONS["Microsoft.Storage/storageAccounts/tableServices"],
      condition: HOSTED,
      name: "[concat(variables('storageName'), '/default')]",
      dependsOn: [STORAGE_ID],
    },
    {
      type: "Microsoft.Storage/storageAccounts/tableServices/tables",
      apiVersion: API_VERSIONS["Microsoft.Storage/storageAccounts/tableServices/tables"],
      condition: HOSTED,
      name: "[variables('stateTableResource')]",
      dependsOn: [tableSvc],
    },
    roleAssignment(
      ROLES.storageBlobDataContributor,
      { type: "Microsoft.Storage/storageAccounts", nameExpr: "variables('storageName')" },
      STORAGE_ID,
      HOSTED,
    ),
    roleAssignment(
      ROLES.storageTableDataContributor,
      { type: "Microsoft.Storage/storageAccounts", nameExpr: "variables('storageName')" },
      STORAGE_ID,
      HOSTED,
    ),
  ];
}

function keyVault(): Resource[] {
  return [
    {
      type: "Microsoft.KeyVault/vaults",
      apiVersion: API_VERSIONS["Microsoft.KeyVault/vaults"],
      condition: HOSTED,
      name: "[variables('keyVaultName')]",
      location: "[parameters('location')]",
      properties: {
        tenantId: "[subscription().tenantId]",
        sku: { family: "A", name: "standard" },
        enableRbacAuthorization: true,
        enableSoftDelete: true,
        softDeleteRetentionInDays: 90,
        enablePurgeProtection: true,
        publicNetworkAccess: "Enabled",
      },
    },
    roleAssignment(
      ROLES.keyVaultSecretsUser,
      { type: "Microsoft.KeyVault/vaults", nameExpr: "variables('keyVaultName')" },
      VAULT_ID,
      HOSTED,
    ),
  ];
}

function appInsights(): Resource {
  return {
    type: "Microsoft.Insights/components",
    apiVersion: API_VERSIONS["Microsoft.Insights/components"],
    condition: APP_INSIGHTS,
    name: "[variables('appInsightsName')]",
    location: "[parameters('location')]",
    kind: "web",
    properties: {
      Application_Type: "web",
      WorkspaceResourceId: "[resourceId('Microsoft.OperationalInsights/workspaces', parameters('workspaceName'))]",
    },
  };
}

const userAssigned = { type: "UserAssigned", userAssignedIdentities: { [IDENTITY_ID]: {} } };

function functionApp(): Resource[] {
  const insights = `[if(parameters('enableApplicationInsights'), ${ref(INSIGHTS_ID, "Microsoft.Insights/components")}.ConnectionString, '')]`;
  return [
    {
      type: "Microsoft.Web/serverfarms",
      apiVersion: API_VERSIONS["Microsoft.Web/serverfarms"],
      condition: FUNCTIONS,
      name: "[variables('planName')]",
      location: "[parameters('location')]",
      kind: "functionapp",
      sku: { name: "FC1", tier: "FlexConsumption" },
      properties: { reserved: true },
    },
    {
      type: "Microsoft.Web/sites",
      apiVersion: API_VERSIONS["Microsoft.Web/sites"],
      condition: FUNCTIONS,
      name: "[variables('functionAppName')]",
      location: "[parameters('location')]",
      kind: "functionapp,linux",
      identity: userAssigned,
      dependsOn: [PLAN_ID, STORAGE_ID, VAULT_ID, INSIGHTS_ID, DCR_ID],
      properties: {
        serverFarmId: PLAN_ID,
        httpsOnly: true,
        keyVaultReferenceIdentity: IDENTITY_ID,
        functionAppConfig: {
          deployment: {
            storage: {
              type: "blobContainer",
              value: `[concat(${storageRef}.primaryEndpoints.blob, variables('packageContainer'))]`,
              authentication: { type: "UserAssignedIdentity", userAssignedIdentityResourceId: IDENTITY_ID },
            },
          },
          scaleAndConcurrency: { maximumInstanceCount: 40, instanceMemoryMB: 2048 },
          runtime: { name: "node", version: "24" },
        },
        siteConfig: {
          minTlsVersion: "1.2",
          ftpsState: "Disabled",
          appSettings: [
            // identity-based host storage: no connection string with an account key
            { name: "AzureWebJobsStorage__accountName", value: "[variables('storageName')]" },
            { name: "AzureWebJobsStorage__credential", value: "managedidentity" },
            { name: "AzureWebJobsStorage__clientId", value: `[${identityRef}.clientId]` },
            { name: "APPLICATIONINSIGHTS_CONNECTION_STRING", value: insights },
            { name: "EXO_AUDIT_SCHEDULE", value: "[parameters('functionSchedule')]" },
            // The Functions host starts the Node worker itself: the connector's Node.js options go through the
            // environment (the container image passes them on its command line instead).
            { name: "NODE_OPTIONS", value: NODE_OPTIONS_VALUE },
            ...connectorSettings(),
          ],
        },
      },
    },
  ];
}

function containerJob(): Resource[] {
  const secretUri = `[concat(${ref(VAULT_ID, "Microsoft.KeyVault/vaults")}.vaultUri, 'secrets/', parameters('certificateName'))]`;
  return [
    {
      type: "Microsoft.App/managedEnvironments",
      apiVersion: API_VERSIONS["Microsoft.App/managedEnvironments"],
      condition: JOB,
      name: "[variables('containerEnvName')]",
      location: "[parameters('location')]",
      properties: { zoneRedundant: false },
    },
    {
      type: "Microsoft.App/jobs",
      apiVersion: API_VERSIONS["Microsoft.App/jobs"],
      condition: JOB,
      name: "[variables('containerJobName')]",
      location: "[parameters('location')]",
      identity: userAssigned,
      dependsOn: [ENV_ID, STORAGE_ID, VAULT_ID, DCR_ID],
      properties: {
        environmentId: ENV_ID,
        configuration: {
          triggerType: "Schedule",
          scheduleTriggerConfig: {
            cronExpression: "[parameters('jobCronExpression')]",
            parallelism: 1,
            replicaCompletionCount: 1,
          },
          replicaTimeout: 1800,
          replicaRetryLimit: 1,
          secrets: [{ name: "o365-certificate", keyVaultUrl: secretUri, identity: IDENTITY_ID }],
        },
        template: {
          containers: [
            {
              name: "exo-audit",
              image: "[parameters('containerImage')]",
              resources: { cpu: "[json('0.5')]", memory: "1Gi" },
              env: [
                ...connectorSettings(),
                { name: "EXO_AUDIT_CERTIFICATE", secretRef: "o365-certificate" },
                // The job cannot read its replicaTimeout (1800 s): stop, commit and exit two minutes before it.
                { name: "EXO_AUDIT_TIME_BUDGET_SEC", value: "1680" },
              ],
            },
          ],
        },
      },
    },
  ];
}

export function hostingResources(): Resource[] {
  return [...storage(), ...keyVault(), appInsights(), ...functionApp(), ...containerJob()];
}
