import type { Command } from "./types.ts";

/** Placeholder: replaced by the module that implements `exo-audit demo`. */
export const demoCommand: Command = {
  name: "demo",
  summary: "(not available yet)",
  usage: "Usage: exo-audit demo",
  async run() {
    process.stderr.write("exo-audit demo: not available in this build\n");
    return 1;
  },
};
