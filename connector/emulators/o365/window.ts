/**
 * The service's time-window rules for `subscriptions/content` (o365-management-api.md §3.1): UTC formats
 * `YYYY-MM-DD[THH:MM[:SS]]`, both or neither (neither = last 24 h), start < end (AF20055), at most 24 h
 * (AF20030), start not more than 7 days back, with the observed extra hour of tolerance (AF20030).
 */
import { parseApiTime } from "../../source/time.ts";

const HOUR = 3_600_000;

export type WindowCheck = { ok: true; start: number; end: number } | { ok: false; code: string; message: string };

export function checkWindow(startText: string | null, endText: string | null, now: number): WindowCheck {
  if (startText === null && endText === null) return { ok: true, start: now - 24 * HOUR, end: now };
  if (startText === null || endText === null) {
    return { ok: false, code: "AF20030", message: "Start time and end time must both be specified (or both omitted)." };
  }
  const start = parseApiTime(startText);
  const end = parseApiTime(endText);
  if (Number.isNaN(start) || Number.isNaN(end)) {
    return {
      ok: false,
      code: "AF20030",
      message: "Start time and end time must be valid UTC times (YYYY-MM-DDTHH:MM:SS).",
    };
  }
  if (start >= end) return { ok: false, code: "AF20055", message: "Start time must be earlier than end time." };
  if (end - start > 24 * HOUR) {
    return {
      ok: false,
      code: "AF20030",
      message: "Start time and end time must be less than or equal to 24 hours apart.",
    };
  }
  if (start < now - 7 * 24 * HOUR - HOUR) {
    return { ok: false, code: "AF20030", message: "Start time must be no more than 7 days in the past." };
  }
  return { ok: true, start, end };
}
