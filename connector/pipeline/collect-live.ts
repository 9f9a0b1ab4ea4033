/**
 * Live collection's reconciliation sweeps for one unit (the sweep itself: sweep.ts). The sweep clock starts
 * on the first live run that has sweeps; a due sweep runs once the cursor has caught up, reading through
 * collect-read.ts in sweep mode (nothing committed in the cursor's window).
 *
 * | sweep outcome                               | reaction                                                     |
 * |---------------------------------------------|--------------------------------------------------------------|
 * | none due                                    | nothing                                                      |
 * | finished                                    | recovered blobs reported; the sweep committed as done        |
 * | stopped by a reader failure or the signal   | recovered blobs reported; nothing committed (stays due)      |
 * | listing or seen-lookup threw (transient)    | problem line and warn, the unit is not failed; due next poll |
 * | threw after the signal or a failed delivery | rethrown: the unit's own handling applies                    |
 */
import type { CollectUnit } from "./collect-unit.ts";
import { save } from "./collect-commit.ts";
import { readWindow } from "./collect-read.ts";
import { runSweep, type SweepDeps } from "./sweep.ts";
import { blobSeenKey, startSweeps } from "./sweeps.ts";

/**
 * First live run with sweeps: the blobs already done are remembered as seen, and nothing published before
 * the current window is swept (those blobs were collected before sweeps existed and were never remembered).
 */
export async function startSweepClock(u: CollectUnit) {
  const ids = u.cursor!.doneContentIds.map((id) => blobSeenKey(u.options.contentType, id));
  if (ids.length > 0) await u.deps.dedup.remember(ids, u.localNow());
  await u.deps.dedup.flush();
  await save(u, { ...u.cursor!, sweeps: startSweeps(u.live!.sweeps, u.now(), Date.parse(u.cursor!.windowStart)) });
}

export async function sweepIfDue(u: CollectUnit) {
  const sweepDeps: SweepDeps = {
    client: u.deps.client,
    dedup: u.deps.dedup,
    log: u.log,
    now: u.now,
    signal: u.signal,
    collect: (pending, window) => readWindow(u, pending, pending.length, window, "sweep"),
  };
  let outcome: Awaited<ReturnType<typeof runSweep>>;
  try {
    outcome = await runSweep(sweepDeps, u.cursor!, u.options.contentType, u.live!.sweeps, u.policy);
  } catch (err) {
    // The cursor's collection is complete; a sweep that could not list or look up seen blobs (transient API
    // or storage trouble) stays due and runs again at the next poll. A sink failure already failed the unit.
    if (u.signal.aborted || u.result.status === "failed") throw err;
    const e = err as Error;
    u.result.problems.push(`reconciliation sweep not completed, retried next poll: ${e?.message ?? String(err)}`);
    u.log.warn("reconciliation sweep not completed; it runs again at the next poll", { error: err });
    return;
  }
  if (!outcome) return;
  u.result.sweep = outcome.name;
  u.result.recovered = [...(u.result.recovered ?? []), ...outcome.recovered];
  if (outcome.cursor) await save(u, outcome.cursor);
}
