/**
 * The deployment lint (`npm run validate`) on the built infra template: it passes on what we ship and fails
 * on a copy broken in exactly one way per invariant (each copy is the shipped template with one edit, the
 * mistake a change to scripts/build could make).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { infraTemplate } from "../../scripts/build/infra.ts";
import { evaluate, type Scope, UNKNOWN, uniqueString } from "../../scripts/validate/deployment/arm-eval.ts";
import { lintDeployment, type Template } from "../../scripts/validate/deployment/lint.ts";

type Res = Template["resources"][number] & { dependsOn?: string[]; properties?: Record<string, unknown> };

const shipped = () => JSON.parse(JSON.stringify(infraTemplate())) as Template & { resources: Res[] };
const byType = (t: Template, type: string) => t.resources.find((r) => r.type === type) as Res;
const IDENTITY = "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', variables('identityName'))]";
const ROLES = "[resourceId('Microsoft.Resources/deployments', variables('rolesDeploymentName'))]";

/** Lints a broken copy and returns the offenders' "field: message" lines. */
function lintBroken(edit: (t: Template & { resources: Res[] }) => void): string[] {
  const t = shipped();
  edit(t);
  return lintDeployment(t).map((o) => `${o.field}: ${o.message}`);
}

const hasOne = (lines: string[], pattern: RegExp) => {
  assert.ok(
    lines.some((l) => pattern.test(l)),
    `expected an offender matching ${pattern}, got:\n${lines.join("\n")}`,
  );
};

describe("deployment lint", () => {
  it("finds nothing to report on the shipped template", () => {
    assert.deepEqual(lintDeployment(shipped()), []);
  });

  it("fails a UserAssigned identity without identity ids (MissingIdentityIds)", () => {
    const lines = lintBroken((t) => {
      delete (byType(t, "Microsoft.Web/sites").identity as Record<string, unknown>).userAssignedIdentities;
    });
    hasOne(lines, /^Microsoft\.Web\/sites .* identity: .*MissingIdentityIds/);
  });

  it("fails a resource that uses the identity by resourceId() without depending on it", () => {
    const lines = lintBroken((t) => {
      const job = byType(t, "Microsoft.App/jobs");
      job.dependsOn = job.dependsOn!.filter((d) => d !== IDENTITY);
    });
    hasOne(lines, /^Microsoft\.App\/jobs .* dependsOn: uses .*userAssignedIdentities.* no implicit dependency/);
  });

  it("fails a resource running as the identity that does not wait for its role assignments", () => {
    const lines = lintBroken((t) => {
      const site = byType(t, "Microsoft.Web/sites");
      site.dependsOn = site.dependsOn!.filter((d) => d !== ROLES);
    });
    hasOne(
      lines,
      /^Microsoft\.Web\/sites .* dependsOn: runs as an identity but does not wait for its role assignments/,
    );
  });

  it("fails a role assignment whose name does not include the principal id", () => {
    const lines = lintBroken((t) => {
      const nested = byType(t, "Microsoft.Resources/deployments").properties as {
        template: { resources: { name: string }[] };
      };
      const first = nested.template.resources[0]!;
      first.name = first.name.replace("parameters('principalId')", "parameters('dcrName')");
    });
    hasOne(lines, /^Microsoft\.Authorization\/roleAssignments .* name: .*RoleAssignmentUpdateNotPermitted/);
  });

  it("fails a Basic table that is sent retentionInDays", () => {
    const lines = lintBroken((t) => {
      t.variables!.tableRetention =
        "[createObject('plan', parameters('plan'), 'retentionInDays', parameters('retentionInDays'), 'totalRetentionInDays', parameters('totalRetentionInDays'))]";
    });
    hasOne(lines, /ExchangeAudit_CL.* properties\.retentionInDays: is sent for a Basic table \(plan=Basic\)/);
  });

  it("fails a retention default or allowed value the API refuses, and a free-range retention parameter", () => {
    const lines = lintBroken((t) => {
      const total = t.parameters!.totalRetentionInDays!;
      total.allowedValues = [...total.allowedValues!, 800];
      total.defaultValue = 800;
      delete t.parameters!.retentionInDays!.allowedValues;
    });
    hasOne(lines, /^parameters\.totalRetentionInDays: 800 is not a value the API takes/);
    hasOne(lines, /^parameters\.retentionInDays: needs allowedValues/);
  });

  it("fails Container Apps names that keep an upper-case prefix, and a storage name over 24 characters", () => {
    const lines = lintBroken((t) => {
      t.variables!.prefix = "[parameters('namePrefix')]";
      t.variables!.storageName = "[concat(variables('prefix'), 'state', variables('suffix'))]";
    });
    hasOne(lines, /^Microsoft\.App\/jobs .* name: 'EXOAUDITXYZ-job-\w+' .* must use lower-case letters/);
    hasOne(
      lines,
      /^Microsoft\.Storage\/storageAccounts .* name: '\w+' \(defaults\) is 2\d characters; the limit is 3-24/,
    );
  });

  it("fails a globally unique name that does not change with the resource group", () => {
    const lines = lintBroken((t) => {
      t.variables!.keyVaultName = "[concat(variables('prefix'), '-kv-', uniqueString(parameters('workspaceName')))]";
    });
    hasOne(lines, /^Microsoft\.KeyVault\/vaults .* name: must be unique across Azure/);
  });

  it("fails a fixed name that two workspaces in one resource group would share", () => {
    const lines = lintBroken((t) => {
      t.variables!.dcrName = "[concat(variables('prefix'), '-dcr')]";
    });
    hasOne(lines, /^Microsoft\.Insights\/dataCollectionRules .* name: is the same for two workspaces/);
  });

  it("fails a DCR placed in the resource group's region instead of the workspace's", () => {
    const lines = lintBroken((t) => {
      t.parameters!.location!.defaultValue = "[resourceGroup().location]";
    });
    hasOne(
      lines,
      /^Microsoft\.Insights\/dataCollectionRules .* location: is 'eastus' \(defaults\) while the workspace/,
    );
  });

  it("fails a DCE that refuses public access by default when the template creates no private link", () => {
    const lines = lintBroken((t) => {
      t.parameters!.dcePublicNetworkAccess!.defaultValue = "Disabled";
    });
    hasOne(lines, /^Microsoft\.Insights\/dataCollectionEndpoints .*\.publicNetworkAccess: is Disabled by default/);
  });

  it("fails a job image that defaults to an image this project does not publish", () => {
    const lines = lintBroken((t) => {
      t.parameters!.containerImage!.defaultValue = "ghcr.io/exo-audit/exo-audit:latest";
    });
    hasOne(
      lines,
      /^Microsoft\.App\/jobs .*\.image: defaults to 'ghcr\.io\/exo-audit\/exo-audit:latest' \(hosting=containerAppsJob\)/,
    );
  });

  it("fails a container secret read from this template's Key Vault at create time", () => {
    const lines = lintBroken((t) => {
      const job = byType(t, "Microsoft.App/jobs").properties as { configuration: Record<string, unknown> };
      job.configuration.secrets = [
        {
          name: "o365-certificate",
          keyVaultUrl:
            "[concat(reference(resourceId('Microsoft.KeyVault/vaults', variables('keyVaultName')), '2023-07-01').vaultUri, 'secrets/cert')]",
          identity: IDENTITY,
        },
      ];
    });
    hasOne(lines, /^Microsoft\.App\/jobs .*\.secrets: references a secret of a Key Vault this template creates/);
  });
});

