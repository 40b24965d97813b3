import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MarketEvent, Side } from '../../src/core/market.ts';
import type { OrderAction, VenueReport } from '../../src/core/orders.ts';
import { RateFeeModel } from '../../src/sim/fees.ts';
import { ConstantLatency } from '../../src/sim/latency.ts';
import { PowerProbQueue, RiskAverseQueue } from '../../src/sim/queue.ts';
import { SimVenue } from '../../src/sim/sim-venue.ts';

function bbo(exchMs: number, bidPx: number, bidSz: number, askPx: number, askSz: number): MarketEvent {
  return { kind: 'bbo', exchMs, recvS: exchMs / 1000, bidPx, bidSz, askPx, askSz };
}
let tid = 1;
function trade(exchMs: number, side: Side, px: number, sz: number): MarketEvent {
  return { kind: 'trade', exchMs, recvS: exchMs / 1000, px, sz, side, tid: tid++ };
}
function venue(opts: { latencyMs?: number; cancelMs?: number; prob?: boolean } = {}): SimVenue {
  return new SimVenue({
    queue: opts.prob ? new PowerProbQueue(3) : new RiskAverseQueue(),
    latency: new ConstantLatency(opts.latencyMs ?? 0, opts.cancelMs ?? opts.latencyMs ?? 0),
    fees: new RateFeeModel(0.00015, 0.00045),
  });
}
function bid(cid: number, px: number, sz: number, tif: 'alo' | 'gtc' | 'ioc' = 'alo'): OrderAction {
  return { type: 'place', cid, side: 'buy', px, sz, tif };
}
function take(v: SimVenue): VenueReport[] {
  const out = [...v.reports];
  v.clearReports();
  return out;
}
function fills(reports: VenueReport[]) {
  return reports.filter((r) => r.type === 'fill');
}

