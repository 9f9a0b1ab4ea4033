/**
 * `dist/azure-sentinel/`: the solution laid out as a pull request to the Azure-Sentinel repository,
 * where Microsoft's CI finds content only under these exact folder names (case-sensitive on Linux):
 *
 * | Path | Content |
 * | --- | --- |
 * | `Solutions/<Name>/Analytic Rules/`, `Hunting Queries/`, `Parsers/` | our YAML files, byte for byte |
 * | `Solutions/<Name>/Workbooks/<Key>.json` | workbook JSON with `fromTemplateId` `sentinel-<Key>` |
 * | `Solutions/<Name>/Data Connectors/ExchangeAuditConnector.json` | the connector page (GenericUI) |
 * | `Solutions/<Name>/Data/Solution_<Short>.json` | the packaging tool's input, relative paths only |
 * | `Solutions/<Name>/Package/` | mainTemplate.json, createUiDefinition.json, `<version>.zip` (as dist/solution) |
 * | `Solutions/<Name>/ReleaseNotes.md`, `SolutionMetadata.json` | generated from content and deploy/solution.json |
 * | `.script/tests/KqlvalidationsTests/CustomTables/<Table>.json` | from connector/schema |
 * | `.script/tests/KqlvalidationsTests/CustomFunctions/<Function>.json` | parser result columns (Kusto analysis) |
 * | `Workbooks/WorkbooksMetadata.json` | our entries only (upstream appends them to the shared file) |
 *
 * Preview images (`<Key>Black.png`, `<Key>White.png`) are named here and produced by the workbook renderer.
 */
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { kqlSchema } from "../../connector/schema/derive.ts";
import { TABLES, WORKSPACE_TABLES } from "../../connector/schema/table-schema.ts";
import { parserFunctionDefs } from "../../kql/content/load.ts";
import { analyze, buildGlobalState, resultColumns } from "../../kql/kusto.ts";
import { parserAnalysisText } from "../validate/kql.ts";
import { parserAlias, workbookKey, workbookTables, workbookTitle } from "./content-mapping.ts";
import { CONNECTOR_ID, type ConnectorUiConfig } from "./data-connector.ts";
import type { SolutionContent, SolutionMetadata } from "./solution.ts";
import { releaseNotesMarkdown, solutionDescriptionMarkdown } from "./solution-description.ts";

export const EXPORT_ROOT = "dist/azure-sentinel";
export const KQL_TESTS = ".script/tests/KqlvalidationsTests";

export interface ExportFile {
  /** Path under dist/azure-sentinel/. */
  path: string;
  data: Buffer | string;
}

/** `Solutions/<Name>`: the solution's display name, as upstream solution folders are named. */
export const solutionFolder = (meta: SolutionMetadata) => `Solutions/${meta.name}`;
/** `Solution_<Short>.json`: the name without the parenthesised part and spaces. */
export const dataFileName = (meta: SolutionMetadata) =>
  `Solution_${meta.name.replace(/\s*\(.*\)\s*/g, "").replace(/[^A-Za-z0-9]/g, "")}.json`;

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
const byFile = <T extends { file: string }>(l: T[]) => [...l].sort((a, b) => a.file.localeCompare(b.file));

