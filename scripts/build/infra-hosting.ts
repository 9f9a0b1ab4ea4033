/**
 * Hosting resources of `dist/infra/azuredeploy.json`, selected by the `hosting` parameter:
 * state storage (no shared keys, TLS 1.2, blob containers), Key Vault (RBAC) for the O365 certificate,
 * optional Application Insights, and either a Flex Consumption function app or a scheduled Container Apps
 * job in a workload-profiles environment, both running as the connector's user-assigned identity.
 *
 * | hosting          | created                                                     | code comes from |
 * | ---------------- | ----------------------------------------------------------- | --------------- |
 * | functions        | storage, Key Vault, App Insights?, FC1 plan, function app   | `npm run package` zip, published to the app |
 * | containerAppsJob | storage, Key Vault, environment (logs to the workspace), job | `containerImage` (Azure Container Registry via AcrPull) |
 * | none             | nothing here (ingestion resources only)                     | run the connector elsewhere |
 *
 * Both read the certificate from Key Vault themselves at run time (EXO_AUDIT_KEY_VAULT_URL +
 * EXO_AUDIT_CERTIFICATE_NAME), so nothing here resolves a secret at create time: the certificate is
 * uploaded after the deployment.
 */
import { NODE_OPTIONS_VALUE } from "../../connector/hosting/node-flags.ts";
import { API_VERSIONS } from "./api-versions.ts";
import { required } from "./json.ts";
import {
  DCE_ID,
  DCR_ID,
  DCR_IMMUTABLE_ID,
  ENV_ID,
  FUNCTIONS,
  HOSTED,
  IDENTITY_ID,
  IDENTITY_REF,
  INGESTION_ENDPOINT,
  INSIGHTS_ID,
  inner,
  JOB,
  PLAN_ID,
  ROLES_DEPLOYMENT_ID,
  ref,
  STORAGE_ID,
  VAULT_ID,
  WORKSPACE_ID,
} from "./infra-ids.ts";

type Resource = Record<string, unknown>;

const APP_INSIGHTS = "[and(parameters('enableApplicationInsights'), not(equals(parameters('hosting'), 'none')))]";
const WORKSPACE_API = "2023-09-01";
const storageRef = ref(STORAGE_ID, "Microsoft.Storage/storageAccounts");
const PACKAGE_CONTAINER_ID =
  "[resourceId('Microsoft.Storage/storageAccounts/blobServices/containers', variables('storageName'), 'default', variables('packageContainer'))]";

/** Environment shared by both hosting options (names documented in docs/deployment.md). */
function connectorSettings(): { name: string; value: string }[] {
  return [
    { name: "AZURE_CLIENT_ID", value: `[${IDENTITY_REF}.clientId]` },
    { name: "EXO_AUDIT_TENANTS", value: "[parameters('tenants')]" },
    { name: "EXO_AUDIT_CLIENT_ID", value: "[parameters('o365ClientId')]" },
    { name: "EXO_AUDIT_PUBLISHER_ID", value: "[parameters('publisherId')]" },
    { name: "EXO_AUDIT_DCR_ENDPOINT", value: INGESTION_ENDPOINT },
    { name: "EXO_AUDIT_DCR_IMMUTABLE_ID", value: DCR_IMMUTABLE_ID },
    {
      name: "EXO_AUDIT_STATE_BLOB_URL",
      value: `[concat(${storageRef}.primaryEndpoints.blob, variables('stateContainer'))]`,
    },
    { name: "EXO_AUDIT_KEY_VAULT_URL", value: `[${ref(VAULT_ID, "Microsoft.KeyVault/vaults")}.vaultUri]` },
    { name: "EXO_AUDIT_CERTIFICATE_NAME", value: "[parameters('certificateName')]" },
  ];
}

function storage(): Resource[] {
  const blobSvc = "[resourceId('Microsoft.Storage/storageAccounts/blobServices', variables('storageName'), 'default')]";
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
      location: "[variables('hostingLocation')]",
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
  ];
}

function keyVault(): Resource {
  return {
    type: "Microsoft.KeyVault/vaults",
    apiVersion: API_VERSIONS["Microsoft.KeyVault/vaults"],
    condition: HOSTED,
    name: "[variables('keyVaultName')]",
    location: "[variables('hostingLocation')]",
    properties: {
      tenantId: "[subscription().tenantId]",
      sku: { family: "A", name: "standard" },
      enableRbacAuthorization: true,
      enableSoftDelete: true,
      softDeleteRetentionInDays: 90,
      enablePurgeProtection: true,
      // With purge protection a deleted vault keeps its name for 90 days: redeploying after deleting the
      // resource group fails with "exists in deleted state" unless the vault is recovered (with its certificate).
      createMode: "[if(parameters('recoverKeyVault'), 'recover', 'default')]",
      publicNetworkAccess: "Enabled",
    },
  };
}

