import type { Command } from "./types.ts";

/** Placeholder: replaced by the module that implements `exo-audit backfill`. */
export const backfillCommand: Command = {
  name: "backfill",
  summary: "(not available yet)",
  usage: "Usage: exo-audit backfill",
  async run() {
    process.stderr.write("exo-audit backfill: not available in this build\n");
    return 1;
  },
};
