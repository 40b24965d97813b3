/**
 * HyperliquidVenue safety against a scripted exchange: failed cancels retried, unknown outcomes reconciled through
 * /info and late "open" pushes cancelled, stop refusing new orders and keeping the dead man's switch armed while
 * anything may rest, stale switch blocking places.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VenueReportEvent } from '../../../../src/engine/venue.ts';
import type { OrderSpec } from '../../../../src/exchange/hyperliquid/actions.ts';
import { HttpStatusError, TransportError } from '../../../../src/exchange/hyperliquid/errors.ts';
import type { CancelStatus, HlOrderStatus } from '../../../../src/exchange/hyperliquid/exchange-client.ts';
import type { FrontendOpenOrder } from '../../../../src/exchange/hyperliquid/info-schemas.ts';
import { type ExchangeApi, HyperliquidVenue } from '../../../../src/exchange/hyperliquid/trading/venue.ts';

type Fault = Error | null;

class ScriptedExchange implements ExchangeApi {
  all: { type: string; arg: unknown }[] = [];
  nextOid = 100;
  /** Errors thrown by the next calls of each kind, in order (null = answer normally). */
  placeFaults: Fault[] = [];
  cancelFaults: Fault[] = [];
  modifyFaults: Fault[] = [];
  dmsFaults: Fault[] = [];
  cancelAlwaysFails = false;
  calls(type: string) {
    return this.all.filter((c) => c.type === type);
  }
  async placeOrders(orders: OrderSpec[]): Promise<HlOrderStatus[]> {
    this.all.push({ type: 'order', arg: orders });
    throwNext(this.placeFaults);
    return orders.map((o, index) => ({ index, cloid: o.cloid, kind: 'resting', oid: this.nextOid++ }));
  }
  async cancelByCloid(cancels: { asset: number; cloid: string }[]): Promise<CancelStatus[]> {
    this.all.push({ type: 'cancelByCloid', arg: cancels.map((c) => c.cloid) });
    if (this.cancelAlwaysFails) throw new TransportError('/exchange', new Error('timeout'));
    throwNext(this.cancelFaults);
    return cancels.map((_, index) => ({ index, kind: 'success' }));
  }
  async cancel(cancels: { asset: number; oid: number }[]): Promise<CancelStatus[]> {
    this.all.push({ type: 'cancel', arg: cancels.map((c) => c.oid) });
    if (this.cancelAlwaysFails) throw new TransportError('/exchange', new Error('timeout'));
    return cancels.map((_, index) => ({ index, kind: 'success' }));
  }
  async modify(oid: number | string, order: OrderSpec): Promise<HlOrderStatus> {
    this.all.push({ type: 'modify', arg: { oid, order } });
    throwNext(this.modifyFaults);
    return { index: 0, cloid: order.cloid, kind: 'resting', oid: this.nextOid++ };
  }
  async batchModify(modifies: { oid: number | string; order: OrderSpec }[]): Promise<HlOrderStatus[]> {
    this.all.push({ type: 'batchModify', arg: modifies });
    return modifies.map((m, index) => ({
      index,
      cloid: m.order.cloid,
      kind: 'resting',
      oid: this.nextOid++,
    }));
  }
  async scheduleCancel(timeMs?: number): Promise<void> {
    this.all.push({ type: 'scheduleCancel', arg: timeMs });
    throwNext(this.dmsFaults);
  }
}

function throwNext(faults: Fault[]): void {
  const e = faults.shift();
  if (e) throw e;
}

function openOrder(coin: string, oid: number, cloid: string | null): FrontendOpenOrder {
  return {
    coin,
    limitPx: '100',
    oid,
    side: 'B',
    sz: '1',
    origSz: '1',
    timestamp: 1,
    isTrigger: false,
    triggerPx: '0',
    triggerCondition: 'N/A',
    isPositionTpsl: false,
    reduceOnly: false,
    orderType: 'Limit',
    tif: 'Alo',
    cloid,
    children: [],
  };
}

