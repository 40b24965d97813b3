import type { AccountState, BotInfo, OpenOrderView, RiskState } from '../engine/bot-view.ts';
import type { RoundTrip, TradeSummary } from '../store/round-trips.ts';
import { unrealizedQuote } from '../store/round-trips.ts';

/**
 * hlmm's state in Freqtrade's REST field names (freqtrade/rpc/api_server/api_schemas.py), so FreqUI and Freqtrade
 * scripts read an hlmm bot unchanged. Pure functions. The mapping of market making onto Freqtrade's "trade":
 * a trade is a round trip of the position from flat to flat (src/store/round-trips.ts); fees are inside a trade's
 * profit, funding is not (it is in the balance/equity). Leverage is reported as 1: hlmm sizes positions in base
 * units, so a trade's stake is its notional (amount × open rate). Money in the stake currency (USDC).
 */

/** The API version FreqUI checks to choose its feature set; 2.40 keeps it on the endpoints implemented here. */
export const FREQTRADE_API_VERSION = 2.4;

export interface FreqtradeContext {
  info: BotInfo;
  /** Mark price for open trades (the mid), or null before the first market data. */
  markPx: number | null;
  startingBalanceQuote: number;
}

/** CCXT/Freqtrade symbol of a Hyperliquid perpetual settled in USDC: BTC → "BTC/USDC:USDC". */
export function pairOf(info: Pick<BotInfo, 'ticker' | 'stakeCurrency'>): string {
  return `${info.ticker}/${info.stakeCurrency}:${info.stakeCurrency}`;
}

