import { stringify } from "yaml";
import { formatProblems } from "../config/cli.ts";
import { CONFIG_SCHEMA, ENV_BINDINGS, loadConfig, pathText, redactConfig } from "../config/index.ts";
import { type Command, UsageError, parseCommandArgs } from "./types.ts";

const usage = `Usage: exo-audit config check [--config FILE] [--json]
       exo-audit config schema
       exo-audit config env

Subcommands:
  check    validate the configuration (file + EXO_AUDIT_* environment variables), print the effective
           configuration with secrets redacted and list EVERY problem; exit code 1 when there are errors
  schema   print the JSON Schema of the configuration file (for editors and CI)
  env      list the environment variables and the setting each one overrides

Options:
  --config FILE   configuration file (default: $EXO_AUDIT_CONFIG, then ./exo-audit.yaml)
  --json          print the result of 'check' as JSON

Settings are documented in docs/configuration.md.`;

export const configCommand: Command = {
  name: "config",
  summary: "check the configuration (every problem at once), print its schema or the environment variables",
  usage,
  async run(argv) {
    const parsed = parseCommandArgs({
      args: argv,
      options: { config: { type: "string" }, json: { type: "boolean" } },
      allowPositionals: true,
      strict: true,
    });
    const [sub, ...extra] = parsed.positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    if (sub === "schema") {
      process.stdout.write(`${JSON.stringify(CONFIG_SCHEMA, null, 2)}\n`);
      return 0;
    }
    if (sub === "env") {
      const width = Math.max(...ENV_BINDINGS.map((b) => b.name.length));
      for (const b of ENV_BINDINGS) process.stdout.write(`${b.name.padEnd(width)}  ${pathText(b.path)}\n`);
      return 0;
    }
    if (sub !== "check")
      throw new UsageError(sub ? `unknown subcommand '${sub}'` : "missing subcommand (check, schema or env)");
    const report = configCheckReport(parsed.values.config, !!parsed.values.json);
    process.stdout.write(report.text);
    return report.code;
  },
};

/**
 * The output and exit code of `exo-audit config check`: the effective configuration (secrets redacted) and every
 * problem; exit code 1 when there is an error.
 */
export function configCheckReport(file: string | undefined, json = false): { code: number; text: string } {
  const loaded = loadConfig(file ? { file } : {});
  const errors = loaded.problems.filter((p) => p.severity === "error");
  if (json) {
    const out = {
      file: loaded.file ?? null,
      environment: loaded.envUsed,
      valid: errors.length === 0,
      problems: loaded.problems,
      effective: loaded.config ? redactConfig(loaded.config) : null,
    };
    return { code: errors.length ? 1 : 0, text: `${JSON.stringify(out, null, 2)}\n` };
  }
  const lines: string[] = [];
  lines.push(`Configuration file: ${loaded.file ?? "(none: environment only)"}`);
  lines.push(`Environment overrides: ${loaded.envUsed.length ? loaded.envUsed.join(", ") : "(none)"}`);
  if (loaded.config) {
    lines.push("", "Effective configuration (secrets redacted):", "");
    lines.push(stringify(redactConfig(loaded.config)).trimEnd());
  } else {
    lines.push("", "Configuration as read (secrets redacted):", "");
    lines.push(stringify(redactConfig(loaded.raw)).trimEnd());
  }
  lines.push("");
  if (loaded.problems.length === 0) lines.push("No problems found.");
  else {
    const w = loaded.problems.length - errors.length;
    lines.push(`${errors.length} error(s), ${w} warning(s):`, formatProblems(loaded.problems));
  }
  return { code: errors.length ? 1 : 0, text: `${lines.join("\n")}\n` };
}
