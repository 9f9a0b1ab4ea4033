import type { Command } from "./types.ts";

/** Placeholder: replaced by the module that implements `exo-audit normalize`. */
export const normalizeCommand: Command = {
  name: "normalize",
  summary: "(not available yet)",
  usage: "Usage: exo-audit normalize",
  async run() {
    process.stderr.write("exo-audit normalize: not available in this build\n");
    return 1;
  },
};