describe('SimVenue queue position', () => {
  it('joins behind the displayed size; trades at the price consume the queue ahead, then fill (partially)', () => {
    const v = venue();
    v.onEvent(bbo(1000, 100, 5, 101, 2));
    v.submit(bid(1, 100, 1), 1000);
    assert.deepEqual(take(v), [{ type: 'ack', cid: 1, exchMs: 1000 }]);
    assert.equal(v.openOrders()[0].aheadSz, 5);
    v.onEvent(trade(1001, 'sell', 100, 3)); // 5 → 2 ahead
    assert.equal(fills(take(v)).length, 0);
    assert.equal(v.openOrders()[0].aheadSz, 2);
    v.onEvent(trade(1002, 'buy', 101, 4)); // a buy aggressor never touches our bid
    v.onEvent(trade(1003, 'sell', 100, 2.4)); // 2 ahead consumed, 0.4 fills us
    const f1 = fills(take(v));
    assert.equal(f1.length, 1);
    assert.deepEqual(
      { px: f1[0].px, sz: f1[0].sz, leaves: f1[0].type === 'fill' && f1[0].leavesSz, liq: f1[0].liquidity },
      { px: 100, sz: 0.4, leaves: 0.6, liq: 'maker' },
    );
    assert.ok(Math.abs((f1[0].type === 'fill' ? f1[0].feeQuote : 0) - 100 * 0.4 * 0.00015) < 1e-15);
    v.onEvent(trade(1004, 'sell', 100, 5)); // the rest (0.6) fills, order gone
    const f2 = fills(take(v));
    assert.equal(f2.length, 1);
    assert.ok(f2[0].type === 'fill' && Math.abs(f2[0].sz - 0.6) < 1e-12 && f2[0].leavesSz === 0);
    assert.equal(v.openOrders().length, 0);
  });

  it('a trade through our price fills at our price, up to the print size, whatever is ahead', () => {
    const v = venue();
    v.onEvent(bbo(1000, 100, 50, 101, 2));
    v.submit({ type: 'place', cid: 7, side: 'sell', px: 101, sz: 2, tif: 'alo' }, 1000);
    v.submit(bid(8, 100, 1), 1000);
    take(v);
    // Tiny trade below our bid: still a trade through (the 50 ahead at 100 were gone when the aggressor passed),
    // but the aggressor had only 0.01 left: it fills 0.01 of our 1, not all of it (the old rule's defect).
    v.onEvent(trade(1001, 'sell', 99, 0.01));
    v.onEvent(trade(1002, 'buy', 102, 0.5));
    const f = fills(take(v));
    assert.deepEqual(
      f.map((r) => r.type === 'fill' && [r.cid, r.side, r.px, r.sz, r.leavesSz]),
      [
        [8, 'buy', 100, 0.01, 0.99],
        [7, 'sell', 101, 0.5, 1.5],
      ],
    );
    assert.equal(v.openOrders().find((o) => o.cid === 8)?.aheadSz, 0, 'the queue ahead was swept');
    // A print larger than what is left fills the rest, and no more.
    v.onEvent(trade(1003, 'sell', 98, 5));
    assert.deepEqual(
      fills(take(v)).map((r) => r.type === 'fill' && [r.cid, r.sz, r.leavesSz]),
      [[8, 0.99, 0]],
    );
  });

  it('the touch moving through our price (best ask ≤ our bid) fills us as maker', () => {
    const v = venue();
    v.onEvent(bbo(1000, 100, 5, 101, 2));
    v.submit(bid(1, 100, 1), 1000);
    take(v);
    v.onEvent(bbo(1001, 99, 3, 100, 1));
    const f = fills(take(v));
    assert.equal(f.length, 1);
    assert.ok(f[0].type === 'fill' && f[0].px === 100 && f[0].liquidity === 'maker');
  });

  it('an order inside the spread has nothing ahead; later joiners queue behind it', () => {
    const v = venue();
    v.onEvent(bbo(1000, 100, 5, 102, 2));
    v.submit(bid(1, 101, 1), 1000);
    take(v);
    assert.equal(v.openOrders()[0].aheadSz, 0);
    v.onEvent(bbo(1001, 101, 4, 102, 2)); // others join at our price
    assert.equal(v.openOrders()[0].aheadSz, 0);
    v.onEvent(trade(1002, 'sell', 101, 0.25));
    const f = fills(take(v));
    assert.ok(f.length === 1 && f[0].type === 'fill' && f[0].sz === 0.25);
  });

  it('a level joined blind (behind the touch) counts everything displayed as ahead when it becomes visible', () => {
    const v = venue();
    v.onEvent(bbo(1000, 100, 5, 101, 2));
    v.submit(bid(1, 99, 1), 1000);
    take(v);
    assert.ok(Number.isNaN(v.openOrders()[0].aheadSz));
    v.onEvent(trade(1001, 'sell', 99, 3)); // level not visible: no fill, no advance
    assert.equal(fills(take(v)).length, 0);
    v.onEvent(bbo(1002, 99, 7, 100, 1));
    assert.equal(v.openOrders()[0].aheadSz, 7);
  });

  it('an order-book snapshot tracks the level behind the touch', () => {
    const v = venue();
    v.onEvent(bbo(1000, 100, 5, 101, 2));
    v.submit(bid(1, 98, 1), 1000);
    take(v);
    const book = (t: number, bids: [number, number][]): MarketEvent => ({
      kind: 'book',
      exchMs: t,
      recvS: t / 1000,
      seq: t,
      bids: bids.map(([px, sz]) => ({ px, sz })),
      asks: [{ px: 101, sz: 2 }],
    });
    v.onEvent(
      book(1001, [
        [100, 5],
        [99, 1],
        [98, 6],
        [97, 9],
      ]),
    );
    assert.equal(v.openOrders()[0].aheadSz, 6);
    v.onEvent(
      book(1002, [
        [100, 5],
        [99, 1],
        [98, 4],
        [97, 9],
      ]),
    );
    assert.equal(v.openOrders()[0].aheadSz, 4); // risk-averse: capped by what is displayed
    v.onEvent(
      book(1003, [
        [100, 5],
        [99, 1],
        [97, 9],
      ]),
    ); // level gone inside the snapshot: nothing ahead
    assert.equal(v.openOrders()[0].aheadSz, 0);
  });
});

