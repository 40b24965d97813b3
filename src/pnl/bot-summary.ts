/**
 * One bot's headline figures, read through Freqtrade's REST API only (show_config, profit, balance), so the same
 * code sums hlmm bots and Freqtrade bots. Money in the bot's stake currency; ratios as fractions (0.1 = 10 %).
 */

export interface BotEndpoint {
  /** Shown in the table; falls back to the bot's `bot_name`, then the URL's host. */
  name?: string;
  /** Base URL of the bot's API server, e.g. http://127.0.0.1:3004 (a trailing /api/v1 is accepted). */
  url: string;
  user?: string;
  password?: string;
}

export interface BotSummary {
  name: string;
  url: string;
  /** null when the bot answered; otherwise why it did not ("timeout after 5 s", "connection refused", "HTTP 401"). */
  error: string | null;
  strategy: string | null;
  dryRun: boolean | null;
  stakeCurrency: string | null;
  /** Days since the first fill (Freqtrade: first trade open), fractional. */
  daysSinceFirstFill: number | null;
  /** All trades, open and closed. */
  tradeCount: number | null;
  closedTradeCount: number | null;
  /** Realized + unrealized profit, stake currency (Freqtrade `profit_all_coin`). */
  pnlQuote: number | null;
  /** pnlQuote ÷ starting capital. */
  pnlRatio: number | null;
  /** Winning ÷ (winning + losing) closed trades. */
  winRate: number | null;
  profitFactor: number | null;
  /** Largest fall of closed-trade cumulative profit, as a ratio (Freqtrade `max_drawdown`). */
  maxDrawdownRatio: number | null;
  maxDrawdownQuote: number | null;
  /** (1 + pnlRatio)^(365 / days) − 1; null before one full day of history. */
  annualisedReturn: number | null;
}

export const MIN_DAYS_FOR_ANNUALISING = 1;
const MS_PER_DAY = 86_400_000;

/**
 * Compound annual return from a return `ratio` earned over `days`: (1 + ratio)^(365/days) − 1.
 * Null under one day (extrapolating minutes of PnL to a year says nothing); −1 when the stake was lost.
 */
export function annualisedReturn(ratio: number, days: number): number | null {
  if (!Number.isFinite(ratio) || !Number.isFinite(days) || days < MIN_DAYS_FOR_ANNUALISING) return null;
  if (ratio <= -1) return -1;
  return (1 + ratio) ** (365 / days) - 1;
}

export function normaliseBaseUrl(url: string): string {
  return url
    .trim()
    .replace(/\/+$/, '')
    .replace(/\/api\/v1$/, '');
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function describeFailure(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; cause?: { code?: string }; message?: string };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError')
    return `unreachable (timeout after ${timeoutMs / 1000} s)`;
  const code = e?.cause?.code;
  if (code === 'ECONNREFUSED') return 'unreachable (connection refused)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'unreachable (unknown host)';
  if (code) return `unreachable (${code})`;
  return `unreachable (${e?.message ?? String(err)})`;
}

class HttpStatusError extends Error {}

async function getJson(
  base: string,
  path: string,
  bot: BotEndpoint,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (bot.user !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${bot.user}:${bot.password ?? ''}`).toString('base64')}`;
  }
  const res = await fetch(`${base}/api/v1/${path}`, { headers, signal });
  if (!res.ok) {
    await res.body?.cancel();
    throw new HttpStatusError(
      res.status === 401
        ? 'login refused (HTTP 401: check --user/--password)'
        : `HTTP ${res.status} on /${path}`,
    );
  }
  return (await res.json()) as Record<string, unknown>;
}

