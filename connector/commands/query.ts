import type { Command } from "./types.ts";

/** Placeholder: replaced by the module that implements `exo-audit query`. */
export const queryCommand: Command = {
  name: "query",
  summary: "(not available yet)",
  usage: "Usage: exo-audit query",
  async run() {
    process.stderr.write("exo-audit query: not available in this build\n");
    return 1;
  },
};
