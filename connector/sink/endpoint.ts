/**
 * Construction-time checks of the ingestion target, so a wrong value fails with a sentence naming the
 * setting instead of an opaque 400/404 at the first upload.
 */

/** Logs Ingestion host suffixes of the public, US Government and China clouds. */
const INGESTION_SUFFIXES = [".ingest.monitor.azure.com", ".ingest.monitor.azure.us", ".ingest.monitor.azure.cn"];

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "[::1]" || host === "::1" || /^127\./.test(host);
}

/**
 * Validates a DCE `logsIngestion.endpoint` or a Direct DCR's `endpoints.logsIngestion` URL and returns it
 * without trailing slash. Loopback hosts are accepted for the local workspace emulator.
 */
export function validateIngestionEndpoint(endpoint: string, allowCustomHost = false): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`Logs Ingestion endpoint is not a URL: '${endpoint}'`);
  }
  if (url.protocol !== "https:") {
    throw new Error(`Logs Ingestion endpoint must use https (the SDK refuses bearer tokens over http): '${endpoint}'`);
  }
  const host = url.hostname.toLowerCase();
  if (url.username || url.password) {
    throw new Error("Logs Ingestion endpoint must not carry a user name or password");
  }
  if (!isLoopback(host) && !allowCustomHost) {
    if (host.includes(".metrics.ingest.")) {
      throw new Error(
        `'${endpoint}' is the DCE's metrics ingestion endpoint; use its logs ingestion endpoint ` +
          `(properties.logsIngestion.endpoint, host '…-1.ingest.monitor.azure.com') instead`,
      );
    }
    // On a dot boundary: `x.ingest.monitor.azure.com.evil.example` must not pass (a substring test let it).
    if (!INGESTION_SUFFIXES.some((sfx) => host.endsWith(sfx))) {
      throw new Error(
        `'${endpoint}' does not look like a Logs Ingestion endpoint (expected a host like ` +
          `'<name>.<region>-1.ingest.monitor.azure.com' from the DCE or the Direct DCR's endpoints.logsIngestion)`,
      );
    }
  }
  if (url.search || url.hash)
    throw new Error(`Logs Ingestion endpoint must not carry a query or fragment: '${endpoint}'`);
  return url.toString().replace(/\/+$/, "");
}

/** Validates a DCR immutable id (`dcr-` + 32 hex digits, as shown on the DCR's JSON view). */
export function validateDcrImmutableId(id: string): string {
  if (!/^dcr-[0-9a-f]{32}$/i.test(id)) {
    throw new Error(
      `DCR immutable id must look like 'dcr-' followed by 32 hex digits (properties.immutableId of the DCR, ` +
        `not its name or resource id): '${id}'`,
    );
  }
  return id;
}

/** Validates a DCR input stream name (custom streams must start with `Custom-`). */
export function validateStreamName(name: string): string {
  if (!/^Custom-[A-Za-z0-9_-]+$/.test(name)) {
    throw new Error(
      `DCR stream name must start with 'Custom-' and contain only letters, digits, '_' and '-': '${name}'`,
    );
  }
  return name;
}