describe('SimVenue fills bounded by the aggressor', () => {
  it('one sweep: the print at our price feeds the queue ahead then us; the print beyond fills what is left', () => {
    // Bid 100 with 0.3 ahead; a sell aggressor of 1.0 sweeps 101 (0.2, better than ours), 100 (0.5), 99 (0.3).
    // Hand-computed: 101 is better-priced liquidity (not ours); at 100 the 0.3 ahead go first, 0.2 fills us; the
    // 0.3 printed at 99 had met us first: 0.3 more. Total 0.5 of our 2, leaving 1.5.
    const v = venue();
    v.onEvent(bbo(1000, 100, 0.3, 101.5, 1));
    v.submit(bid(1, 100, 2), 1000);
    take(v);
    v.onEvent(trade(1001, 'sell', 101, 0.2));
    v.onEvent(trade(1001, 'sell', 100, 0.5));
    v.onEvent(trade(1001, 'sell', 99, 0.3));
    assert.deepEqual(
      fills(take(v)).map((r) => r.type === 'fill' && [r.px, r.sz, r.leavesSz]),
      [
        [100, 0.2, 1.8],
        [100, 0.3, 1.5],
      ],
    );
  });

  it('two of our bids share one print through both, best price first', () => {
    // Bids 100 (0.4) and 99.5 (1), nothing ahead of either (inside-spread joins); a sell print of 1 at 99:
    // 0.4 to the 100 bid, the remaining 0.6 to the 99.5 bid (leaves 0.4). Never more than the print's 1.
    const v = venue();
    v.onEvent(bbo(1000, 99, 3, 101, 1));
    v.submit(bid(1, 99.5, 1), 1000);
    v.submit(bid(2, 100, 0.4), 1000);
    take(v);
    v.onEvent(trade(1001, 'sell', 99, 1));
    assert.deepEqual(
      fills(take(v)).map((r) => r.type === 'fill' && [r.cid, r.px, r.sz, r.leavesSz]),
      [
        [2, 100, 0.4, 0],
        [1, 99.5, 0.6, 0.4],
      ],
    );
  });

  it('a print at our price with the level not visible yet is all ahead of us', () => {
    const v = venue();
    v.onEvent(bbo(1000, 100, 5, 101, 1));
    v.submit(bid(1, 99, 1), 1000); // behind the touch: size ahead unknown
    take(v);
    v.onEvent(trade(1001, 'sell', 99, 2));
    assert.equal(fills(take(v)).length, 0);
    v.onEvent(trade(1002, 'sell', 98, 0.25)); // through 99: the level is swept, 0.25 left for us
    assert.deepEqual(
      fills(take(v)).map((r) => r.type === 'fill' && [r.px, r.sz, r.leavesSz]),
      [[99, 0.25, 0.75]],
    );
  });
});

describe('SimVenue latency', () => {
  it('an order still travelling misses a trade that a zero-latency order gets', () => {
    const run = (latencyMs: number) => {
      const v = venue({ latencyMs });
      v.onEvent(bbo(1000, 100, 5, 101, 2));
      v.submit(bid(1, 100, 1), 1000);
      v.onEvent(trade(1030, 'sell', 99, 1)); // trades through 100 at t = 1030
      return take(v);
    };
    assert.equal(fills(run(0)).length, 1);
    const late = run(50);
    assert.equal(fills(late).length, 0); // arrives at 1050, after the trade
  });

  it('an arrival in the same millisecond as a trade comes after it (pessimistic tie)', () => {
    const v = venue({ latencyMs: 50 });
    v.onEvent(bbo(1000, 100, 5, 101, 2));
    v.submit(bid(1, 100, 1), 1000);
    v.onEvent(trade(1050, 'sell', 99, 1));
    assert.equal(fills(v.reports).length, 0);
    v.onEvent(trade(1051, 'sell', 99, 1));
    const r = take(v);
    assert.deepEqual(
      r.map((x) => [x.type, x.exchMs]),
      [
        ['ack', 1050],
        ['fill', 1051],
      ],
    );
  });

  it('a fill before the cancel arrives stands; the late cancel is refused', () => {
    const v = venue({ latencyMs: 0, cancelMs: 20 });
    v.onEvent(bbo(1000, 100, 0, 101, 2));
    v.submit(bid(1, 100, 1), 1000);
    v.submit({ type: 'cancel', cid: 1 }, 1000);
    v.onEvent(trade(1010, 'sell', 100, 1));
    v.onEvent(bbo(1030, 100, 3, 101, 2));
    assert.deepEqual(
      take(v).map((x) => x.type),
      ['ack', 'fill', 'cancel-reject'],
    );
  });

  it('a cancel that arrives in time removes the order', () => {
    const v = venue({ cancelMs: 5 });
    v.onEvent(bbo(1000, 100, 0, 101, 2));
    v.submit(bid(1, 100, 1), 1000);
    v.submit({ type: 'cancel', cid: 1 }, 1000);
    v.onEvent(trade(1010, 'sell', 99, 1));
    assert.deepEqual(
      take(v).map((x) => x.type),
      ['ack', 'cancelled'],
    );
  });
});

