/**
 * The README's Azure steps and docs/deployment.md agree with the built templates: every `--parameters` key
 * of a deployment command is a parameter of the template it deploys, every output read is an output, the
 * certificate name is the template's, the parameter and output tables list exactly the template's, and the
 * README's steps come in the order that works.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { buildArtifacts } from "../../scripts/build/index.ts";
import { REPO_ROOT } from "../../kql/content/load.ts";

type Template = { parameters: Record<string, { defaultValue?: unknown }>; outputs: Record<string, unknown> };
const built = buildArtifacts();
const template = (path: string): Template =>
  JSON.parse(built.artifacts.find((a) => a.path === path)!.data.toString("utf8")) as Template;
const infra = template("dist/infra/azuredeploy.json");
const solution = template("dist/solution/mainTemplate.json");
const doc = (name: string) => readFileSync(join(REPO_ROOT, name), "utf8");
const DOCS = ["README.md", "docs/deployment.md", "docs/hosting.md"];

/** Shell commands in fenced blocks, continuation lines joined. */
function commands(text: string): string[] {
  const blocks = [...text.matchAll(/^\s*```(\w*)\n([\s\S]*?)^\s*```/gm)]
    .filter((m) => ["", "sh", "bash"].includes(m[1]!))
    .map((m) => m[2]!);
  return blocks.flatMap((b) =>
    b
      .replace(/\\\n\s*/g, " ")
      .split("\n")
      .map((l) => l.trim()),
  );
}

interface Deployment {
  doc: string;
  file: string;
  keys: string[];
}

function deployments(name: string): Deployment[] {
  return commands(doc(name))
    .filter((c) => c.includes("az deployment group create"))
    .map((c) => {
      const file = /--template-file (\S+)/.exec(c)?.[1] ?? "";
      const params = c.split(/--parameters /)[1] ?? "";
      const keys = [...params.matchAll(/(?:^|\s)(\w+)=/g)].map((m) => m[1]!);
      return { doc: name, file, keys };
    });
}

const templateOf = (file: string): Template =>
  /mainTemplate\.json$/.test(file)
    ? solution
    : /azuredeploy\.json$|main\.bicep$/.test(file)
      ? infra
      : (undefined as never);

describe("deployment documentation", () => {
  it("passes only template parameters in every documented deployment command, and every required one", () => {
    const all = DOCS.flatMap(deployments);
    assert.ok(all.length >= 6, `${all.length} deployment commands found`);
    for (const d of all) {
      const t = templateOf(d.file);
      assert.ok(t, `${d.doc}: unknown template ${d.file}`);
      for (const k of d.keys) assert.ok(t.parameters[k], `${d.doc}: ${k} is not a parameter of ${d.file}`);
      const required = Object.entries(t.parameters)
        .filter(([, p]) => p.defaultValue === undefined)
        .map(([n]) => n);
      for (const r of required) assert.ok(d.keys.includes(r), `${d.doc}: ${d.file} needs ${r}`);
    }
  });

  it("reads only outputs the infra template has", () => {
    for (const name of DOCS) {
      const text = doc(name);
      const read = [
        ...[...text.matchAll(/properties\.outputs\.(\w+)\.value/g)].map((m) => m[1]!),
        ...[...text.matchAll(/\$\(out (\w+)\)/g)].map((m) => m[1]!),
        ...[...text.matchAll(/<(\w+) output>/g)].map((m) => m[1]!),
      ];
      for (const o of read) assert.ok(infra.outputs[o], `${name}: ${o} is not an output`);
    }
    assert.match(
      doc("README.md"),
      /\$\(out keyVaultName\).*\$\(out certificateName\)|KV=\$\(out keyVaultName\); CERT=\$\(out certificateName\)/,
    );
  });

  it("names the certificate as the template does, everywhere", () => {
    const certificate = String(infra.parameters.certificateName!.defaultValue);
    for (const name of DOCS) {
      for (const c of commands(doc(name)).filter((x) => /az keyvault certificate (create|import|download)/.test(x))) {
        const given = /--name (\S+)/.exec(c)?.[1];
        assert.ok(given === certificate || given === '"$CERT"', `${name}: certificate ${given} in: ${c}`);
      }
    }
    assert.ok(doc("docs/deployment.md").includes(`\`${certificate}\``));
  });

  it("lists exactly the template's parameters and outputs in docs/deployment.md", () => {
    const text = doc("docs/deployment.md");
    const section = (title: string) => text.slice(text.indexOf(title), text.indexOf("\n### ", text.indexOf(title) + 1));
    const firstColumn = (s: string) =>
      s
        .split("\n")
        .filter((l) => l.startsWith("| `"))
        .flatMap((l) => [...l.split("|")[1]!.matchAll(/`(\w+)`/g)].map((m) => m[1]!));
    assert.deepEqual(firstColumn(section("### Parameters")).sort(), Object.keys(infra.parameters).sort());
    assert.deepEqual(firstColumn(section("### Outputs")).sort(), Object.keys(infra.outputs).sort());
  });

  it("gives the README's Azure steps in the order that works", () => {
    const text = doc("README.md");
    const steps = text.slice(text.indexOf("### Azure setup, step by step"), text.indexOf("### Troubleshooting"));
    const titles = [...steps.matchAll(/^\d+\. \*\*([\s\S]+?)\*\*/gm)].map((m) => m[1]!.replace(/\s+/g, " "));
    const order = [
      /unified audit logging/,
      /Register the app.*ActivityFeed\.Read.*admin consent/,
      /Deploy the infrastructure/,
      /Key Vault Certificates Officer.*certificate.*upload/,
      /Publish the code/,
      /Install the solution and enable the rules/,
    ];
    assert.equal(titles.length, order.length, titles.join(" / "));
    order.forEach((re, i) => {
      assert.match(titles[i]!, re);
    });
    for (const needed of ["Get-AdminAuditLogConfig", "adminconsent?client_id=", "npm run package", "az acr build"]) {
      assert.ok(steps.includes(needed), `README steps mention ${needed}`);
    }
  });

  it("shows the MSSP sequence: multi-tenant app, per-customer consent, every tenant's publisher id", () => {
    const text = doc("docs/deployment.md");
    const mssp = text.slice(text.indexOf("## MSSP"), text.indexOf("\n## ", text.indexOf("## MSSP") + 1));
    for (const needed of [
      "AzureADMultipleOrgs",
      "/adminconsent?client_id=",
      "publisherId=",
      "tenants=",
      "uniqueString",
    ]) {
      assert.ok(mssp.includes(needed), `MSSP section mentions ${needed}`);
    }
  });
});
