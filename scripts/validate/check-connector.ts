/**
 * The data connector page's KQL (graph, sample, last-data-received and connectivity queries), analysed
 * like every rule query: Azure-Sentinel's `Validate_DataConnectors_HaveValidKql` compiles the same four
 * fields. The page is generated (scripts/build/data-connector.ts); offenders name the file the upstream
 * export writes it to.
 */
import { CONNECTOR_ID, type ConnectorUiConfig, connectorQueries, connectorUiConfig } from "../build/data-connector.ts";
import { type CheckContext, checkQuery, type Doc } from "./context.ts";
import { lazySourceMap } from "./source-map.ts";

export const CONNECTOR_FILE = `Data Connectors/${CONNECTOR_ID}.json`;

export function checkConnector(ctx: CheckContext, ui: ConnectorUiConfig = connectorUiConfig()): void {
  const doc: Doc<ConnectorUiConfig> = {
    file: CONNECTOR_FILE,
    data: ui,
    map: lazySourceMap(JSON.stringify(ui, null, 2)),
  };
  for (const { field, query } of connectorQueries(ui)) {
    const path = field
      .split(/[.[\]]+/)
      .filter(Boolean)
      .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    checkQuery(ctx, doc, path, query);
  }
}
