/**
 * Rule schedule durations as Sentinel's validator reads them (`ScheduledTemplateInternalModel`):
 * first a .NET TimeSpan (`01:00:00`, `1.00:00:00`), else `<int>m|h|d`.
 */

const MINUTE = 60_000;

/** Duration in milliseconds, or null when the text is neither form. */
export function parseDuration(text: string): number | null {
  const s = text.trim();
  // .NET TimeSpan "[d.]hh:mm[:ss[.fffffff]]"
  const ts = /^(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/.exec(s);
  if (ts) {
    const [, d = "0", h = "0", m = "0", sec = "0"] = ts;
    if (Number(h) > 23 || Number(m) > 59 || Number(sec) > 59) return null;
    return ((Number(d) * 24 + Number(h)) * 60 + Number(m)) * MINUTE + Number(sec) * 1000;
  }
  const short = /^(\d+)([mhd])$/.exec(s);
  if (!short) return null;
  const n = Number(short[1]);
  const unit = short[2] === "m" ? 1 : short[2] === "h" ? 60 : 1440;
  return n * unit * MINUTE;
}

/** Sentinel's bounds for queryFrequency and queryPeriod. */
export const MIN_SCHEDULE_MS = 5 * MINUTE;
export const MAX_SCHEDULE_MS = 14 * 1440 * MINUTE;

/**
 * ISO 8601 duration for ARM (`PT5M`, `PT1H`, `P1D`, `P1DT2H`), as the Content Hub packager writes
 * `queryFrequency`/`queryPeriod`. Throws on text `parseDuration` rejects.
 */
export function toIsoDuration(text: string): string {
  const ms = parseDuration(text);
  if (ms === null) throw new Error(`not a duration: ${text}`);
  let rest = Math.round(ms / 1000);
  const days = Math.floor(rest / 86400);
  rest -= days * 86400;
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  const seconds = rest - minutes * 60;
  let time = "";
  if (hours) time += `${hours}H`;
  if (minutes) time += `${minutes}M`;
  if (seconds) time += `${seconds}S`;
  if (!days && !time) return "PT0S";
  return `P${days ? `${days}D` : ""}${time ? `T${time}` : ""}`;
}
