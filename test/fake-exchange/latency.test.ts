import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import type { MarketEvent } from '../../src/core/market.ts';
import { MarketDataWriter } from '../../src/data/writer.ts';
import { type L1Action, orderAction } from '../../src/exchange/hyperliquid/actions.ts';
import { ExchangeClient } from '../../src/exchange/hyperliquid/exchange-client.ts';
import { HttpTransport } from '../../src/exchange/hyperliquid/http.ts';
import { Wallet } from '../../src/exchange/hyperliquid/wallet.ts';
import { CoinMarket } from '../../src/fake-exchange/coin-market.ts';
import { universeFor } from '../../src/fake-exchange/info-routes.ts';
import { type ExchangeAnswer, OrderEntry } from '../../src/fake-exchange/order-entry.ts';
import { ReplayClock } from '../../src/fake-exchange/replay-clock.ts';
import { startFakeExchange } from '../../src/fake-exchange/server.ts';
import { SubscriptionRegistry } from '../../src/fake-exchange/subscriptions.ts';
import { ConstantLatency, EmpiricalLatency, type LatencyModel } from '../../src/sim/latency.ts';
import { until } from '../support/wait.ts';

/**
 * The fake exchange's matching engine applies the shared latency model: an order action that reaches it at t takes
 * effect (and is answered) at t + the entry (or cancel) delay on the replay clock. Driven in process with a replay
 * clock on a hand-set wall clock (speed 1: exchange time = wall time), so every time below is exact.
 */
const T0 = 1_756_707_600_000;
const USER = '0x00000000000000000000000000000000000000aa';
const BID = 107_947;
const ASK = 107_948;

function world(latency: LatencyModel) {
  const wall = { ms: T0 };
  const clock = new ReplayClock(1, () => wall.ms);
  clock.anchor(T0);
  const market = new CoinMarket('BTC', false);
  const markets = new Map([['BTC', market]]);
  const entry = new OrderEntry({
    clock,
    markets,
    registry: new SubscriptionRegistry(),
    universe: universeFor(['BTC']),
    accounts: [{ address: USER }],
    latency,
    wallNowMs: () => wall.ms,
  });
  const account = entry.accounts.get(USER)!;
  /** One replayed event at exchange time `ms` (the wall clock moves there first, as the replay waits for it). */
  const bbo = (ms: number) => {
    wall.ms = ms;
    const ev: MarketEvent = {
      kind: 'bbo',
      exchMs: ms,
      recvS: ms / 1000,
      bidPx: BID,
      bidSz: 0.5,
      askPx: ASK,
      askSz: 1,
    };
    if (ev.kind === 'bbo') market.applyBbo(ev);
    clock.advanceTo(ms);
    entry.onMarketEvent('BTC', ev);
  };
  const trade = (ms: number, px: number, sz: number, side: 'buy' | 'sell') => {
    wall.ms = ms;
    const ev: MarketEvent = { kind: 'trade', exchMs: ms, recvS: ms / 1000, px, sz, side, tid: ms };
    if (ev.kind === 'trade') market.applyTrade(ev);
    clock.advanceTo(ms);
    entry.onMarketEvent('BTC', ev);
  };
  /** The wall (= replay) clock reaches `ms` with no market event: the matching engine's timer runs. */
  const at = (ms: number) => {
    wall.ms = ms;
    entry.applyDueActions();
  };
  const send = (ms: number, action: L1Action) => {
    wall.ms = ms;
    return entry.execute(account, action);
  };
  const open = () => entry.openOrdersOf(USER);
  return { entry, clock, bbo, trade, at, send, open };
}

const aloBid = (px = BID): L1Action => ({
  type: 'order',
  orders: [{ a: 0, b: true, p: String(px), s: '0.001', r: false, t: { limit: { tif: 'Alo' } } }],
  grouping: 'na',
});
const cancel = (oid: number): L1Action => ({ type: 'cancel', cancels: [{ a: 0, o: oid }] });

/** Settles `p` if it can settle now (the microtask queue drained), else 'pending'. */
async function peek<T>(p: T | Promise<T>): Promise<T | 'pending'> {
  return Promise.race([Promise.resolve(p), new Promise<'pending'>((r) => setImmediate(() => r('pending')))]);
}

function restingOid(answer: ExchangeAnswer | 'pending'): number {
  assert.notEqual(answer, 'pending');
  const a = answer as ExchangeAnswer;
  assert.equal(a.status, 'ok');
  // biome-ignore lint/suspicious/noExplicitAny: the answer's shape is checked field by field
  const status = (a as any).response.data.statuses[0];
  assert.ok(status.resting, JSON.stringify(status));
  return status.resting.oid;
}

