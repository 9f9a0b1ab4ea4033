/**
 * The other half of the alert budget: a pack that raised no false alert must still catch attacks. The same
 * tenant as the budget (size, seed, behaviours, warm-up) is generated again with the dataset's attack stories
 * planted in its last hours (connector/dataset/attacks.ts), and the rules each story names are backtested over the
 * last day. A story is caught when every one of its rules alerts in a run after the story began.
 *
 * | Figure            | Definition                                                            |
 * | ----------------- | --------------------------------------------------------------------- |
 * | stories caught    | stories whose rules all alerted / stories                             |
 * | rules fired       | (story, rule) pairs that alerted / pairs                              |
 * | missed            | the story and rule of every pair that did not alert                   |
 */
import { STORIES } from "../../connector/dataset/index.ts";
import { loadAnalyticsRules } from "../../kql/content/load.ts";
import { runBacktest } from "../../kql/backtest.ts";
import { tenantRows } from "./bench-tenant.ts";

const HOUR = 3_600_000;

export interface Recall {
  stories: number;
  caught: number;
  pairs: number;
  fired: number;
  /** "story: rule" of every pair that did not alert. */
  missed: string[];
  ms: number;
}

export function measureRecall(mailboxes: number, warmUp: number, end: Date): Recall {
  const t0 = performance.now();
  const rows = tenantRows(mailboxes, warmUp + 1, end, true);
  const wanted = new Set(STORIES.flatMap((s) => s.rules));
  const files = loadAnalyticsRules().files.filter((f) => wanted.has(fileName(f.file)));
  const nameOf = new Map(files.map((f) => [f.data.name, fileName(f.file)]));
  // stories are planted between end - 6 h and end - 1 h
  const storyStart = end.getTime() - 6 * HOUR;
  const alerts = runBacktest({
    tables: { ExchangeAudit_CL: rows },
    from: new Date(end.getTime() - 24 * HOUR),
    to: end,
    rules: files.map((f) => f.data),
  });
  const fired = new Set(alerts.filter((a) => Date.parse(a.runAt) > storyStart).map((a) => nameOf.get(a.rule)));
  const missed = STORIES.flatMap((s) => s.rules.filter((r) => !fired.has(r)).map((r) => `${s.name}: ${r}`));
  return {
    stories: STORIES.length,
    caught: STORIES.filter((s) => s.rules.every((r) => fired.has(r))).length,
    pairs: STORIES.reduce((n, s) => n + s.rules.length, 0),
    fired: STORIES.reduce((n, s) => n + s.rules.filter((r) => fired.has(r)).length, 0),
    missed,
    ms: performance.now() - t0,
  };
}

const fileName = (path: string) => path.replace(/^.*\//, "").replace(/\.ya?ml$/, "");
