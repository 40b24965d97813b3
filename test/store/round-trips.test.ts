import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  maxDrawdown,
  type RoundTrip,
  roundTrips,
  summarizeTrades,
  type TradeFill,
  unrealizedQuote,
} from '../../src/store/round-trips.ts';

const close = (actual: number | null, expected: number, tol = 1e-9) =>
  assert.ok(actual !== null && Math.abs(actual - expected) <= tol, `${actual} ≉ ${expected}`);

const buy = (px: number, sz: number, feeQuote: number, tsMs: number): TradeFill => ({
  side: 'buy',
  px,
  sz,
  feeQuote,
  tsMs,
});
const sell = (px: number, sz: number, feeQuote: number, tsMs: number): TradeFill => ({
  side: 'sell',
  px,
  sz,
  feeQuote,
  tsMs,
});

describe('roundTrips', () => {
  test('a long built in two fills and closed in one', () => {
    const [t, ...rest] = roundTrips([buy(100, 1, 0.1, 1), buy(102, 1, 0.1, 2), sell(105, 2, 0.2, 3)]);
    assert.equal(rest.length, 0);
    assert.equal(t.side, 'long');
    assert.equal(t.isOpen, false);
    assert.equal(t.openMs, 1);
    assert.equal(t.closeMs, 3);
    assert.equal(t.amountBase, 2);
    assert.equal(t.closedAmountBase, 2);
    assert.equal(t.maxPositionBase, 2);
    assert.equal(t.avgOpenPx, 101);
    assert.equal(t.avgClosePx, 105);
    assert.equal(t.costBasisPx, null);
    // 2·105 − (100 + 102) = 8 gross; fees 0.4; ratio 7.6 / 202.
    close(t.grossProfitQuote, 8);
    close(t.feesQuote, 0.4);
    close(t.profitQuote, 7.6);
    close(t.profitRatio, 7.6 / 202);
    assert.equal(t.fills, 3);
  });

  test('a fill crossing through zero closes one trade and opens the other side, sharing its fee by size', () => {
    const trips = roundTrips([buy(100, 0.3, 0.03, 1), sell(110, 0.5, 0.05, 2), buy(105, 0.2, 0.02, 3)]);
    assert.equal(trips.length, 2);
    const [long, short] = trips;
    // Long: 0.3·(110 − 100) = 3 gross; fees 0.03 + 0.05·0.3/0.5 = 0.06.
    assert.equal(long.side, 'long');
    assert.equal(long.closeMs, 2);
    close(long.grossProfitQuote, 3);
    close(long.feesQuote, 0.06);
    close(long.profitQuote, 2.94);
    // Short opened by the rest of the crossing fill: 0.2 at 110, closed at 105: 0.2·5 = 1; fees 0.02 + 0.02.
    assert.equal(short.id, 2);
    assert.equal(short.side, 'short');
    assert.equal(short.openMs, 2);
    assert.equal(short.closeMs, 3);
    close(short.amountBase, 0.2);
    assert.equal(short.avgOpenPx, 110);
    assert.equal(short.avgClosePx, 105);
    close(short.grossProfitQuote, 1);
    close(short.feesQuote, 0.04);
    close(short.profitQuote, 0.96);
    close(short.profitRatio, 0.96 / (0.2 * 110));
    assert.equal(long.fills + short.fills, 4); // the crossing fill counts in both
  });

  test('partial closes use average cost; the whole trip equals sells − buys − fees', () => {
    // Buy 2@100; sell 1@110 (+10 on cost 100); buy 1@120 → 2 held at cost 110; sell 2@115 (+10).
    const [t] = roundTrips([buy(100, 2, 0, 1), sell(110, 1, 0, 2), buy(120, 1, 0, 3), sell(115, 2, 0, 4)]);
    close(t.grossProfitQuote, 20);
    close(t.grossProfitQuote, 110 + 230 - (200 + 120));
    close(t.amountBase, 3);
    close(t.avgOpenPx, 320 / 3);
    close(t.avgClosePx, 340 / 3);
    assert.equal(t.maxPositionBase, 2);
  });

  test('floating-point dust does not keep a trade open: 3 × 0.1 bought, 0.3 sold', () => {
    const trips = roundTrips([
      buy(100, 0.1, 0, 1),
      buy(100, 0.1, 0, 2),
      buy(100, 0.1, 0, 3),
      sell(101, 0.3, 0, 4),
    ]);
    assert.equal(trips.length, 1);
    assert.equal(trips[0].isOpen, false);
    close(trips[0].grossProfitQuote, 0.3);
  });

  test('a short that loses, then an open long left at the end with its unrealized profit at a mark', () => {
    const trips = roundTrips([
      sell(200, 1, 0.2, 1),
      buy(210, 1, 0.21, 2),
      buy(50, 2, -0.01, 3), // maker rebate
      sell(60, 0.5, -0.003, 4),
    ]);
    assert.equal(trips.length, 2);
    const [short, long] = trips;
    close(short.profitQuote, -10 - 0.41);
    assert.equal(long.isOpen, true);
    assert.equal(long.closeMs, null);
    close(long.openPositionBase, 1.5);
    close(long.costBasisPx!, 50);
    close(long.avgClosePx!, 60);
    // Realized so far: 0.5·(60 − 50) = 5, fees −0.013 (rebates) → 5.013.
    close(long.profitQuote, 5.013);
    close(unrealizedQuote(long, 70), 1.5 * 20);
    assert.equal(unrealizedQuote(short, 70), 0);
  });

  test('no fills, no trades; a bad fill is a bug', () => {
    assert.deepEqual(roundTrips([]), []);
    assert.throws(() => roundTrips([buy(100, 0, 0, 1)]), /sz=0/);
    assert.throws(() => roundTrips([buy(Number.NaN, 1, 0, 1)]), /px=NaN/);
  });
});