describe('fake exchange: entry latency of the matching engine', () => {
  test('an Alo sent at t with 200 ms entry latency is not on the book at t+199 and is at t+200', async () => {
    const w = world(new ConstantLatency(200));
    w.bbo(T0 + 500);
    const answer = w.send(T0 + 1_000, aloBid());
    assert.ok(answer instanceof Promise, 'with a latency the answer waits for the matching engine');
    w.at(T0 + 1_199);
    assert.equal(w.open().length, 0);
    assert.equal(w.entry.deferredCount, 1);
    assert.equal(await peek(answer), 'pending');
    w.at(T0 + 1_200);
    assert.equal(w.entry.deferredCount, 0);
    const oid = restingOid(await peek(answer));
    assert.deepEqual(
      w.open().map((o) => [o.oid, o.timestamp]),
      [[oid, T0 + 1_200]],
      'on the book, stamped at its arrival at the matching engine',
    );
    w.entry.stop();
  });

  test('a recorded trade through its price before it arrives does not fill it; one after does', async () => {
    const w = world(new ConstantLatency(200));
    w.bbo(T0 + 500);
    const answer = w.send(T0 + 1_000, aloBid());
    w.trade(T0 + 1_100, BID - 1, 1, 'sell'); // through our bid, 100 ms before the order is live
    assert.equal(w.entry.fillsOf(USER).length, 0);
    // An event at the very millisecond of the arrival comes first (SimVenue's pessimistic rule): no fill either.
    w.trade(T0 + 1_200, BID - 1, 1, 'sell');
    assert.equal(w.entry.fillsOf(USER).length, 0);
    assert.equal(await peek(answer), 'pending');
    // The next event executes the order before itself (arrival strictly earlier), then fills it.
    w.trade(T0 + 1_300, BID - 1, 1, 'sell');
    const oid = restingOid(await peek(answer));
    const fills = w.entry.fillsOf(USER);
    assert.deepEqual(
      fills.map((f) => [f.oid, Number(f.px), Number(f.sz), f.time, f.crossed]),
      [[oid, BID, 0.001, T0 + 1_300, false]],
    );
    assert.equal(w.open().length, 0);
    w.entry.stop();
  });

  test('a cancel racing a fill: the fill wins when the cancel arrives after it, the cancel wins otherwise', async () => {
    // Orders at once, cancels 200 ms: the trade at t+100 fills the order the cancel was meant for.
    const slow = world(new ConstantLatency(0, 200));
    slow.bbo(T0 + 500);
    const oid = restingOid(await peek(slow.send(T0 + 1_000, aloBid())));
    const cancelled = slow.send(T0 + 1_000, cancel(oid));
    slow.trade(T0 + 1_100, BID - 1, 1, 'sell');
    assert.deepEqual(
      slow.entry.fillsOf(USER).map((f) => [f.oid, Number(f.sz)]),
      [[oid, 0.001]],
    );
    assert.equal(await peek(cancelled), 'pending');
    slow.at(T0 + 1_200);
    assert.deepEqual(await peek(cancelled), {
      status: 'ok',
      response: {
        type: 'cancel',
        data: { statuses: [{ error: 'Order was never placed, already canceled, or filled. asset=0' }] },
      },
    });
    slow.entry.stop();

    // Cancels 50 ms: the cancel reaches the book at t+50, before the trade at t+100 (which executes it first).
    const fast = world(new ConstantLatency(0, 50));
    fast.bbo(T0 + 500);
    const oid2 = restingOid(await peek(fast.send(T0 + 1_000, aloBid())));
    const cancelled2 = fast.send(T0 + 1_000, cancel(oid2));
    fast.trade(T0 + 1_100, BID - 1, 1, 'sell');
    assert.deepEqual(await peek(cancelled2), {
      status: 'ok',
      response: { type: 'cancel', data: { statuses: ['success'] } },
    });
    assert.equal(fast.entry.fillsOf(USER).length, 0);
    assert.equal(fast.entry.orders.get(oid2)?.status, 'canceled');
    assert.equal(fast.entry.orders.get(oid2)?.statusTimestamp, T0 + 1_050);
    fast.entry.stop();
  });

  test('latencies drawn from measured samples (--latency-file): seeded, in the order sent', async () => {
    const w = world(new EmpiricalLatency({ entryMs: [300], responseMs: [0] }, 7));
    w.bbo(T0 + 500);
    const first = w.send(T0 + 1_000, aloBid(BID));
    const second = w.send(T0 + 1_010, aloBid(BID - 1));
    w.at(T0 + 1_299);
    assert.equal(w.open().length, 0);
    w.at(T0 + 1_300);
    restingOid(await peek(first));
    assert.equal(await peek(second), 'pending');
    w.at(T0 + 1_310);
    restingOid(await peek(second));
    assert.deepEqual(
      w
        .open()
        .map((o) => o.timestamp)
        .sort(),
      [T0 + 1_300, T0 + 1_310],
    );
    w.entry.stop();
  });

  test('a timer racing the replay waits for the event the replay still owes before the due time', async () => {
    const w = world(new ConstantLatency(200));
    w.bbo(T0 + 500);
    const answer = w.send(T0 + 1_000, aloBid());
    // The wall clock is at t+250 but the replay has yet to emit a trade stamped t+150 (its sleep woke late).
    w.clock.nextEventMs = T0 + 1_150;
    w.at(T0 + 1_250);
    assert.equal(w.entry.deferredCount, 1, 'not executed ahead of the owed event');
    w.trade(T0 + 1_150, BID - 1, 1, 'sell'); // before the order is live: no fill
    w.clock.nextEventMs = Number.NaN;
    w.at(T0 + 1_250);
    const oid = restingOid(await peek(answer));
    assert.equal(w.entry.fillsOf(USER).length, 0);
    assert.equal(w.entry.orders.get(oid)?.timestamp, T0 + 1_200);
    w.entry.stop();
  });

  test('0 ms (the default): executed and answered when the request is handled', async () => {
    const w = world(new ConstantLatency(0));
    w.bbo(T0 + 500);
    const answer = w.send(T0 + 1_000, aloBid());
    assert.ok(!(answer instanceof Promise));
    restingOid(answer);
    assert.equal(w.open()[0].timestamp, T0 + 1_000);
  });
});