function setup(opts: { unknownChecks?: number; sweepRounds?: number } = {}) {
  const ex = new ScriptedExchange();
  let wall = 1_000_000;
  /** What /info frontendOpenOrders answers next (a function of the call number); throws when it returns an Error. */
  let openOrders: (n: number) => FrontendOpenOrder[] | Error = () => [];
  let infoCalls = 0;
  const incidents: string[] = [];
  const venue = new HyperliquidVenue({
    exchange: ex,
    info: {
      frontendOpenOrders: async () => {
        const r = openOrders(infoCalls++);
        if (r instanceof Error) throw r;
        return r;
      },
    },
    coin: 'BTC',
    asset: 0,
    dmsMs: 30_000,
    wallNowMs: () => wall,
    onIncident: (kind) => incidents.push(kind),
    retryBaseMs: 1,
    unknownChecks: opts.unknownChecks,
    sweepRounds: opts.sweepRounds,
  });
  const got: VenueReportEvent[] = [];
  venue.onReports = (e) => got.push(...e);
  const settle = () => new Promise((r) => setTimeout(r, 10));
  return {
    ex,
    venue,
    got,
    settle,
    incidents,
    advance: (ms: number) => {
      wall += ms;
    },
    setOpenOrders: (f: (n: number) => FrontendOpenOrder[] | Error) => {
      openOrders = f;
    },
    infoCalls: () => infoCalls,
  };
}

const summary = (got: VenueReportEvent[]) => got.map((e) => `${e.report.type}:${e.report.cid}`);

test('a failed cancel is retried with back-off until the exchange confirms it', async () => {
  const { ex, venue, got, settle, advance } = setup();
  venue.submit([{ type: 'place', cid: 1, side: 'buy', px: 100, sz: 1, tif: 'alo' }], 0);
  await settle();
  const cloid = venue.cloidOf(1);
  ex.cancelFaults = [
    new TransportError('/exchange', new Error('timeout')),
    new HttpStatusError('/exchange', 502, ''),
  ];
  venue.submit([{ type: 'cancel', cid: 1 }], 0);
  await settle();
  assert.deepEqual(summary(got), ['ack:1'], 'no terminal report while the cancel failed');
  venue.tick(0); // retry not yet due (base 1 ms, wall clock frozen)
  await settle();
  assert.equal(ex.calls('cancelByCloid').length, 1);
  for (let i = 0; i < 2; i++) {
    advance(10);
    venue.tick(0);
    await settle();
  }
  assert.equal(ex.calls('cancelByCloid').length, 3, 'two retries');
  assert.deepEqual(
    ex.calls('cancelByCloid').map((c) => c.arg),
    [[cloid], [cloid], [cloid]],
  );
  assert.deepEqual(summary(got), ['ack:1', 'cancelled:1']);
  assert.equal(venue.counts.cancelRetries, 2);
  advance(10);
  venue.tick(0);
  await settle();
  assert.equal(ex.calls('cancelByCloid').length, 3, 'nothing more once cancelled');
});

test('a timed-out place is reported rejected only after /info misses it; a late "open" push gets it cancelled', async () => {
  const { ex, venue, got, settle, advance, infoCalls } = setup({ unknownChecks: 2 });
  ex.placeFaults = [new TransportError('/exchange', new Error('timeout'))];
  venue.submit([{ type: 'place', cid: 1, side: 'buy', px: 100, sz: 1, tif: 'alo' }], 0);
  await settle();
  assert.equal(infoCalls(), 1);
  assert.deepEqual(summary(got), [], 'one miss: still unknown, the side stays pending');
  advance(10);
  venue.tick(0);
  await settle();
  assert.equal(infoCalls(), 2);
  assert.deepEqual(summary(got), ['reject:1']);
  const cloid = venue.cloidOf(1);
  venue.onOrderUpdates([
    {
      order: { coin: 'BTC', cloid, oid: 555, side: 'B', limitPx: '100', sz: '1' },
      status: 'open',
      statusTimestamp: 1,
    },
  ]);
  await settle();
  assert.deepEqual(
    ex.calls('cancelByCloid').map((c) => c.arg),
    [[cloid]],
  );
  assert.deepEqual(summary(got), ['reject:1'], 'no second terminal report for the orphan');
  assert.equal(venue.restingOrders().length, 0);
  assert.equal(venue.counts.orphansCancelled, 1);
});

