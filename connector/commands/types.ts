import { type ParseArgsConfig, parseArgs } from "node:util";

/** A subcommand of the `exo-audit` CLI. */
export interface Command {
  name: string;
  /** One line for `exo-audit --help`. */
  summary: string;
  /** Full usage text for `exo-audit <name> --help`. */
  usage: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** Thrown for bad command-line usage; the CLI prints the message and the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** `parseArgs` of node:util whose errors (an unknown option, a missing value) are usage errors. */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** An ISO date/time option (`--now`, `--from`, ...): a usage error naming the flag when it does not parse. */
export function parseDateOption(flag: string, text: string): Date {
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--${flag}: not an ISO date/time: '${text}'`);
  return d;
}
