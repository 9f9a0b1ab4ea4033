import type { Command } from "./types.ts";

/** Placeholder: replaced by the module that implements `exo-audit dataset`. */
export const datasetCommand: Command = {
  name: "dataset",
  summary: "(not available yet)",
  usage: "Usage: exo-audit dataset",
  async run() {
    process.stderr.write("exo-audit dataset: not available in this build\n");
    return 1;
  },
};