describe('maxDrawdown', () => {
  test('equity curve: the largest fall from a running peak', () => {
    const d = maxDrawdown([1000, 1010, 990, 1005, 980, 1020]);
    assert.equal(d.drawdownQuote, 30);
    close(d.drawdownRatio, 30 / 1010);
    assert.deepEqual([d.peakIndex, d.troughIndex, d.peakValue, d.troughValue], [1, 4, 1010, 980]);
  });

  test('with a starting value, a first point below it is a drawdown (index −1 = the start)', () => {
    const d = maxDrawdown([-3, 1], 0);
    assert.equal(d.drawdownQuote, 3);
    assert.equal(d.drawdownRatio, null); // the peak is 0: no ratio
    assert.equal(d.peakIndex, -1);
    assert.equal(d.troughIndex, 0);
    assert.equal(maxDrawdown([]).drawdownQuote, 0);
    assert.equal(maxDrawdown([1, 2, 3]).drawdownQuote, 0);
  });
});

describe('summarizeTrades', () => {
  const trip = (profitQuote: number, openMs: number, closeMs: number | null): RoundTrip => ({
    id: openMs,
    side: 'long',
    isOpen: closeMs === null,
    openMs,
    closeMs,
    amountBase: 1,
    closedAmountBase: closeMs === null ? 0 : 1,
    openPositionBase: closeMs === null ? 1 : 0,
    maxPositionBase: 1,
    avgOpenPx: 100,
    avgClosePx: closeMs === null ? null : 100 + profitQuote,
    costBasisPx: closeMs === null ? 100 : null,
    grossProfitQuote: profitQuote,
    feesQuote: 0.5,
    profitQuote,
    profitRatio: profitQuote / 100,
    fills: 2,
  });

  test('counts, winrate, profit factor, drawdown of cumulative closed profit', () => {
    const trips = [trip(5, 0, 10), trip(-2, 10, 30), trip(3, 30, 40), trip(-4, 40, 60), trip(0, 60, 70)];
    const s = summarizeTrades(trips, { startingBalanceQuote: 100 });
    assert.equal(s.tradeCount, 5);
    assert.equal(s.closedTradeCount, 5);
    assert.equal(s.winningTrades, 2);
    assert.equal(s.losingTrades, 2);
    assert.equal(s.drawTrades, 1);
    close(s.winrate, 0.4);
    close(s.profitFactor, 8 / 6);
    close(s.profitClosedQuote, 2);
    close(s.profitAllQuote, 2);
    close(s.feesQuote, 2.5);
    close(s.profitClosedRatio, 2 / 500);
    close(s.avgDurationMs, (10 + 20 + 10 + 20 + 10) / 5);
    assert.equal(s.firstTradeMs, 0);
    assert.equal(s.lastCloseMs, 70);
    // Balance 100 → 105 → 103 → 106 → 102 → 102: peak 106, trough 102.
    close(s.maxDrawdownClosed.drawdownQuote, 4);
    close(s.maxDrawdownClosed.drawdownRatio, 4 / 106);
  });

  test('an open trade counts in profit_all (realized part + unrealized at the mark), not in closed stats', () => {
    const open = { ...trip(1, 80, null), costBasisPx: 100, openPositionBase: 0.5 };
    const s = summarizeTrades([trip(5, 0, 10), open], { markPx: 104 });
    assert.equal(s.tradeCount, 2);
    assert.equal(s.closedTradeCount, 1);
    assert.equal(s.profitFactor, null); // no losing trade: undefined rather than infinite
    close(s.winrate, 1);
    close(s.profitAllQuote, 5 + 1 + 0.5 * 4);
  });

  test('no trades at all', () => {
    const s = summarizeTrades([]);
    assert.equal(s.winrate, 0);
    assert.equal(s.profitFactor, null);
    assert.equal(s.firstTradeMs, null);
    assert.equal(s.lastCloseMs, null);
    assert.equal(s.maxDrawdownClosed.drawdownQuote, 0);
  });

  test('from real fills end to end: two round trips', () => {
    const s = summarizeTrades(
      roundTrips([buy(100, 1, 0, 1), sell(103, 1, 0, 2), sell(103, 1, 0, 3), buy(104, 1, 0, 4)]),
    );
    assert.equal(s.closedTradeCount, 2);
    assert.equal(s.winningTrades, 1);
    assert.equal(s.losingTrades, 1);
    close(s.profitFactor, 3);
    close(s.maxDrawdownClosed.drawdownQuote, 1);
  });
});
