/**
 * The connector identity's role assignments, in one nested deployment (`<prefix>-roles-<suffix>`).
 *
 * Why nested: a role assignment's name must be known when the deployment starts, and the identity's
 * principal id is only known once the identity exists. Passing it as a parameter of an inner-scope nested
 * deployment lets the names be `guid(scope, principalId, role)`, so recreating the identity creates new
 * assignments instead of failing with `RoleAssignmentUpdateNotPermitted`
 * (https://learn.microsoft.com/azure/role-based-access-control/troubleshooting#symptom---assigning-a-role-to-a-new-principal-sometimes-fails).
 * The hosting resources depend on this deployment, so they start only once their roles exist.
 *
 * | role                          | scope          | granted when                        | used for |
 * | ----------------------------- | -------------- | ----------------------------------- | -------- |
 * | Monitoring Metrics Publisher  | the DCR        | always                              | Logs Ingestion API upload |
 * | Storage Blob Data Owner       | state storage  | hosting = functions                 | identity-based host storage (AzureWebJobsStorage), deployment package, connector state |
 * | Storage Blob Data Contributor | state storage  | hosting = containerAppsJob          | connector state (checkpoints, dedup, leases, dead letters) |
 * | Key Vault Secrets User        | the Key Vault  | hosting ≠ none                      | read the O365 certificate |
 * | AcrPull                       | the registry   | containerAppsJob with a registry    | pull the image |
 *
 * Blob Data Owner for Functions host storage is what Microsoft documents
 * (https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity);
 * a timer-only app uses no queues or tables, so no queue or table role.
 */
import { API_VERSIONS, DEPLOYMENT_TEMPLATE_SCHEMA, ROLES } from "./api-versions.ts";
import { DCR_ID, IDENTITY_ID, IDENTITY_REF, STORAGE_ID, VAULT_ID } from "./infra-ids.ts";

type Resource = Record<string, unknown>;

interface Grant {
  role: string;
  /** Resource type of the scope, and the nested template parameter holding its name. */
  scopeType: string;
  nameParam: string;
  /** Condition inside the nested template (parameters of the nested template only). */
  condition?: string;
}

const GRANTS: readonly Grant[] = [
  { role: ROLES.monitoringMetricsPublisher, scopeType: "Microsoft.Insights/dataCollectionRules", nameParam: "dcrName" },
  {
    role: ROLES.storageBlobDataOwner,
    scopeType: "Microsoft.Storage/storageAccounts",
    nameParam: "storageName",
    condition: "[equals(parameters('hosting'), 'functions')]",
  },
  {
    role: ROLES.storageBlobDataContributor,
    scopeType: "Microsoft.Storage/storageAccounts",
    nameParam: "storageName",
    condition: "[equals(parameters('hosting'), 'containerAppsJob')]",
  },
  {
    role: ROLES.keyVaultSecretsUser,
    scopeType: "Microsoft.KeyVault/vaults",
    nameParam: "keyVaultName",
    condition: "[not(equals(parameters('hosting'), 'none'))]",
  },
  {
    role: ROLES.acrPull,
    scopeType: "Microsoft.ContainerRegistry/registries",
    nameParam: "containerRegistryName",
    condition:
      "[and(equals(parameters('hosting'), 'containerAppsJob'), not(equals(parameters('containerRegistryName'), 'none')))]",
  },
];

function assignment(g: Grant): Resource {
  const scopeId = `resourceId('${g.scopeType}', parameters('${g.nameParam}'))`;
  return {
    type: "Microsoft.Authorization/roleAssignments",
    apiVersion: API_VERSIONS["Microsoft.Authorization/roleAssignments"],
    ...(g.condition ? { condition: g.condition } : {}),
    name: `[guid(${scopeId}, parameters('principalId'), '${g.role}')]`,
    scope: `[format('${g.scopeType}/{0}', parameters('${g.nameParam}'))]`,
    properties: {
      roleDefinitionId: `[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '${g.role}')]`,
      principalId: "[parameters('principalId')]",
      // a new identity may not have replicated yet: ServicePrincipal skips the lookup that would fail
      principalType: "ServicePrincipal",
      description: "exo-audit connector",
    },
  };
}

/** Outer-scope values passed to the nested template, by its parameter name. */
const PASSED: Record<string, string> = {
  principalId: `[${IDENTITY_REF}.principalId]`,
  hosting: "[parameters('hosting')]",
  dcrName: "[variables('dcrName')]",
  storageName: "[variables('storageName')]",
  keyVaultName: "[variables('keyVaultName')]",
  // resourceId() refuses an empty name even in a resource whose condition is false: pass a placeholder
  containerRegistryName:
    "[if(empty(parameters('containerRegistryName')), 'none', parameters('containerRegistryName'))]",
};

export function roleResources(): Resource[] {
  const parameters: Record<string, unknown> = {};
  const values: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(PASSED)) {
    parameters[name] = { type: "string" };
    values[name] = { value };
  }
  return [
    {
      type: "Microsoft.Resources/deployments",
      apiVersion: API_VERSIONS["Microsoft.Resources/deployments"],
      name: "[variables('rolesDeploymentName')]",
      dependsOn: [IDENTITY_ID, DCR_ID, STORAGE_ID, VAULT_ID],
      properties: {
        mode: "Incremental",
        expressionEvaluationOptions: { scope: "Inner" },
        parameters: values,
        template: {
          $schema: DEPLOYMENT_TEMPLATE_SCHEMA,
          contentVersion: "1.0.0.0",
          parameters,
          resources: GRANTS.map(assignment),
        },
      },
    },
  ];
}