describe('SimVenue order types', () => {
  it('rejects a post-only order that would cross on arrival (Hyperliquid ALO)', () => {
    const v = venue({ latencyMs: 10 });
    v.onEvent(bbo(1000, 100, 5, 102, 2));
    v.submit(bid(1, 101, 1), 1000); // fine when sent…
    v.onEvent(bbo(1005, 100, 5, 101, 2)); // …but the ask comes down to 101 before it arrives
    v.onEvent(bbo(1020, 100, 5, 101, 2));
    assert.deepEqual(take(v), [{ type: 'reject', cid: 1, exchMs: 1010, reason: 'post-only-would-cross' }]);
    assert.equal(v.openOrders().length, 0);
  });

  it('fills a crossing gtc order at the touch as taker with the taker fee', () => {
    const v = venue();
    v.onEvent(bbo(1000, 100, 5, 101, 2));
    v.submit(bid(1, 101.5, 2, 'gtc'), 1000);
    const r = take(v);
    assert.equal(r.length, 1);
    const f = r[0];
    assert.ok(f.type === 'fill');
    assert.equal(f.px, 101);
    assert.equal(f.sz, 2);
    assert.equal(f.liquidity, 'taker');
    assert.ok(Math.abs(f.feeQuote - 101 * 2 * 0.00045) < 1e-12); // 0.0909 USDC
    assert.equal(f.leavesSz, 0);
  });

  it('cancels an ioc order that does not cross', () => {
    const v = venue();
    v.onEvent(bbo(1000, 100, 5, 101, 2));
    v.submit(bid(1, 100, 1, 'ioc'), 1000);
    assert.deepEqual(take(v), [{ type: 'cancelled', cid: 1, exchMs: 1000, reason: 'ioc' }]);
  });

  it('a modify replaces the order atomically and loses its queue place; a modify of a filled order is rejected', () => {
    const v = venue();
    v.onEvent(bbo(1000, 100, 5, 101, 2));
    v.submit(bid(1, 100, 1), 1000);
    v.onEvent(trade(1001, 'sell', 100, 4)); // 1 ahead now
    v.submit({ type: 'modify', cid: 1, newCid: 2, side: 'buy', px: 100, sz: 1, tif: 'alo' }, 1001);
    assert.deepEqual(
      take(v).map((x) => [x.type, x.cid]),
      [
        ['ack', 1],
        ['cancelled', 1],
        ['ack', 2],
      ],
    );
    assert.equal(v.openOrders()[0].aheadSz, 5); // back of the displayed queue (BBO still says 5)
    v.onEvent(trade(1002, 'sell', 99, 1));
    v.submit({ type: 'modify', cid: 2, newCid: 3, side: 'buy', px: 99, sz: 1, tif: 'alo' }, 1002);
    assert.deepEqual(
      take(v).map((x) => [x.type, x.cid]),
      [
        ['fill', 2],
        ['reject', 3],
      ],
    );
  });

  it('refuses a duplicate cid and a non-positive size', () => {
    const v = venue();
    v.onEvent(bbo(1000, 100, 5, 101, 2));
    v.submit(bid(1, 99, 1), 1000);
    v.submit(bid(1, 98, 1), 1000);
    v.submit(bid(2, 98, 0), 1000);
    assert.deepEqual(
      take(v).map((x) => (x.type === 'reject' ? x.reason : x.type)),
      ['ack', 'duplicate-cid', 'invalid-order'],
    );
  });
});

describe('SimVenue with the probabilistic queue', () => {
  it('cancellations at the level move us forward by the model share', () => {
    const v = venue({ prob: true });
    v.onEvent(bbo(1000, 100, 2, 101, 2));
    v.submit(bid(1, 100, 1), 1000);
    take(v);
    v.onEvent(bbo(1001, 100, 10, 101, 2)); // 8 join behind us: ahead 2, back 8
    assert.equal(v.openOrders()[0].aheadSz, 2);
    v.onEvent(bbo(1002, 100, 7, 101, 2)); // 3 cancelled: p_back = 8³/(8³+2³) = 512/520
    assert.ok(Math.abs(v.openOrders()[0].aheadSz - (2 - (8 / 520) * 3)) < 1e-12);
  });

  it('the same cancellations do not move us with the risk-averse queue', () => {
    const v = venue();
    v.onEvent(bbo(1000, 100, 2, 101, 2));
    v.submit(bid(1, 100, 1), 1000);
    v.onEvent(bbo(1001, 100, 10, 101, 2));
    v.onEvent(bbo(1002, 100, 7, 101, 2));
    assert.equal(v.openOrders()[0].aheadSz, 2);
  });
});

describe('SimVenue market time', () => {
  it('ignores (and counts) an event older than the last one: a re-sent print cannot fill a later order', () => {
    const v = venue({ latencyMs: 100 });
    v.onEvent(bbo(10_000, 100, 5, 101, 2));
    v.submit(bid(1, 100, 1), 10_000);
    v.onEvent(bbo(10_200, 100, 5, 101, 2)); // the order arrived at 10 100
    assert.deepEqual(
      take(v).map((r) => `${r.type}@${r.exchMs}`),
      ['ack@10100'],
    );
    v.onEvent(trade(8000, 'sell', 99, 1)); // a print from before the order existed, through its price
    assert.equal(fills(take(v)).length, 0);
    assert.equal(v.ignoredOldEvents, 1);
    v.onEvent(trade(10_300, 'sell', 99, 1)); // the same print in its time would fill
    assert.deepEqual(
      fills(take(v)).map((r) => `${r.px}x${r.sz}@${r.exchMs}`),
      ['100x1@10300'],
    );
    assert.equal(v.ignoredOldEvents, 1);
  });
});
