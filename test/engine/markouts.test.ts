import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runBacktestOnEvents } from '../../src/backtest/run.ts';
import { ratioWarning } from '../../src/backtest/sample-size.ts';
import { backtestJson } from '../../src/backtest/summary.ts';
import type { MarketEvent, Side } from '../../src/core/market.ts';
import { MarkoutTracker, markoutsJson, quantileSorted } from '../../src/engine/markouts.ts';
import { fillModelConfig, scaleLatency } from '../../src/sim/fill-model-config.ts';
import type { DesiredQuotes, Strategy } from '../../src/strategy/types.ts';

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} ≠ ${b}`);
const T0 = Date.UTC(2025, 0, 1);

describe('markouts (signed mid move after each fill; positive = good for us)', () => {
  it('quantiles interpolate linearly between order statistics', () => {
    assert.ok(Number.isNaN(quantileSorted([], 0.5)));
    assert.equal(quantileSorted([7], 0.9), 7);
    close(quantileSorted([0, 1], 0.1), 0.1);
    close(quantileSorted([-1, 2], 0.9), 1.7);
    close(quantileSorted([1, 2, 3, 4, 5], 0.5), 3);
  });

  it('measures a buy and a sell at 1, 10 and 60 s against the mid in force at each horizon (hand-computed)', () => {
    const m = new MarkoutTracker();
    m.onFill(0, 'buy', 100); // before any mid: not measured
    m.onMid(0, 100);
    m.onFill(500, 'buy', 99.5); // mid 100 at the fill
    m.onMid(1200, 101);
    m.onFill(2000, 'sell', 101.5); // mid 101 at the fill
    m.onMid(10_500, 99); // exactly the buy's 10 s horizon: this mid counts
    m.onMid(70_000, 102);
    const s = m.summary();
    assert.equal(s.fills, 3);
    assert.equal(s.unmeasured, 1);
    assert.equal(s.pending, 0);
    const [h1, h10, h60] = s.horizons;
    // 1 s: buy at 1500 sees 101 → +1 (100 bps); sell at 3000 sees 101 → 0.
    assert.equal(h1.horizonS, 1);
    assert.equal(h1.count, 2);
    close(h1.meanMoveQuote, 0.5);
    close(h1.meanMoveBps, 50);
    close(h1.p10MoveQuote, 0.1);
    close(h1.p50MoveQuote, 0.5);
    close(h1.p90MoveQuote, 0.9);
    // Against the fill price: buy 101 − 99.5 = 1.5; sell −(101 − 101.5) = 0.5.
    close(h1.meanVsFillQuote, 1);
    close(h1.adverseShare, 0);
    // 10 s: buy at 10 500 sees 99 → −1 (−100 bps); sell at 12 000 sees 99 → −(99 − 101) = +2 (198.0198 bps).
    close(h10.meanMoveQuote, 0.5);
    close(h10.meanMoveBps, (-100 + (2 / 101) * 1e4) / 2);
    close(h10.p10MoveQuote, -0.7);
    close(h10.adverseShare, 0.5);
    // 60 s: both due before the mid moves to 102 at 70 s: 99 still in force → −1 and +2.
    close(h60.meanMoveQuote, 0.5);
    close(h60.p90MoveQuote, 1.7);
  });

  it('bot time moving on without a BBO measures with the mid in force (the live path)', () => {
    const m = new MarkoutTracker([1]);
    m.onMid(0, 100);
    m.onFill(0, 'sell', 100.5);
    m.clock(999); // not due yet
    assert.equal(m.summary().pending, 1);
    m.clock(1001); // due at 1000, no BBO since: mid 100 → move 0, vs fill +0.5
    const [h] = m.summary().horizons;
    assert.equal(h.count, 1);
    assert.equal(h.meanMoveQuote, 0);
    close(h.meanVsFillQuote, 0.5);
    close(h.meanVsFillBps, 50);
  });

  it('keeps only the latest `window` fills in the statistics', () => {
    const m = new MarkoutTracker([1], 2);
    m.onMid(0, 100);
    const moves = [1, 2, 3, 4, 5];
    moves.forEach((d, i) => {
      const t = i * 10_000;
      m.onMid(t, 100);
      m.onFill(t, 'buy', 100);
      m.onMid(t + 1000, 100 + d);
    });
    const [h] = m.summary().horizons;
    assert.equal(h.count, 2);
    close(h.meanMoveQuote, 4.5); // the last two: 4 and 5
    assert.equal(m.summary().window, 2);
  });

  it('JSON: snake_case, units in the names, NaN as null', () => {
    const m = new MarkoutTracker([1]);
    const j = markoutsJson(m.summary()) as { horizons: Record<string, unknown>[]; sign: string };
    assert.match(j.sign, /positive = good for us/);
    assert.deepEqual(j.horizons[0].count, 0);
    assert.equal(j.horizons[0].mean_usdc, null);
    assert.equal(j.horizons[0].p50_bps, null);
  });
});

describe('markouts in the backtest', () => {
  /** Bid 99 / ask 101 one unit each, always. */
  const fixed = (): Strategy => {
    const q: DesiredQuotes = {
      bid: { side: 'buy', px: 99, sz: 1 },
      ask: { side: 'sell', px: 101, sz: 1 },
      explain: null,
    };
    return { name: 'fixed', quote: () => q, onFill: () => {} };
  };
  const bbo = (dt: number, bid: number, ask: number): MarketEvent => ({
    kind: 'bbo',
    exchMs: T0 + dt,
    recvS: 0,
    bidPx: bid,
    bidSz: 1,
    askPx: ask,
    askSz: 1,
  });
  const trade = (dt: number, side: Side, px: number): MarketEvent => ({
    kind: 'trade',
    exchMs: T0 + dt,
    recvS: 0,
    px,
    sz: 1,
    side,
    tid: dt,
  });

  it('a sell aggressor through our bid fills it; the mid falls after: an adverse (negative) markout', () => {
    const events = [
      bbo(0, 99.5, 100.5), // mid 100; our quotes go live after the latency
      bbo(1000, 99.5, 100.5),
      trade(2000, 'sell', 98), // through our bid at 99: we buy
      bbo(2500, 97.5, 99.5), // mid 98.5 (the ask stays above our re-placed bid at 99)
      bbo(80_000, 97.5, 99.5),
    ];
    const r = runBacktestOnEvents(events, {
      strategy: fixed(),
      params: { sigma: 1, A: 1, k: 1, gamma: 0.1 },
      orderSizeBase: 1,
      maxPositionLots: 5,
      latencyMs: 100,
    });
    assert.equal(r.buyFills, 1);
    const [h1, h10, h60] = r.markouts.horizons;
    for (const h of [h1, h10, h60]) {
      assert.equal(h.count, 1);
      close(h.meanMoveQuote, -1.5); // mid 100 at the fill, 98.5 after: −1.5 USDC per unit
      close(h.meanMoveBps, -150);
      close(h.meanVsFillQuote, -0.5); // 98.5 − 99
      assert.equal(h.adverseShare, 1);
    }
    const j = backtestJson(r) as {
      markouts: { horizons: { horizon_s: number; mean_usdc: number }[] };
      sharpe_warning: string;
      sample_sizes: { fills: number };
    };
    assert.deepEqual(
      j.markouts.horizons.map((h) => [h.horizon_s, h.mean_usdc]),
      [
        [1, -1.5],
        [10, -1.5],
        [60, -1.5],
      ],
    );
    assert.equal(j.sample_sizes.fills, 1);
    assert.match(j.sharpe_warning, /1 fills \(under 30\)/);
  });
});

describe('the report tells the truth', () => {
  it('Sharpe/Sortino are flagged under 30 fills or 60 trading minutes', () => {
    assert.equal(ratioWarning(30, 60), null);
    assert.equal(ratioWarning(29, 60), 'too small a sample for Sharpe/Sortino: 29 fills (under 30)');
    assert.equal(
      ratioWarning(100, 12),
      'too small a sample for Sharpe/Sortino: 12 trading minutes (under 60)',
    );
  });

  it('the latency sweep scales order and cancel latency and nothing else', () => {
    const c = fillModelConfig({
      queue: 'risk-averse',
      queuePower: 3,
      entryLatencyMs: 100,
      cancelLatencyMs: 80,
      makerFeeRate: 0.00015,
      takerFeeRate: 0.00045,
    });
    const two = scaleLatency(c, 2);
    assert.equal(two.entryLatencyMs, 200);
    assert.equal(two.cancelLatencyMs, 160);
    assert.equal(two.makerFeeRate, 0.00015);
    assert.equal(two.queuePower, 3);
    assert.equal(scaleLatency(c, 0).entryLatencyMs, 0);
    assert.equal(c.entryLatencyMs, 100, 'the original settings are untouched');
  });
});
