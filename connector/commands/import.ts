import type { Command } from "./types.ts";

/** Placeholder: replaced by the module that implements `exo-audit import`. */
export const importCommand: Command = {
  name: "import",
  summary: "(not available yet)",
  usage: "Usage: exo-audit import",
  async run() {
    process.stderr.write("exo-audit import: not available in this build\n");
    return 1;
  },
};