function appInsights(): Resource {
  return {
    type: "Microsoft.Insights/components",
    apiVersion: API_VERSIONS["Microsoft.Insights/components"],
    condition: APP_INSIGHTS,
    name: "[variables('appInsightsName')]",
    location: "[variables('hostingLocation')]",
    kind: "web",
    properties: { Application_Type: "web", WorkspaceResourceId: WORKSPACE_ID },
  };
}

/** `identity` of a resource running as the connector identity: ARM needs `{}` per id (else `MissingIdentityIds`). */
const userAssigned = () => ({ type: "UserAssigned", userAssignedIdentities: { [IDENTITY_ID]: required({}) } });

/** The connector's settings read the DCR's (or the DCE's) endpoint and immutable id. */
const INGESTION = [DCR_ID, DCE_ID];

/** What a resource running as the identity waits for: the identity and its role assignments. */
const RUNS_AS_IDENTITY = [IDENTITY_ID, ROLES_DEPLOYMENT_ID];

function functionApp(): Resource[] {
  const insights = `[if(parameters('enableApplicationInsights'), ${ref(INSIGHTS_ID, "Microsoft.Insights/components")}.ConnectionString, '')]`;
  return [
    {
      type: "Microsoft.Web/serverfarms",
      apiVersion: API_VERSIONS["Microsoft.Web/serverfarms"],
      condition: FUNCTIONS,
      name: "[variables('planName')]",
      location: "[variables('hostingLocation')]",
      kind: "functionapp",
      sku: { name: "FC1", tier: "FlexConsumption" },
      properties: { reserved: true },
    },
    {
      type: "Microsoft.Web/sites",
      apiVersion: API_VERSIONS["Microsoft.Web/sites"],
      condition: FUNCTIONS,
      name: "[variables('functionAppName')]",
      location: "[variables('hostingLocation')]",
      kind: "functionapp,linux",
      identity: userAssigned(),
      dependsOn: [PLAN_ID, STORAGE_ID, PACKAGE_CONTAINER_ID, VAULT_ID, INSIGHTS_ID, ...INGESTION, ...RUNS_AS_IDENTITY],
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
            { name: "AzureWebJobsStorage__clientId", value: `[${IDENTITY_REF}.clientId]` },
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
  const registries = `[if(empty(parameters('containerRegistryName')), createArray(), createArray(createObject('server', concat(parameters('containerRegistryName'), environment().suffixes.acrLoginServer), 'identity', ${inner(IDENTITY_ID)})))]`;
  return [
    {
      type: "Microsoft.App/managedEnvironments",
      apiVersion: API_VERSIONS["Microsoft.App/managedEnvironments"],
      condition: JOB,
      name: "[variables('containerEnvName')]",
      location: "[variables('hostingLocation')]",
      properties: {
        // workload profiles (the current model; consumption-only environments are legacy), Consumption profile
        workloadProfiles: [{ name: "Consumption", workloadProfileType: "Consumption" }],
        // console logs land in the workspace's ContainerAppConsoleLogs_CL table (docs/operations.md)
        appLogsConfiguration: {
          destination: "log-analytics",
          logAnalyticsConfiguration: {
            customerId: `[reference(${inner(WORKSPACE_ID)}, '${WORKSPACE_API}').customerId]`,
            sharedKey: `[listKeys(${inner(WORKSPACE_ID)}, '${WORKSPACE_API}').primarySharedKey]`,
          },
        },
        zoneRedundant: false,
      },
    },
    {
      type: "Microsoft.App/jobs",
      apiVersion: API_VERSIONS["Microsoft.App/jobs"],
      condition: JOB,
      name: "[variables('containerJobName')]",
      location: "[variables('hostingLocation')]",
      identity: userAssigned(),
      dependsOn: [ENV_ID, STORAGE_ID, VAULT_ID, ...INGESTION, ...RUNS_AS_IDENTITY],
      properties: {
        environmentId: ENV_ID,
        workloadProfileName: "Consumption",
        configuration: {
          triggerType: "Schedule",
          scheduleTriggerConfig: {
            cronExpression: "[parameters('jobCronExpression')]",
            parallelism: 1,
            replicaCompletionCount: 1,
          },
          replicaTimeout: 1800,
          replicaRetryLimit: 1,
          registries,
        },
        template: {
          containers: [
            {
              name: "exo-audit",
              image: "[parameters('containerImage')]",
              resources: { cpu: "[json('0.5')]", memory: "1Gi" },
              env: [
                ...connectorSettings(),
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
  return [...storage(), keyVault(), appInsights(), ...functionApp(), ...containerJob()];
}