/** Freqtrade's DATETIME_PRINT_FORMAT: "YYYY-MM-DD HH:mm:ss" in UTC. */
export function ftDate(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** Percent with two decimals, as Freqtrade rounds its *_pct fields. */
export function pct(ratio: number): number {
  return Math.round(ratio * 10_000) / 100;
}

/** "H:MM:SS" (with "N days, " in front past a day), as Python prints a timedelta. */
export function ftDuration(ms: number): string {
  const totalS = Math.round(ms / 1000);
  const days = Math.floor(totalS / 86_400);
  const rest = totalS - days * 86_400;
  const h = Math.floor(rest / 3600);
  const m = Math.floor((rest % 3600) / 60);
  const s = rest % 60;
  const hms = `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  return days > 0 ? `${days} day${days > 1 ? 's' : ''}, ${hms}` : hms;
}

/** "3 hours ago"-style text for *_humanized fields. */
export function humanizeAgo(ms: number, nowMs: number): string {
  const s = Math.max(0, (nowMs - ms) / 1000);
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'} ago`;
  if (s < 60) return 'seconds ago';
  if (s < 3600) return unit(Math.floor(s / 60), 'minute');
  if (s < 86_400) return unit(Math.floor(s / 3600), 'hour');
  return unit(Math.floor(s / 86_400), 'day');
}

/** Profit of a trade now: realized part plus, when open, the unrealized part at the mark. */
function tradeProfitNow(trip: RoundTrip, markPx: number | null): number {
  return trip.profitQuote + (trip.isOpen && markPx !== null ? unrealizedQuote(trip, markPx) : 0);
}

/**
 * Sizes in base units as FreqUI prints them. Fills are lot multiples summed in floating point, so a position can
 * read 0.0014600000000000008; 8 decimals is finer than any Hyperliquid lot (szDecimals ≤ 5 on perps), so the
 * rounding only removes that noise.
 */
export function baseAmount(sizeBase: number): number {
  return Math.round(sizeBase * 1e8) / 1e8;
}

/**
 * A price as a client shows it: an average of fills or a mid carries binary noise in its last digits
 * (3005.3500000000004); 12 significant figures keep every digit a price or an average of prices can mean.
 */
export function shownPx(px: number): number {
  return Number.isFinite(px) && px !== 0 ? Number(px.toPrecision(12)) : px;
}

/**
 * The chart timeframe hlmm offers FreqUI (its candles are built from the bot's own market data, see candles.ts).
 * Trades carry it in minutes, as Freqtrade's trade.timeframe.
 */
export const CHART_TIMEFRAME = '1m';
export const CHART_TIMEFRAME_MIN = 1;

/** A resting order of the bot as Freqtrade's OrderSchema (an open limit order of the open trade). */
export function orderToFreqtrade(o: OpenOrderView, info: BotInfo) {
  const remaining = Math.max(0, o.sz - o.filledSz);
  return {
    pair: pairOf(info),
    order_id: String(o.oid),
    status: 'open',
    remaining: baseAmount(remaining),
    amount: baseAmount(o.sz),
    safe_price: o.px,
    cost: o.filledSz * o.px,
    filled: baseAmount(o.filledSz),
    ft_order_side: o.side,
    order_type: 'limit',
    is_open: true,
    order_timestamp: o.createdMs,
    order_filled_timestamp: null,
    ft_fee_base: null,
    ft_order_tag: null,
  };
}

/**
 * One round trip as Freqtrade's TradeSchema; with `status` (the /status and /trade/{id} answers) as its
 * OpenTradeSchema, closed trades included (current_rate = the close rate there, as Freqtrade). The bot's resting
 * orders belong to the open trade — the one the quotes work on — so its `orders` and `has_open_orders` agree.
 */
export function tradeToFreqtrade(
  trip: RoundTrip,
  ctx: FreqtradeContext,
  openOrders: readonly OpenOrderView[],
  opts: { status?: boolean } = {},
) {
  const { info } = ctx;
  const orders = trip.isOpen ? openOrders.map((o) => orderToFreqtrade(o, info)) : [];
  // An open trade shows what is held now (amount, average cost); a closed one what was traded.
  const amount = baseAmount(trip.isOpen ? trip.openPositionBase : trip.amountBase);
  const openRate = trip.isOpen && trip.costBasisPx !== null ? trip.costBasisPx : trip.avgOpenPx;
  const stake = amount * openRate;
  const openedNotional = trip.amountBase * trip.avgOpenPx;
  const tradedNotional = openedNotional + trip.closedAmountBase * (trip.avgClosePx ?? 0);
  const feeRate = tradedNotional > 0 ? trip.feesQuote / tradedNotional : 0;
  const profitAbs = tradeProfitNow(trip, ctx.markPx);
  const profitRatio = openedNotional > 0 ? profitAbs / openedNotional : 0;
  const base = {
    trade_id: trip.id,
    pair: pairOf(info),
    base_currency: info.ticker,
    quote_currency: info.stakeCurrency,
    is_open: trip.isOpen,
    is_short: trip.side === 'short',
    exchange: 'hyperliquid',
    amount,
    amount_requested: amount,
    stake_amount: stake,
    max_stake_amount: trip.maxPositionBase * trip.avgOpenPx,
    strategy: info.strategy,
    enter_tag: 'market_making',
    // Market making runs on ticks; this is the chart's candle size FreqUI shows the trade on.
    timeframe: CHART_TIMEFRAME_MIN,
    fee_open: feeRate,
    fee_open_cost: null,
    fee_open_currency: info.stakeCurrency,
    fee_close: feeRate,
    fee_close_cost: null,
    fee_close_currency: info.stakeCurrency,
    open_date: ftDate(trip.openMs),
    open_timestamp: trip.openMs,
    open_fill_date: ftDate(trip.openMs),
    open_fill_timestamp: trip.openMs,
    open_rate: shownPx(openRate),
    open_rate_requested: shownPx(openRate),
    open_trade_value: stake,
    close_date: ftDate(trip.closeMs),
    close_timestamp: trip.closeMs,
    close_rate: trip.isOpen || trip.avgClosePx === null ? null : shownPx(trip.avgClosePx),
    close_rate_requested: trip.isOpen || trip.avgClosePx === null ? null : shownPx(trip.avgClosePx),
    close_profit: trip.isOpen ? null : trip.profitRatio,
    close_profit_pct: trip.isOpen ? null : pct(trip.profitRatio),
    close_profit_abs: trip.isOpen ? null : trip.profitQuote,
    profit_ratio: profitRatio,
    profit_pct: pct(profitRatio),
    profit_abs: profitAbs,
    profit_fiat: null,
    realized_profit: trip.profitQuote,
    realized_profit_ratio: openedNotional > 0 ? trip.profitQuote / openedNotional : 0,
    exit_reason: trip.isOpen ? null : 'flat',
    exit_order_status: null,
    stop_loss_abs: null,
    stop_loss_ratio: null,
    stop_loss_pct: null,
    stoploss_last_update: null,
    stoploss_last_update_timestamp: null,
    initial_stop_loss_abs: null,
    initial_stop_loss_ratio: null,
    initial_stop_loss_pct: null,
    min_rate: null,
    max_rate: null,
    has_open_orders: orders.length > 0,
    orders,
    leverage: info.leverage ?? 1,
    interest_rate: 0,
    liquidation_price: null,
    funding_fees: 0,
    trading_mode: 'futures',
    amount_precision: null,
    price_precision: null,
    precision_mode: null,
    // hlmm extras (Freqtrade clients ignore unknown fields).
    fees_quote: trip.feesQuote,
    fills: trip.fills,
    max_position_base: baseAmount(trip.maxPositionBase),
  };
  if (!opts.status) return base;
  // As Freqtrade's /status: an open trade's current profit is that of what is still held (FreqUI's "Current
  // profit" beside the amount and stake it shows), its total adds what the round trip already realized (fees
  // included) and is relative to the largest stake held. Neither deducts the fee of a future exit.
  const heldProfitAbs = trip.isOpen && ctx.markPx !== null ? unrealizedQuote(trip, ctx.markPx) : 0;
  const maxStake = trip.maxPositionBase * trip.avgOpenPx;
  return {
    ...base,
    ...(trip.isOpen
      ? {
          profit_abs: heldProfitAbs,
          profit_ratio: stake > 0 ? heldProfitAbs / stake : 0,
          profit_pct: pct(stake > 0 ? heldProfitAbs / stake : 0),
        }
      : {}),
    // Closed: the close rate, as Freqtrade; open: the mark (0 before the first market data — the field is a float).
    current_rate: shownPx(trip.isOpen ? (ctx.markPx ?? 0) : (trip.avgClosePx ?? 0)),
    total_profit_abs: profitAbs,
    total_profit_fiat: null,
    total_profit_ratio: trip.isOpen ? (maxStake > 0 ? profitAbs / maxStake : 0) : profitRatio,
    stoploss_current_dist: null,
    stoploss_current_dist_pct: null,
    stoploss_current_dist_ratio: null,
    stoploss_entry_dist: null,
    stoploss_entry_dist_ratio: null,
  };
}

const mean = (xs: number[]) => (xs.length > 0 ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);
const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

/** Freqtrade's expectancy: winrate·avg win − lossrate·avg loss (quote), and its ratio form. */
export function expectancy(profits: number[]): { expectancy: number; expectancyRatio: number | null } {
  if (profits.length === 0) return { expectancy: 0, expectancyRatio: null };
  const wins = profits.filter((p) => p > 0);
  const losses = profits.filter((p) => p < 0);
  const avgWin = wins.length > 0 ? sum(wins) / wins.length : 0;
  const avgLoss = losses.length > 0 ? -sum(losses) / losses.length : 0;
  const winrate = wins.length / profits.length;
  const lossrate = losses.length / profits.length;
  return {
    expectancy: winrate * avgWin - lossrate * avgLoss,
    expectancyRatio: avgLoss > 0 ? (1 + avgWin / avgLoss) * winrate - 1 : null,
  };
}

/** GET /profit (Freqtrade's Profit schema). */
export function profitToFreqtrade(
  trips: RoundTrip[],
  summary: TradeSummary,
  ctx: FreqtradeContext,
  nowMs: number,
  /**
   * Several coins: each trip's own mark and pair. The best pair is then Freqtrade's — the pair with the largest
   * Σ closed profit ratio (Trade.get_best_pair) — instead of the one pair's best trade.
   */
  coins: { markPxOf: (t: RoundTrip) => number | null; pairOf: (t: RoundTrip) => string } | null = null,
) {
  const closed = trips.filter((t) => !t.isOpen);
  const closedRatios = closed.map((t) => t.profitRatio);
  const allRatios = trips.map((t) => {
    const opened = t.amountBase * t.avgOpenPx;
    return opened > 0 ? tradeProfitNow(t, coins ? coins.markPxOf(t) : ctx.markPx) / opened : 0;
  });
  const start = ctx.startingBalanceQuote;
  const closedRatio = start > 0 ? summary.profitClosedQuote / start : 0;
  const allRatio = start > 0 ? summary.profitAllQuote / start : 0;
  const first = trips.length > 0 ? trips[0].openMs : null;
  const latest = trips.length > 0 ? trips[trips.length - 1].openMs : null;
  const dd = summary.maxDrawdownClosed;
  // Drawdown indices point into the closed-trade list (−1 = before the first trade).
  const ddTime = (i: number) => (i < 0 ? (first ?? 0) : (closed[i]?.closeMs ?? 0));
  const best = closed.length > 0 ? closed.reduce((b, t) => (t.profitRatio > b.profitRatio ? t : b)) : null;
  let bestPair = best ? { pair: pairOf(ctx.info), ratio: best.profitRatio } : null;
  if (coins && closed.length > 0) {
    const byPair = new Map<string, number>();
    for (const t of closed) byPair.set(coins.pairOf(t), (byPair.get(coins.pairOf(t)) ?? 0) + t.profitRatio);
    bestPair = [...byPair].reduce<{ pair: string; ratio: number } | null>(
      (b, [pair, ratio]) => (b === null || ratio > b.ratio ? { pair, ratio } : b),
      null,
    );
  }
  const volume = sum(trips.map((t) => t.amountBase * t.avgOpenPx + t.closedAmountBase * (t.avgClosePx ?? 0)));
  const exp = expectancy(closed.map((t) => t.profitQuote));
  return {
    profit_closed_coin: summary.profitClosedQuote,
    profit_closed_percent_mean: pct(mean(closedRatios)),
    profit_closed_ratio_mean: mean(closedRatios),
    profit_closed_percent_sum: pct(sum(closedRatios)),
    profit_closed_ratio_sum: sum(closedRatios),
    profit_closed_percent: pct(closedRatio),
    profit_closed_ratio: closedRatio,
    profit_closed_fiat: 0,
    profit_all_coin: summary.profitAllQuote,
    profit_all_percent_mean: pct(mean(allRatios)),
    profit_all_ratio_mean: mean(allRatios),
    profit_all_percent_sum: pct(sum(allRatios)),
    profit_all_ratio_sum: sum(allRatios),
    profit_all_percent: pct(allRatio),
    profit_all_ratio: allRatio,
    profit_all_fiat: 0,
    trade_count: summary.tradeCount,
    closed_trade_count: summary.closedTradeCount,
    first_trade_date: first === null ? '' : (ftDate(first) ?? ''),
    first_trade_humanized: first === null ? '' : humanizeAgo(first, nowMs),
    first_trade_timestamp: first ?? 0,
    latest_trade_date: latest === null ? '' : (ftDate(latest) ?? ''),
    latest_trade_humanized: latest === null ? '' : humanizeAgo(latest, nowMs),
    latest_trade_timestamp: latest ?? 0,
    avg_duration: ftDuration(summary.avgDurationMs),
    best_pair: bestPair ? bestPair.pair : '',
    best_rate: bestPair ? pct(bestPair.ratio) : 0,
    best_pair_profit_ratio: bestPair ? bestPair.ratio : 0,
    winning_trades: summary.winningTrades,
    losing_trades: summary.losingTrades,
    // Undefined without a losing trade: null, which is also what Freqtrade's JSON encoder makes of infinity.
    profit_factor: summary.profitFactor,
    winrate: summary.winrate,
    expectancy: exp.expectancy,
    expectancy_ratio: exp.expectancyRatio,
    max_drawdown: dd.drawdownRatio ?? 0,
    max_drawdown_abs: dd.drawdownQuote,
    max_drawdown_start: ftDate(ddTime(dd.peakIndex)) ?? '',
    max_drawdown_start_timestamp: ddTime(dd.peakIndex),
    max_drawdown_end: ftDate(ddTime(dd.troughIndex)) ?? '',
    max_drawdown_end_timestamp: ddTime(dd.troughIndex),
    trading_volume: volume,
    bot_start_timestamp: ctx.info.startedMs,
    bot_start_date: ftDate(ctx.info.startedMs) ?? '',
  };
}

/** GET /balance (Freqtrade's Balances schema): the USDC account and, when not flat, the position. */
export function balanceToFreqtrade(account: AccountState, info: BotInfo) {
  const stake = info.stakeCurrency;
  const currencies: Record<string, unknown>[] = [
    {
      currency: stake,
      free: account.cashQuote,
      balance: account.cashQuote,
      used: 0,
      bot_owned: account.cashQuote,
      est_stake: account.cashQuote,
      est_stake_bot: account.cashQuote,
      stake,
      side: 'long',
      leverage: info.leverage ?? 1,
      is_position: false,
      position: 0,
      is_bot_managed: true,
    },
  ];
  if (account.positionBase !== 0) {
    const value = account.mid === null ? 0 : Math.abs(account.positionBase) * account.mid;
    currencies.push({
      currency: pairOf(info),
      free: 0,
      balance: 0,
      used: 0,
      bot_owned: value,
      est_stake: value,
      est_stake_bot: value,
      stake,
      side: account.positionBase > 0 ? 'long' : 'short',
      leverage: info.leverage ?? 1,
      is_position: true,
      position: Math.abs(account.positionBase),
      is_bot_managed: true,
    });
  }
  const start = account.startingBalanceQuote;
  const ratio = start > 0 ? account.equityQuote / start - 1 : 0;
  return {
    currencies,
    total: account.equityQuote,
    total_bot: account.equityQuote,
    symbol: '',
    value: 0,
    value_bot: 0,
    stake,
    note: info.mode === 'dry' ? 'Simulated balances' : '',
    starting_capital: start,
    starting_capital_ratio: ratio,
    starting_capital_pct: pct(ratio),
    starting_capital_fiat: 0,
    starting_capital_fiat_ratio: 0,
    starting_capital_fiat_pct: 0,
  };
}

/**
 * GET /balance of several coins traded from one account: the one USDC balance — the shared starting balance
 * plus every coin's cash change (each coin's engine starts from that same balance, see engine/account-risk.ts) —
 * and one row per coin holding a position. Totals are the account's equity.
 */
export function balanceOfCoins(coins: readonly { account: AccountState; info: BotInfo }[]) {
  const first = coins[0];
  const start = first.account.startingBalanceQuote;
  const sumOf = (f: (a: AccountState) => number) =>
    coins.reduce((s, c) => s + f(c.account) - c.account.startingBalanceQuote, start);
  const merged: AccountState = {
    ...first.account,
    positionBase: 0,
    cashQuote: sumOf((a) => a.cashQuote),
    equityQuote: sumOf((a) => a.equityQuote),
    startingBalanceQuote: start,
  };
  const out = balanceToFreqtrade(merged, first.info);
  for (const c of coins) out.currencies.push(...balanceToFreqtrade(c.account, c.info).currencies.slice(1));
  return out;
}

/** GET /show_config: the fields FreqUI reads to show a bot. */
export function showConfigToFreqtrade(info: BotInfo, risk: RiskState, opts: { forceEntry?: boolean } = {}) {
  return {
    version: info.version,
    strategy_version: null,
    api_version: FREQTRADE_API_VERSION,
    dry_run: info.mode === 'dry',
    trading_mode: 'futures',
    margin_mode: 'cross',
    short_allowed: true,
    stake_currency: info.stakeCurrency,
    stake_amount: 'unlimited',
    available_capital: null,
    stake_currency_decimals: 2,
    // One market, one position: at most one round trip is open at a time; 0 after stopentry, as Freqtrade.
    max_open_trades: risk.entriesStopped ? 0 : 1,
    minimal_roi: {},
    stoploss: null,
    stoploss_on_exchange: false,
    trailing_stop: false,
    trailing_stop_positive: null,
    trailing_stop_positive_offset: null,
    trailing_only_offset_is_reached: null,
    unfilledtimeout: null,
    order_types: null,
    use_custom_stoploss: false,
    // The candle size of the chart FreqUI opens (candles built from the bot's market data, see candles.ts).
    timeframe: CHART_TIMEFRAME,
    timeframe_ms: CHART_TIMEFRAME_MIN * 60_000,
    timeframe_min: CHART_TIMEFRAME_MIN,
    exchange: 'hyperliquid',
    strategy: info.strategy,
    force_entry_enable: opts.forceEntry === true,
    exit_pricing: {},
    entry_pricing: {},
    bot_name: info.botName,
    state: risk.quoting ? 'running' : 'stopped',
    runmode: info.mode === 'dry' ? 'dry_run' : 'live',
    position_adjustment_enable: true,
    max_entry_position_adjustment: -1,
    // hlmm extras.
    ticker: info.ticker,
    model: info.model,
    feed: info.feed,
  };
}
