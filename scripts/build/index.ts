/**
 * `npm run build`: turns the content pack and the table schema into deployable, deterministic artifacts
 * (same input → byte-identical output; no timestamps):
 * - dist/solution/mainTemplate.json, createUiDefinition.json, <version>.zip (Content Hub package)
 * - dist/azure-sentinel/ (the same solution laid out as a pull request to Azure-Sentinel, upstream-export.ts)
 * - dist/infra/azuredeploy.json (tables, DCR, identity, roles, hosting) and its wrapper deploy/main.bicep
 * - docs/table-reference.md, docs/content-catalog.md
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { tableReferenceMarkdown } from "../../connector/schema/derive.ts";
import { type ContentKind, type ContentProblem, loadContent, REPO_ROOT } from "../../kql/content/load.ts";
import { bicepWrapper } from "./bicep.ts";
import { contentCatalogMarkdown } from "./catalog.ts";
import { connectorUiConfig } from "./data-connector.ts";
import { infraTemplate } from "./infra.ts";
import { toJsonText } from "./json.ts";
import { type PackageOptions, type SolutionContent, type SolutionMetadata, solutionTemplate } from "./solution.ts";
import { createUiDefinition } from "./ui-definition.ts";
import { upstreamExport } from "./upstream-export.ts";
import { createZip } from "./zip.ts";

export interface Artifact {
  /** Output path relative to the output root (forward slashes). */
  path: string;
  data: Buffer;
}

export interface BuildResult {
  artifacts: Artifact[];
  /** Content files that could not be read; the build must not ship without them. */
  problems: ContentProblem[];
  content: SolutionContent;
}

/** Solution metadata kept in `deploy/solution.json`. */
export function solutionMetadata(): SolutionMetadata {
  return JSON.parse(readFileSync(new URL("../../deploy/solution.json", import.meta.url), "utf8")) as SolutionMetadata;
}

/** Loads the content under `root` (files only; validation is `npm run validate`). */
export function loadSolutionContent(root: string = REPO_ROOT): {
  content: SolutionContent;
  problems: ContentProblem[];
} {
  const problems: ContentProblem[] = [];
  const load = <T>(kind: ContentKind) => {
    const r = loadContent<T>(kind, root);
    problems.push(...r.problems);
    return r.files.map((f) => ({ file: f.file, data: f.data }));
  };
  return {
    content: {
      rules: load("analyticsRules"),
      hunting: load("huntingQueries"),
      parsers: load("parsers"),
      workbooks: load("workbooks"),
    },
    problems,
  };
}

/** Generates every artifact in memory. */
export function buildArtifacts(
  root: string = REPO_ROOT,
  meta: SolutionMetadata = solutionMetadata(),
  options: PackageOptions = {},
): BuildResult {
  const { content, problems } = loadSolutionContent(root);
  const text = (path: string, s: string): Artifact => ({ path, data: Buffer.from(s, "utf8") });
  const main = text("dist/solution/mainTemplate.json", toJsonText(solutionTemplate(content, meta, options)));
  const ui = text("dist/solution/createUiDefinition.json", toJsonText(createUiDefinition(content, meta)));
  const infra = infraTemplate();
  const zip: Artifact = {
    path: `dist/solution/${meta.version}.zip`,
    data: createZip([
      { name: "mainTemplate.json", data: main.data },
      { name: "createUiDefinition.json", data: ui.data },
    ]),
  };
  const exported = upstreamExport(root, content, meta, connectorUiConfig(options.templateUrl), [
    { name: "mainTemplate.json", data: main.data },
    { name: "createUiDefinition.json", data: ui.data },
    { name: `${meta.version}.zip`, data: zip.data },
  ]).map((f) => ({ path: f.path, data: Buffer.isBuffer(f.data) ? f.data : Buffer.from(f.data, "utf8") }));
  return {
    artifacts: [
      main,
      ui,
      zip,
      ...exported,
      text("dist/infra/azuredeploy.json", toJsonText(infra)),
      text("deploy/main.bicep", bicepWrapper(infra as Parameters<typeof bicepWrapper>[0])),
      text("docs/table-reference.md", tableReferenceMarkdown()),
      text("docs/content-catalog.md", contentCatalogMarkdown(content)),
    ],
    problems,
    content,
  };
}

/** Writes artifacts under `outRoot`. */
export function writeArtifacts(artifacts: readonly Artifact[], outRoot: string = REPO_ROOT): void {
  for (const a of artifacts) {
    const path = join(outRoot, a.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, a.data);
  }
}

/** Artifacts whose file under `outRoot` is missing or differs (for `--check`). */
export function staleArtifacts(artifacts: readonly Artifact[], outRoot: string = REPO_ROOT): string[] {
  return artifacts
    .filter((a) => {
      try {
        return !readFileSync(join(outRoot, a.path)).equals(a.data);
      } catch {
        return true;
      }
    })
    .map((a) => a.path);
}
