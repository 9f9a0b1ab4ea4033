import type { Command } from "./types.ts";

/** Placeholder: replaced by the module that implements `exo-audit run`. */
export const runCommand: Command = {
  name: "run",
  summary: "(not available yet)",
  usage: "Usage: exo-audit run",
  async run() {
    process.stderr.write("exo-audit run: not available in this build\n");
    return 1;
  },
};