test('a place answered HTTP 502 is unknown, then reconciled as resting from /info', async () => {
  const { ex, venue, got, settle, advance, setOpenOrders } = setup();
  ex.placeFaults = [new HttpStatusError('/exchange', 502, 'bad gateway')];
  let cloid = '';
  setOpenOrders((n) => (n === 0 ? [] : [openOrder('BTC', 777, cloid.toUpperCase())]));
  venue.submit([{ type: 'place', cid: 1, side: 'buy', px: 100, sz: 1, tif: 'alo' }], 0);
  cloid = venue.cloidOf(1) as string;
  await settle();
  assert.deepEqual(summary(got), []);
  advance(10);
  venue.tick(0);
  await settle();
  assert.deepEqual(summary(got), ['ack:1']);
  assert.equal(got[0].oid, 777);
  assert.deepEqual(
    venue.restingOrders().map((o) => [o.cid, o.oid]),
    [[1, 777]],
  );
  assert.equal(venue.counts.unknownOutcomes, 1);
});

test('a modify that fails at the network level cancels both the old and the new cloid', async () => {
  const { ex, venue, got, settle } = setup();
  venue.submit([{ type: 'place', cid: 1, side: 'buy', px: 100, sz: 1, tif: 'alo' }], 0);
  await settle();
  ex.modifyFaults = [new TransportError('/exchange', new Error('socket hang up'))];
  venue.submit([{ type: 'modify', cid: 1, newCid: 2, side: 'buy', px: 99, sz: 1, tif: 'alo' }], 0);
  await settle();
  assert.deepEqual(
    ex.calls('cancelByCloid').map((c) => c.arg),
    [[venue.cloidOf(1), venue.cloidOf(2)]],
  );
  // The replacement's terminal report is its reject; the old order's is its cancel.
  assert.deepEqual(summary(got), ['ack:1', 'reject:2', 'cancelled:1']);
  assert.equal(venue.restingOrders().length, 0);
});

test('once stopping has begun, places and modifies are refused', async () => {
  const { ex, venue, got, settle } = setup();
  venue.submit([{ type: 'place', cid: 1, side: 'buy', px: 100, sz: 1, tif: 'alo' }], 0);
  await settle();
  await venue.cancelAll(0);
  got.length = 0;
  const ordersBefore = ex.calls('order').length;
  venue.submit(
    [
      { type: 'place', cid: 3, side: 'sell', px: 101, sz: 1, tif: 'alo' },
      { type: 'modify', cid: 1, newCid: 4, side: 'buy', px: 99, sz: 1, tif: 'alo' },
    ],
    0,
  );
  await settle();
  assert.equal(ex.calls('order').length, ordersBefore);
  assert.equal(ex.calls('modify').length, 0);
  assert.deepEqual(summary(got), ['reject:4', 'reject:3']);
  assert.match(got[1].message ?? '', /stopping/);
  assert.equal(venue.counts.refused, 1, 'the modify of a closed order is refused before the stop check');
});

