/**
 * Deployment lint of the built infra template (`npm run validate`): the constraints Azure enforces at
 * deployment time that Microsoft's ARM JSON schemas do not express. Static rules read the template;
 * evaluated rules compute names, locations and properties with `arm-eval.ts` for a set of parameter
 * scenarios (defaults, each hosting, Basic plan, a DCE, the longest upper-case prefix, a second workspace).
 *
 * | rule                | fails when                                                                   | Azure's answer |
 * | ------------------- | ---------------------------------------------------------------------------- | -------------- |
 * | identity-ids        | `UserAssigned` identity without `userAssignedIdentities` entries              | MissingIdentityIds |
 * | implicit-dependency | a resource uses `resourceId()` of a resource of this template not in dependsOn | intermittent NotFound |
 * | identity-roles      | a resource running as an identity does not wait for its role assignments     | 403 on first run |
 * | role-name           | a role assignment's name does not include its principal id                    | RoleAssignmentUpdateNotPermitted |
 * | basic-retention     | a Basic table sends `retentionInDays`                                         | InvalidParameter |
 * | retention-value     | a retention default or allowed value the API refuses                          | InvalidParameter |
 * | name-rule           | a name outside its type's length, characters or case                          | InvalidResourceName / AccountNameInvalid |
 * | name-global         | a globally unique name that does not change with the resource group           | ...AlreadyTaken |
 * | name-collision      | a name that is the same for two workspaces in one resource group              | silent overwrite |
 * | dcr-location        | the DCR or DCE is not in the workspace's region                               | InvalidPayload |
 * | dce-unreachable     | the DCE refuses public access and nothing gives it a private link             | connector 403 |
 * | keyvault-create     | a Key Vault secret of this template resolved when a container app is created  | secret not found |
 * | image-default       | the job's image defaults to one this project does not publish                 | image pull failure |
 */
import type { Offender } from "../types.ts";
import { evaluate, isExpression, type Scope, UNKNOWN, type Value } from "./arm-eval.ts";
import { NAME_RULES, nameProblem } from "./name-rules.ts";

export type Template = {
  parameters?: Record<string, { type: string; defaultValue?: unknown; allowedValues?: unknown[]; maxLength?: number }>;
  variables?: Record<string, unknown>;
  resources: Resource[];
};
type Resource = Record<string, unknown> & { type: string; name: string };

const DOCS = {
  identity: "https://learn.microsoft.com/azure/templates/microsoft.app/jobs#managedserviceidentity",
  dependency:
    "https://learn.microsoft.com/azure/azure-resource-manager/templates/resource-dependency#reference-and-list-functions",
  roleName:
    "https://learn.microsoft.com/azure/role-based-access-control/role-assignments-template#create-a-role-assignment-for-a-new-service-principal",
  retention: "https://learn.microsoft.com/azure/azure-monitor/logs/data-retention-configure",
  dcrRegion: "https://learn.microsoft.com/azure/azure-monitor/essentials/data-collection-rule-overview",
  dce: "https://learn.microsoft.com/azure/azure-monitor/essentials/data-collection-endpoint-overview",
  keyVaultSecret: "https://learn.microsoft.com/azure/container-apps/manage-secrets#reference-secret-from-key-vault",
};

/** Interactive retention: -1 (workspace default) or 4..730; total also whole years up to 12. */
export const validRetention = (d: number) => d === -1 || (d >= 4 && d <= 730);
const YEARS = [1095, 1460, 1826, 2191, 2556, 2922, 3288, 3653, 4018, 4383];
export const validTotalRetention = (d: number) => validRetention(d) || YEARS.includes(d);

const SAMPLE_REQUIRED: Record<string, Value> = {
  workspaceName: "sentinel-ws",
  location: "westeurope",
  o365ClientId: "11111111-2222-3333-4444-555555555555",
};
/** The workspace's region in every scenario; the resource group is elsewhere, as it may be. */
const WORKSPACE_REGION = "westeurope";
const RG = (n: string) => `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/${n}`;

interface Scenario {
  label: string;
  overrides: Record<string, Value>;
  resourceGroup?: string;
}

/** Parameter values of a scenario: overrides, then required samples, then evaluated defaults. */
function scopeFor(t: Template, s: Scenario): Scope {
  const scope: Scope = {
    parameters: {},
    variables: t.variables ?? {},
    resourceGroupId: RG(s.resourceGroup ?? "rg-security"),
    subscriptionId: "00000000-0000-0000-0000-000000000001",
    tenantId: "aaaaaaaa-0000-0000-0000-000000000001",
    location: "eastus",
  };
  for (const [name, p] of Object.entries(t.parameters ?? {})) {
    if (name in s.overrides) scope.parameters[name] = s.overrides[name];
    else if (p.defaultValue !== undefined) scope.parameters[name] = evaluate(p.defaultValue, scope);
    else scope.parameters[name] = SAMPLE_REQUIRED[name] ?? `sample-${name}`;
  }
  return scope;
}

