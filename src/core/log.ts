import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Field names whose values are never written anywhere: keys, passwords, tokens, signatures. */
const SECRET_FIELD = /(private.?key|secret|password|passwd|token|signature|mnemonic|seed|authorization)/i;

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(component: string): Logger;
}

export interface LoggerOptions {
  /** Component name shown on each line. */
  component: string;
  /** Minimum level printed on the console (stderr). */
  level?: LogLevel;
  /** JSON-lines file that receives every line at `fileLevel` and above. */
  file?: string;
  fileLevel?: LogLevel;
  /** Console off (tests, `--json` output). */
  quiet?: boolean;
}

/** Replaces secret-looking fields (at any depth) by '[redacted]' so no log line can carry a key. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_FIELD.test(k) ? '[redacted]' : redactSecrets(v, depth + 1);
  }
  return out;
}

function formatConsole(level: LogLevel, component: string, msg: string, fields?: LogFields): string {
  const time = new Date().toISOString().slice(11, 23);
  let line = `${time} ${level.toUpperCase().padEnd(5)} [${component}] ${msg}`;
  if (fields) {
    for (const [k, v] of Object.entries(redactSecrets(fields) as LogFields)) {
      line += ` ${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`;
    }
  }
  return line;
}

/** A logger writing a readable line to stderr and, optionally, JSON lines to a file. */
export function createLogger(options: LoggerOptions): Logger {
  const consoleRank = LEVEL_RANK[options.level ?? 'info'];
  const fileRank = LEVEL_RANK[options.fileLevel ?? 'debug'];
  if (options.file) mkdirSync(dirname(options.file), { recursive: true });

  const write = (level: LogLevel, msg: string, fields?: LogFields) => {
    const rank = LEVEL_RANK[level];
    if (!options.quiet && rank >= consoleRank) {
      process.stderr.write(`${formatConsole(level, options.component, msg, fields)}\n`);
    }
    if (options.file && rank >= fileRank) {
      const record = {
        t: new Date().toISOString(),
        level,
        component: options.component,
        msg,
        ...(redactSecrets(fields ?? {}) as LogFields),
      };
      appendFileSync(options.file, `${JSON.stringify(record)}\n`);
    }
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (component) => createLogger({ ...options, component: `${options.component}.${component}` }),
  };
}