/** Every file of the export, in a stable order. `packageFiles` are dist/solution's three files. */
export function upstreamExport(
  root: string,
  content: SolutionContent,
  meta: SolutionMetadata,
  ui: ConnectorUiConfig,
  packageFiles: { name: string; data: Buffer }[],
): ExportFile[] {
  const sol = solutionFolder(meta);
  const raw = (file: string) => readFileSync(join(root, file));
  const rules = byFile(content.rules).map((r) => `Analytic Rules/${basename(r.file)}`);
  const hunting = byFile(content.hunting).map((h) => `Hunting Queries/${basename(h.file)}`);
  const parsers = byFile(content.parsers).map((p) => `Parsers/${basename(p.file)}`);
  const workbooks = byFile(content.workbooks).map((w) => ({ w, key: workbookKey(w.file) }));
  const connectorPath = `Data Connectors/${CONNECTOR_ID}.json`;
  const files: ExportFile[] = [
    ...byFile(content.rules).map((r, i) => ({ path: `${sol}/${rules[i]}`, data: raw(r.file) })),
    ...byFile(content.hunting).map((h, i) => ({ path: `${sol}/${hunting[i]}`, data: raw(h.file) })),
    ...byFile(content.parsers).map((p, i) => ({ path: `${sol}/${parsers[i]}`, data: raw(p.file) })),
    ...workbooks.map(({ w, key }) => ({
      path: `${sol}/Workbooks/${key}.json`,
      data: json({ ...w.data, fromTemplateId: `sentinel-${key}` }),
    })),
    { path: `${sol}/${connectorPath}`, data: json(ui) },
    {
      path: `${sol}/Data/${dataFileName(meta)}`,
      data: json({
        Name: meta.name,
        Author: `${meta.author.name} - ${meta.author.email}`,
        Logo: '<img src="https://raw.githubusercontent.com/Azure/Azure-Sentinel/master/Logos/Azure_Sentinel.svg" width="75px" height="75px">',
        Description: solutionDescriptionMarkdown(content),
        "Data Connectors": [connectorPath],
        Parsers: parsers,
        Workbooks: workbooks.map(({ key }) => `Workbooks/${key}.json`),
        "Analytic Rules": rules,
        "Hunting Queries": hunting,
        BasePath: sol,
        Version: meta.version,
        Metadata: "SolutionMetadata.json",
        TemplateSpec: true,
        Is1PConnector: false,
      }),
    },
    ...packageFiles.map((f) => ({ path: `${sol}/Package/${f.name}`, data: f.data })),
    { path: `${sol}/ReleaseNotes.md`, data: releaseNotesMarkdown(content, meta) },
    {
      path: `${sol}/SolutionMetadata.json`,
      data: json({
        publisherId: meta.publisherId,
        offerId: meta.offerId,
        firstPublishDate: meta.firstPublishDate,
        providers: meta.providers,
        categories: { domains: meta.categories.domains, verticals: [] },
        support: meta.support,
      }),
    },
    ...WORKSPACE_TABLES.map((t) => ({
      path: `${KQL_TESTS}/CustomTables/${t.tableName}.json`,
      data: json(kqlSchema(t)),
    })),
    ...customFunctions(root, content).map((f) => ({
      path: `${KQL_TESTS}/CustomFunctions/${f.FunctionName}.json`,
      data: json(f),
    })),
    { path: "Workbooks/WorkbooksMetadata.json", data: json(workbookMetadata(content, meta)) },
  ];
  return files.map((f) => ({ path: `${EXPORT_ROOT}/${f.path}`, data: f.data }));
}

export interface CustomFunctionJson {
  FunctionName: string;
  FunctionParameters: { Name: string; Type: string; IsRequired: boolean }[];
  FunctionResultColumns: { Name: string; Type: string }[];
}

const inferred = new Map<string, CustomFunctionJson[]>();

/**
 * `CustomFunctions/<Function>.json` per parser: its parameters and the result columns Kusto infers
 * (memoized per parser set: the analysis costs seconds and builds run several times per test process).
 */
export function customFunctions(root: string, content: SolutionContent): CustomFunctionJson[] {
  const key = JSON.stringify([root, byFile(content.parsers)]);
  let result = inferred.get(key);
  if (!result) {
    result = inferFunctions(root, content);
    inferred.set(key, result);
  }
  return result;
}

function inferFunctions(root: string, content: SolutionContent): CustomFunctionJson[] {
  const globals = buildGlobalState({ functions: parserFunctionDefs(root) });
  return byFile(content.parsers).map(({ file, data: p }) => {
    const { code, errors } = analyze(parserAnalysisText(p).text, globals);
    const columns = errors.length === 0 ? resultColumns(code) : null;
    if (!columns) throw new Error(`${file}: cannot infer the parser's result columns for CustomFunctions`);
    return {
      FunctionName: parserAlias(p),
      FunctionParameters: (p.FunctionParams ?? []).map((x) => ({
        Name: x.Name,
        Type: x.Type,
        IsRequired: x.Default === undefined,
      })),
      FunctionResultColumns: columns.map((c) => ({ Name: c.name, Type: c.type === "unknown" ? "dynamic" : c.type })),
    };
  });
}

/** `Workbooks/WorkbooksMetadata.json` entries (schema `.script/utils/schemas/workbooksMetadataSchema.json`). */
export function workbookMetadata(content: SolutionContent, meta: SolutionMetadata): Record<string, unknown>[] {
  return byFile(content.workbooks).map((w) => {
    const key = workbookKey(w.file);
    const tables = workbookTables(
      w.data,
      TABLES.map((t) => t.tableName),
    );
    const title = workbookTitle(w.data, basename(w.file).replace(/\.json$/i, ""));
    return {
      workbookKey: key,
      logoFileName: "Azure_Sentinel.svg",
      description: `${title}: Exchange Online audit workbook of the ${meta.name} solution, over the rows the exo-audit connector sends to ${tables.join(" and ")}.`,
      dataTypesDependencies: tables,
      dataConnectorsDependencies: [CONNECTOR_ID],
      previewImagesFileNames: [`${key}Black.png`, `${key}White.png`],
      version: "1.0.0",
      title,
      templateRelativePath: `${key}.json`,
      subtitle: "",
      provider: meta.providers[0] ?? meta.author.name,
      support: { tier: meta.support.tier, name: meta.support.name, link: meta.support.link },
      author: { name: meta.author.name },
      source: { kind: "Solution", name: meta.name },
      categories: { domains: meta.categories.domains },
    };
  });
}
