import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OrderAction } from '../../src/core/orders.ts';
import { OrderManager } from '../../src/engine/order-manager.ts';
import type { DesiredQuotes, QuoteIntent } from '../../src/strategy/types.ts';

function ladder(bids: number[], asks: number[], sz = 1): DesiredQuotes {
  const b: QuoteIntent[] = bids.map((px) => ({ side: 'buy', px, sz }));
  const a: QuoteIntent[] = asks.map((px) => ({ side: 'sell', px, sz }));
  return { bid: b[0] ?? null, ask: a[0] ?? null, explain: null, bidLevels: b, askLevels: a };
}

function ackAll(om: OrderManager, actions: OrderAction[]): void {
  for (const a of actions) {
    if (a.type === 'place') om.onReport({ type: 'ack', cid: a.cid, exchMs: 1 });
    if (a.type === 'modify') {
      om.onReport({ type: 'cancelled', cid: a.cid, exchMs: 1, reason: 'modified' });
      om.onReport({ type: 'ack', cid: a.newCid, exchMs: 1 });
    }
  }
}

describe('OrderManager with 3 levels per side', () => {
  it('places 3 orders a side, then re-prices all of them in one reconcile (one batch of modifies)', () => {
    const om = new OrderManager({ levels: 3 });
    const first = om.reconcile(ladder([100, 99, 98], [102, 103, 104]));
    assert.deepEqual(
      first.map((a) => [a.type, a.cid, a.type === 'place' ? a.px : null]),
      [
        ['place', 1, 100],
        ['place', 2, 99],
        ['place', 3, 98],
        ['place', 4, 102],
        ['place', 5, 103],
        ['place', 6, 104],
      ],
    );
    assert.deepEqual(om.reconcile(ladder([90, 89, 88], [110, 111, 112])), [], 'all in flight');
    ackAll(om, first);
    assert.equal(om.orders('buy').length, 3);
    assert.equal(om.order('buy')?.px, 100, 'order() is the level nearest the touch');
    // The whole ladder moves 5 ticks: every level is modified, nearest the touch first.
    const moved = om.reconcile(ladder([95, 94, 93], [107, 108, 109]));
    assert.deepEqual(
      moved.map((a) => (a.type === 'modify' ? [a.cid, a.newCid, a.px] : a.type)),
      [
        [1, 7, 95],
        [2, 8, 94],
        [3, 9, 93],
        [4, 10, 107],
        [5, 11, 108],
        [6, 12, 109],
      ],
    );
    assert.equal(om.counts.modifies, 6);
  });

  it('a one-level shift keeps the orders already at a wanted price (queue place) and moves only the one left over', () => {
    const om = new OrderManager({ levels: 3 });
    ackAll(om, om.reconcile(ladder([100, 99, 98], [])));
    // Bids 101, 100, 99 wanted: 100 and 99 rest there already; 98 moves to 101.
    assert.deepEqual(om.reconcile(ladder([101, 100, 99], [])), [
      { type: 'modify', cid: 3, newCid: 4, side: 'buy', px: 101, sz: 1, tif: 'alo' },
    ]);
  });

  it('a filled level frees its slot; fewer wanted levels cancel the spare orders', () => {
    const om = new OrderManager({ levels: 3 });
    ackAll(om, om.reconcile(ladder([100, 99, 98], [])));
    om.onReport({
      type: 'fill',
      cid: 1,
      side: 'buy',
      px: 100,
      sz: 1,
      feeQuote: 0,
      liquidity: 'maker',
      exchMs: 2,
      leavesSz: 0,
    });
    assert.equal(om.orders('buy').length, 2);
    assert.deepEqual(om.reconcile(ladder([100, 99, 98], [])), [
      { type: 'place', cid: 4, side: 'buy', px: 100, sz: 1, tif: 'alo' },
    ]);
    om.onReport({ type: 'ack', cid: 4, exchMs: 3 });
    assert.deepEqual(om.reconcile(ladder([100], [])), [
      { type: 'cancel', cid: 2 },
      { type: 'cancel', cid: 3 },
    ]);
    assert.deepEqual(
      om.cancelAll().map((a) => a.type),
      ['cancel'],
    );
  });

  it('cancel-then-place never has more orders on a side (resting or in flight) than levels', () => {
    const om = new OrderManager({ levels: 2, replaceWith: 'cancel-then-place' });
    ackAll(om, om.reconcile(ladder([100, 99], [])));
    assert.deepEqual(om.reconcile(ladder([105, 104], [])), [
      { type: 'cancel', cid: 1 },
      { type: 'cancel', cid: 2 },
    ]);
    assert.deepEqual(om.reconcile(ladder([105, 104], [])), [], 'no place before the cancels are confirmed');
    om.onReport({ type: 'cancelled', cid: 1, exchMs: 2, reason: 'user' });
    assert.deepEqual(om.reconcile(ladder([105, 104], [])), [
      { type: 'place', cid: 3, side: 'buy', px: 105, sz: 1, tif: 'alo' },
    ]);
    assert.ok(om.orders('buy').length <= 2);
  });

  it('more desired levels than slots: the extra ones are ignored', () => {
    const om = new OrderManager({ levels: 2 });
    assert.equal(om.reconcile(ladder([100, 99, 98], [])).length, 2);
  });
});
