import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { UserError } from '../core/errors.ts';
import { containsKeyMaterial } from '../core/key-material.ts';
import { apiExposureProblem } from './api-exposure.ts';
import { findJsonSyntaxProblem } from './json-syntax.ts';
import { COIN_SETTING_KEYS, configSchema, type HlmmConfig } from './schema.ts';

/**
 * Loading the config: read the JSON file, refuse raw private keys, apply secret overrides from the environment,
 * validate with the schema, then check the rules that join several keys. Every failure is one UserError sentence
 * naming the file and the key path, e.g.
 *   config.json: "api_server.listen_port" must be an integer 0–65535, got "abc".
 *   config.json: unknown key "risk.max_postion" (did you mean "risk.max_position_lots"?).
 */

/** Environment variables that override secrets, so they need not be written in the file. */
export const SECRET_ENV_OVERRIDES = {
  HLMM_API_USERNAME: ['api_server', 'username'],
  HLMM_API_PASSWORD: ['api_server', 'password'],
  HLMM_API_JWT_SECRET_KEY: ['api_server', 'jwt_secret_key'],
  HLMM_API_WS_TOKEN: ['api_server', 'ws_token'],
} as const;

/** Values that are secrets of their own (not private keys): never echoed in errors, redacted in dumps. */
export const SECRET_PATHS: readonly string[] = [
  'api_server.password',
  'api_server.jwt_secret_key',
  'api_server.ws_token',
];

/** True for a secret path or anything inside it (a ws_token list's items). */
export function isSecretPath(dotted: string): boolean {
  return SECRET_PATHS.some((p) => dotted === p || dotted.startsWith(`${p}.`));
}

export interface LoadOptions {
  /** Environment for the secret overrides; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Reads and validates a config file; without a file, the defaults (plus environment overrides). */
export function loadConfig(file?: string, options: LoadOptions = {}): HlmmConfig {
  if (file === undefined) return parseConfig({}, 'default config', options);
  let textContent: string;
  try {
    textContent = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UserError(
        `config file "${file}" not found; give --config an existing file (config/config.example.json is a start).`,
      );
    }
    throw new UserError(`cannot read config file "${file}" (${(err as Error).message}).`);
  }
  let raw: unknown;
  try {
    // Editors on Windows may save a byte-order mark, which JSON.parse refuses.
    textContent = textContent.replace(/^\uFEFF/, '');
    raw = JSON.parse(textContent);
  } catch (err) {
    throw new UserError(
      `${file} is not valid JSON (${jsonErrorWhere(textContent, err as Error)}); fix the syntax.`,
    );
  }
  return parseConfig(raw, file, options);
}

/** Validates an already-parsed config object; `label` names it in error sentences (usually the file path). */
export function parseConfig(raw: unknown, label: string, options: LoadOptions = {}): HlmmConfig {
  const env = options.env ?? process.env;
  refuseRawPrivateKeys(raw, label);
  const withEnv = applySecretOverrides(raw, env);
  const parsed = configSchema.safeParse(withEnv);
  if (!parsed.success) throw new UserError(describeIssues(parsed.error.issues, withEnv, label));
  const cfg = parsed.data;
  checkCrossKeyRules(cfg, label);
  return cfg;
}

/** The defaults, as `{}` parses (no environment overrides). */
export function defaultConfig(): HlmmConfig {
  return parseConfig({}, 'default config', { env: {} });
}

// ── raw keys ────────────────────────────────────────────────────────────────────────────────────────────────────

function refuseRawPrivateKeys(raw: unknown, label: string, path: string[] = []): void {
  if (typeof raw === 'string') {
    const dotted = path.join('.');
    // A JWT secret or password may legitimately be 64 hex digits (`openssl rand -hex 32`).
    if (!isSecretPath(dotted) && containsKeyMaterial(raw)) {
      throw new UserError(
        `${label}: "${dotted}" looks like a raw private key; never put a key in the config — export it in an environment variable (e.g. HLMM_PRIVATE_KEY) and give that variable's name in "exchange.private_key_env", or a key-file path in "exchange.private_key_file".`,
      );
    }
    return;
  }
  if (Array.isArray(raw)) {
    raw.forEach((v, i) => {
      refuseRawPrivateKeys(v, label, [...path, String(i)]);
    });
    return;
  }
  if (raw !== null && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw)) {
      if (containsKeyMaterial(k)) {
        throw new UserError(
          `${label}: a key name under "${path.join('.') || '(top level)'}" holds what looks like a raw private key (64 hex digits); remove it — keys belong in an environment variable or a key file, never in the config.`,
        );
      }
      refuseRawPrivateKeys(v, label, [...path, k]);
    }
  }
}

// ── environment overrides ───────────────────────────────────────────────────────────────────────────────────────

