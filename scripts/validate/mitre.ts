/**
 * MITRE ATT&CK consistency as Sentinel's `NoTechniquesWithoutMatchingTactics` checks it: each technique
 * (sub-technique suffix removed) must be in the validator's technique→tactic table, and at least one of
 * its tactics must be listed in `tactics`. The table is data: `scripts/mitre/technique-tactics.json`.
 */
import { readFileSync } from "node:fs";

let table: Map<string, readonly string[]> | undefined;

/** Technique id (base, `T1114`) → tactics accepted for it. */
export function techniqueTactics(): Map<string, readonly string[]> {
  if (!table) {
    const raw = JSON.parse(readFileSync(new URL("../mitre/technique-tactics.json", import.meta.url), "utf8")) as {
      techniques: Record<string, string[]>;
    };
    table = new Map(Object.entries(raw.techniques));
  }
  return table;
}

/** `T1114.003` → `T1114`. */
export const baseTechnique = (technique: string): string => technique.split(".")[0] ?? technique;

export interface MitreProblem {
  /** Index into relevantTechniques. */
  index: number;
  message: string;
}

/** Problems of the technique list against the tactic list (empty when consistent). */
export function checkMitre(tactics: readonly string[] | undefined, techniques: readonly string[] | undefined) {
  const problems: MitreProblem[] = [];
  const listed = new Set(tactics ?? []);
  (techniques ?? []).forEach((technique, index) => {
    if (typeof technique !== "string") return;
    const base = baseTechnique(technique);
    const accepted = techniqueTactics().get(base);
    if (!accepted) {
      problems.push({
        index,
        message: `technique ${technique} is not in the Sentinel validator's technique table (scripts/mitre/technique-tactics.json); Sentinel rejects it`,
      });
      return;
    }
    if (!accepted.some((t) => listed.has(t))) {
      problems.push({
        index,
        message: `technique ${technique} needs one of its tactics in 'tactics': ${accepted.join(", ")}`,
      });
    }
  });
  return problems;
}
