/**
 * Deterministic generator of an organisation's Exchange audit records over several days: everyday activity
 * (`background.ts`), the realistic benign behaviours that trouble detections (`behaviours.ts`, each with a
 * switch) and the attack stories in `attacks.ts`. The same options always give the same records (ids
 * included), so tests, `npm start` and benchmarks can rely on it; it scales with `mailboxes` and `days`
 * and yields day by day, so memory stays bounded by one day of records.
 */
import { attackRecords, STORIES } from "./attacks.ts";
import { delegateDay, personDay, systemAndAdminDay } from "./background.ts";
import { type BehaviourSwitches, benignDay, checkBehaviours } from "./behaviours.ts";
import { buildOrganisation, type Organisation } from "./org.ts";
import type { AuditRecord } from "./records.ts";

export type { AuditRecord } from "./records.ts";
export { ATTACKER_IPS, ROGUE_APP_ID, STORIES } from "./attacks.ts";
export {
  ALL_BEHAVIOURS_ON,
  BEHAVIOURS,
  type BehaviourName,
  type BehaviourSwitches,
  OFF_BY_DEFAULT,
} from "./behaviours.ts";

const DAY = 86_400_000;

export interface DatasetOptions {
  /** Number of mailboxes (people) in the organisation; attack stories need at least 10. Default 25. */
  mailboxes?: number;
  /** Number of days of activity, ending at `end`. Default 3. */
  days?: number;
  /** Seed of the pseudo-random generator. Default 1. */
  seed?: number;
  /** End of the dataset (exclusive). Default: `defaultDatasetEnd()`. */
  end?: Date;
  /** Include the attack stories (default true). */
  attacks?: boolean;
  /** Realistic benign behaviours (behaviours.ts): on unless switched off here (OFF_BY_DEFAULT: off unless on). */
  behaviours?: BehaviourSwitches;
}

export interface Dataset {
  organisation: Organisation;
  start: Date;
  end: Date;
  /** Records in CreationTime order, generated lazily one day at a time. */
  records(): Generator<AuditRecord>;
  stories: typeof STORIES;
}

export const DATASET_DEFAULTS = { mailboxes: 25, days: 3, seed: 1 } as const;

/**
 * Default end of the dataset: two hours before the current hour, so that every record has been published
 * by the (emulated) Management Activity API, which publishes Exchange content 60-90 minutes late.
 */
export function defaultDatasetEnd(now = Date.now()): Date {
  return new Date(Math.floor(now / 3_600_000) * 3_600_000 - 2 * 3_600_000);
}

export function generateDataset(options: DatasetOptions = {}): Dataset {
  const mailboxes = options.mailboxes ?? DATASET_DEFAULTS.mailboxes;
  const days = options.days ?? DATASET_DEFAULTS.days;
  const seed = options.seed ?? DATASET_DEFAULTS.seed;
  if (!Number.isInteger(mailboxes) || mailboxes < 10) throw new RangeError("mailboxes must be an integer >= 10");
  if (!Number.isInteger(days) || days < 1) throw new RangeError("days must be an integer >= 1");
  const end = (options.end ?? defaultDatasetEnd()).getTime();
  const start = end - days * DAY;
  const organisation = buildOrganisation(seed, mailboxes);
  const withAttacks = options.attacks ?? true;
  checkBehaviours(options.behaviours);

  function* records(): Generator<AuditRecord> {
    for (let day = 0; day < days; day++) {
      const dayStart = start + day * DAY;
      const batch: AuditRecord[] = [];
      for (const person of organisation.people) batch.push(...personDay(seed, organisation, person, day, dayStart));
      batch.push(...delegateDay(seed, organisation, day, dayStart));
      batch.push(...systemAndAdminDay(seed, organisation, day, dayStart));
      for (const r of benignDay({ seed, org: organisation, day, dayStart }, options.behaviours)) batch.push(r);
      if (withAttacks && day === days - 1) batch.push(...attackRecords(seed, organisation, end));
      const inRange = batch.filter((r) => {
        const t = Date.parse(`${r.CreationTime}Z`);
        return t >= start && t < end;
      });
      inRange.sort((a, b) => (a.CreationTime < b.CreationTime ? -1 : a.CreationTime > b.CreationTime ? 1 : 0));
      yield* inRange;
    }
  }

  return { organisation, start: new Date(start), end: new Date(end), records, stories: STORIES };
}
