/**
 * HyperliquidVenue against a scripted exchange double: batching, per-order errors, modify/batchModify, rate-limit
 * handling, fills from userFills de-duplicated by tid, exchange-initiated cancels (dead man's switch).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VenueReportEvent } from '../../../../src/engine/venue.ts';
import type { OrderSpec } from '../../../../src/exchange/hyperliquid/actions.ts';
import { RateLimitedError } from '../../../../src/exchange/hyperliquid/errors.ts';
import type { CancelStatus, HlOrderStatus } from '../../../../src/exchange/hyperliquid/exchange-client.ts';
import { type ExchangeApi, HyperliquidVenue } from '../../../../src/exchange/hyperliquid/trading/venue.ts';
import { until } from '../../../support/wait.ts';

class ExchangeDouble implements ExchangeApi {
  all: { type: string; arg: unknown }[] = [];
  /** Order requests (the dead man's switch pushes are in `all` only). */
  get calls() {
    return this.all.filter((c) => c.type !== 'scheduleCancel');
  }
  nextOid = 100;
  placeErrors = new Map<number, string>();
  throwNext: Error | null = null;
  async placeOrders(orders: OrderSpec[]): Promise<HlOrderStatus[]> {
    this.all.push({ type: 'order', arg: orders });
    this.maybeThrow();
    return orders.map((o, index) =>
      this.placeErrors.has(index)
        ? { index, cloid: o.cloid, kind: 'error', message: this.placeErrors.get(index) as string }
        : { index, cloid: o.cloid, kind: 'resting', oid: this.nextOid++ },
    );
  }
  async cancelByCloid(cancels: { asset: number; cloid: string }[]): Promise<CancelStatus[]> {
    this.all.push({ type: 'cancelByCloid', arg: cancels });
    return cancels.map((_, index) => ({ index, kind: 'success' }));
  }
  async modify(oid: number | string, order: OrderSpec): Promise<HlOrderStatus> {
    this.all.push({ type: 'modify', arg: { oid, order } });
    this.maybeThrow();
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
  }
  private maybeThrow() {
    const e = this.throwNext;
    this.throwNext = null;
    if (e) throw e;
  }
}

function setup() {
  const ex = new ExchangeDouble();
  let wall = 1_000_000;
  const incidents: string[] = [];
  const venue = new HyperliquidVenue({
    exchange: ex,
    info: { frontendOpenOrders: async () => [] },
    coin: 'BTC',
    asset: 0,
    dmsMs: 30_000,
    wallNowMs: () => wall,
    onIncident: (kind) => incidents.push(kind),
  });
  const got: VenueReportEvent[] = [];
  venue.onReports = (e) => got.push(...e);
  const settle = () => new Promise((r) => setTimeout(r, 10));
  return { ex, venue, got, settle, incidents, advance: (ms: number) => (wall += ms) };
}

test('two new quotes go out as one ALO batch with cloids; one rejected order does not lose the other', async () => {
  const { ex, venue, got, settle } = setup();
  ex.placeErrors.set(1, 'Post only order would have immediately matched, bbo was 100000@100001. asset=0');
  venue.submit(
    [
      { type: 'place', cid: 1, side: 'buy', px: 99_990, sz: 0.001, tif: 'alo' },
      { type: 'place', cid: 2, side: 'sell', px: 100_001, sz: 0.001, tif: 'alo' },
    ],
    0,
  );
  await settle();
  assert.equal(ex.all[0].type, 'scheduleCancel', "the dead man's switch is armed before the first order");
  assert.equal(ex.calls.length, 1);
  const orders = ex.calls[0].arg as OrderSpec[];
  assert.deepEqual(
    orders.map((o) => [o.isBuy, o.price, o.size, o.tif]),
    [
      [true, 99_990, 0.001, 'Alo'],
      [false, 100_001, 0.001, 'Alo'],
    ],
  );
  assert.match(orders[0].cloid ?? '', /^0x[0-9a-f]{32}$/);
  assert.equal(venue.cloidOf(1), orders[0].cloid);
  assert.deepEqual(
    got.map((e) => [e.report.type, e.report.cid]),
    [
      ['ack', 1],
      ['reject', 2],
    ],
  );
  assert.equal(got[0].oid, 100);
  assert.equal(got[1].report.type === 'reject' && got[1].report.reason, 'post-only-would-cross');
});

test('one re-price is a modify; two in one step are one batchModify; old order reported cancelled(modified)', async () => {
  const { ex, venue, got, settle } = setup();
  venue.submit(
    [
      { type: 'place', cid: 1, side: 'buy', px: 99_990, sz: 0.001, tif: 'alo' },
      { type: 'place', cid: 2, side: 'sell', px: 100_010, sz: 0.001, tif: 'alo' },
    ],
    0,
  );
  await settle();
  venue.submit([{ type: 'modify', cid: 1, newCid: 3, side: 'buy', px: 99_980, sz: 0.001, tif: 'alo' }], 0);
  await settle();
  assert.equal(ex.calls[1].type, 'modify');
  assert.equal((ex.calls[1].arg as { oid: number }).oid, 100);
  venue.submit(
    [
      { type: 'modify', cid: 3, newCid: 4, side: 'buy', px: 99_970, sz: 0.001, tif: 'alo' },
      { type: 'modify', cid: 2, newCid: 5, side: 'sell', px: 100_020, sz: 0.001, tif: 'alo' },
    ],
    0,
  );
  await settle();
  assert.equal(ex.calls[2].type, 'batchModify');
  assert.equal(ex.calls.length, 3, 'two re-prices cost one request');
  const tail = got
    .slice(2)
    .map((e) => [e.report.type, e.report.cid, e.report.type === 'cancelled' ? e.report.reason : '']);
  assert.deepEqual(tail, [
    ['cancelled', 1, 'modified'],
    ['ack', 3, ''],
    ['cancelled', 3, 'modified'],
    ['ack', 4, ''],
    ['cancelled', 2, 'modified'],
    ['ack', 5, ''],
  ]);
  assert.deepEqual(
    venue
      .restingOrders()
      .map((o) => o.cid)
      .sort(),
    [4, 5],
  );
});

