import { backfillCommand } from "./backfill.ts";
import { configCommand } from "./config.ts";
import { datasetCommand } from "./dataset.ts";
import { demoCommand } from "./demo.ts";
import { detectCommand } from "./detect.ts";
import { importCommand } from "./import.ts";
import { investigateCommand } from "./investigate.ts";
import { normalizeCommand } from "./normalize.ts";
import { queryCommand } from "./query.ts";
import { runCommand } from "./run.ts";
import type { Command } from "./types.ts";
import { workbookCommand } from "./workbook.ts";

/** Every subcommand, in the order `exo-audit --help` lists them. */
export const COMMANDS: readonly Command[] = [
  demoCommand,
  runCommand,
  backfillCommand,
  importCommand,
  normalizeCommand,
  datasetCommand,
  queryCommand,
  detectCommand,
  investigateCommand,
  workbookCommand,
  configCommand,
];
