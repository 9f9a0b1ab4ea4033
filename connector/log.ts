/**
 * Structured logging. One JSON object per line on stderr (stdout stays free for command output such as
 * `exo-audit normalize`). Secrets never reach a log line: known secret values are registered with
 * `registerSecret` and masked, and bearer tokens / JWT-looking strings are masked by pattern.
 */

export type LogLevel = "debug" | "info" | "warn" | "error";

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LogSink {
  write(line: string): void;
}

const secrets = new Set<string>();

/** Registers a secret value (client secret, certificate password, token) so it is masked wherever it appears. */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 6) secrets.add(value);
}

const BEARER = /\b(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g;
const SECRET_KEYS = /(secret|password|token|authorization|assertion|privatekey|accountkey|sig)$/i;

/** Masks registered secrets, bearer tokens and JWTs in a string. */
export function redact(text: string): string {
  let out = text.replace(BEARER, "$1[redacted]").replace(JWT, "[redacted-jwt]");
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join("[redacted]");
  }
  return out;
}

/** Deep-copies a value for logging, masking fields whose names say they hold secrets. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (depth > 6) return "[…]";
  if (typeof value === "string") return redact(value);
  if (value instanceof Error) {
    return { name: value.name, message: redact(value.message), code: (value as { code?: unknown }).code };
  }
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redactValue(v, depth + 1));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEYS.test(k) && v ? "[redacted]" : redactValue(v, depth + 1);
    }
    return out;
  }
  return value;
}

class JsonLogger implements Logger {
  private readonly sink: LogSink;
  private readonly minLevel: number;
  private readonly base: Record<string, unknown>;

  constructor(sink: LogSink, minLevel: number, base: Record<string, unknown>) {
    this.sink = sink;
    this.minLevel = minLevel;
    this.base = base;
  }

  private emit(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (LEVELS[level] < this.minLevel) return;
    const entry = {
      time: new Date().toISOString(),
      level,
      msg: redact(msg),
      ...this.base,
      ...(redactValue(fields ?? {}) as object),
    };
    this.sink.write(JSON.stringify(entry));
  }

  debug(msg: string, fields?: Record<string, unknown>): void {
    this.emit("debug", msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.emit("info", msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.emit("warn", msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.emit("error", msg, fields);
  }
  child(fields: Record<string, unknown>): Logger {
    return new JsonLogger(this.sink, this.minLevel, { ...this.base, ...fields });
  }
}

export const stderrSink: LogSink = { write: (line) => process.stderr.write(`${line}\n`) };

/** Collects log lines in memory (tests scan them for secrets and expected messages). */
export class MemoryLogSink implements LogSink {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  entries(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

export function createLogger(
  options: { level?: LogLevel; sink?: LogSink; fields?: Record<string, unknown> } = {},
): Logger {
  const level = options.level ?? ((process.env.EXO_AUDIT_LOG_LEVEL as LogLevel | undefined) || "info");
  return new JsonLogger(options.sink ?? stderrSink, LEVELS[level] ?? LEVELS.info, options.fields ?? {});
}

/** A logger that drops everything (library defaults; tests that do not inspect logs). */
export const silentLogger: Logger = createLogger({ sink: { write: () => {} } });
