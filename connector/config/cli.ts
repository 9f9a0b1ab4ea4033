/** Helpers for commands that read the configuration (`run`, `backfill`, `config`, hosting entry points). */
import { loadConfig } from "./load.ts";
import type { Config, ConfigProblem } from "./types.ts";

/** One line per problem, errors first. */
export function formatProblems(problems: readonly ConfigProblem[]): string {
  const sorted = [...problems].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1));
  return sorted.map((p) => `  ${p.severity === "error" ? "error  " : "warning"} ${p.path}: ${p.message}`).join("\n");
}

/**
 * Loads the configuration for a command. On errors writes every problem to stderr and returns null (the command
 * exits 1); warnings are written and the config returned.
 */
export function loadConfigForCommand(command: string, file: string | undefined): Config | null {
  const loaded = loadConfig(file ? { file } : {});
  if (!loaded.config) {
    const n = loaded.problems.filter((p) => p.severity === "error").length;
    process.stderr.write(
      `exo-audit ${command}: the configuration has ${n} problem${n === 1 ? "" : "s"}${loaded.file ? ` (${loaded.file})` : ""}:\n${formatProblems(loaded.problems)}\n` +
        `Run 'exo-audit config check' to see the effective configuration; settings are described in docs/configuration.md.\n`,
    );
    return null;
  }
  const warnings = loaded.problems.filter((p) => p.severity === "warning");
  if (warnings.length > 0) process.stderr.write(`exo-audit ${command}: warnings:\n${formatProblems(warnings)}\n`);
  return loaded.config;
}
