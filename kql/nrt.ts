/**
 * NRT rules have no queryPeriod; Sentinel runs them every minute. We look back this far (see
 * docs/kql-engine.md). A module of its own so the CLI's help text can say it without loading the KQL engine.
 */
export const NRT_LOOKBACK_MS = 60 * 60 * 1000;