test('a rate-limit error rejects the orders of that request and is reported as an incident', async () => {
  const { ex, venue, got, settle, incidents } = setup();
  ex.throwNext = new RateLimitedError('order: Too many cumulative requests sent', 10_000, 'address');
  venue.submit([{ type: 'place', cid: 1, side: 'buy', px: 99_990, sz: 0.001, tif: 'alo' }], 0);
  await settle();
  assert.deepEqual(
    got.map((e) => e.report.type),
    ['reject'],
  );
  assert.match(got[0].message ?? '', /Too many cumulative requests/);
  assert.deepEqual(incidents, ['rate_limit']);
  assert.equal(venue.counts.rateLimited, 1);
});

test("fills come from userFills once per tid, with leaves; a dead man's switch cancel is reported", async () => {
  const { venue, got, settle } = setup();
  venue.submit(
    [
      { type: 'place', cid: 1, side: 'buy', px: 99_990, sz: 0.002, tif: 'alo' },
      { type: 'place', cid: 2, side: 'sell', px: 100_010, sz: 0.001, tif: 'alo' },
    ],
    0,
  );
  await settle();
  got.length = 0;
  const fill = {
    coin: 'BTC',
    px: '99990.0',
    sz: '0.001',
    side: 'B',
    time: 1_700_000_000_000,
    startPosition: '0.0',
    dir: 'Open Long',
    closedPnl: '0.0',
    hash: '0xabc',
    oid: 100,
    crossed: false,
    fee: '0.014998',
    tid: 77,
    feeToken: 'USDC',
  };
  venue.onUserFills({ user: '0x1', fills: [fill] });
  venue.onUserFills({ isSnapshot: true, user: '0x1', fills: [fill] }); // replayed on resubscribe
  assert.equal(got.length, 1);
  const r = got[0].report;
  assert.equal(r.type, 'fill');
  if (r.type === 'fill') {
    assert.equal(r.cid, 1);
    assert.equal(r.leavesSz, 0.001);
    assert.equal(r.liquidity, 'maker');
    assert.equal(r.feeQuote, 0.014998);
  }
  assert.equal(got[0].fill?.tid, 77);
  venue.onOrderUpdates([
    {
      order: {
        coin: 'BTC',
        side: 'A',
        limitPx: '100010.0',
        sz: '0.001',
        oid: 101,
        timestamp: 1,
        origSz: '0.001',
      },
      status: 'scheduledCancel',
      statusTimestamp: 1_700_000_000_500,
    },
  ]);
  assert.deepEqual(
    got.slice(1).map((e) => [e.report.type, e.report.cid]),
    [['cancelled', 2]],
  );
  await settle();
});

test("the dead man's switch is pushed forward every third of its horizon", async () => {
  const { ex, venue, settle, advance } = setup();
  await venue.armDeadMansSwitch();
  assert.equal(ex.all[0].arg, 1_000_000 + 30_000);
  venue.tick(0);
  await settle();
  assert.equal(ex.all.length, 1, 'not yet due');
  advance(10_000);
  venue.tick(0);
  await settle();
  assert.equal(ex.all.length, 2);
  assert.equal(ex.all[1].arg, 1_010_000 + 30_000);
});

test('orders are stamped on the bot clock, not the wall clock (a replay runs in exchange time)', async () => {
  const { venue, got } = setup(); // wall clock at 1,000,000 ms (1970)
  const botMs = Date.UTC(2025, 8, 14, 12, 0, 0); // replayed exchange time
  venue.submit([{ type: 'place', cid: 1, side: 'buy', px: 99_990, sz: 0.001, tif: 'alo' }], botMs);
  await until('the place is acked', () => got.some((e) => e.report.type === 'ack'));
  assert.deepEqual(
    venue.restingOrders().map((o) => [o.cid, o.createdMs]),
    [[1, botMs]],
  );
  // A re-price is a new order, stamped when it was decided.
  venue.submit(
    [{ type: 'modify', cid: 1, newCid: 2, side: 'buy', px: 99_980, sz: 0.001, tif: 'alo' }],
    botMs + 7_000,
  );
  await until('the replacement is acked', () =>
    got.some((e) => e.report.type === 'ack' && e.report.cid === 2),
  );
  assert.deepEqual(
    venue.restingOrders().map((o) => [o.cid, o.createdMs]),
    [[2, botMs + 7_000]],
  );
});
