/**
 * Hosts pinned by cloud: a client secret or certificate assertion goes to `authorityHost`, bearer tokens go to
 * `apiRoot` and the ingestion endpoint, so each must belong to the configured cloud's documented domains.
 * Anything else (an emulator on 127.0.0.1, a test proxy) needs `allowCustomHosts: true`, which is for testing only.
 * Suffixes match on a dot boundary: `x.ingest.monitor.azure.com.evil.example` and `evilingest.monitor.azure.com`
 * are refused. Sources: the o365-management-api and logs-ingestion-and-deployment references (hosts per cloud).
 *
 * | setting                        | commercial / gcc                           | gcchigh / dod (usgov)                | china                       |
 * |--------------------------------|--------------------------------------------|--------------------------------------|-----------------------------|
 * | tenants[].authorityHost        | login.microsoftonline.com, login.windows.net | login.microsoftonline.us           |                             |
 * | tenants[].apiRoot              | manage.office.com / manage-gcc.office.com  | manage.office365.us / manage.protection.apps.mil |                 |
 * | ingestion.endpoint             | *.ingest.monitor.azure.com                 | *.ingest.monitor.azure.us            | *.ingest.monitor.azure.cn   |
 * | ingestion.authorityHost        | login.microsoftonline.com, login.windows.net | login.microsoftonline.us           | login.chinacloudapi.cn, login.partner.microsoftonline.cn |
 *
 * Every URL setting must also be https and carry no user:password; `apiRoot` and `authorityHost` are origins
 * (no path), exactly what `run` requires of them.
 */

const TENANT_AUTHORITIES: Record<string, readonly string[]> = {
  commercial: ["login.microsoftonline.com", "login.windows.net"],
  gcc: ["login.microsoftonline.com", "login.windows.net"],
  gcchigh: ["login.microsoftonline.us"],
  dod: ["login.microsoftonline.us"],
};

const API_HOSTS: Record<string, readonly string[]> = {
  commercial: ["manage.office.com"],
  gcc: ["manage-gcc.office.com"],
  gcchigh: ["manage.office365.us"],
  dod: ["manage.protection.apps.mil"],
};

const INGESTION_SUFFIXES: Record<string, string> = {
  public: "ingest.monitor.azure.com",
  usgov: "ingest.monitor.azure.us",
  china: "ingest.monitor.azure.cn",
};

const INGESTION_AUTHORITIES: Record<string, readonly string[]> = {
  public: ["login.microsoftonline.com", "login.windows.net"],
  usgov: ["login.microsoftonline.us"],
  china: ["login.chinacloudapi.cn", "login.partner.microsoftonline.cn"],
};

/** True when `host` is `suffix` itself or ends with `.` + `suffix` (never a substring match). */
export function onDotBoundary(host: string, suffix: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  const s = suffix.toLowerCase();
  return h === s || h.endsWith(`.${s}`);
}

/** Problems with a URL setting's shape: not a URL, not https, user:password, a path where an origin is due. */
export function urlShapeProblem(value: string, opts: { origin: boolean }): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "is not a URL";
  }
  if (url.protocol !== "https:") return "must be an https URL";
  if (url.username || url.password) return "must not carry a user name or password (credentials belong in auth)";
  if (opts.origin && (url.pathname !== "/" || url.search || url.hash)) {
    return "must be an origin such as https://host[:port], without a path";
  }
  return undefined;
}

export type PinnedSetting = "authorityHost" | "apiRoot" | "ingestion.endpoint" | "ingestion.authorityHost";

/**
 * Why `value` is not an allowed host for `setting` in `cloud` (a tenant's cloud for the first two, the
 * ingestion cloud for the others), or undefined when it is.
 */
export function pinnedHostProblem(setting: PinnedSetting, value: string, cloud: string): string | undefined {
  let host: string;
  try {
    host = new URL(value).hostname.toLowerCase();
  } catch {
    return undefined; // reported by urlShapeProblem
  }
  const exact = (list: readonly string[] | undefined, what: string) =>
    list?.some((h) => h === host) ? undefined : `${what} (${(list ?? []).join(", ")})${CUSTOM}`;
  switch (setting) {
    case "authorityHost":
      return exact(TENANT_AUTHORITIES[cloud], `is not the Entra ID authority of the ${cloud} cloud`);
    case "apiRoot":
      return exact(API_HOSTS[cloud], `is not the Management Activity API host of the ${cloud} cloud`);
    case "ingestion.authorityHost":
      return exact(INGESTION_AUTHORITIES[cloud], `is not the Entra ID authority of the ${cloud} Azure cloud`);
    case "ingestion.endpoint": {
      const suffix = INGESTION_SUFFIXES[cloud] ?? INGESTION_SUFFIXES.public!;
      if (onDotBoundary(host, suffix)) return undefined;
      return `is not a Logs Ingestion host of the ${cloud} Azure cloud (*.${suffix})${CUSTOM}`;
    }
  }
}

const CUSTOM = "; set allowCustomHosts: true only to test against emulators";
