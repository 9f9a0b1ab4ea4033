/**
 * Resource ids and references shared by the infra template's modules. Every name is a variable of
 * `infra.ts`, unique per (resource group, workspace), so two deployments for two workspaces in one
 * resource group never overwrite each other.
 */
import { API_VERSIONS } from "./api-versions.ts";

/** Unwraps `[expr]` so it can be nested in another expression. */
export const inner = (expr: string): string => expr.slice(1, -1);

const id = (type: string, variable: string) => `[resourceId('${type}', variables('${variable}'))]`;

export const DCR_ID = id("Microsoft.Insights/dataCollectionRules", "dcrName");
export const DCE_ID = id("Microsoft.Insights/dataCollectionEndpoints", "dceName");
export const IDENTITY_ID = id("Microsoft.ManagedIdentity/userAssignedIdentities", "identityName");
export const STORAGE_ID = id("Microsoft.Storage/storageAccounts", "storageName");
export const VAULT_ID = id("Microsoft.KeyVault/vaults", "keyVaultName");
export const INSIGHTS_ID = id("Microsoft.Insights/components", "appInsightsName");
export const PLAN_ID = id("Microsoft.Web/serverfarms", "planName");
export const SITE_ID = id("Microsoft.Web/sites", "functionAppName");
export const ENV_ID = id("Microsoft.App/managedEnvironments", "containerEnvName");
export const JOB_ID = id("Microsoft.App/jobs", "containerJobName");
export const ROLES_DEPLOYMENT_ID = id("Microsoft.Resources/deployments", "rolesDeploymentName");
export const WORKSPACE_ID = "[resourceId('Microsoft.OperationalInsights/workspaces', parameters('workspaceName'))]";

/** `reference(<id>, '<apiVersion>')` of a resource declared in this template (no brackets). */
export const ref = (resourceId: string, type: keyof typeof API_VERSIONS) =>
  `reference(${inner(resourceId)}, '${API_VERSIONS[type]}')`;

export const IDENTITY_REF = ref(IDENTITY_ID, "Microsoft.ManagedIdentity/userAssignedIdentities");
export const DCR_REF = ref(DCR_ID, "Microsoft.Insights/dataCollectionRules");
const DCE_REF = ref(DCE_ID, "Microsoft.Insights/dataCollectionEndpoints");

/** The endpoint the connector posts to: the DCE when one is deployed, else the DCR's own endpoint. */
export const INGESTION_ENDPOINT = `[if(parameters('deployDataCollectionEndpoint'), ${DCE_REF}.logsIngestion.endpoint, ${DCR_REF}.endpoints.logsIngestion)]`;
export const DCR_IMMUTABLE_ID = `[${DCR_REF}.immutableId]`;

export const HOSTED = "[not(equals(parameters('hosting'), 'none'))]";
export const FUNCTIONS = "[equals(parameters('hosting'), 'functions')]";
export const JOB = "[equals(parameters('hosting'), 'containerAppsJob')]";
