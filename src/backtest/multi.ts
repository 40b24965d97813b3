import type { MarketEvent } from '../core/market.ts';
import { type DroppedEvents, type MarketStream, readMarket } from '../data/market-stream.ts';
import type { RowStats } from '../data/reader.ts';
import { accountMember } from '../engine/account-member.ts';
import {
  AccountRisk,
  type AccountRiskLimits,
  type AccountRiskState,
  defaultLeverage,
} from '../engine/account-risk.ts';
import { SimulatedClock } from '../engine/clock.ts';
import { BacktestEngine, type BacktestResult } from './backtest.ts';
import type { BacktestConfig } from './config.ts';

/** One coin of a several-coins backtest: its own engine settings (params, instrument, limits). */
export interface CoinBacktestConfig {
  ticker: string;
  cfg: BacktestConfig;
  /**
   * The coin's leverage, times: its margin in the account's margin limit is |position| × mid ÷ this (as paper
   * trading estimates it). Default Hyperliquid's for a coin never set: 20×, or the coin's maximum when lower.
   */
  leverage?: number;
}

/** The leverage a coin's margin is estimated with: its own, else Hyperliquid's default for its instrument. */
function coinLeverage(coin: CoinBacktestConfig): number {
  return coin.leverage ?? defaultLeverage(coin.cfg.risk?.instrument?.maxLeverage ?? Number.POSITIVE_INFINITY);
}

export interface MultiBacktestConfig {
  /** Directory holding each coin's prices_/trades_[/orderbooks_]<TICKER>.csv(.gz). */
  dataDir: string;
  coins: readonly CoinBacktestConfig[];
  /** The account's limits over all coins (account-risk.ts). */
  account: AccountRiskLimits;
  /** The one account's starting balance, quote; every coin's engine starts with it (its PnL is equity − it). */
  startingBalanceQuote: number;
  fromMs?: number;
  toMs?: number;
  books?: boolean;
  onProgress?: (events: number, exchMs: number) => void;
}

export interface CoinBacktestResult extends BacktestResult {
  ticker: string;
  /** The leverage its margin was estimated with, times. */
  leverage: number;
  rowStats: RowStats[];
  dropped: DroppedEvents;
}

/** The account as a whole over the run (money in quote). */
export interface AccountBacktestResult {
  startingBalanceQuote: number;
  /** Σ of the coins' PnL, quote. */
  pnlQuote: number;
  fills: number;
  feesQuote: number;
  /** Largest drawdown of the account equity from its peak, measured after every event, quote. */
  maxDrawdownQuote: number;
  /** Largest Σ |position| × mid over the coins, measured after every event, quote. */
  maxTotalNotionalQuote: number;
  /** The account kill switch (it pulled every coin), or null. */
  killSwitch: string | null;
  killSwitchAtMs: number | null;
  limits: AccountRiskLimits;
  final: AccountRiskState;
}

export interface MultiBacktestResult {
  coins: CoinBacktestResult[];
  account: AccountBacktestResult;
}

/** The head of one coin's stream in the merge. */
interface Head {
  coin: number;
  it: AsyncIterator<MarketEvent[]>;
  batch: MarketEvent[];
  i: number;
  done: boolean;
}

/**
 * Several coins, one account, one simulated clock: each coin's engine is the single-coin backtest's (same
 * strategy, per-coin risk, paper venue), the coins' recorded streams are merged in exchange-time order (ties: the
 * coins in the order given) and the one clock is stepped over the merged stream, so every coin's timers fire in
 * time order with the others'. After each event the account's risk is evaluated: total notional (each coin's
 * gate asks it per quote) and the account drawdown / daily loss, which trips the kill switch on every coin.
 *
 * When the account limits never bind, each coin's result equals its single-coin backtest on the same files,
 * except that a coin whose data ends earlier keeps its timers running to the account's last event (the bot keeps
 * running while another coin trades).
 */