/** Reads one bot. Never throws: an unreachable or refusing bot comes back with `error` set. */
export async function fetchBotSummary(
  bot: BotEndpoint,
  opts: { timeoutMs: number; nowMs: number },
): Promise<BotSummary> {
  const base = normaliseBaseUrl(bot.url);
  const empty: BotSummary = {
    name: bot.name ?? hostOf(base),
    url: base,
    error: null,
    strategy: null,
    dryRun: null,
    stakeCurrency: null,
    daysSinceFirstFill: null,
    tradeCount: null,
    closedTradeCount: null,
    pnlQuote: null,
    pnlRatio: null,
    winRate: null,
    profitFactor: null,
    maxDrawdownRatio: null,
    maxDrawdownQuote: null,
    annualisedReturn: null,
  };
  const signal = AbortSignal.timeout(opts.timeoutMs);
  try {
    const [config, profit, balance, health] = await Promise.all([
      getJson(base, 'show_config', bot, signal),
      getJson(base, 'profit', bot, signal),
      getJson(base, 'balance', bot, signal),
      // Optional (older bots lack it): its last_process is the bot's clock, which a replay runs in the past.
      getJson(base, 'health', bot, signal).catch(() => ({})),
    ]);
    return summarise(empty, bot, config, profit, balance, botNowMs(health, profit, opts.nowMs));
  } catch (err) {
    return {
      ...empty,
      error: err instanceof HttpStatusError ? err.message : describeFailure(err, opts.timeoutMs),
    };
  }
}

/**
 * "Now" on the bot's clock: /health's last_process_ts (Unix s, the bot's last processed market event) when the
 * bot reports one, else the wall clock. A replaying bot's fills carry replay time; days counted from them to the
 * wall clock would read hundreds of days for a run of minutes.
 */
export function botNowMs(
  health: Record<string, unknown>,
  profit: Record<string, unknown>,
  wallNowMs: number,
): number {
  const s = num(health.last_process_ts);
  const first = num(profit.first_trade_timestamp);
  // A bot clock before its own first fill is not a clock to count from (no market data since a restart).
  if (s === null || s <= 0 || (first !== null && first > 0 && s * 1000 < first)) return wallNowMs;
  return s * 1000;
}

/** Pure: the three Freqtrade answers → one summary row. */
export function summarise(
  base: BotSummary,
  bot: BotEndpoint,
  config: Record<string, unknown>,
  profit: Record<string, unknown>,
  balance: Record<string, unknown>,
  nowMs: number,
): BotSummary {
  const pnlQuote = num(profit.profit_all_coin);
  const startingCapital = num(balance.starting_capital);
  // Freqtrade ≥ 2.x reports profit_all_ratio against the starting balance; prefer our own division when we can.
  const pnlRatio =
    pnlQuote !== null && startingCapital !== null && startingCapital > 0
      ? pnlQuote / startingCapital
      : num(profit.profit_all_ratio);
  const firstMs = num(profit.first_trade_timestamp);
  const days = firstMs !== null && firstMs > 0 ? (nowMs - firstMs) / MS_PER_DAY : null;
  const winning = num(profit.winning_trades);
  const losing = num(profit.losing_trades);
  const winRate =
    num(profit.winrate) ??
    (winning !== null && losing !== null && winning + losing > 0 ? winning / (winning + losing) : null);
  return {
    ...base,
    name: bot.name ?? (typeof config.bot_name === 'string' && config.bot_name ? config.bot_name : base.name),
    strategy: typeof config.strategy === 'string' ? config.strategy : null,
    dryRun: typeof config.dry_run === 'boolean' ? config.dry_run : null,
    stakeCurrency: typeof config.stake_currency === 'string' ? config.stake_currency : null,
    daysSinceFirstFill: days,
    tradeCount: num(profit.trade_count),
    closedTradeCount: num(profit.closed_trade_count),
    pnlQuote,
    pnlRatio,
    winRate,
    profitFactor: num(profit.profit_factor),
    maxDrawdownRatio: num(profit.max_drawdown),
    maxDrawdownQuote: num(profit.max_drawdown_abs),
    annualisedReturn: pnlRatio !== null && days !== null ? annualisedReturn(pnlRatio, days) : null,
  };
}
