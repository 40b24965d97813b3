import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BacktestEngine } from '../../src/backtest/backtest.ts';
import type { MarketEvent, Side } from '../../src/core/market.ts';
import { createStrategy } from '../../src/strategy/index.ts';
import { STALE_BOOK_NOTE, staleBookNote } from '../../src/strategy/model-quote.ts';
import type { DesiredQuotes } from '../../src/strategy/types.ts';
import { btcInstrument } from '../support/instruments.ts';

const T0 = Date.UTC(2025, 0, 1, 12);
const params = { sigma: 3, A: 1, k: 0.05, gamma: 1e-4 };
let tid = 1;
const bbo = (dt: number, bidPx: number, askPx: number): MarketEvent => ({
  kind: 'bbo',
  exchMs: T0 + dt,
  recvS: (T0 + dt) / 1000,
  bidPx,
  bidSz: 1,
  askPx,
  askSz: 1,
});
const trade = (dt: number, side: Side, px: number): MarketEvent => ({
  kind: 'trade',
  exchMs: T0 + dt,
  recvS: (T0 + dt) / 1000,
  px,
  sz: 1,
  side,
  tid: tid++,
});

// A call, so TypeScript does not keep the narrowing from earlier asserts on the same property.
const quoteOf = (e: BacktestEngine): DesiredQuotes | null => e.loop.lastQuote;

function engine(maxBookAgeMs?: number): BacktestEngine {
  return new BacktestEngine({
    strategy: createStrategy({
      horizon: { kind: 'rolling', tauS: 3600 },
      instrument: btcInstrument,
      ...(maxBookAgeMs === undefined ? {} : { maxBookAgeMs }),
    }),
    params,
    orderSizeBase: 0.001,
    maxPositionLots: 5,
    latencyMs: 100,
    requoteIntervalMs: 1000,
  });
}

describe('stale-book rule (strategy + run loop + backtest)', () => {
  it('staleBookNote: more than maxBookAgeMs after the BBO → note; 0 turns it off', () => {
    const book = { exchMs: 1000, recvS: 1, bidPx: 1, bidSz: 1, askPx: 2, askSz: 1 };
    assert.equal(staleBookNote(6000, book, 5000), null); // exactly 5 s old: still fresh
    assert.equal(
      staleBookNote(6001, book, 5000),
      'stale book: last best bid/ask is 5001 ms old (limit 5000 ms); quotes pulled',
    );
    assert.equal(staleBookNote(1e12, book, 0), null);
  });

  it('BBO, then only trades for 10 s: quotes pulled at 6 s; fills only inside the cancel latency', () => {
    const e = engine(); // default maxBookAgeMs 5000
    e.onEvent(bbo(0, 99_999, 100_001));
    e.onEvent(bbo(50, 99_999, 100_001)); // nothing new; orders still in flight (arrive at 100)
    // Trades that touch neither quote (bid ≈ 99 963, ask ≈ 100 037) while the book ages: quotes stay.
    for (let dt = 1000; dt <= 5000; dt += 1000) e.onEvent(trade(dt, 'buy', 100_001));
    assert.equal(e.venue.openOrders().length, 2);
    // 6 s: 6000 ms old > 5000 → the strategy answers "stale book", both cancels leave (arrive at 6100).
    e.onEvent(trade(6000, 'buy', 100_001));
    assert.ok(e.loop.lastQuote?.explain?.note?.startsWith(STALE_BOOK_NOTE));
    assert.equal(e.loop.lastQuote?.bid, null);
    assert.equal(e.loop.lastQuote?.ask, null);
    // A print through the bid before the cancel arrives still fills it (realistic).
    e.onEvent(trade(6050, 'sell', 90_000));
    assert.equal(e.ledger.snapshot().buyFills, 1);
    // After 6100 nothing rests: prints through either side fill nothing.
    for (let dt = 6200; dt <= 10_000; dt += 200) {
      e.onEvent(trade(dt, 'sell', 90_000));
      e.onEvent(trade(dt, 'buy', 110_000));
    }
    const r = e.finish();
    assert.equal(r.fills, 1);
    assert.equal(r.sellFills, 0);
    assert.equal(e.venue.openOrders().length, 0);
    // A fresh BBO ends the pause, even at the same prices as before.
    e.onEvent(bbo(10_100, 99_999, 100_001));
    const fresh = quoteOf(e);
    assert.equal(fresh?.bid?.side, 'buy');
    assert.equal(fresh?.ask?.side, 'sell');
  });

  it('silence in all files: the timer pulls the quotes before the next print arrives', () => {
    const e = engine();
    e.onEvent(bbo(0, 99_999, 100_001));
    e.onEvent(bbo(200, 99_999, 100_001)); // orders live at 100
    assert.equal(e.venue.openOrders().length, 2);
    // Nothing for 20 s, then a print through the bid: the tick at 6200 pulled it, the cancel arrived at 6300.
    e.onEvent(trade(20_000, 'sell', 90_000));
    assert.equal(e.finish().fills, 0);
  });

  it('with the rule off (maxBookAgeMs 0) the same print fills the old bid', () => {
    const e = engine(0);
    e.onEvent(bbo(0, 99_999, 100_001));
    e.onEvent(bbo(200, 99_999, 100_001));
    e.onEvent(trade(20_000, 'sell', 90_000));
    assert.equal(e.finish().fills, 1);
  });
});
