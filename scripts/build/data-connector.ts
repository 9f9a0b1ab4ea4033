/**
 * The data connector page of the solution (id `ExchangeAuditConnector`, the `connectorId` every rule
 * names), in the `connectorUiConfig` format Azure-Sentinel keeps under `Solutions/<name>/Data Connectors/`
 * and the packaging tool wraps in a `DataConnector` content template.
 *
 * Why a GenericUI `dataConnectors` page and not a Codeless Connector Framework `dataConnectorDefinitions`
 * one: our collector pushes rows through the Logs Ingestion API itself; a CCF definition's only
 * connectivity test is `HasDataConnectors` (a CCF poller resource exists), which would never turn green
 * for us. A GenericUI page is "connected" by `IsConnectedQuery` over our own tables, which is what
 * function- and agent-based Logs Ingestion connectors of recent solutions use.
 *
 * | Page element | Source |
 * | --- | --- |
 * | graph of rows per day | `graphQueries` over ExchangeAudit_CL |
 * | last data received per table | `dataTypes` = every table of connector/schema |
 * | connected | rows in either table (health rows count: an idle tenant still reports runs) in 30 days |
 * | Deploy to Azure | the infrastructure template's raw URL, a build parameter (`templateUrl`) |
 */
import { HEALTH_TABLE, TABLES } from "../../connector/schema/table-schema.ts";

export const CONNECTOR_ID = "ExchangeAuditConnector";
export const CONNECTOR_VERSION = "1.0.0";
export const CONNECTOR_TITLE = "Exchange Online Audit (exo-audit, Logs Ingestion API)";

/** Where the template is published when no `--template-url` / `EXO_AUDIT_TEMPLATE_URL` is given. */
export const DEFAULT_TEMPLATE_URL = "https://github.com/exo-audit/exo-audit/releases/latest/download/azuredeploy.json";

export interface ConnectorUiConfig {
  id: string;
  title: string;
  publisher: string;
  descriptionMarkdown: string;
  graphQueries: { metricName: string; legend: string; baseQuery: string }[];
  sampleQueries: { description: string; query: string }[];
  dataTypes: { name: string; lastDataReceivedQuery: string }[];
  connectivityCriterias: { type: "IsConnectedQuery"; value: string[] }[];
  availability: { status: number; isPreview: boolean };
  permissions: Record<string, unknown>;
  instructionSteps: { title: string; description: string }[];
}

const AUDIT = "ExchangeAudit_CL";

/** Every KQL text of a connector page, as Azure-Sentinel's `Validate_DataConnectors_HaveValidKql` reads them. */
export function connectorQueries(ui: ConnectorUiConfig): { field: string; query: string }[] {
  return [
    ...ui.graphQueries.map((g, i) => ({ field: `graphQueries[${i}].baseQuery`, query: g.baseQuery })),
    ...ui.sampleQueries.map((s, i) => ({ field: `sampleQueries[${i}].query`, query: s.query })),
    ...ui.dataTypes.map((d, i) => ({ field: `dataTypes[${i}].lastDataReceivedQuery`, query: d.lastDataReceivedQuery })),
    ...ui.connectivityCriterias.flatMap((c, i) =>
      c.value.map((q, j) => ({ field: `connectivityCriterias[${i}].value[${j}]`, query: q })),
    ),
  ];
}

/** The "Deploy to Azure" link for a template at `templateUrl`. */
export function deployToAzureLink(templateUrl: string): string {
  return `[![Deploy to Azure](https://aka.ms/deploytoazurebutton)](https://portal.azure.com/#create/Microsoft.Template/uri/${encodeURIComponent(templateUrl)})`;
}

