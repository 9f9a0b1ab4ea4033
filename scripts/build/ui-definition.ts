/**
 * `createUiDefinition.json` for the Content Hub / "Deploy to Azure" portal experience: a basics step
 * with the workspace picker, and one step per content kind listing what the solution installs. Its
 * outputs are exactly the mainTemplate parameters (arm-ttk "Outputs Must Be Present In Template Parameters").
 */
import type { SolutionContent, SolutionMetadata } from "./solution.ts";

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
          description: `${meta.name}\n\n${meta.description}\n\nThe rules are installed as templates (disabled); create rules from them in Microsoft Sentinel > Analytics after the connector delivers data to ExchangeAudit_CL.`,
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
        {
          name: "parsers",
          label: "Parsers",
          elements: [section("parsers", "Parsers (workspace functions)", parsers.length ? parsers : ["None"])],
        },
        {
          name: "analytics",
          label: "Analytics",
          elements: [section("analytics", "Analytics rule templates", rules.length ? rules : ["None"])],
        },
        {
          name: "huntingqueries",
          label: "Hunting Queries",
          elements: [section("huntingqueries", "Hunting queries", hunting.length ? hunting : ["None"])],
        },
        {
          name: "workbooks",
          label: "Workbooks",
          elements: [section("workbooks", "Workbooks", workbooks.length ? workbooks : ["None"])],
        },
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
