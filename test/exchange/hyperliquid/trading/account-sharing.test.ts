/**
 * What several coins traded from one address share, piece by piece: the user channels routed by coin, the
 * account's one dead man's switch (one schedule pushed for every coin, removed only when every coin is clean), one
 * cloid source, and one request budget counting every request.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCloidSource } from '../../../../src/exchange/hyperliquid/actions.ts';
import { RequestBudget } from '../../../../src/exchange/hyperliquid/http.ts';
import { AccountDeadMansSwitch } from '../../../../src/exchange/hyperliquid/trading/dead-mans-switch.ts';
import { newCloidPrefix } from '../../../../src/exchange/hyperliquid/trading/foreign-orders.ts';
import {
  closeStaleStoreOrders,
  routeUserMessage,
  userChannelSubscriptions,
} from '../../../../src/exchange/hyperliquid/trading/live-start.ts';
import { HyperliquidVenue } from '../../../../src/exchange/hyperliquid/trading/venue.ts';
import type { OrderRecord } from '../../../../src/store/records.ts';

const USER = '0x1111111111111111111111111111111111111111';

test('user channels: subscribed once per address; each message split by coin to its venue', () => {
  assert.deepEqual(userChannelSubscriptions(USER), [
    { type: 'orderUpdates', user: USER },
    { type: 'userFills', user: USER },
  ]);
  const got: { coin: string; kind: string; data: unknown }[] = [];
  const target = (coin: string) =>
    coin === 'DOGE'
      ? undefined // a coin this process does not trade (another bot on the account): dropped
      : {
          onOrderUpdates: (data: unknown) => got.push({ coin, kind: 'orderUpdates', data }),
          onUserFills: (data: unknown) => got.push({ coin, kind: 'userFills', data }),
        };
  const u = (coin: string, oid: number) => ({ order: { coin, oid }, status: 'open', statusTimestamp: 1 });
  assert.equal(
    routeUserMessage(
      { channel: 'other', name: 'orderUpdates', data: [u('BTC', 1), u('ETH', 2), u('BTC', 3), u('DOGE', 4)] },
      target,
    ),
    true,
  );
  assert.deepEqual(got, [
    { coin: 'BTC', kind: 'orderUpdates', data: [u('BTC', 1), u('BTC', 3)] },
    { coin: 'ETH', kind: 'orderUpdates', data: [u('ETH', 2)] },
  ]);
  got.length = 0;
  const f = (coin: string, tid: number) => ({ coin, tid });
  routeUserMessage(
    {
      channel: 'other',
      name: 'userFills',
      data: { isSnapshot: true, user: USER, fills: [f('SOL', 7), f('ETH', 8), f('SOL', 9)] },
    },
    target,
  );
  // Each venue gets the message's own fields (isSnapshot decides the latency sample) with its coin's fills only.
  assert.deepEqual(got, [
    {
      coin: 'SOL',
      kind: 'userFills',
      data: { isSnapshot: true, user: USER, fills: [f('SOL', 7), f('SOL', 9)] },
    },
    { coin: 'ETH', kind: 'userFills', data: { isSnapshot: true, user: USER, fills: [f('ETH', 8)] } },
  ]);
  // Market data is not a user channel's.
  assert.equal(routeUserMessage({ channel: 'pong' } as never, target), false);
});

class SwitchExchange {
  schedules: (number | undefined)[] = [];
  async scheduleCancel(timeMs?: number): Promise<void> {
    this.schedules.push(timeMs);
  }
  async placeOrders() {
    return [];
  }
  async cancelByCloid() {
    return [];
  }
  async modify(): Promise<never> {
    throw new Error('unused');
  }
  async batchModify() {
    return [];
  }
}

test("one switch for the account: every coin's tick pushes the same schedule, at most once per horizon/3", async () => {
  let wall = 1_000_000;
  const exchange = new SwitchExchange();
  const dms = new AccountDeadMansSwitch(exchange, {
    dmsMs: 30_000,
    exchangeNowMs: () => wall,
    wallNowMs: () => wall,
  });
  const nextCloid = createCloidSource(newCloidPrefix());
  const venue = (coin: string, asset: number) =>
    new HyperliquidVenue({
      exchange,
      info: { frontendOpenOrders: async () => [] },
      coin,
      asset,
      wallNowMs: () => wall,
      exchangeNowMs: () => wall,
      shared: { deadMansSwitch: dms, nextCloid },
    });
  const btc = venue('BTC', 0);
  const eth = venue('ETH', 1);
  await dms.switch.arm();
  assert.deepEqual(exchange.schedules, [wall + 30_000], 'armed once');
  // Both coins tick within the push interval (10 s): no second push.
  wall += 5_000;
  btc.tick(wall);
  eth.tick(wall);
  await dms.switch.pushing;
  assert.equal(exchange.schedules.length, 1);
  // Past the interval: the first coin to tick pushes, the other finds it done.
  wall += 5_001;
  eth.tick(wall);
  btc.tick(wall);
  await dms.switch.pushing;
  assert.deepEqual(exchange.schedules, [1_030_000, wall + 30_000]);
  assert.equal(dms.counts.dmsPushes, 2);
  assert.equal(btc.counts.dmsPushes + eth.counts.dmsPushes, 0, 'no coin pushes a switch of its own');

  // The first coin to stop does not remove the account's schedule; the owner removes it once all are clean.
  await btc.cancelAll(wall);
  await btc.stop();
  assert.equal(btc.sweptClean, true);
  assert.equal(exchange.schedules.at(-1), wall + 30_000, 'still armed after BTC stopped');
  assert.equal(
    await dms.removeIfAllClean(
      new Map([
        ['BTC', true],
        ['ETH', false],
      ]),
    ),
    false,
    'ETH not clean: the switch stays armed',
  );
  assert.equal(exchange.schedules.length, 2);
  await eth.cancelAll(wall);
  await eth.stop();
  assert.equal(
    await dms.removeIfAllClean(
      new Map([
        ['BTC', btc.sweptClean === true],
        ['ETH', eth.sweptClean === true],
      ]),
    ),
    true,
  );
  assert.deepEqual(exchange.schedules.at(-1), undefined, 'removed: scheduleCancel without a time');
  assert.equal(exchange.schedules.length, 3);
});

test('one cloid source for every coin: cloids stay unique on the account and carry one process prefix', () => {
  const exchange = new SwitchExchange();
  const dms = new AccountDeadMansSwitch(exchange, { dmsMs: 0, exchangeNowMs: () => 0 });
  const nextCloid = createCloidSource(newCloidPrefix());
  const venues = ['BTC', 'ETH', 'SOL'].map(
    (coin, asset) =>
      new HyperliquidVenue({
        exchange,
        info: { frontendOpenOrders: async () => [] },
        coin,
        asset,
        shared: { deadMansSwitch: dms, nextCloid },
      }),
  );
  for (const [i, v] of venues.entries())
    v.submit([{ type: 'place', cid: 1, side: 'buy', px: 100 + i, sz: 1, tif: 'alo' }], 0);
  const cloids = venues.map((v) => v.cloidOf(1) as string);
  assert.equal(new Set(cloids).size, 3, 'cid 1 of three coins: three cloids');
  assert.equal(new Set(cloids.map((c) => c.slice(0, 18))).size, 1, 'one prefix');
  assert.deepEqual(
    cloids.map((c) => BigInt(`0x${c.slice(18)}`)),
    [1n, 2n, 3n],
  );
});

test('one request budget: every request of every user counted, with its weight', async () => {
  const budget = new RequestBudget({ now: () => 0 });
  await Promise.all([budget.take(1), budget.take(2), budget.take(20)]);
  budget.charge(3); // extra weight known after the answer: weight, not a request
  assert.deepEqual(budget.totals, { requests: 3, weight: 26 });
  assert.equal(budget.used(), 26);
});

test('store orders the exchange does not show are closed: filled when their fills complete them, else cancelled', () => {
  const row = (oid: number, cloid: string, filledSz: number): OrderRecord =>
    ({
      ...{ coin: 'ETH', side: 'buy', px: 1, sz: 1, status: 'open', createdMs: 0, updatedMs: 0, reason: null },
      oid,
      cloid,
      filledSz,
    }) as OrderRecord;
  const rows = [row(1, '0xa', 0), row(2, '0xb', 1), row(3, '0xc', 0)];
  const updates: {
    cloid: string | null | undefined;
    status: string | undefined;
    reason: string | null | undefined;
  }[] = [];
  const n = closeStaleStoreOrders(
    {
      openOrders: () => rows,
      updateOrder: (u) => {
        updates.push({ cloid: u.cloid, status: u.status, reason: u.reason });
        return true;
      },
    },
    'ETH',
    new Set([3]),
    'not open on the exchange at stop',
  );
  assert.equal(n, 2);
  assert.deepEqual(updates, [
    { cloid: '0xa', status: 'canceled', reason: 'not open on the exchange at stop' },
    { cloid: '0xb', status: 'filled', reason: 'not open on the exchange at stop' },
  ]);
});