function scenarios(t: Template): Scenario[] {
  const p = t.parameters ?? {};
  const list: Scenario[] = [{ label: "defaults", overrides: {} }];
  for (const v of p.hosting?.allowedValues ?? []) list.push({ label: `hosting=${v}`, overrides: { hosting: v } });
  if (p.plan?.allowedValues?.includes("Basic")) list.push({ label: "plan=Basic", overrides: { plan: "Basic" } });
  if (p.deployDataCollectionEndpoint) {
    list.push({ label: "deployDataCollectionEndpoint=true", overrides: { deployDataCollectionEndpoint: true } });
  }
  if (p.namePrefix) {
    const longest = "EXOAUDITXYZ".slice(0, p.namePrefix.maxLength ?? 11).padEnd(p.namePrefix.maxLength ?? 11, "X");
    for (const hosting of p.hosting?.allowedValues ?? [undefined]) {
      list.push({
        label: `namePrefix=${longest}${hosting ? `, hosting=${hosting}` : ""}`,
        overrides: { namePrefix: longest, ...(hosting ? { hosting } : {}) },
      });
    }
  }
  return list;
}

interface Evaluated {
  resource: Resource;
  name: string | typeof UNKNOWN;
  scope: Scope;
}

/** Top-level resources deployed in a scenario, with their evaluated names. */
function deployed(t: Template, scope: Scope, out: Offender[], label: string): Evaluated[] {
  const list: Evaluated[] = [];
  for (const r of t.resources) {
    try {
      if (r.condition !== undefined && !evaluate(r.condition, scope)) continue;
      list.push({ resource: r, name: evaluate(r.name, scope) as string, scope });
    } catch (err) {
      out.push(offender(r, "name", `cannot be evaluated (${label}): ${(err as Error).message}`));
    }
  }
  return list;
}

const FILE = "dist/infra/azuredeploy.json";
const offender = (r: Resource, field: string, message: string): Offender => ({
  file: FILE,
  field: `${r.type} ${r.name}${field ? ` ${field}` : ""}`,
  message,
});

/** Every nested resource (nested deployments' templates included). */
function walk(resources: Resource[], out: Resource[] = []): Resource[] {
  for (const r of resources) {
    out.push(r);
    const inner = (r.properties as { template?: { resources?: Resource[] } } | undefined)?.template?.resources;
    if (inner) walk(inner, out);
  }
  return out;
}

function identityIds(t: Template, out: Offender[]): void {
  for (const r of walk(t.resources)) {
    const id = r.identity as { type?: string; userAssignedIdentities?: Record<string, unknown> } | undefined;
    if (!id || !/UserAssigned/i.test(String(id.type))) continue;
    const ids = Object.entries(id.userAssignedIdentities ?? {});
    if (ids.length === 0 || ids.some(([, v]) => !v || typeof v !== "object")) {
      out.push(
        offender(
          r,
          "identity",
          `type UserAssigned needs userAssignedIdentities with {} per identity id; Azure answers MissingIdentityIds (${DOCS.identity})`,
        ),
      );
    }
  }
}

/** `[resourceId('T', args)]` of every resource declared at the top level. */
const declaredIds = (t: Template) =>
  new Map(
    t.resources
      .filter((r) => /^\[variables\('\w+'\)\]$/.test(String(r.name)))
      .map((r) => [`[resourceId('${r.type}', ${(r.name as string).slice(1, -1)})]`, r] as const),
  );

function implicitDependencies(t: Template, out: Offender[]): void {
  const ids = declaredIds(t);
  for (const r of t.resources) {
    const { dependsOn, name: _n, ...body } = r;
    const text = JSON.stringify(body);
    const deps = new Set((dependsOn as string[] | undefined) ?? []);
    for (const [id, target] of ids) {
      if (target === r) continue;
      if (text.includes(id.slice(1, -1)) && !deps.has(id)) {
        out.push(
          offender(
            r,
            "dependsOn",
            `uses ${id} but does not depend on it: resourceId() creates no implicit dependency (${DOCS.dependency})`,
          ),
        );
      }
    }
  }
}

function identityRoles(t: Template, out: Offender[]): void {
  const holders = t.resources.filter((r) =>
    walk([r]).some((x) => x.type === "Microsoft.Authorization/roleAssignments"),
  );
  const holderIds = holders.map((h) => `[resourceId('${h.type}', ${h.name.slice(1, -1)})]`);
  for (const r of t.resources) {
    const id = r.identity as { type?: string } | undefined;
    if (!/UserAssigned/i.test(String(id?.type))) continue;
    const deps = new Set((r.dependsOn as string[] | undefined) ?? []);
    for (const h of holderIds) {
      if (!deps.has(h)) {
        out.push(
          offender(
            r,
            "dependsOn",
            `runs as an identity but does not wait for its role assignments (${h}) (${DOCS.dependency})`,
          ),
        );
      }
    }
  }
}