describe("ARM expression evaluator", () => {
  const scope: Scope = {
    parameters: { prefix: "ExoAudit", plan: "Basic", n: 3 },
    variables: { lower: "[toLower(parameters('prefix'))]", obj: { a: { b: "deep" } } },
    resourceGroupId: "/subscriptions/s/resourceGroups/rg",
    subscriptionId: "s",
    tenantId: "t",
    location: "eastus",
  };
  const cases: [string, unknown][] = [
    ["[concat(variables('lower'), '-dcr')]", "exoaudit-dcr"],
    ["[take('abcdef', parameters('n'))]", "abc"],
    ["[if(equals(parameters('plan'), 'basic'), 'fixed', 'free')]", "fixed"],
    ["[if(equals(1, 1), 'x', reference('r').missing)]", "x"],
    ["[union(createObject('a', 1), createObject('b', 'it''s'))]", { a: 1, b: "it's" }],
    ["[variables('obj').a['b']]", "deep"],
    ["[format('{0}/{1}', 'Microsoft.App', 'jobs')]", "Microsoft.App/jobs"],
    ["[not(empty(''))]", false],
    ["[concat(reference('x').id, 'y')]", UNKNOWN],
    ["[[not an expression]", "[[not an expression]"],
  ];
  for (const [expr, want] of cases) {
    it(`evaluates ${expr}`, () => {
      assert.deepEqual(evaluate(expr, scope), want);
    });
  }

  it("computes uniqueString as 13 lower-case base-32 characters that change with the input", () => {
    const a = uniqueString("/subscriptions/s/resourceGroups/rg", "ws1");
    assert.match(a, /^[a-z2-7]{13}$/);
    assert.notEqual(a, uniqueString("/subscriptions/s/resourceGroups/rg", "ws2"));
    assert.equal(a, uniqueString("/subscriptions/s/resourceGroups/rg", "ws1"));
  });

  it("names an unsupported function and an undeclared parameter instead of guessing", () => {
    assert.throws(() => evaluate("[dateTimeAdd('x', 'PT1H')]", scope), /function datetimeadd\(\) is not supported/);
    assert.throws(() => evaluate("[parameters('nope')]", scope), /parameter nope is not declared/);
  });
});