test('stop sweeps every open order of the coin, then removes the switch only when /info shows none', async () => {
  const { ex, venue, settle, setOpenOrders } = setup();
  venue.submit([{ type: 'place', cid: 1, side: 'buy', px: 100, sz: 1, tif: 'alo' }], 0);
  await settle();
  let cancelled = false;
  // A manual order on BTC (no cloid) and one on ETH: the BTC one is cancelled by oid, ETH is left alone.
  setOpenOrders(() =>
    cancelled ? [openOrder('ETH', 9, null)] : [openOrder('BTC', 42, null), openOrder('ETH', 9, null)],
  );
  const origCancel = ex.cancel.bind(ex);
  ex.cancel = async (c) => {
    cancelled = true;
    return origCancel(c);
  };
  await venue.cancelAll(0);
  await venue.stop();
  assert.deepEqual(
    ex.calls('cancel').map((c) => c.arg),
    [[42]],
  );
  const dms = ex.calls('scheduleCancel');
  assert.equal(dms.at(-1)?.arg, undefined, 'schedule removed');
});

test("stop with a cancel that keeps failing leaves the dead man's switch armed", async () => {
  const { ex, venue, settle, setOpenOrders } = setup({ sweepRounds: 2 });
  venue.submit([{ type: 'place', cid: 1, side: 'buy', px: 100, sz: 1, tif: 'alo' }], 0);
  await settle();
  const cloid = venue.cloidOf(1) as string;
  setOpenOrders(() => [openOrder('BTC', 100, cloid)]);
  ex.cancelAlwaysFails = true;
  await venue.cancelAll(0);
  await venue.stop();
  const dms = ex.calls('scheduleCancel');
  assert.equal(dms.length, 1, 'only the arming push: the schedule is never removed');
  assert.notEqual(dms[0].arg, undefined);
  assert.ok(ex.calls('cancelByCloid').length >= 3, 'the sweep keeps trying to cancel');
});

test("a stale dead man's switch blocks places until a push succeeds", async () => {
  const { ex, venue, got, settle, advance } = setup();
  await venue.armDeadMansSwitch();
  assert.equal(venue.dmsStaleMs(), 25_000);
  ex.dmsFaults = [
    new TransportError('/exchange', new Error('timeout')),
    new TransportError('/exchange', new Error('x')),
  ];
  advance(10_000);
  venue.tick(0);
  await settle();
  advance(16_000); // last success 26 s ago
  venue.tick(0); // fails again
  await settle();
  venue.submit([{ type: 'place', cid: 1, side: 'buy', px: 100, sz: 1, tif: 'alo' }], 0);
  await settle();
  assert.equal(ex.calls('order').length, 0);
  assert.deepEqual(summary(got), ['reject:1']);
  assert.equal(got[0].message, "dead man's switch not armed");
  advance(1_000);
  venue.tick(0); // this push succeeds
  await settle();
  venue.submit([{ type: 'place', cid: 2, side: 'buy', px: 100, sz: 1, tif: 'alo' }], 0);
  await settle();
  assert.equal(ex.calls('order').length, 1);
  assert.deepEqual(summary(got), ['reject:1', 'ack:2']);
});

test('the first order waits for the first push; if it fails the order is refused', async () => {
  const { ex, venue, got, settle } = setup();
  ex.dmsFaults = [new TransportError('/exchange', new Error('timeout'))];
  venue.submit([{ type: 'place', cid: 1, side: 'buy', px: 100, sz: 1, tif: 'alo' }], 0);
  await settle();
  assert.deepEqual(
    ex.all.map((c) => c.type),
    ['scheduleCancel'],
  );
  assert.deepEqual(summary(got), ['reject:1']);
});

test('a cancel failing for longer than the horizon stops the switch pushes so the exchange cancels', async () => {
  const { ex, venue, settle, advance } = setup();
  venue.submit([{ type: 'place', cid: 1, side: 'buy', px: 100, sz: 1, tif: 'alo' }], 0);
  await settle();
  ex.cancelAlwaysFails = true;
  venue.submit([{ type: 'cancel', cid: 1 }], 0);
  await settle();
  for (let i = 0; i < 4; i++) {
    advance(10_000);
    venue.tick(0);
    await settle();
  }
  // Pushes at +10 s, +20 s, +30 s; at +40 s the cancel has failed for 40 s > 30 s: no push.
  assert.equal(ex.calls('scheduleCancel').length, 4);
});