describe('fake exchange over HTTP with --entry-latency-ms', () => {
  test('the /exchange answer comes when the order is live, entry latency after it arrived', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hlmm-fx-latency-'));
    const w = new MarketDataWriter({ dir, symbol: 'BTC' });
    w.writeTrade({ exchMs: T0 + 60_000, recvS: 1, px: ASK, sz: 0.01, side: 'buy', tid: 1 });
    for (let t = 0; t <= 120_000; t += 500)
      w.writeBbo({ exchMs: T0 + t, recvS: 1, bidPx: BID, bidSz: 0.5, askPx: ASK, askSz: 1 });
    await w.close();
    const wallet = Wallet.fromPrivateKey(
      '0x0123456789012345678901234567890123456789012345678901234567890123',
    );
    const ex = await startFakeExchange({
      dataDir: dir,
      symbols: ['BTC'],
      speed: 1,
      trading: { accounts: [{ address: wallet.address }], fillModel: { entryLatencyMs: 200 } },
    });
    try {
      const client = new ExchangeClient({
        transport: new HttpTransport({ baseUrl: ex.url, maxRetries: 0 }),
        wallet,
        isMainnet: false,
      });
      await until('first bbo', () => ex.markets.get('BTC')?.bbo != null);
      const sentMs = ex.clock.nowMs();
      const [status] = await client.placeOrders([
        { asset: 0, isBuy: true, price: BID, size: 0.001, tif: 'Alo' },
      ]);
      assert.equal(status.kind, 'resting', JSON.stringify(status));
      const order = ex.trading.openOrdersOf(wallet.address)[0];
      // Exchange time only (lower bounds): the order went live no earlier than 200 ms after it was sent.
      assert.ok(order.timestamp >= sentMs + 200, `${order.timestamp - sentMs} ms`);
      assert.ok(ex.clock.nowMs() >= order.timestamp);

      // The same action as a WebSocket `post`: answered when executed, too.
      const ws = new WebSocket(ex.wsUrl);
      // biome-ignore lint/suspicious/noExplicitAny: frames are checked field by field
      const frames: any[] = [];
      ws.on('message', (raw) => frames.push(JSON.parse(raw.toString())));
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      const wsSentMs = ex.clock.nowMs();
      const payload = client.signedRequest(
        orderAction([{ asset: 0, isBuy: true, price: BID - 1, size: 0.001, tif: 'Alo' }]),
      );
      ws.send(JSON.stringify({ method: 'post', id: 9, request: { type: 'action', payload } }));
      await until('the post answer', () => frames.some((f) => f.channel === 'post' && f.data.id === 9));
      const reply = frames.find((f) => f.channel === 'post' && f.data.id === 9).data.response;
      assert.equal(reply.type, 'action');
      const oid = reply.payload.response.data.statuses[0].resting.oid;
      const second = ex.trading.orders.get(oid)!;
      assert.ok(second.timestamp >= wsSentMs + 200, `${second.timestamp - wsSentMs} ms`);
      ws.close();
    } finally {
      await ex.close();
    }
  });
});
