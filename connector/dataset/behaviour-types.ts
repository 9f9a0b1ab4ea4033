/** The day a behaviour generates: records must lie in [dayStart, dayStart + 24 h). */
import type { Organisation } from "./org.ts";

export interface DayContext {
  seed: number;
  org: Organisation;
  /** Index of the day in the dataset (0 = first). */
  day: number;
  /** Start of the day slice (ms since the epoch). */
  dayStart: number;
}
