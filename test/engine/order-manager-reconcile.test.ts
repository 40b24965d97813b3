import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OrderManager } from '../../src/engine/order-manager.ts';
import type { DesiredQuotes } from '../../src/strategy/types.ts';

function want(bid: [number, number] | null, ask: [number, number] | null): DesiredQuotes {
  return {
    bid: bid && { side: 'buy', px: bid[0], sz: bid[1] },
    ask: ask && { side: 'sell', px: ask[0], sz: ask[1] },
    explain: null,
  };
}

describe('OrderManager.reconcile', () => {
  it('places one post-only order per side, then waits for the acks', () => {
    const om = new OrderManager();
    assert.deepEqual(om.reconcile(want([100, 1], [102, 1])), [
      { type: 'place', cid: 1, side: 'buy', px: 100, sz: 1, tif: 'alo' },
      { type: 'place', cid: 2, side: 'sell', px: 102, sz: 1, tif: 'alo' },
    ]);
    // In flight: a new price changes nothing until the venue answers.
    assert.deepEqual(om.reconcile(want([99, 1], [103, 1])), []);
    assert.ok(om.inFlight('buy') && om.inFlight('sell'));
    om.onReport({ type: 'ack', cid: 1, exchMs: 1 });
    assert.equal(om.order('buy')?.state, 'open');
    assert.deepEqual(om.reconcile(want([99, 1], [103, 1])), [
      { type: 'modify', cid: 1, newCid: 3, side: 'buy', px: 99, sz: 1, tif: 'alo' },
    ]);
  });

  it('keeps an order within the price tolerance and with the same size; replaces otherwise', () => {
    const om = new OrderManager({ priceToleranceBps: 1 }); // 1 bp of 100 000 = 10
    om.reconcile(want([100_000, 0.001], null));
    om.onReport({ type: 'ack', cid: 1, exchMs: 1 });
    assert.deepEqual(om.reconcile(want([100_010, 0.001], null)), []);
    assert.deepEqual(om.reconcile(want([99_991, 0.001], null)), []);
    assert.equal(om.reconcile(want([100_011, 0.001], null))[0]?.type, 'modify');
    const om2 = new OrderManager({ priceToleranceQuote: 5 });
    om2.reconcile(want([100, 1], null));
    om2.onReport({ type: 'ack', cid: 1, exchMs: 1 });
    assert.deepEqual(om2.reconcile(want([104, 1], null)), []);
    assert.equal(om2.reconcile(want([100, 2], null))[0]?.type, 'modify'); // size changed
  });

  it('cancel-then-place: cancels first, places only once the cancel is confirmed', () => {
    const om = new OrderManager({ replaceWith: 'cancel-then-place' });
    om.reconcile(want([100, 1], null));
    om.onReport({ type: 'ack', cid: 1, exchMs: 1 });
    assert.deepEqual(om.reconcile(want([99, 1], null)), [{ type: 'cancel', cid: 1 }]);
    assert.deepEqual(om.reconcile(want([99, 1], null)), []); // never two orders on a side
    om.onReport({ type: 'cancelled', cid: 1, exchMs: 2, reason: 'user' });
    assert.deepEqual(om.reconcile(want([99, 1], null)), [
      { type: 'place', cid: 2, side: 'buy', px: 99, sz: 1, tif: 'alo' },
    ]);
  });

  it('cancels a side the strategy no longer quotes', () => {
    const om = new OrderManager();
    om.reconcile(want([100, 1], [102, 1]));
    om.onReport({ type: 'ack', cid: 1, exchMs: 1 });
    om.onReport({ type: 'ack', cid: 2, exchMs: 1 });
    assert.deepEqual(om.reconcile(want([100, 1], null)), [{ type: 'cancel', cid: 2 }]);
    assert.deepEqual(om.cancelAll(), [{ type: 'cancel', cid: 1 }]);
  });

  it('a partial fill keeps the order (and its queue place); a full fill frees the side', () => {
    const om = new OrderManager();
    om.reconcile(want([100, 1], null));
    om.onReport({ type: 'ack', cid: 1, exchMs: 1 });
    const fill = (sz: number, leavesSz: number) =>
      om.onReport({
        type: 'fill',
        cid: 1,
        side: 'buy',
        px: 100,
        sz,
        feeQuote: 0,
        liquidity: 'maker',
        exchMs: 2,
        leavesSz,
      });
    fill(0.4, 0.6);
    assert.equal(om.order('buy')?.filledSz, 0.4);
    assert.deepEqual(om.reconcile(want([100, 1], null)), []);
    fill(0.6, 0);
    assert.equal(om.order('buy'), null);
    assert.equal(om.reconcile(want([100, 1], null))[0]?.type, 'place');
  });

  it('a modify whose replacement is rejected (post-only) frees the side', () => {
    const om = new OrderManager();
    om.reconcile(want([100, 1], null));
    om.onReport({ type: 'ack', cid: 1, exchMs: 1 });
    om.reconcile(want([101, 1], null));
    assert.equal(om.order('buy')?.state, 'pending-modify');
    om.onReport({ type: 'cancelled', cid: 1, exchMs: 2, reason: 'modified' });
    assert.equal(om.order('buy')?.cid, 2);
    assert.equal(om.order('buy')?.state, 'pending-new');
    om.onReport({ type: 'reject', cid: 2, exchMs: 2, reason: 'post-only-would-cross' });
    assert.equal(om.order('buy'), null);
    assert.equal(om.counts.rejects, 1);
  });

  it('a modify that succeeds: the replacement becomes the open order', () => {
    const om = new OrderManager();
    om.reconcile(want([100, 1], null));
    om.onReport({ type: 'ack', cid: 1, exchMs: 1 });
    om.reconcile(want([101, 1], null));
    om.onReport({ type: 'cancelled', cid: 1, exchMs: 2, reason: 'modified' });
    om.onReport({ type: 'ack', cid: 2, exchMs: 2 });
    assert.deepEqual(
      { cid: om.order('buy')?.cid, px: om.order('buy')?.px, state: om.order('buy')?.state },
      { cid: 2, px: 101, state: 'open' },
    );
  });

  it('a modify racing a fill: old order filled, replacement refused, side free', () => {
    const om = new OrderManager();
    om.reconcile(want([100, 1], null));
    om.onReport({ type: 'ack', cid: 1, exchMs: 1 });
    om.reconcile(want([101, 1], null));
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
    assert.equal(om.order('buy')?.state, 'pending-new'); // still waiting for the modify's answer
    assert.deepEqual(om.reconcile(want([101, 1], null)), []);
    om.onReport({ type: 'reject', cid: 2, exchMs: 3, reason: 'order-not-open' });
    assert.equal(om.order('buy'), null);
  });

  it('a cancel racing a fill: the cancel-reject frees the side; late reports for unknown ids are counted', () => {
    const om = new OrderManager();
    om.reconcile(want(null, [102, 1]));
    om.onReport({ type: 'ack', cid: 1, exchMs: 1 });
    om.reconcile(want(null, null));
    om.onReport({
      type: 'fill',
      cid: 1,
      side: 'sell',
      px: 102,
      sz: 0.5,
      feeQuote: 0,
      liquidity: 'maker',
      exchMs: 2,
      leavesSz: 0.5,
    });
    assert.equal(om.order('sell')?.state, 'pending-cancel');
    om.onReport({ type: 'cancelled', cid: 1, exchMs: 3, reason: 'user' });
    assert.equal(om.order('sell'), null);
    om.onReport({ type: 'cancel-reject', cid: 1, exchMs: 4 });
    assert.equal(om.counts.unknownReports, 1);
    // Fully filled before the cancel arrived:
    om.reconcile(want(null, [102, 1]));
    om.onReport({ type: 'ack', cid: 2, exchMs: 5 });
    om.reconcile(want(null, null));
    om.onReport({ type: 'cancel-reject', cid: 2, exchMs: 6 });
    assert.equal(om.order('sell'), null);
  });

  it('an order rejected on placement frees the side for the next reconcile', () => {
    const om = new OrderManager();
    om.reconcile(want([100, 1], null));
    om.onReport({ type: 'reject', cid: 1, exchMs: 1, reason: 'post-only-would-cross' });
    assert.deepEqual(om.reconcile(want([99, 1], null)), [
      { type: 'place', cid: 2, side: 'buy', px: 99, sz: 1, tif: 'alo' },
    ]);
    assert.deepEqual(om.counts, { places: 2, cancels: 0, modifies: 0, rejects: 1, unknownReports: 0 });
  });
});
