/**
 * `createUiDefinition.json` for the Content Hub / "Deploy to Azure" portal experience, laid out as the V3
 * packaging tool writes it: `config.basics` (description, resource providers, hidden location, existing
 * resource groups allowed), the workspace picker, then one step per content kind in the tool's order
 * (dataconnectors, parsers, workbooks, analytics, huntingqueries), each with a `bladeTitle`. Its outputs
 * are template parameters (arm-ttk "Outputs Must Be Present In Template Parameters"); the workbook-name
 * parameters keep their defaults.
 */
import { CONNECTOR_TITLE } from "./data-connector.ts";
import type { SolutionContent, SolutionMetadata } from "./solution.ts";
import { solutionDescriptionMarkdown } from "./solution-description.ts";

const section = (name: string, label: string, lines: string[]) => ({
  name,
  type: "Microsoft.Common.Section",
  label,
  elements: lines.map((text, i) => ({
    name: `${name}${i + 1}`,
    type: "Microsoft.Common.TextBlock",
    options: { text },
  })),
});

function step(name: string, label: string, blade: string, lines: string[]) {
  return {
    name,
    label,
    subLabel: { preValidation: `Review the ${label.toLowerCase()}`, postValidation: "Done" },
    bladeTitle: blade,
    elements: [section(name, label, lines.length ? lines : ["None"])],
  };
}

export function createUiDefinition(content: SolutionContent, meta: SolutionMetadata): Record<string, unknown> {
  const sorted = <T extends { file: string }>(l: T[]) => [...l].sort((a, b) => a.file.localeCompare(b.file));
  const rules = sorted(content.rules).map((r) => `${r.data.name} (${r.data.severity}, ${r.data.kind})`);
  const hunting = sorted(content.hunting).map((h) => h.data.name);
  const parsers = sorted(content.parsers).map(
    (p) => `${p.data.FunctionAlias}: ${p.data.Description ?? p.data.Function.Title}`,
  );
  const workbooks = sorted(content.workbooks).map((w) => w.file.replace(/^.*\//, ""));
  return {
    $schema: "https://schema.management.azure.com/schemas/0.1.2-preview/CreateUIDefinition.MultiVm.json#",
    handler: "Microsoft.Azure.CreateUIDef",
    version: "0.1.2-preview",
    parameters: {
      config: {
        isWizard: false,
        basics: {
          description: `<img src="https://raw.githubusercontent.com/Azure/Azure-Sentinel/master/Logos/Azure_Sentinel.svg" width="75px" height="75px">\n\n**Note:** Please refer to the following before installing the solution:\n\n- Review the solution's ReleaseNotes.md and the deployment guide (docs/deployment.md)\n\n**${meta.name}**\n\n${solutionDescriptionMarkdown(content)}\n\nThe rules are installed as templates (disabled); create rules from them in Microsoft Sentinel > Analytics after the connector delivers data to ExchangeAudit_CL.`,
          subscription: {
            resourceProviders: [
              "Microsoft.OperationsManagement/solutions",
              "Microsoft.OperationalInsights/workspaces/providers/alertRules",
              "Microsoft.Insights/workbooks",
              "Microsoft.Logic/workflows",
            ],
          },
          location: {
            metadata: { hidden: "Hiding location, we get it from the log analytics workspace" },
            visible: false,
          },
          resourceGroup: { allowExisting: true },
        },
      },
      basics: [
        {
          name: "getLAWorkspace",
          type: "Microsoft.Solutions.ArmApiControl",
          toolTip: "This filters by workspaces that exist in the Resource Group selected",
          condition: "[greater(length(resourceGroup().name), 0)]",
          request: {
            method: "GET",
            path: "[concat(subscription().id,'/providers/Microsoft.OperationalInsights/workspaces?api-version=2020-08-01')]",
          },
        },
        {
          name: "workspace",
          type: "Microsoft.Common.DropDown",
          label: "Workspace",
          placeholder: "Select a workspace",
          toolTip: "This dropdown will list only workspace that exists in the Resource Group selected",
          constraints: {
            allowedValues:
              "[map(filter(basics('getLAWorkspace').value, (filter) => contains(toLower(filter.id), toLower(resourceGroup().name))), (item) => parse(concat('{\"label\":\"', item.name, '\",\"value\":\"', item.name, '\"}')))]",
            required: true,
          },
          visible: true,
        },
      ],
      steps: [
        step("dataconnectors", "Data Connectors", "Data Connector", [
          `${CONNECTOR_TITLE}: after installing, open Microsoft Sentinel > Data connectors and follow the page to deploy the collector.`,
        ]),
        step("parsers", "Parsers", "Parsers", parsers),
        step("workbooks", "Workbooks", "Workbooks", workbooks),
        step("analytics", "Analytics", "Analytics", rules),
        step("huntingqueries", "Hunting Queries", "Hunting Queries", hunting),
      ],
      outputs: {
        "workspace-location":
          "[first(map(filter(basics('getLAWorkspace').value, (filter) => and(contains(toLower(filter.id), toLower(resourceGroup().name)), equals(filter.name, basics('workspace')))), (item) => item.location))]",
        location: "[location()]",
        workspace: "[basics('workspace')]",
      },
    },
  };
}