export async function runMultiBacktest(c: MultiBacktestConfig): Promise<MultiBacktestResult> {
  const clock = new SimulatedClock();
  const account = new AccountRisk(c.account, c.startingBalanceQuote);
  const engines = c.coins.map(
    (coin) => new BacktestEngine({ ...coin.cfg, startingBalanceQuote: c.startingBalanceQuote }, clock),
  );
  const maxTotal = c.account.maxTotalNotionalQuote;
  engines.forEach((e, i) => {
    const coin = c.coins[i] as CoinBacktestConfig;
    const ticker = coin.ticker;
    account.add(accountMember(ticker, e.engine, coinLeverage(coin)));
    if (maxTotal !== null)
      e.engine.guard.accountNotional = {
        maxTotalNotionalQuote: maxTotal,
        othersNotionalQuote: () => account.othersNotionalQuote(ticker),
      };
  });
  const streams: MarketStream[] = c.coins.map((coin) =>
    readMarket(c.dataDir, coin.ticker, { fromMs: c.fromMs, toMs: c.toMs, books: c.books ?? true }),
  );
  const heads: Head[] = streams.map((s, coin) => ({
    coin,
    it: s[Symbol.asyncIterator](),
    batch: [],
    i: 0,
    done: false,
  }));
  const refill = async (h: Head) => {
    while (!h.done && h.i >= h.batch.length) {
      const next = await h.it.next();
      if (next.done) h.done = true;
      else {
        h.batch = next.value;
        h.i = 0;
      }
    }
  };
  for (const h of heads) await refill(h);
  let n = 0;
  let lastProgress = 0;
  for (;;) {
    let best: Head | null = null;
    let bestT = Number.POSITIVE_INFINITY;
    for (const h of heads) {
      if (h.done) continue;
      const t = (h.batch[h.i] as MarketEvent).exchMs;
      if (t < bestT) {
        bestT = t;
        best = h;
      }
    }
    if (best === null) break;
    const ev = best.batch[best.i++] as MarketEvent;
    // Feed latency: events of any coin due to its strategy before this one go first, in due-time order, so
    // the one clock never steps back and each strategy sees its events when it would alone.
    deliverFeedsBefore(engines, ev.exchMs);
    clock.advanceTo(ev.exchMs);
    (engines[best.coin] as BacktestEngine).onEvent(ev);
    account.evaluate(clock.nowMs());
    n++;
    if (best.i >= best.batch.length) await refill(best);
    if (c.onProgress && n - lastProgress >= 8192) {
      lastProgress = n;
      c.onProgress(n, ev.exchMs);
    }
  }
  deliverFeedsBefore(engines, Number.POSITIVE_INFINITY);
  const coins: CoinBacktestResult[] = engines.map((e, i) => ({
    ...e.finish(),
    ticker: (c.coins[i] as CoinBacktestConfig).ticker,
    leverage: coinLeverage(c.coins[i] as CoinBacktestConfig),
    rowStats: [...(streams[i] as MarketStream).stats],
    dropped: { ...(streams[i] as MarketStream).dropped },
  }));
  const final = account.evaluate(clock.nowMs());
  return {
    coins,
    account: {
      startingBalanceQuote: c.startingBalanceQuote,
      pnlQuote: coins.reduce((s, r) => s + r.pnlQuote, 0),
      fills: coins.reduce((s, r) => s + r.fills, 0),
      feesQuote: coins.reduce((s, r) => s + r.feesQuote, 0),
      maxDrawdownQuote: final.maxDrawdownQuote,
      maxTotalNotionalQuote: final.maxTotalNotionalQuote,
      killSwitch: account.killSwitch?.reason ?? null,
      killSwitchAtMs: account.killSwitch?.atMs ?? null,
      limits: c.account,
      final,
    },
  };
}

/** Delivers, across every coin's engine in due-time order, the events due to a strategy before `t`. */
function deliverFeedsBefore(engines: readonly BacktestEngine[], t: number): void {
  for (;;) {
    let next: BacktestEngine | null = null;
    let nextMs = t;
    for (const e of engines) {
      const at = e.nextFeedMs();
      if (at < nextMs) {
        nextMs = at;
        next = e;
      }
    }
    if (next === null) return;
    next.deliverNextFeed();
  }
}