function roleNames(t: Template, out: Offender[]): void {
  for (const r of walk(t.resources)) {
    if (r.type !== "Microsoft.Authorization/roleAssignments") continue;
    const principal = String((r.properties as { principalId?: string }).principalId ?? "");
    const inner = isExpression(principal) ? principal.slice(1, -1) : principal;
    if (!String(r.name).includes(inner) || /reference\(/.test(String(r.name))) {
      out.push(
        offender(
          r,
          "name",
          `must be guid(scope, principalId, role) with a principal id known at deployment start; otherwise recreating the identity fails with RoleAssignmentUpdateNotPermitted (${DOCS.roleName})`,
        ),
      );
    }
  }
}

function retentionParameters(t: Template, out: Offender[]): void {
  const checks: [string, (d: number) => boolean, string][] = [
    ["retentionInDays", validRetention, "-1 or 4..730"],
    ["totalRetentionInDays", validTotalRetention, "-1, 4..730, or whole years 1095..4383"],
  ];
  for (const [name, valid, rule] of checks) {
    const p = t.parameters?.[name];
    if (!p) continue;
    const values = [...(p.allowedValues ?? []), ...(typeof p.defaultValue === "number" ? [p.defaultValue] : [])];
    for (const v of values) {
      if (!valid(Number(v))) {
        out.push({
          file: FILE,
          field: `parameters.${name}`,
          message: `${v} is not a value the API takes (${rule}) (${DOCS.retention})`,
        });
      }
    }
    if (!p.allowedValues) {
      out.push({
        file: FILE,
        field: `parameters.${name}`,
        message: `needs allowedValues: the API takes only ${rule} (${DOCS.retention})`,
      });
    }
  }
}

function tables(e: Evaluated, label: string, out: Offender[]): void {
  const r = e.resource;
  const value = evaluate(r.properties, e.scope);
  if (value === UNKNOWN) return;
  const props = value as Record<string, unknown>;
  if (props.plan === "Basic" && props.retentionInDays !== undefined) {
    out.push(
      offender(
        r,
        "properties.retentionInDays",
        `is sent for a Basic table (${label}): Basic retention is fixed at 30 days and the API refuses it (${DOCS.retention})`,
      ),
    );
  }
  if (typeof props.retentionInDays === "number" && !validRetention(props.retentionInDays)) {
    out.push(
      offender(
        r,
        "properties.retentionInDays",
        `${props.retentionInDays} (${label}) is not -1 or 4..730 (${DOCS.retention})`,
      ),
    );
  }
  if (typeof props.totalRetentionInDays === "number" && !validTotalRetention(props.totalRetentionInDays)) {
    out.push(
      offender(
        r,
        "properties.totalRetentionInDays",
        `${props.totalRetentionInDays} (${label}) is not -1, 4..730 or whole years (${DOCS.retention})`,
      ),
    );
  }
}

function names(list: Evaluated[], label: string, out: Offender[]): void {
  for (const e of list) {
    const rule = NAME_RULES[e.resource.type];
    if (!rule || e.name === UNKNOWN) continue;
    const problem = nameProblem(String(e.name), rule);
    if (problem) out.push(offender(e.resource, "name", `'${e.name}' (${label}) ${problem} (${rule.doc})`));
  }
}

/** Names that must differ between two deployments: returns the pairs that are equal. */
function sameNames(a: Evaluated[], b: Evaluated[], filter: (r: Resource) => boolean): Resource[] {
  const other = new Map(b.map((e) => [e.resource, e.name]));
  return a
    .filter((e) => filter(e.resource) && e.name !== UNKNOWN && other.get(e.resource) === e.name)
    .map((e) => e.resource);
}

function locations(list: Evaluated[], label: string, out: Offender[]): void {
  for (const e of list) {
    if (!/^Microsoft\.Insights\/dataCollection(Rules|Endpoints)$/.test(e.resource.type)) continue;
    const location = evaluate(e.resource.location, e.scope);
    if (location !== WORKSPACE_REGION) {
      out.push(
        offender(
          e.resource,
          "location",
          `is '${String(location)}' (${label}) while the workspace is in '${WORKSPACE_REGION}': a DCR must be in its workspace's region; take the region as a required parameter, not the resource group's (${DOCS.dcrRegion})`,
        ),
      );
    }
  }
}

function dceReachable(t: Template, list: Evaluated[], label: string, out: Offender[]): void {
  const privateLink = t.resources.some((r) => /privateLinkScopes|privateEndpoints/i.test(r.type));
  for (const e of list) {
    if (e.resource.type !== "Microsoft.Insights/dataCollectionEndpoints") continue;
    const value = evaluate(e.resource.properties, e.scope);
    const props = value as { networkAcls?: { publicNetworkAccess?: string } };
    if (value !== UNKNOWN && props.networkAcls?.publicNetworkAccess === "Disabled" && !privateLink) {
      out.push(
        offender(
          e.resource,
          "properties.networkAcls.publicNetworkAccess",
          `is Disabled by default (${label}) and the template creates no private link: the connector cannot reach the endpoint (${DOCS.dce})`,
        ),
      );
    }
  }
}

function keyVaultAtCreate(t: Template, out: Offender[]): void {
  const vaults = t.resources.filter((r) => r.type === "Microsoft.KeyVault/vaults").map((r) => r.name.slice(1, -1));
  for (const r of walk(t.resources)) {
    if (!/^Microsoft\.App\/(jobs|containerApps)$/.test(r.type)) continue;
    const secrets = (r.properties as { configuration?: { secrets?: { keyVaultUrl?: string }[] } }).configuration
      ?.secrets;
    for (const s of Array.isArray(secrets) ? secrets : []) {
      if (s.keyVaultUrl && vaults.some((v) => s.keyVaultUrl!.includes(v))) {
        out.push(
          offender(
            r,
            "properties.configuration.secrets",
            `references a secret of a Key Vault this template creates; Container Apps resolves it at create time, before anyone can upload it (${DOCS.keyVaultSecret})`,
          ),
        );
      }
    }
  }
}

/** This project publishes no image: the deployer builds one (az acr build) and names it. */
function imageDefault(list: Evaluated[], label: string, out: Offender[]): void {
  for (const e of list) {
    if (e.resource.type !== "Microsoft.App/jobs") continue;
    const containers = (e.resource.properties as { template?: { containers?: { image?: unknown }[] } }).template
      ?.containers;
    for (const c of containers ?? []) {
      const image = evaluate(c.image, e.scope);
      if (typeof image === "string" && image !== "") {
        out.push(
          offender(
            e.resource,
            "properties.template.containers.image",
            `defaults to '${image}' (${label}), an image this project does not publish: leave the default empty so the deployer names the image they built (docs/deployment.md)`,
          ),
        );
      }
    }
  }
}

/** Every deployment-lint offender of an infra template. */
export function lintDeployment(t: Template): Offender[] {
  const out: Offender[] = [];
  identityIds(t, out);
  implicitDependencies(t, out);
  identityRoles(t, out);
  roleNames(t, out);
  retentionParameters(t, out);
  keyVaultAtCreate(t, out);
  for (const s of scenarios(t)) {
    const scope = scopeFor(t, s);
    const list = deployed(t, scope, out, s.label);
    for (const e of list)
      if (e.resource.type === "Microsoft.OperationalInsights/workspaces/tables") tables(e, s.label, out);
    names(list, s.label, out);
    locations(list, s.label, out);
    if (s.overrides.deployDataCollectionEndpoint) dceReachable(t, list, s.label, out);
    imageDefault(list, s.label, out);
  }
  for (const hosting of t.parameters?.hosting?.allowedValues ?? [undefined]) {
    const base = hosting === undefined ? {} : { hosting };
    const at = (overrides: Record<string, Value>, resourceGroup?: string) =>
      deployed(t, scopeFor(t, { label: "", overrides: { ...base, ...overrides }, resourceGroup }), out, "collision");
    const first = at({});
    const workspaceOnly = (x: Resource) => !x.type.startsWith("Microsoft.OperationalInsights/workspaces/");
    for (const r of sameNames(first, at({ workspaceName: "sentinel-ws-2" }), workspaceOnly)) {
      out.push(
        offender(
          r,
          "name",
          "is the same for two workspaces in one resource group: a second deployment would overwrite the first one's (derive it from the workspace, e.g. uniqueString(resourceGroup().id, workspaceName))",
        ),
      );
    }
    for (const r of sameNames(first, at({}, "rg-other"), (x) => NAME_RULES[x.type]?.global === true)) {
      out.push(
        offender(
          r,
          "name",
          `must be unique across Azure but does not change with the resource group (${NAME_RULES[r.type]!.doc})`,
        ),
      );
    }
  }
  return dedupe(out);
}

function dedupe(list: Offender[]): Offender[] {
  const seen = new Set<string>();
  return list.filter((o) => {
    const key = `${o.field}|${o.message.replace(/\(([^()]*=[^()]*|defaults)\)/, "")}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
