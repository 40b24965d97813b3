import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MarketEvent } from '../../src/core/market.ts';
import type { OrderAction, TimeInForce, VenueReport } from '../../src/core/orders.ts';
import { RateFeeModel } from '../../src/sim/fees.ts';
import { ConstantLatency } from '../../src/sim/latency.ts';
import { RiskAverseQueue } from '../../src/sim/queue.ts';
import { SimVenue } from '../../src/sim/sim-venue.ts';

function bbo(exchMs: number, bidPx: number, bidSz: number, askPx: number, askSz: number): MarketEvent {
  return { kind: 'bbo', exchMs, recvS: exchMs / 1000, bidPx, bidSz, askPx, askSz };
}
function book(exchMs: number, bids: [number, number][], asks: [number, number][]): MarketEvent {
  return {
    kind: 'book',
    exchMs,
    recvS: exchMs / 1000,
    seq: exchMs,
    bids: bids.map(([px, sz]) => ({ px, sz })),
    asks: asks.map(([px, sz]) => ({ px, sz })),
  };
}
function venue(): SimVenue {
  return new SimVenue({
    queue: new RiskAverseQueue(),
    latency: new ConstantLatency(0),
    fees: new RateFeeModel(0.00015, 0.00045),
  });
}
function order(cid: number, side: 'buy' | 'sell', px: number, sz: number, tif: TimeInForce): OrderAction {
  return { type: 'place', cid, side, px, sz, tif };
}
function take(v: SimVenue): VenueReport[] {
  const out = [...v.reports];
  v.clearReports();
  return out;
}
/** [px, sz, leavesSz] of each fill, and the fees. */
function fillRows(reports: VenueReport[]): [number, number, number][] {
  return reports.flatMap((r) =>
    r.type === 'fill' ? [[r.px, r.sz, r.leavesSz] as [number, number, number]] : [],
  );
}
function near(a: number, b: number): void {
  assert.ok(Math.abs(a - b) < 1e-9, `${a} ≠ ${b}`);
}

// Bids 100 × 5, 99.5 × 0.5, 99 × 3; asks 101 × 2, 102 × 1.5, 103 × 4 (sizes in base units, prices in USDC).
const BIDS: [number, number][] = [
  [100, 5],
  [99.5, 0.5],
  [99, 3],
];
const ASKS: [number, number][] = [
  [101, 2],
  [102, 1.5],
  [103, 4],
];
function deepVenue(): SimVenue {
  const v = venue();
  v.onEvent(book(1000, BIDS, ASKS));
  v.onEvent(bbo(1000, 100, 5, 101, 2));
  return v;
}

describe('SimVenue: crossing orders walk the book when depth is known', () => {
  it('without any snapshot (BBO only) a crossing order still fills in full at the touch', () => {
    const v = venue();
    v.onEvent(bbo(1000, 100, 5, 101, 2));
    v.submit(order(1, 'buy', 103, 5, 'gtc'), 1000);
    assert.deepEqual(fillRows(take(v)), [[101, 5, 0]]);
  });

  it('an ioc buy takes level by level within its limit, each fill at its level with the taker fee; the rest is cancelled', () => {
    const v = deepVenue();
    v.submit(order(1, 'buy', 102.5, 4, 'ioc'), 1000);
    const r = take(v);
    // 2 at 101 (all of the touch), 1.5 at 102; 103 is beyond the limit: 0.5 left, cancelled.
    assert.deepEqual(fillRows(r), [
      [101, 2, 2],
      [102, 1.5, 0.5],
    ]);
    const fees = r.flatMap((x) => (x.type === 'fill' ? [x.feeQuote] : []));
    near(fees[0], 2 * 101 * 0.00045); // 0.0909 USDC
    near(fees[1], 1.5 * 102 * 0.00045); // 0.06885 USDC
    assert.ok(r.every((x) => x.type !== 'fill' || x.liquidity === 'taker'));
    assert.deepEqual(r.at(-1), { type: 'cancelled', cid: 1, exchMs: 1000, reason: 'ioc' });
    // VWAP of the walk: (202 + 153) / 3.5 = 101.428571… USDC
    const rows = fillRows(r);
    near(rows.reduce((s, [px, sz]) => s + px * sz, 0) / rows.reduce((s, [, sz]) => s + sz, 0), 355 / 3.5);
    assert.equal(v.openOrders().length, 0);
  });

  it('an ioc sell walks the bids down to its limit', () => {
    const v = deepVenue();
    v.submit(order(1, 'sell', 99, 6, 'ioc'), 1000);
    assert.deepEqual(fillRows(take(v)), [
      [100, 5, 1],
      [99.5, 0.5, 0.5],
      [99, 0.5, 0],
    ]);
  });

  it('a gtc rests what the levels within its limit could not fill, first in line; taken liquidity stays taken until the next snapshot', () => {
    const v = deepVenue();
    v.submit(order(1, 'buy', 102, 4, 'gtc'), 1000);
    const r = take(v);
    assert.deepEqual(fillRows(r), [
      [101, 2, 2],
      [102, 1.5, 0.5],
    ]);
    assert.equal(r.at(-1)?.type, 'ack');
    assert.deepEqual(
      v.openOrders().map((o) => [o.px, o.leavesSz, o.aheadSz]),
      [[102, 0.5, 0]],
    );
    // The recorded BBO still shows 101 × 2, which we took: no touch-through fill of our resting 102 bid.
    v.onEvent(bbo(1001, 100, 5, 101, 2));
    assert.deepEqual(fillRows(take(v)), []);
    // A second taker finds 101 and 102 taken and goes on to 103.
    v.submit(order(2, 'buy', 103, 1, 'ioc'), 1001);
    assert.deepEqual(fillRows(take(v)), [[103, 1, 0]]);
    // The recorded book refreshes: the ask at 101 is displayed again and moves through our 102 bid (maker fill
    // at our price, the touch-through rule).
    v.onEvent(book(1002, BIDS, ASKS));
    v.onEvent(bbo(1002, 100, 5, 101, 2));
    const after = take(v);
    assert.deepEqual(fillRows(after), [[102, 0.5, 0]]);
    assert.ok(after[0].type === 'fill' && after[0].liquidity === 'maker');
  });

  it('a BBO newer than the snapshot sets the touch; the snapshot gives the levels beyond it', () => {
    const v = deepVenue();
    // The ask at 101 has gone and 102 shows 1 (the snapshot still says 101 × 2, 102 × 1.5).
    v.onEvent(bbo(1005, 100, 5, 102, 1));
    v.submit(order(1, 'buy', 103, 3, 'ioc'), 1005);
    assert.deepEqual(fillRows(take(v)), [
      [102, 1, 2],
      [103, 2, 0],
    ]);
  });

  it('post-only orders that would cross are still rejected, and a non-crossing ioc is cancelled untouched', () => {
    const v = deepVenue();
    v.submit(order(1, 'buy', 101, 1, 'alo'), 1000);
    v.submit(order(2, 'buy', 100.5, 1, 'ioc'), 1000);
    assert.deepEqual(take(v), [
      { type: 'reject', cid: 1, exchMs: 1000, reason: 'post-only-would-cross' },
      { type: 'cancelled', cid: 2, exchMs: 1000, reason: 'ioc' },
    ]);
  });
});
