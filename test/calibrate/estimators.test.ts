import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ledger } from '../../src/backtest/ledger.ts';
import { DayEventStore } from '../../src/calibrate/day-events.ts';
import { gammaRange, logSpaced, searchGamma } from '../../src/calibrate/gamma-search.ts';
import { scoreEquity, scoreLedger, scoreMinutePnl } from '../../src/calibrate/score.ts';
import { inferTickFromPrices, resolveTickSize } from '../../src/calibrate/tick-size.ts';
import { isLastDayComplete, utcDateKey } from '../../src/calibrate/trading-day.ts';
import type { MarketEvent } from '../../src/core/market.ts';
import { RecentTradeIds } from '../../src/data/trade-dedup.ts';
import { type AggressiveOrder, AggressorGrouper } from '../../src/estimate/aggressors.ts';
import { fitIntensity } from '../../src/estimate/intensity.ts';
import { headlineSigma, sigmaFromMids } from '../../src/estimate/volatility.ts';
import { asTotalSpread } from '../../src/model/avellaneda-stoikov.ts';

const close = (actual: number, expected: number, tol = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${actual} ≠ ${expected}`);

describe('σ from the 1-second mid grid', () => {
  it('forward-fills the BBO mid and takes the std of 1 s changes (hand-computed)', () => {
    // Grid 0..4 s: 100, 100, 103, 103, 103 (the 101 at 1.5 s is replaced before 2 s is sampled).
    // Changes 0, 3, 0, 0: mean 0.75, sample variance (3·0.5625 + 5.0625)/3 = 2.25 → σ = 1.5.
    const est = sigmaFromMids([
      [0, 100],
      [1500, 101],
      [2000, 103],
      [4200, 102],
    ]);
    assert.equal(est.samples, 4);
    close(est.sigma, 1.5);
    assert.equal(est.lastMid, 102);
  });

  it('restarts the grid after a recording gap instead of counting zeros and one jump', () => {
    // Segment 1: 100 → 101 (change 1); 99 s gap; segment 2: 200 → 203 (change 3). σ = std(1, 3) = √2.
    const est = sigmaFromMids([
      [0, 100],
      [1000, 101],
      [100_000, 200],
      [101_000, 203],
    ]);
    assert.equal(est.samples, 2);
    close(est.sigma, Math.SQRT2);
  });

  it('headline σ is the mean of the last ≤ 7 finite daily values', () => {
    close(headlineSigma([100, 1, 2, 3, 4, 5, 6, 7]), 4);
    close(headlineSigma([2, Number.NaN, 4]), 3);
    assert.ok(Number.isNaN(headlineSigma([])));
  });
});

describe('aggressive orders from prints', () => {
  it('groups prints by (exchange ms, side) and measures depth from the mid just before', () => {
    const orders: AggressiveOrder[] = [];
    const g = new AggressorGrouper((o) => orders.push(o));
    g.onMid(1000, 100); // bid 99 / ask 101
    g.onPrint(2000, 'buy', 101);
    g.onPrint(2000, 'sell', 99);
    g.onPrint(2000, 'buy', 102);
    g.onPrint(2000, 'buy', 103);
    g.onMid(2000, 110); // the block's BBO: must not be the reference of the 2000 ms prints
    g.onPrint(2000, 'buy', 104); // same block, listed after the BBO
    g.onPrint(3000, 'sell', 105); // new ms: mid before = 110
    g.flush();
    assert.deepEqual(orders, [
      { exchMs: 2000, side: 'buy', depth: 4, prints: 4, refMs: 1000 },
      { exchMs: 2000, side: 'sell', depth: 1, prints: 1, refMs: 1000 },
      { exchMs: 3000, side: 'sell', depth: 5, prints: 1, refMs: 2000 },
    ]);
  });

  it('drops prints before any BBO and de-duplicates trade ids', () => {
    const orders: AggressiveOrder[] = [];
    const g = new AggressorGrouper((o) => orders.push(o));
    g.onPrint(500, 'buy', 101);
    g.flush();
    assert.equal(orders.length, 0);
    assert.equal(g.droppedNoMid, 1);
    // Calibration reads trades through the market stream, whose one de-duplication is RecentTradeIds.
    const ids = new RecentTradeIds(4);
    // In order: 1 and 2 at 10 ms, 3 at 11 ms; then 1 is re-sent (10 ms) and 4 arrives late but new (10 ms); 2 again.
    assert.deepEqual(
      [ids.admit(1), ids.admit(2), ids.admit(3), ids.admit(1), ids.admit(4), ids.admit(2)],
      [true, true, true, false, true, false],
    );
    assert.equal(ids.duplicates, 2);
  });
});

describe('λ(δ) fit', () => {
  it('Poisson ML on the binned grid: hand-computed A, k and R²', () => {
    // T = 100 s, tick 1. Depths: 10 at the touch (0.5: below the grid), 4 × 1.5, 2 × 2.5, 1 × 3.5, 1 × 4.5.
    // minOrders 2 → the grid stops at δ = 3 (the 2nd deepest order is at 3.5). Bins [1,2): 4, [2,3): 2, [3,∞): 2.
    // N(≥1, 2, 3) = 8, 4, 2 → λ = 8/200, 4/200, 2/200, attained at the observed depths 1.5, 2.5, 3.5.
    // S = 0·4 + 1·2 + 2·2 = 6, M = 8 − 2 = 6 → r = ½: k = ln 2, A = 8·e^(1.5·k)/200 = 0.04·2^1.5 (anchored at the
    // observed 1.5, not the grid's 1). The points lie exactly on the fit: R² = 1.
    const depths = [...Array(10).fill(0.5), ...Array(4).fill(1.5), 2.5, 2.5, 3.5, 4.5];
    const res = fitIntensity(depths, 100, 1, 2);
    assert.ok(res.ok);
    if (!res.ok) return;
    close(res.fit.k, Math.LN2);
    close(res.fit.A, 0.04 * 2 ** 1.5);
    close(res.fit.r2, 1);
    assert.deepEqual(
      res.fit.points.map((p) => [p.gridDepth, p.depth, p.orders]),
      [
        [1, 1.5, 8],
        [2, 2.5, 4],
        [3, 3.5, 2],
      ],
    );
    close(res.fit.points[0]?.lambda ?? 0, 0.04);
  });

  it('refuses to fit too few orders or a grid shorter than 3 points', () => {
    assert.equal(fitIntensity([1, 2, 3], 100, 1, 10).ok, false);
    const shallow = fitIntensity([...Array(50).fill(0.5), ...Array(20).fill(1.5)], 100, 1, 10);
    assert.equal(shallow.ok, false);
    assert.equal(fitIntensity([1, 2, 3, 4, 5], 0, 1, 2).ok, false);
  });
});

describe('tick size', () => {
  it('infers the grid step from prices', () => {
    assert.equal(inferTickFromPrices([107947, 107948, 107950]), 1);
    assert.equal(inferTickFromPrices([100.01, 100.02, 100.05]), 0.01);
    assert.equal(inferTickFromPrices([3000.5, 3001, 3002.5]), 0.5);
    assert.ok(Number.isNaN(inferTickFromPrices([])));
  });

  it('flag, then Hyperliquid rule for a known perp, then inference', () => {
    assert.deepEqual(resolveTickSize('BTC', 0.5, 110_000, []), { tick: 0.5, source: 'flag' });
    assert.deepEqual(resolveTickSize('BTC', undefined, 110_000, []), { tick: 1, source: 'hyperliquid-rule' });
    // ETH (szDecimals 4): ≤ 2 decimals, 5 significant figures at 4000 → 0.1.
    assert.deepEqual(resolveTickSize('ETH', undefined, 4000, []), { tick: 0.1, source: 'hyperliquid-rule' });
    assert.deepEqual(resolveTickSize('XYZ', undefined, 100, [100.05, 100.1]), {
      tick: 0.05,
      source: 'inferred',
    });
  });
});

describe('UTC days', () => {
  it('names days and tells a complete last day', () => {
    assert.equal(utcDateKey(Date.UTC(2025, 8, 1, 23, 59, 59, 999)), '2025-09-01');
    assert.equal(isLastDayComplete(Date.UTC(2025, 8, 1, 23, 59, 30)), true);
    assert.equal(isLastDayComplete(Date.UTC(2025, 8, 1, 23, 0)), false);
  });
});

describe('γ score', () => {
  it('PnL minus κ·√n·std of minute PnL (hand-computed)', () => {
    // [1, −1, 3]: PnL 3, mean 1, std √(8/2) = 2 → 3 − √3·2.
    const s = scoreMinutePnl([1, -1, 3]);
    close(s.minuteStd, 2);
    close(s.score, 3 - 2 * Math.sqrt(3));
    close(scoreMinutePnl([1, -1, 3], 0).score, 3);
  });

  it('minute PnL from an equity curve, empty minutes count as 0', () => {
    // Minute 0 ends at 1, minute 1 at 2, minute 2 at 5 → [1, 1, 3]; a gap minute adds a 0.
    assert.deepEqual(scoreEquity([0, 30_000, 60_000, 150_000], [0, 1, 2, 5]).pnl, 5);
    const withGap = scoreEquity([0, 200_000], [0, 4]);
    assert.equal(withGap.minutes, 4);
    assert.equal(withGap.pnl, 4);
  });

  it('scores a backtest from the ledger minute-PnL std, as scoreMinutePnl does (hand-computed)', () => {
    // Long 1 from mid 100; mids 101, 100, 103 at the next minutes → minute PnL [0, 1, −1, 3]:
    // PnL 3, mean 0.75, Σ(x − mean)² = 0.5625 + 0.0625 + 3.0625 + 5.0625 = 8.75, std √(8.75/3).
    const l = new Ledger(1, 5);
    l.advance(0);
    l.onMid(100);
    l.onFill('buy', 100, 1, 0, false);
    for (const [m, mid] of [
      [1, 101],
      [2, 100],
      [3, 103],
    ]) {
      l.advance(m * 60_000);
      l.onMid(mid);
    }
    const s = scoreLedger(l.snapshot());
    close(s.pnl, 3);
    assert.equal(s.minutes, 4);
    close(s.minuteStd, Math.sqrt(8.75 / 3));
    close(s.score, 3 - Math.sqrt(4) * Math.sqrt(8.75 / 3));
    const direct = scoreMinutePnl([0, 1, -1, 3]);
    close(s.minuteStd, direct.minuteStd);
    close(s.score, direct.score);
    // Mean minute PnL exactly 0 (where the old Sharpe-derived std was undefined): the std is still known.
    const zero = scoreLedger({ equityQuote: 0, minutes: 3, minutePnlStdQuote: 2 });
    close(zero.score, -2 * Math.sqrt(3));
    // One minute: std taken as 0, score = PnL.
    assert.equal(scoreLedger({ equityQuote: 5, minutes: 1, minutePnlStdQuote: Number.NaN }).score, 5);
  });
});

describe('γ grid and search', () => {
  it('γ range gives 0.01 % and 1 % of the mid when both are reachable', () => {
    const [mid, sigma, tau, k] = [10_000, 0.5, 3600, 10];
    const r = gammaRange(mid, sigma, tau, k, 'as');
    assert.ok(r !== null);
    if (r === null) return;
    assert.deepEqual(r.notes, []);
    close(asTotalSpread(r.gammaLow, sigma, tau, k), 1, 1e-9);
    close(asTotalSpread(r.gammaHigh, sigma, tau, k), 100, 1e-9);
  });

  it('moves an unreachable low end to the narrowest reachable spread and says so', () => {
    // k = 0.05: the A–S spread never goes below 2/k = 40 when σ²τ ≥ 1/k², but 0.01 % of 10 000 is 1.
    const r = gammaRange(10_000, 3, 43_200, 0.05, 'as');
    assert.ok(r !== null);
    if (r === null) return;
    assert.equal(r.notes.length, 1);
    assert.match(r.notes[0] ?? '', /0\.01 %/);
    close(r.spreadLowQuote, 40.4, 1e-9);
    close(asTotalSpread(r.gammaLow, 3, 43_200, 0.05), 40.4, 1e-9);
    close(asTotalSpread(r.gammaHigh, 3, 43_200, 0.05), 100, 1e-9);
  });

  it('log grid then golden-section refinement finds the peak', () => {
    assert.deepEqual(
      logSpaced(1, 100, 3).map((x) => Math.round(x * 1e9) / 1e9),
      [1, 10, 100],
    );
    const peak = 0.02;
    const res = searchGamma(
      1e-4,
      1,
      (g) => ({ score: -((Math.log(g) - Math.log(peak)) ** 2), result: null }),
      9,
      4,
    );
    assert.equal(res.trials.length, 13);
    for (let i = 1; i < res.trials.length; i++)
      assert.ok((res.trials[i]?.gamma ?? 0) > (res.trials[i - 1]?.gamma ?? 0));
    const bestGrid = Math.max(...res.trials.filter((t) => t.stage === 'grid').map((t) => t.score));
    assert.ok(res.best.score > bestGrid, 'refinement improves on the grid');
    assert.ok(Math.abs(Math.log(res.best.gamma / peak)) < 0.2);
  });
});

describe('compact day store for the γ search', () => {
  it('replays exactly the BBO and trade events pushed, in order, as fresh objects', () => {
    const store = new DayEventStore(1); // starts tiny: exercises growth
    const events: MarketEvent[] = [
      { kind: 'bbo', exchMs: 1000, recvS: 1.2, bidPx: 99.5, bidSz: 0.3, askPx: 100.5, askSz: 1.25 },
      { kind: 'trade', exchMs: 1001, recvS: 1.3, px: 100.5, sz: 0.1, side: 'buy', tid: 2 ** 52 + 3 },
      { kind: 'book', exchMs: 1001, recvS: 1.3, seq: 1, bids: [], asks: [] },
      { kind: 'trade', exchMs: 1002, recvS: 1.4, px: 99.5, sz: 0.2, side: 'sell', tid: 7 },
    ];
    for (const ev of events) store.push(ev);
    assert.equal(store.length, 3);
    assert.equal(store.firstMs, 1000);
    const out: MarketEvent[] = [];
    store.replay((ev) => out.push(ev));
    assert.deepEqual(out, [events[0], events[1], events[3]]);
    assert.notEqual(out[0], events[0]);
  });
});