function applySecretOverrides(raw: unknown, env: NodeJS.ProcessEnv): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  let out = raw as Record<string, unknown>;
  for (const [name, [sectionKey, key]] of Object.entries(SECRET_ENV_OVERRIDES)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const current = out[sectionKey];
    // A malformed section is left alone: the schema reports it.
    if (current !== undefined && (current === null || typeof current !== 'object' || Array.isArray(current)))
      continue;
    out = { ...out, [sectionKey]: { ...(current as object | undefined), [key]: value } };
  }
  return out;
}

// ── sentences ───────────────────────────────────────────────────────────────────────────────────────────────────

function describeIssues(issues: readonly z.core.$ZodIssue[], raw: unknown, label: string): string {
  const first = sentenceFor(issues[0]!, raw);
  const more = issues.length - 1;
  return `${label}: ${first}${more > 0 ? ` (and ${more} more problem${more > 1 ? 's' : ''} after this one)` : ''}.`;
}

function sentenceFor(issue: z.core.$ZodIssue, raw: unknown): string {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const where = [...path, key].join('.');
    const known = knownKeysAt(path);
    const guess = closestKey(key, known);
    const hint = guess
      ? ` (did you mean "${[...path, guess].join('.')}"?)`
      : known.length > 0
        ? ` (known keys here: ${known.join(', ')})`
        : '';
    return `unknown key "${where}"${hint}`;
  }
  const dotted = path.join('.');
  if (path.length === 0) return issue.message;
  const value = valueAt(raw, path);
  const got = value === undefined ? 'nothing' : show(value, isSecretPath(dotted));
  return `"${dotted}" ${issue.message}, got ${got}`;
}

function show(value: unknown, secret: boolean): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (secret) return `a ${typeof value}`;
  const s = JSON.stringify(value);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

function valueAt(raw: unknown, path: readonly string[]): unknown {
  let v = raw;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

let defaultsCache: Record<string, unknown> | null = null;

/** The keys allowed in the object at `path`: the keys the defaults have there. */
function knownKeysAt(path: readonly string[]): string[] {
  // A coin's entry under `coins` has its own keys (the defaults hold no coin).
  if (path.length === 2 && path[0] === 'coins') return [...COIN_SETTING_KEYS];
  defaultsCache ??= configSchema.parse({}) as unknown as Record<string, unknown>;
  const v = valueAt(defaultsCache, path);
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : [];
}

/** The known key nearest to a misspelt one, if near enough to be a plausible typo (or a prefix of it). */
export function closestKey(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  const k = key.toLowerCase();
  for (const candidate of known) {
    const c = candidate.toLowerCase();
    // "max_postion" → "max_position_lots": compare with the candidate cut to the key's length as well.
    const d = Math.min(editDistance(k, c), editDistance(k, c.slice(0, k.length)) + 1);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : null;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

function jsonErrorWhere(content: string, err: Error): string {
  const problem = findJsonSyntaxProblem(content);
  return problem ? `${problem.what} at line ${problem.line}, column ${problem.column}` : err.message;
}

// ── rules joining several keys ──────────────────────────────────────────────────────────────────────────────────

function checkCrossKeyRules(cfg: HlmmConfig, label: string): void {
  if (cfg.strategy.max_position_lots > cfg.risk.max_position_lots) {
    throw new UserError(
      `${label}: "strategy.max_position_lots" (${cfg.strategy.max_position_lots}) must not exceed "risk.max_position_lots" (${cfg.risk.max_position_lots}), the hard limit; lower the first or raise the second.`,
    );
  }
  if (cfg.risk.max_order_size < cfg.strategy.order_size) {
    throw new UserError(
      `${label}: "risk.max_order_size" (${cfg.risk.max_order_size}) is smaller than "strategy.order_size" (${cfg.strategy.order_size}), so every quote would be refused; raise it or lower the order size.`,
    );
  }
  for (const [coin, c] of Object.entries(cfg.coins)) {
    const lot = c.order_size ?? cfg.strategy.order_size;
    if (c.max_order_size !== undefined && c.max_order_size < lot)
      throw new UserError(
        `${label}: "coins.${coin}.max_order_size" (${c.max_order_size}) is smaller than ${coin}'s order size (${lot}), so every quote of ${coin} would be refused; raise it or lower "coins.${coin}.order_size".`,
      );
  }
  if (!cfg.dry_run && cfg.exchange.account_address === null) {
    throw new UserError(
      `${label}: "exchange.account_address" must be set (0x followed by 40 hex digits) when "dry_run" is false.`,
    );
  }
  const api = cfg.api_server;
  if (api.enabled && api.listen_port !== 0) {
    const problem = apiServerExposureProblem(
      api.listen_ip_address,
      api.password,
      api.jwt_secret_key,
      api.ws_token,
      api.username,
    );
    if (problem) throw new UserError(`${label}: ${problem}.`);
  }
}

/** The config's side of the exposure rule (src/config/api-exposure.ts): kept under its old name for callers. */
export function apiServerExposureProblem(
  listenIp: string,
  password: string,
  jwtSecret: string,
  wsTokens: readonly string[] = [],
  username = '',
): string | null {
  return apiExposureProblem(listenIp, { username, password, jwtSecret, wsTokens });
}
