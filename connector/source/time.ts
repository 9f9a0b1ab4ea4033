/** Time formatting, window rules and clock-skew tracking for the Management Activity API. */
import { WindowError } from "./errors.ts";

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
/** The API serves content for 7 days after it became available. */
export const RETENTION_MS = 7 * DAY_MS;
/** Longest accepted listing window (AF20030/AF20055 beyond). */
export const MAX_WINDOW_MS = DAY_MS;

/**
 * Formats a time as the API expects: UTC, 24-hour clock, `YYYY-MM-DDTHH:MM:SS`. The Sentinel "O365 Data"
 * function used a 12-hour `hh` and corrupted every afternoon window; `toISOString` is always 24-hour UTC.
 * Milliseconds are dropped (truncated), so a window start never moves later than asked.
 */
export function formatApiTime(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError("invalid date");
  return date.toISOString().slice(0, 19);
}

/**
 * Parses the API's time formats (`YYYY-MM-DD`, `YYYY-MM-DDTHH:MM`, `YYYY-MM-DDTHH:MM:SS[.fff][Z]`), all UTC
 * even without a zone designator. Returns NaN when the text is not one of them.
 */
export function parseApiTime(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?Z?$/.exec(text.trim());
  if (!m) return Number.NaN;
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, "0")) : 0;
  const t = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
    ms,
  );
  return t;
}

/**
 * Checks a listing window against the API rules using `nowMs` (the skew-corrected clock). `formatApiTime`
 * truncates to the second, so the check is made on the truncated values the server will see.
 */
export function validateWindow(start: Date, end: Date, nowMs: number): void {
  const s = Math.floor(start.getTime() / 1000) * 1000;
  const e = Math.floor(end.getTime() / 1000) * 1000;
  const earliest = new Date(nowMs - RETENTION_MS);
  if (!(s < e)) {
    throw new WindowError(
      "START_NOT_BEFORE_END",
      `window start ${formatApiTime(start)} is not before end ${formatApiTime(end)}`,
      earliest,
    );
  }
  if (e - s > MAX_WINDOW_MS) {
    throw new WindowError(
      "LONGER_THAN_24H",
      `window ${formatApiTime(start)}..${formatApiTime(end)} is longer than 24 hours`,
      earliest,
    );
  }
  if (s < earliest.getTime()) {
    throw new WindowError(
      "START_OLDER_THAN_7D",
      `window start ${formatApiTime(start)} is more than 7 days before the server's now (${formatApiTime(new Date(nowMs))}); the earliest listable start is ${formatApiTime(earliest)}`,
      earliest,
    );
  }
}

/**
 * Learns the offset between the server clock and ours from `Date` response headers. `Date` has one-second
 * resolution and the request takes time, so offsets under `thresholdMs` are treated as zero (Elastic's
 * `adjust_clock` uses a similar threshold).
 */
export class ClockSkew {
  private skew = 0;
  private readonly thresholdMs: number;

  constructor(thresholdMs = 5_000) {
    this.thresholdMs = thresholdMs;
  }

  /** Records one observation: the `Date` header and the local send/receive times of that response. */
  observe(dateHeader: string | undefined, sentAtMs: number, receivedAtMs: number): void {
    if (!dateHeader) return;
    const server = Date.parse(dateHeader);
    if (Number.isNaN(server)) return;
    // Date is truncated to the second: its true value lies in [server, server + 1000).
    const measured = server + 500 - (sentAtMs + receivedAtMs) / 2;
    this.skew = Math.abs(measured) > this.thresholdMs ? Math.round(measured) : 0;
  }

  /** Server time minus local time, in ms (0 while unknown or within the threshold). */
  get ms(): number {
    return this.skew;
  }
}
