import type { Command } from "./types.ts";

/** Placeholder: replaced by the module that implements `exo-audit config`. */
export const configCommand: Command = {
  name: "config",
  summary: "(not available yet)",
  usage: "Usage: exo-audit config",
  async run() {
    process.stderr.write("exo-audit config: not available in this build\n");
    return 1;
  },
};
