/**
 * Deterministic publisher of the O365 emulator: turns audit records into content blobs the way the service
 * behaves (o365-management-api.md §0, §5): a blob appears 60-90 min after its events, records inside a blob
 * are unordered, some records are delivered again in a later blob with their keys reordered, and blobs are
 * published late (their `contentCreated` falls in a window a collector has already listed): by default
 * following the documented distribution of lateness.ts, or a fixed delay for a fraction of blobs when a test
 * sets `lateFraction` / `lateDelayMs`.
 */
import { seededRandom } from "../../util/random.ts";
import { DEFAULT_LATENESS, type LatenessBand, sampleLateness } from "./lateness.ts";

export { seededRandom };

/** A content blob held by the emulator. */
export interface EmulatedBlob {
  contentType: string;
  contentId: string;
  /** contentCreated, ms since epoch. */
  created: number;
  /** When listings start to show the blob (= created, or later for a late-published blob). */
  visibleAt: number;
  /** created + 7 days. */
  expiration: number;
  records: unknown[];
}

export interface PublisherOptions {
  /** PRNG seed; the same seed and records give the same blobs. Default 1. */
  seed?: number;
  /** Publication latency range after the event time. Default 60-90 minutes. */
  latencyMinMs?: number;
  latencyMaxMs?: number;
  /** Records per blob. Default 50. */
  recordsPerBlob?: number;
  /** Fraction of records delivered a second time in a later blob (same Id, keys reordered). Default 0.02. */
  duplicateFraction?: number;
  /**
   * Fixed lateness instead of the distribution: this fraction of blobs becomes visible only `lateDelayMs`
   * after its contentCreated, the others at once. Setting either switches to this mode (defaults 0.02, 3 h).
   */
  lateFraction?: number;
  /** Late-publication delay of the fixed mode. */
  lateDelayMs?: number;
  /** Lateness distribution when neither `lateFraction` nor `lateDelayMs` is set. Default DEFAULT_LATENESS. */
  lateness?: readonly LatenessBand[];
  /** Maps a record to its content type. Default: by `Workload`, Exchange → Audit.Exchange. */
  contentTypeOf?: (record: Record<string, unknown>) => string;
  /** Time used for records without a parsable CreationTime. */
  fallbackTimeMs?: number;
  /** First sequence number of the generated content ids (keeps ids unique when publishing again). */
  idOffset?: number;
}

const MINUTE = 60_000;
const RETENTION_MS = 7 * 24 * 60 * MINUTE;

/** Default content type by workload, as the service splits feeds. */
export function defaultContentTypeOf(record: Record<string, unknown>): string {
  switch (String(record.Workload ?? "Exchange")) {
    case "Exchange":
      return "Audit.Exchange";
    case "AzureActiveDirectory":
      return "Audit.AzureActiveDirectory";
    case "SharePoint":
    case "OneDrive":
      return "Audit.SharePoint";
    default:
      return "Audit.General";
  }
}

/** Event time of a record in ms (CreationTime has no zone and is UTC). */
export function eventTimeOf(record: Record<string, unknown>, fallback: number): number {
  const raw = record.CreationTime;
  if (typeof raw !== "string") return fallback;
  const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(raw) ? raw : `${raw}Z`);
  return Number.isNaN(t) ? fallback : t;
}

/** Same record with its keys in reverse order (what a duplicate delivery looks like, ddbnl#75). */
export function reorderKeys(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).reverse());
}

/** Builds blobs from records, sorted by `created`. */
export function publishBlobs(records: readonly unknown[], options: PublisherOptions = {}): EmulatedBlob[] {
  const rand = seededRandom(options.seed ?? 1);
  const latMin = options.latencyMinMs ?? 60 * MINUTE;
  const latMax = Math.max(latMin, options.latencyMaxMs ?? 90 * MINUTE);
  const perBlob = Math.max(1, options.recordsPerBlob ?? 50);
  const dupFraction = options.duplicateFraction ?? 0.02;
  const fixed = options.lateFraction !== undefined || options.lateDelayMs !== undefined;
  const lateFraction = options.lateFraction ?? 0.02;
  const lateDelay = options.lateDelayMs ?? 180 * MINUTE;
  const bands = options.lateness ?? DEFAULT_LATENESS;
  // The distribution draws from its own stream, so a seed gives the same blobs, records and duplicates
  // (and, in the fixed mode, the same late blobs as before the distribution existed).
  const lateRand = seededRandom((options.seed ?? 1) * 7919 + 17);
  const lateOf = (draw: number) => (fixed ? (draw < lateFraction ? lateDelay : 0) : sampleLateness(bands, lateRand));
  const typeOf = options.contentTypeOf ?? defaultContentTypeOf;
  const fallback = options.fallbackTimeMs ?? Date.now();
  let seq = options.idOffset ?? 0;

  const byType = new Map<string, Array<{ record: Record<string, unknown>; publishAt: number }>>();
  for (const r of records) {
    const record = r as Record<string, unknown>;
    const publishAt = eventTimeOf(record, fallback) + latMin + Math.floor(rand() * (latMax - latMin));
    const type = typeOf(record);
    const list = byType.get(type) ?? [];
    if (list.length === 0) byType.set(type, list);
    list.push({ record, publishAt });
  }

  const blobs: EmulatedBlob[] = [];
  for (const [contentType, list] of [...byType.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    list.sort((a, b) => a.publishAt - b.publishAt);
    const typed: EmulatedBlob[] = [];
    for (let i = 0; i < list.length; i += perBlob) {
      const chunk = list.slice(i, i + perBlob);
      const created = chunk[chunk.length - 1]?.publishAt ?? fallback;
      const recordsInBlob = shuffle(
        chunk.map((c) => c.record),
        rand,
      );
      typed.push({
        contentType,
        contentId: contentIdFor(created, contentType, ++seq),
        created,
        visibleAt: created + lateOf(rand()),
        expiration: created + RETENTION_MS,
        records: recordsInBlob,
      });
    }
    // Duplicates go into one of the next few blobs, keys reordered, so a hash-based dedup would miss them.
    const originals = typed.map((b) => b.records.length);
    for (let b = 0; b < typed.length - 1; b++) {
      const blob = typed[b] as EmulatedBlob;
      for (const record of blob.records.slice(0, originals[b])) {
        if (rand() >= dupFraction) continue;
        const target = typed[Math.min(typed.length - 1, b + 1 + Math.floor(rand() * 3))] as EmulatedBlob;
        target.records.push(reorderKeys(record as Record<string, unknown>));
      }
    }
    blobs.push(...typed);
  }
  return blobs.sort((a, b) => a.created - b.created || a.contentId.localeCompare(b.contentId));
}

function shuffle<T>(items: T[], rand: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** An opaque id shaped like the service's (`<ts><seq>$<ts><seq>$audit_exchange$Audit_Exchange$emu0001`). */
function contentIdFor(created: number, contentType: string, n: number): string {
  const stamp = new Date(created).toISOString().replace(/\D/g, "").slice(0, 17);
  const seq = String(n).padStart(6, "0");
  const lower = contentType.toLowerCase().replace(".", "_");
  return `${stamp}${seq}$${stamp}${seq}$${lower}$${contentType.replace(".", "_")}$emu0001`;
}
