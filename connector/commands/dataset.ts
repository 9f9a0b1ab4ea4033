import { createWriteStream } from "node:fs";
import { once } from "node:events";
import {
  BEHAVIOURS,
  type BehaviourSwitches,
  OFF_BY_DEFAULT,
  DATASET_DEFAULTS,
  defaultDatasetEnd,
  generateDataset,
} from "../dataset/index.ts";
import { type Command, UsageError, parseCommandArgs } from "./types.ts";

const usage = `Usage: exo-audit dataset --out FILE [--mailboxes N] [--days D] [--seed S] [--end ISO] [--without B,...] [--no-attacks]

Writes the raw Exchange audit records (JSONL of AuditData, one record per line, in event time order) that the
demo tenant serves for the same arguments. Deterministic: the same arguments give the same file.

Options:
  --out FILE       where to write (use - for stdout)
  --mailboxes N    mailboxes in the organisation (default ${DATASET_DEFAULTS.mailboxes}, at least 10)
  --days D         days of activity ending at --end (default ${DATASET_DEFAULTS.days})
  --seed S         seed of the generator (default ${DATASET_DEFAULTS.seed})
  --end ISO        end of the dataset (default: two hours before the current hour, so the
                   emulated API has published every record)
  --without B,...  switch off realistic benign behaviours (docs/dataset.md), among:
                   ${BEHAVIOURS.join(", ")}
  --with B,...     switch on behaviours that are off by default (${[...OFF_BY_DEFAULT].join(", ")}: records of
                   the Audit.General feed)
  --no-attacks     leave out the attack stories (a benign-only tenant)`;

/** Parses the dataset-shaping options shared by `dataset` and `demo`. */
export function parseDatasetOptions(values: Record<string, string | boolean | undefined>) {
  const int = (name: string, fallback: number) => {
    const v = values[name];
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(`--${name} must be a positive integer (got '${String(v)}')`);
    return n;
  };
  let end: Date | undefined;
  if (typeof values.end === "string") {
    end = new Date(values.end);
    if (Number.isNaN(end.getTime())) throw new UsageError(`--end is not a valid ISO date: '${values.end}'`);
  }
  const mailboxes = int("mailboxes", DATASET_DEFAULTS.mailboxes);
  if (mailboxes < 10) throw new UsageError("--mailboxes must be at least 10 (the attack stories need them)");
  const behaviours: BehaviourSwitches = {};
  for (const [flag, on] of [
    ["with", true],
    ["without", false],
  ] as const) {
    for (const name of typeof values[flag] === "string" ? String(values[flag]).split(",") : []) {
      if (!(BEHAVIOURS as string[]).includes(name.trim()))
        throw new UsageError(`--${flag}: unknown behaviour '${name}'`);
      behaviours[name.trim() as keyof BehaviourSwitches] = on;
    }
  }
  return {
    mailboxes,
    days: int("days", DATASET_DEFAULTS.days),
    seed: int("seed", DATASET_DEFAULTS.seed),
    end,
    behaviours,
    attacks: values["no-attacks"] !== true,
  };
}

export const datasetCommand: Command = {
  name: "dataset",
  summary: "write the demo tenant's raw audit records (JSONL) for the given size and seed",
  usage,
  async run(argv) {
    const { values } = parseCommandArgs({
      args: argv,
      options: {
        out: { type: "string" },
        mailboxes: { type: "string" },
        days: { type: "string" },
        seed: { type: "string" },
        end: { type: "string" },
        with: { type: "string" },
        without: { type: "string" },
        "no-attacks": { type: "boolean" },
      },
      strict: true,
    }).valueOf() as { values: Record<string, string | boolean | undefined> };
    if (!values.out) throw new UsageError("--out is required");
    const opts = parseDatasetOptions(values);
    const dataset = generateDataset({ ...opts, end: opts.end ?? defaultDatasetEnd() });
    const out = values.out === "-" ? process.stdout : createWriteStream(String(values.out));
    let count = 0;
    for (const record of dataset.records()) {
      if (!out.write(`${JSON.stringify(record)}\n`)) await once(out, "drain");
      count++;
    }
    if (out !== process.stdout) {
      out.end();
      await once(out, "finish");
    }
    process.stderr.write(
      `wrote ${count} records (${opts.mailboxes} mailboxes, ${dataset.start.toISOString()} .. ${dataset.end.toISOString()}, seed ${opts.seed})\n`,
    );
    return 0;
  },
};
