/**
 * Default publication lateness of the O365 emulator: how long after its `contentCreated` a blob first shows up
 * in listings (`visibleAt - created`). The connector's defaults must hold under it, so it is modelled on what
 * is documented and reported rather than on a constant the connector happens to outlast.
 *
 * Sources (o365-management-api.md §5): Microsoft's Management Activity API reference says content
 * availability has no SLA, "most notifications are sent within one hour", Exchange "typically 60 to 90
 * minutes", completeness is prioritised over latency; Microsoft Purview's audit search page gives up to 24 h
 * for some services; field reports range from about 15 min (office365itpros, Exchange) to 30 min - 24 h and more
 * (AlienVault USM Anywhere, Office 365 event latency). The event-to-`contentCreated` latency (60-90 min) is
 * modelled separately by the publisher; this table is the extra delay of a blob behind its own timestamp.
 *
 * | Share  | Lateness            | Shape        | Why                                              |
 * |--------|---------------------|--------------|--------------------------------------------------|
 * | 90 %   | 0                   | -            | listable as soon as created                      |
 * | 7 %    | 0 - 5 min           | uniform      | most of the rest within minutes                  |
 * | 2.4 %  | 5 min - 2 h         | log-uniform  | the "within one hour" / 60-90 min tail           |
 * | 0.5 %  | 2 h - 12 h          | log-uniform  | a tail of hours (field reports)                  |
 * | 0.1 %  | 12 h - 36 h         | log-uniform  | rare stragglers beyond 12 h ("24 h and more")    |
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** One band of a lateness distribution: `share` of the blobs get a lateness in `[minMs, maxMs)`. */
export interface LatenessBand {
  share: number;
  minMs: number;
  maxMs: number;
  shape: "uniform" | "log-uniform";
}

/** The emulator's default distribution (see the table above). */
export const DEFAULT_LATENESS: readonly LatenessBand[] = [
  { share: 0.9, minMs: 0, maxMs: 0, shape: "uniform" },
  { share: 0.07, minMs: 0, maxMs: 5 * MINUTE, shape: "uniform" },
  { share: 0.024, minMs: 5 * MINUTE, maxMs: 2 * HOUR, shape: "log-uniform" },
  { share: 0.005, minMs: 2 * HOUR, maxMs: 12 * HOUR, shape: "log-uniform" },
  { share: 0.001, minMs: 12 * HOUR, maxMs: 36 * HOUR, shape: "log-uniform" },
];

/** Draws one lateness (ms, whole seconds) from `bands`; shares are normalised, two draws per blob. */
export function sampleLateness(bands: readonly LatenessBand[], rand: () => number): number {
  const total = bands.reduce((n, b) => n + b.share, 0);
  let pick = rand() * total;
  const u = rand();
  for (const band of bands) {
    pick -= band.share;
    if (pick < 0 || band === bands[bands.length - 1]) return Math.floor(draw(band, u) / 1000) * 1000;
  }
  return 0;
}

function draw(band: LatenessBand, u: number): number {
  if (band.shape === "uniform" || band.minMs <= 0) return band.minMs + u * (band.maxMs - band.minMs);
  return band.minMs * (band.maxMs / band.minMs) ** u;
}
