import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Ledger, MINUTES_PER_YEAR } from '../../src/backtest/ledger.ts';
import { runBacktestOnEvents } from '../../src/backtest/run.ts';
import type { MarketEvent, Side } from '../../src/core/market.ts';
import { readMarket } from '../../src/data/market-stream.ts';
import { createStrategy } from '../../src/strategy/index.ts';
import type { DesiredQuotes, Strategy } from '../../src/strategy/types.ts';

const T0 = Date.UTC(2025, 0, 1);
const params = { sigma: 3, A: 1, k: 0.5, gamma: 0.00001 };
const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} ≠ ${b}`);

function bbo(dt: number, bidPx: number, bidSz: number, askPx: number, askSz: number): MarketEvent {
  return { kind: 'bbo', exchMs: T0 + dt, recvS: 0, bidPx, bidSz, askPx, askSz };
}
function trade(dt: number, side: Side, px: number, sz: number): MarketEvent {
  return { kind: 'trade', exchMs: T0 + dt, recvS: 0, px, sz, side, tid: dt };
}
/** Always wants a bid at 99 and an ask at 101, one unit each. */
function fixedQuotes(): Strategy {
  const q: DesiredQuotes = {
    bid: { side: 'buy', px: 99, sz: 1 },
    ask: { side: 'sell', px: 101, sz: 1 },
    explain: null,
  };
  return { name: 'fixed', quote: () => q, onFill: () => {} };
}

describe('backtest accounting on a hand-built market', () => {
  const events = [
    bbo(0, 99, 2, 101, 3), // mid 100; we join bid 99 behind 2, ask 101 behind 3
    trade(1000, 'sell', 99, 2.5), // 2 ahead consumed, we buy 0.5 @ 99
    bbo(2000, 100, 1, 102, 1), // mid 101; our ask 101 is now alone inside the spread
    trade(3000, 'buy', 101, 2), // we sell 1 @ 101
    bbo(4000, 99, 4, 100, 2), // mid 99.5
    // Trades through our bid: the remaining 0.5 @ 99. The print is 1 (it was 0.1, which filled 0.5 only because a
    // trade through used to fill any size; fills are now bounded by the print, and 1 keeps every figure below).
    trade(5000, 'sell', 98, 1),
  ];
  const r = runBacktestOnEvents(events, {
    strategy: fixedQuotes(),
    params,
    orderSizeBase: 1,
    maxPositionLots: 0.5,
    latencyMs: 0,
  });

  it('fills as the queue rules say', () => {
    assert.equal(r.buyFills, 2);
    assert.equal(r.sellFills, 1);
    assert.equal(r.makerFills, 3);
    close(r.buyVolumeBase, 1);
    close(r.sellVolumeBase, 1);
    close(r.positionBase, 0);
  });

  it('splits the PnL exactly: spread capture + inventory PnL − fees = cash + position × last mid', () => {
    // fees 0.015 %: 49.5·0.00015 + 101·0.00015 + 49.5·0.00015 = 0.03
    close(r.feesQuote, 0.03);
    close(r.spreadCaptureQuote, 0.5 + 0 + 0.25); // (100 − 99)·0.5 + (101 − 101)·1 + (99.5 − 99)·0.5
    close(r.inventoryPnlQuote, 0.5 * 1 + -0.5 * -1.5); // +0.5 held over 100→101, −0.5 held over 101→99.5
    close(r.cashQuote, -49.5 + 101 - 49.5 - 0.03);
    close(r.pnlQuote, 1.97);
    close(r.pnlQuote, r.cashQuote + r.positionBase * r.lastMid);
    close(r.pnlQuote, r.spreadCaptureQuote + r.inventoryPnlQuote - r.feesQuote);
    close(r.turnoverQuote, 200);
  });

  it('inventory and drawdown statistics', () => {
    close(r.maxAbsPositionBase, 0.5);
    close(r.meanAbsQLots, (0.5 * 2000 + 0.5 * 2000) / 5000); // time-weighted over 5 s
    close(r.timeAtLimitShare, 4000 / 5000);
    close(r.maxDrawdownQuote, 0.01515); // the sell at mid 101 costs its fee: equity 0.992575 → 0.977425
    assert.equal(r.events, 6);
    assert.equal(r.minutes, 1);
    assert.ok(Number.isNaN(r.sharpe)); // one minute: undefined
  });

  it('latency: the same market with 1.5 s entry latency misses the first fill', () => {
    const late = runBacktestOnEvents(events, {
      strategy: fixedQuotes(),
      params,
      orderSizeBase: 1,
      maxPositionLots: 0.5,
      latencyMs: 1500,
    });
    // Orders arrive at 1.5 s: the 1 s trade is missed (it would have given 0.5); the bid joins behind 2 and
    // only the 5 s trade-through fills it, for the whole lot.
    assert.equal(late.buyFills, 1);
    close(late.buyVolumeBase, 1);
  });
});

describe('Ledger per-minute statistics', () => {
  it('Sharpe and Sortino of per-minute PnL, annualised with √525 600', () => {
    const l = new Ledger(1, 5);
    l.advance(0);
    l.onMid(100);
    l.onFill('buy', 100, 1, 0, false);
    l.advance(60_000);
    l.onMid(101);
    l.advance(120_000);
    l.onMid(99);
    l.advance(180_000);
    l.onMid(102); // per-minute PnL: [0, 1, −2, 3]
    const s = l.snapshot();
    assert.equal(s.minutes, 4);
    const std = Math.sqrt(13 / 3);
    close(s.sharpe, (0.5 / std) * Math.sqrt(MINUTES_PER_YEAR));
    close(s.sortino, (0.5 / Math.sqrt(4 / 4)) * Math.sqrt(MINUTES_PER_YEAR));
    close(s.maxDrawdownQuote, 2);
  });

  it('minutes without events count as zero PnL in the clock-minute series, and are no trading minutes', () => {
    const l = new Ledger(1, 5);
    l.advance(0);
    l.onMid(100);
    l.onFill('buy', 100, 1, 0, false);
    l.advance(60_000);
    l.onMid(101);
    l.advance(240_000); // minutes 2 and 3 had no events
    const s = l.snapshot(); // clock minutes [0, 1, 0, 0, 0]
    assert.equal(s.minutes, 5);
    close(s.minutePnlMeanQuote, 0.2);
    close(s.minutePnlStdQuote, Math.sqrt((4 * 0.04 + 0.64) / 4));
    // Sharpe counts trading minutes only (minutes with book data): [0, 1] → mean 0.5, std √0.5.
    assert.equal(s.activeMinutes, 2);
    close(s.sharpe, (0.5 / Math.sqrt(0.5)) * Math.sqrt(MINUTES_PER_YEAR));
    assert.ok(Number.isNaN(s.sortino)); // no losing minute
  });

  it('PnL of a minute without book data carries into the next trading minute', () => {
    const l = new Ledger(1, 5);
    l.advance(0);
    l.onMid(100);
    l.onFill('buy', 100, 1, 0, false);
    l.advance(60_000); // minute 1: a fee-paying fill, no BBO
    l.onFill('buy', 100, 1, 0.5, false);
    l.advance(120_000);
    l.onMid(102); // minute 2: 2 lots × +2 = +4, plus minute 1's −0.5 fee → +3.5
    l.advance(180_000);
    l.onMid(101); // minute 3: −2
    const s = l.snapshot(); // trading minutes [0, 3.5, −2]
    assert.equal(s.activeMinutes, 3);
    assert.equal(s.minutes, 4);
    const mean = 1.5 / 3;
    const ss = (0 - mean) ** 2 + (3.5 - mean) ** 2 + (-2 - mean) ** 2;
    close(s.sharpe, (mean / Math.sqrt(ss / 2)) * Math.sqrt(MINUTES_PER_YEAR));
    close(s.sortino, (mean / Math.sqrt(4 / 3)) * Math.sqrt(MINUTES_PER_YEAR));
  });

  it('exposes the mean and sample std of per-minute PnL (hand-computed)', () => {
    const l = new Ledger(1, 5);
    l.advance(0);
    l.onMid(100);
    l.onFill('buy', 100, 2, 0, false);
    l.advance(60_000);
    l.onMid(101); // minute 0: 0; minute 1: +2
    l.advance(180_000); // minute 2 had no event: 0
    l.onMid(99.5); // minute 3: 2 × (99.5 − 101) = −3
    const s = l.snapshot(); // [0, 2, 0, −3]: mean −0.25, Σ(x − mean)² = 0.0625 + 5.0625 + 0.0625 + 7.5625 = 12.75
    assert.equal(s.minutes, 4);
    close(s.minutePnlMeanQuote, -0.25);
    close(s.minutePnlStdQuote, Math.sqrt(12.75 / 3));
    // Trading minutes leave out minute 2 (no book data): [0, 2, −3] → mean −1/3, Σ(x − mean)² = 1/9 + 49/9 + 64/9.
    assert.equal(s.activeMinutes, 3);
    close(s.sharpe, (-1 / 3 / Math.sqrt(114 / 9 / 2)) * Math.sqrt(MINUTES_PER_YEAR));
    // The snapshot leaves the ledger untouched: one more minute extends the same series.
    l.advance(240_000);
    l.onMid(100.5); // minute 4: +2 → [0, 2, 0, −3, 2]: mean 0.2, Σ(x − mean)² = 0.04 + 3.24 + 0.04 + 10.24 + 3.24 = 16.8
    const t = l.snapshot();
    assert.equal(t.minutes, 5);
    close(t.minutePnlMeanQuote, 0.2);
    close(t.minutePnlStdQuote, Math.sqrt(16.8 / 4));
  });

  it('a flat per-minute series has std exactly 0 (no cancellation at a large PnL level)', () => {
    const l = new Ledger(1, 5);
    l.advance(0);
    l.onMid(1_000_000);
    l.onFill('sell', 1_000_000, 1, 0, false);
    for (let m = 1; m <= 3; m++) {
      l.advance(m * 60_000);
      l.onMid(1_000_000 - 1_000 * m); // +1000 each minute from minute 1 on
    }
    const s = l.snapshot(); // [0, 1000, 1000, 1000]
    close(s.minutePnlMeanQuote, 750);
    close(s.minutePnlStdQuote, 500); // √(3·250² + 750²)/3 = √(750 000/3) = 500
    const flat = new Ledger(1, 5);
    flat.advance(0);
    flat.onMid(1_000_000);
    flat.advance(180_000);
    const f = flat.snapshot(); // [0, 0, 0, 0]
    assert.equal(f.minutePnlStdQuote, 0);
    assert.ok(Number.isNaN(f.sharpe));
    const one = new Ledger(1, 5);
    one.advance(0);
    one.onMid(100);
    assert.equal(one.snapshot().minutes, 1);
    assert.ok(Number.isNaN(one.snapshot().minutePnlStdQuote));
  });
});

describe('accounting identity on the bundled BTC sample (real strategy)', () => {
  let events: MarketEvent[] = [];
  before(async () => {
    for await (const batch of readMarket('data/sample', 'BTC')) events = events.concat(batch);
  });

  for (const mode of ['two-sided', 'long-only'] as const) {
    it(`${mode}: final equity = cash + position × last mid = spread + inventory − fees, to the cent`, () => {
      const r = runBacktestOnEvents(events, {
        strategy: createStrategy({ mode, orderSizeBase: 0.001, maxPositionLots: 5 }),
        params,
        orderSizeBase: 0.001,
        maxPositionLots: 5,
      });
      assert.ok(r.fills > 0, 'expected some fills');
      assert.equal(r.events, events.length);
      const cents = (x: number) => Math.round(x * 100);
      assert.equal(cents(r.pnlQuote), cents(r.cashQuote + r.positionBase * r.lastMid));
      assert.equal(cents(r.pnlQuote), cents(r.spreadCaptureQuote + r.inventoryPnlQuote - r.feesQuote));
      close(r.positionBase, r.buyVolumeBase - r.sellVolumeBase, 1e-9);
      if (mode === 'long-only') assert.ok(r.positionBase >= -1e-12, 'long-only never goes short');
    });
  }

  it('runs are independent and deterministic (same config → same result)', () => {
    const run = () =>
      runBacktestOnEvents(events, {
        strategy: createStrategy({ orderSizeBase: 0.001, maxPositionLots: 5 }),
        params,
        orderSizeBase: 0.001,
        maxPositionLots: 5,
        queue: 'prob',
      });
    const a = run();
    const b = run();
    assert.equal(a.pnlQuote, b.pnlQuote);
    assert.equal(a.fills, b.fills);
  });
});
