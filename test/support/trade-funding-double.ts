/** A paper TradingEngine on a scripted clock with a strategy that never quotes (funding and flatten tests). */
import { createLogger } from '../../src/core/log.ts';
import type { MarketEvent } from '../../src/core/market.ts';
import { PaperVenue } from '../../src/engine/paper-venue.ts';
import { TradingEngine } from '../../src/engine/trading-engine.ts';
import type { PaperFunding } from '../../src/exchange/hyperliquid/trading/funding.ts';
import { openStore } from '../../src/store/trade-store.ts';
import type { Strategy } from '../../src/strategy/types.ts';
import { testClock } from './clock-double.ts';

/** Quotes nothing: the position stays what the test set. */
const idle: Strategy = {
  name: 'idle',
  quote: () => ({ bid: null, ask: null, explain: null }) as never,
  onFill: () => {},
};

export function engineFor(
  clock: { now: number },
  funding: PaperFunding | null,
  venue = new PaperVenue({ makerFeeRate: 0.00015, takerFeeRate: 0.00045, latencyMs: 0 }),
) {
  const store = openStore(':memory:');
  const engine = new TradingEngine({
    info: {
      botName: 't',
      ticker: 'BTC',
      mode: 'dry',
      strategy: 'idle',
      model: 'avellaneda-stoikov',
      stakeCurrency: 'USDC',
      version: 't',
      feed: 'test',
    } as never,
    coin: 'BTC',
    strategy: idle,
    lotBase: 0.001,
    venue,
    clock: testClock(clock),
    priceToleranceBps: 0,
    risk: {
      maxPositionLots: 100,
      maxNotionalQuote: 1e9,
      maxOrderSizeBase: 1,
      dailyLossLimitQuote: 1e9,
      maxDrawdownQuote: 1e9,
      staleDataMs: 60_000,
      lotBase: 0.001,
    },
    startingBalanceQuote: 1000,
    store,
    logger: createLogger({ component: 't', level: 'error', quiet: true }),
    funding,
    tickMs: 10_000,
  });
  return { engine, store, venue };
}

export function bbo(exchMs: number, bidPx: number, askPx: number): MarketEvent {
  return { kind: 'bbo', exchMs, recvS: exchMs / 1000, bidPx, bidSz: 5, askPx, askSz: 5 };
}
