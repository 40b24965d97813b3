/**
 * What `hlmm trade` is asked to do (its flags over the config), and where its monitoring API listens: shared by
 * the one-coin and the several-coin runs and their API, so neither imports the other for them.
 */
import { randomBytes } from 'node:crypto';
import { apiServerExposureProblem } from '../config/load-config.ts';
import type { SettingFlags } from '../config/run-settings.ts';
import type { HlmmConfig } from '../config/schema.ts';
import { UserError } from '../core/errors.ts';
import type { LogLevel } from '../core/log.ts';
import type { MarginMode } from '../exchange/hyperliquid/trading/leverage.ts';

export interface TradeCommandOptions extends SettingFlags {
  config?: string;
  dryRun?: boolean;
  live?: boolean;
  replay?: string;
  speed?: number;
  /** --replay: play the files again when they end (later passes shifted in time), instead of stopping. */
  loop?: boolean;
  wsUrl?: string;
  apiUrl?: string;
  ticker?: string;
  /** Several coins, one account (run-multi-trade.ts); each coin's params_<TICKER>.json from paramsDir. */
  tickers?: string[];
  paramsDir?: string;
  params?: string;
  db?: string;
  apiPort?: number;
  /** Monitoring API listen address (default: config api_server.listen_ip_address, 127.0.0.1). */
  apiHost?: string;
  /** Monitoring API user name (default: config api_server.username / HLMM_API_USERNAME). */
  apiUser?: string;
  /** Monitoring API password (default: config api_server.password / HLMM_API_PASSWORD). A secret: never logged. */
  apiPassword?: string;
  /** Host-header names the API accepts besides IP literals (default: config api_server.allowed_hosts). */
  apiAllowedHosts?: string[];
  /** Folder of the built dashboard served at / (tests; default: dist/web next to the bundle). Not a CLI flag. */
  apiWebRoot?: string;
  json?: boolean;
  durationS?: number;
  keyFile?: string;
  account?: string;
  testnet?: boolean;
  resetPaper?: boolean;
  /** Write one CSV row per fill here when the bot stops (time, side, price, size, fee, liquidity, position). */
  fillsOut?: string;
  logFile?: string;
  /** At most one model-values line per this many wall seconds (default: config logging.quote_log_interval_s). */
  quoteLogS?: number;
  logLevel?: LogLevel;
  quiet?: boolean;
  /** Dead man's switch: cancel-all scheduled this far ahead, pushed forward every third of it (live). */
  dmsS?: number;
  /** Live: re-read the position from the exchange this often, s (0 = only on doubt). Default 30. */
  positionCheckS?: number;
  /** Record the market into this folder while trading (and re-calibrate from it once per UTC day). */
  collect?: string;
  /** Browser origins allowed to call the API (FreqUI served from another origin); overrides api_server.CORS_origins. */
  apiCors?: string[];
  /** Bot clock: 'wall' (default live) or 'exchange' (follow market message times, e.g. an external fake exchange). */
  clock?: 'wall' | 'exchange';
  /** Leverage set on the coin before the first live order (times); paper records it. */
  leverage?: number;
  margin?: MarginMode;
}

/**
 * Where and how the monitoring API listens: the --api-* flags over the config (whose password and JWT secret
 * may come from HLMM_API_PASSWORD / HLMM_API_JWT_SECRET_KEY); null when it is off (port 0 or disabled).
 * The config's exposure rule is checked again here because the flags can move the API off loopback or change
 * its password after the config was validated. Runs before anything starts, so a refusal leaves nothing behind.
 */
export function monitoringApiSettings(
  o: Pick<TradeCommandOptions, 'apiPort' | 'apiHost' | 'apiUser' | 'apiPassword'>,
  cfg: HlmmConfig,
): { host: string; port: number; username: string; password: string; jwtSecret: string } | null {
  const port = o.apiPort ?? (cfg.api_server.enabled ? cfg.api_server.listen_port : 0);
  if (port === 0) return null;
  const host = (o.apiHost ?? cfg.api_server.listen_ip_address).trim();
  const username = o.apiUser ?? cfg.api_server.username;
  const password = o.apiPassword ?? cfg.api_server.password;
  if (host === '') throw new UserError('--api-host is empty; give an address such as 127.0.0.1.');
  if (username.trim() === '') throw new UserError('--api-user is empty; give a user name such as hlmm.');
  const problem = apiServerExposureProblem(
    host,
    password,
    cfg.api_server.jwt_secret_key,
    cfg.api_server.ws_token,
    username,
  );
  if (problem !== null) {
    throw new UserError(
      `the monitoring API would listen on ${host}: ${problem} (flags: --api-host, --api-password; or --api-port 0 to turn it off).`,
    );
  }
  // Loopback too: any process or user of this machine could otherwise stop the bot or flatten the position.
  if (password === '') {
    throw new UserError(
      `the monitoring API (${host}:${port}) needs a password, on loopback too: set HLMM_API_PASSWORD (or "api_server.password", --api-password), or turn the API off with --api-port 0.`,
    );
  }
  // On loopback an unset JWT secret is allowed: a random one per run signs the tokens (they end with the run)
  // instead of an empty key anyone could sign with.
  const jwtSecret =
    cfg.api_server.jwt_secret_key === '' ? randomBytes(32).toString('hex') : cfg.api_server.jwt_secret_key;
  return { host, port, username, password, jwtSecret };
}