export function connectorUiConfig(templateUrl: string = DEFAULT_TEMPLATE_URL): ConnectorUiConfig {
  const tables = TABLES.map((t) => t.tableName);
  return {
    id: CONNECTOR_ID,
    title: CONNECTOR_TITLE,
    publisher: "exo-audit",
    descriptionMarkdown: `The exo-audit collector reads Exchange Online mailbox and admin audit records from the Office 365 Management Activity API, normalizes each into one typed row (session, client IP, logon type, mailbox owner, message ids, cmdlet parameters) and sends them through the Azure Monitor Logs Ingestion API into **${AUDIT}**. Each run also writes a health row to **${HEALTH_TABLE.tableName}** (lag, gaps, dead letters, throttling). The collector runs in your subscription (Azure Functions, Container Apps or any host); this page shows whether its data arrives.`,
    graphQueries: [{ metricName: "Rows received", legend: AUDIT, baseQuery: AUDIT }],
    sampleQueries: [
      {
        description: "Operations per day",
        query: `${AUDIT}\n| summarize Rows = count() by Operation, bin(TimeGenerated, 1d)\n| order by TimeGenerated desc, Rows desc`,
      },
      {
        description: "Sessions that touched a mailbox",
        query: `${AUDIT}\n| where isnotempty(MailboxOwnerUPN)\n| summarize Actions = count(), Operations = make_set(Operation, 20), ClientIPs = make_set(ClientIP, 10) by MailboxOwnerUPN, SessionId, UserId\n| order by Actions desc`,
      },
      {
        description: "Connector runs: lag, gaps, dead letters",
        query: `${HEALTH_TABLE.tableName}\n| summarize Runs = count(), MaxLagSeconds = max(LagSeconds), Gaps = sum(Gaps), DeadLettered = sum(DeadLettered) by Instance, bin(TimeGenerated, 1h)\n| order by TimeGenerated desc`,
      },
    ],
    dataTypes: tables.map((name) => ({
      name,
      lastDataReceivedQuery: `${name}\n| summarize Time = max(TimeGenerated)\n| where isnotempty(Time)`,
    })),
    connectivityCriterias: [
      {
        type: "IsConnectedQuery",
        value: [
          `union isfuzzy=true ${tables.join(", ")}\n| summarize LastLogReceived = max(TimeGenerated)\n| project IsConnected = LastLogReceived > ago(30d)`,
        ],
      },
    ],
    availability: { status: 1, isPreview: false },
    permissions: permissions(),
    instructionSteps: instructionSteps(templateUrl),
  };
}

function permissions(): Record<string, unknown> {
  return {
    resourceProvider: [
      {
        provider: "Microsoft.OperationalInsights/workspaces",
        permissionsDisplayText: "read and write permissions on the workspace are required.",
        providerDisplayName: "Workspace",
        scope: "Workspace",
        requiredPermissions: { write: true, read: true, delete: true },
      },
    ],
    customs: [
      {
        name: "Office 365 Management APIs: ActivityFeed.Read",
        description:
          "An Entra ID app registration with the application permission ActivityFeed.Read (Office 365 Management APIs), admin consent granted, and unified audit logging enabled in Microsoft Purview.",
      },
      {
        name: "Monitoring Metrics Publisher on the data collection rule",
        description:
          "The identity that sends rows (the deployed managed identity or the app registration) needs the Monitoring Metrics Publisher role on the data collection rule; the template assigns it to its managed identity.",
      },
      {
        name: "Deployment rights",
        description:
          "Contributor (or Owner, to create the role assignments) on the resource group that receives the tables, the data collection rule and the hosting resources.",
      },
    ],
  };
}

function instructionSteps(templateUrl: string): { title: string; description: string }[] {
  return [
    {
      title: "1. Register an application for the Management Activity API",
      description:
        "In Microsoft Entra ID > App registrations, register an application. Under **API permissions** add **Office 365 Management APIs > Application permissions > ActivityFeed.Read** and grant admin consent. Upload a certificate (preferred) or create a client secret. Make sure unified audit logging is on in Microsoft Purview.",
    },
    {
      title: "2. Deploy the tables, the data collection rule and the collector",
      description: `Deploy the infrastructure template into the resource group of this workspace. It creates ${TABLES.map((t) => t.tableName).join(" and ")}, the data collection rule, a managed identity with Monitoring Metrics Publisher on the rule, state storage and the hosting you choose.\n\n${deployToAzureLink(templateUrl)}`,
    },
    {
      title: "3. Configure the collector from the deployment outputs",
      description:
        "Copy these outputs of the deployment into the collector's configuration (or environment):\n- **logsIngestionEndpoint** → `ingestion.endpoint` (`EXO_AUDIT_INGESTION_ENDPOINT`)\n- **dataCollectionRuleImmutableId** → `ingestion.dcrImmutableId` (`EXO_AUDIT_DCR_IMMUTABLE_ID`)\n- **identityClientId** → the client id of the identity that sends rows\n- **storageAccountName** → `state.azure` (checkpoints)\n\nThen set the tenant id and the application (client) id of step 1 (`EXO_AUDIT_TENANT_ID`, `EXO_AUDIT_CLIENT_ID`) and its certificate, and run `exo-audit config check`.",
    },
    {
      title: "4. Verify",
      description: `Allow up to 30 minutes for the role assignment to apply. The page shows connected once rows reach ${AUDIT} or the first health row reaches ${HEALTH_TABLE.tableName}; every run writes one, even when there is no new audit data.`,
    },
  ];
}
