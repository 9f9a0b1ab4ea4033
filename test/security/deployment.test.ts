/**
 * Security of what we ship: the ARM templates grant only the roles the connector needs, each on the one
 * resource it needs it on; a config file holding secrets that others can read draws a warning; the production
 * dependencies have no known high or critical vulnerability (`npm audit`, when the registry is reachable).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../connector/config/load.ts";

/** Built-in role ids (learn.microsoft.com/azure/role-based-access-control/built-in-roles), written out here on purpose. */
const ALLOWED: Record<string, { name: string; scope: RegExp }> = {
  "3913510d-42f4-4e42-8a64-420c390055eb": { name: "Monitoring Metrics Publisher", scope: /dataCollectionRules/ },
  // Functions host storage with an identity: Blob Data Owner, as Microsoft documents; the job needs Contributor only
  "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": { name: "Storage Blob Data Owner", scope: /storageAccounts/ },
  "ba92f5b4-2d11-453d-a403-e96b0029c9fe": { name: "Storage Blob Data Contributor", scope: /storageAccounts/ },
  "4633458b-17de-408a-b874-0445c86b69e6": { name: "Key Vault Secrets User", scope: /KeyVault\/vaults/ },
  "7f951dda-4ed3-4680-a7ca-43fe172d538d": { name: "AcrPull", scope: /ContainerRegistry\/registries/ },
};

interface ArmResource {
  type?: string;
  scope?: string;
  properties?: { roleDefinitionId?: string; template?: { resources?: unknown } };
  resources?: unknown;
}

function roleAssignments(resources: unknown, out: ArmResource[] = []): ArmResource[] {
  const list = Array.isArray(resources) ? resources : resources ? Object.values(resources) : [];
  for (const r of list as ArmResource[]) {
    if (/roleAssignments$/i.test(r.type ?? "")) out.push(r);
    if (r.properties?.template) roleAssignments(r.properties.template.resources, out);
    if (r.resources) roleAssignments(r.resources, out);
  }
  return out;
}

describe("deployment security", () => {
  it("grants only Monitoring Metrics Publisher, Storage Blob Data Owner or Contributor, Key Vault Secrets User and AcrPull, each on its own resource", async (t) => {
    let build: typeof import("../../scripts/build/index.ts");
    try {
      build = await import("../../scripts/build/index.ts");
    } catch (err) {
      t.skip(`scripts/build is not importable yet: ${(err as Error).message}`);
      return;
    }
    const { artifacts } = build.buildArtifacts();
    const templates = artifacts.filter((a) => a.path.endsWith(".json") && /dist\/(infra|solution)\//.test(a.path));
    const infra = templates.find((a) => a.path === "dist/infra/azuredeploy.json");
    assert.ok(infra, "the build produces dist/infra/azuredeploy.json");
    const seen = new Set<string>();
    for (const a of templates) {
      const json = JSON.parse(a.data.toString("utf8")) as { resources?: unknown };
      for (const ra of roleAssignments(json.resources)) {
        const id = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})'?\)\]?$/i.exec(
          ra.properties?.roleDefinitionId ?? "",
        )?.[1];
        assert.ok(id && ALLOWED[id], `${a.path}: role ${ra.properties?.roleDefinitionId} is not on the allowed list`);
        assert.match(
          ra.scope ?? "",
          ALLOWED[id].scope,
          `${a.path}: ${ALLOWED[id].name} must be scoped to its resource`,
        );
        seen.add(id);
      }
    }
    assert.ok(seen.has("3913510d-42f4-4e42-8a64-420c390055eb"), "the DCR role is granted (not vacuous)");
    assert.equal(seen.size, 5, `roles granted: ${[...seen].map((i) => ALLOWED[i]?.name).join(", ")}`);
  });

  it("warns when a config file with a secret is readable by others, and not when it is private", () => {
    const dir = mkdtempSync(join(tmpdir(), "exo-perm-"));
    try {
      const file = join(dir, "exo-audit.yaml");
      writeFileSync(
        file,
        [
          "tenants:",
          "  - tenantId: 7f3a1c2e-5b4d-4e8f-9a1b-2c3d4e5f6a7b",
          "    auth: { clientId: 0b5e6c1a-3d2f-4a8b-9c7d-1e2f3a4b5c6d, clientSecret: 'perm~Secret.value-42' }",
          "ingestion: { endpoint: 'https://dcr-x.westeurope-1.ingest.monitor.azure.com', dcrImmutableId: dcr-0123456789abcdef0123456789abcdef }",
          `state: { dir: ${JSON.stringify(join(dir, "state"))} }`,
        ].join("\n"),
      );
      chmodSync(file, 0o644);
      const open = loadConfig({ file, env: {} });
      const warning = open.problems.find(
        (p) => p.severity === "warning" && /permission|readable|chmod/i.test(p.message),
      );
      assert.ok(warning, `a warning names the permissions: ${JSON.stringify(open.problems)}`);
      assert.ok(
        !JSON.stringify(open.problems).includes("perm~Secret.value-42"),
        "the warning does not quote the secret",
      );
      chmodSync(file, 0o600);
      const closed = loadConfig({ file, env: {} });
      assert.ok(
        !closed.problems.some((p) => /permission|readable|chmod/i.test(p.message)),
        JSON.stringify(closed.problems),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("has no high or critical vulnerability in production dependencies (npm audit --omit=dev)", async (t) => {
    const root = fileURLToPath(new URL("../..", import.meta.url));
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        npm,
        ["audit", "--omit=dev", "--json"],
        { cwd: root, timeout: 30_000, maxBuffer: 32 * 1024 * 1024 },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    let report: { metadata?: { vulnerabilities?: Record<string, number> }; error?: { code?: string } } | undefined;
    try {
      report = JSON.parse(result.stdout);
    } catch {
      report = undefined;
    }
    const counts = report?.metadata?.vulnerabilities;
    if (!counts) {
      t.skip(
        `npm audit gave no report (registry unreachable or audit endpoint refused): ${String((report as { message?: string } | undefined)?.message ?? result.stderr.trim().split("\n").at(-1) ?? "timeout")}`,
      );
      return;
    }
    t.diagnostic(`npm audit --omit=dev: ${JSON.stringify(counts)}`);
    assert.equal((counts.high ?? 0) + (counts.critical ?? 0), 0, JSON.stringify(counts));
  });
});
