/**
 * Microsoft 365 clouds as data: one `cloud` value selects the Management Activity API root, the token scope
 * for it, the Entra authority host and the Azure Monitor scope (used by the sink with the same credential).
 *
 * Sources: o365-management-api reference ("Activity API operations": root URL per plan) and get-started doc
 * (token resource per plan). Enterprise and GCC use the `manage.office.com` token resource although GCC calls
 * the `manage-gcc.office.com` root. 21Vianet is left out on purpose: its host and whether unified audit data is
 * served there at all are unverified.
 */

/** Cloud names accepted in configuration. */
export type CloudName = "commercial" | "gcc" | "gcchigh" | "dod";

/** Endpoints of one cloud. */
export interface CloudEndpoints {
  /** Origin of the Management Activity API, no trailing slash (`https://manage.office.com`). */
  apiRoot: string;
  /** Scope requested for API tokens (`<resource>/.default`). */
  tokenScope: string;
  /** Entra ID authority host (`https://login.microsoftonline.com`). */
  authorityHost: string;
  /** Scope for Azure Monitor Logs Ingestion in this cloud. */
  monitorScope: string;
}

/** The clouds table. Keep entries sourced; see the module comment. */
export const CLOUDS: Readonly<Record<CloudName, Readonly<CloudEndpoints>>> = Object.freeze({
  commercial: {
    apiRoot: "https://manage.office.com",
    tokenScope: "https://manage.office.com/.default",
    authorityHost: "https://login.microsoftonline.com",
    monitorScope: "https://monitor.azure.com/.default",
  },
  gcc: {
    apiRoot: "https://manage-gcc.office.com",
    tokenScope: "https://manage.office.com/.default",
    authorityHost: "https://login.microsoftonline.com",
    monitorScope: "https://monitor.azure.com/.default",
  },
  gcchigh: {
    apiRoot: "https://manage.office365.us",
    tokenScope: "https://manage.office365.us/.default",
    authorityHost: "https://login.microsoftonline.us",
    monitorScope: "https://monitor.azure.us/.default",
  },
  dod: {
    apiRoot: "https://manage.protection.apps.mil",
    tokenScope: "https://manage.protection.apps.mil/.default",
    authorityHost: "https://login.microsoftonline.us",
    monitorScope: "https://monitor.azure.us/.default",
  },
});

/** Cloud selection plus the overrides the emulators (and unusual deployments) need. */
export interface CloudSelection {
  /** Defaults to `commercial`. */
  cloud?: CloudName | string;
  /** Replaces the API origin (e.g. an emulator at `https://127.0.0.1:port`). */
  apiRoot?: string;
  /** Replaces the authority host. */
  authorityHost?: string;
  /** Replaces the API token scope. */
  tokenScope?: string;
  /** Replaces the monitor scope. */
  monitorScope?: string;
}

/** True for a known cloud name. */
export function isCloudName(value: string): value is CloudName {
  return Object.hasOwn(CLOUDS, value);
}

/**
 * Resolves a cloud selection to endpoints. Throws a clear error on an unknown cloud or on an override that is
 * not an https origin (bearer tokens must never travel over plain http or to a path-bearing URL by mistake).
 */
export function resolveCloud(selection: CloudSelection = {}): CloudEndpoints {
  const name = (selection.cloud ?? "commercial").toLowerCase();
  if (!isCloudName(name)) {
    throw new Error(`unknown cloud "${selection.cloud}": expected one of ${Object.keys(CLOUDS).join(", ")}`);
  }
  const base = CLOUDS[name];
  return {
    apiRoot: selection.apiRoot ? httpsOrigin(selection.apiRoot, "apiRoot") : base.apiRoot,
    tokenScope: selection.tokenScope ?? base.tokenScope,
    authorityHost: selection.authorityHost ? httpsOrigin(selection.authorityHost, "authorityHost") : base.authorityHost,
    monitorScope: selection.monitorScope ?? base.monitorScope,
  };
}

function httpsOrigin(value: string, field: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${field} "${value}" is not a URL`);
  }
  if (url.protocol !== "https:") throw new Error(`${field} must use https (got ${url.protocol})`);
  if (url.pathname !== "/" || url.search || url.hash) {
    throw new Error(`${field} must be an origin such as https://host[:port] without a path`);
  }
  return url.origin;
}
