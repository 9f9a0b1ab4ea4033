import type { Command } from "./types.ts";

/** Placeholder: replaced by the module that implements `exo-audit detect`. */
export const detectCommand: Command = {
  name: "detect",
  summary: "(not available yet)",
  usage: "Usage: exo-audit detect",
  async run() {
    process.stderr.write("exo-audit detect: not available in this build\n");
    return 1;
  },
};
