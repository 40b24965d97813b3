/**
 * The fake exchange as one market: a synthetic depth around the recorded BBO, crossing orders walking it level by
 * level, our takers on the public trades feed and in recentTrades, the book they consumed, and l2Book
 * nSigFigs/mantissa aggregation (hand-computed buckets).
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { MarketDataWriter } from '../../src/data/writer.ts';
import type { WsLevel } from '../../src/exchange/hyperliquid/ws-messages.ts';
import {
  aggregateLevels,
  bucketPrice,
  parseBookAggregation,
} from '../../src/fake-exchange/book-aggregation.ts';
import { type FakeExchange, startFakeExchange } from '../../src/fake-exchange/server.ts';
import { postJson, sdkClients } from '../support/hl-sdk-client.ts';
import { until } from '../support/wait.ts';

const T0 = 1_756_707_600_000;

describe('l2Book aggregation (pure)', () => {
  test('bucket steps: nSigFigs 5 on BTC at 107 948 → 10, mantissa 2 → 20, 5 → 50; bids down, asks up', () => {
    assert.equal(bucketPrice(107_947, true, { nSigFigs: 5, mantissa: 1 }), 107_940);
    assert.equal(bucketPrice(107_948, false, { nSigFigs: 5, mantissa: 1 }), 107_950);
    assert.equal(bucketPrice(107_950, false, { nSigFigs: 5, mantissa: 1 }), 107_950); // on the grid: itself
    assert.equal(bucketPrice(107_947, true, { nSigFigs: 5, mantissa: 2 }), 107_940);
    assert.equal(bucketPrice(107_961, false, { nSigFigs: 5, mantissa: 2 }), 107_980);
    assert.equal(bucketPrice(107_947, true, { nSigFigs: 5, mantissa: 5 }), 107_900);
    assert.equal(bucketPrice(107_948, false, { nSigFigs: 5, mantissa: 5 }), 107_950);
    assert.equal(bucketPrice(107_947, true, { nSigFigs: 2, mantissa: 1 }), 100_000);
    assert.equal(bucketPrice(107_947, false, { nSigFigs: 3, mantissa: 1 }), 108_000);
    // Below 1: 0.012345 has 5 significant figures; with 3 the step is 0.0001.
    assert.equal(bucketPrice(0.012345, true, { nSigFigs: 3, mantissa: 1 }), 0.0123);
    assert.equal(bucketPrice(0.012345, false, { nSigFigs: 3, mantissa: 1 }), 0.0124);
    assert.equal(bucketPrice(2.57, true, { nSigFigs: 2, mantissa: 1 }), 2.5);
  });

  test('levels in one bucket add their sizes and order counts', () => {
    const lv = (px: string, sz: string, n = 1): WsLevel => ({ px, sz, n });
    const bids = [lv('107947.0', '0.5'), lv('107941.0', '0.25', 2), lv('107939.0', '1.0')];
    assert.deepEqual(aggregateLevels(bids, true, { nSigFigs: 5, mantissa: 1 }), [
      { px: '107940.0', sz: '0.75', n: 3 },
      { px: '107930.0', sz: '1.0', n: 1 },
    ]);
    assert.deepEqual(aggregateLevels(bids, true, null), bids);
  });

  test('the documented parameter rules: nSigFigs 2–5 or null, mantissa 1/2/5 only with nSigFigs 5', () => {
    assert.equal(parseBookAggregation({}), null);
    assert.equal(parseBookAggregation({ nSigFigs: null }), null);
    assert.deepEqual(parseBookAggregation({ nSigFigs: 4 }), { nSigFigs: 4, mantissa: 1 });
    assert.deepEqual(parseBookAggregation({ nSigFigs: 5, mantissa: 5 }), { nSigFigs: 5, mantissa: 5 });
    assert.equal(typeof parseBookAggregation({ nSigFigs: 6 }), 'string');
    assert.equal(typeof parseBookAggregation({ nSigFigs: 1 }), 'string');
    assert.equal(typeof parseBookAggregation({ nSigFigs: 4, mantissa: 2 }), 'string');
    assert.equal(typeof parseBookAggregation({ nSigFigs: 5, mantissa: 3 }), 'string');
    assert.equal(typeof parseBookAggregation({ mantissa: 2 }), 'string');
  });
});

/** BTC quoted 107 947 × 0.5 / 107 948 × 1 every second for an hour, a small trade every 5 s. */
async function marketDir(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-fx-depth-'));
  const w = new MarketDataWriter({ dir, symbol: 'BTC' });
  for (let t = 0; t <= 3_600_000; t += 1_000) {
    if (t % 5_000 === 0) {
      w.writeTrade({ exchMs: T0 + t, recvS: 1, px: 107_948, sz: 0.01, side: 'buy', tid: 1 + t / 5_000 });
    }
    w.writeBbo({ exchMs: T0 + t, recvS: 1, bidPx: 107_947, bidSz: 0.5, askPx: 107_948, askSz: 1 });
  }
  await w.close();
  return dir;
}

interface Frame {
  channel: string;
  // biome-ignore lint/suspicious/noExplicitAny: frames are checked field by field
  data: any;
}

async function subscriber(
  wsUrl: string,
  subscriptions: object[],
): Promise<{ frames: Frame[]; ws: WebSocket }> {
  const ws = new WebSocket(wsUrl);
  const frames: Frame[] = [];
  ws.on('message', (m) => frames.push(JSON.parse(String(m))));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  for (const subscription of subscriptions) ws.send(JSON.stringify({ method: 'subscribe', subscription }));
  await until(
    'subscription acks',
    () => frames.filter((f) => f.channel === 'subscriptionResponse').length >= subscriptions.length,
  );
  return { frames, ws };
}

const sizes = (levels: WsLevel[]) => levels.map((l) => [l.px, l.sz, l.n]);

describe('the fake exchange is one market', () => {
  let ex: FakeExchange;
  let sdk: ReturnType<typeof sdkClients>;
  before(async () => {
    const address = sdkClients('http://127.0.0.1:1').address;
    ex = await startFakeExchange({
      dataDir: await marketDir(),
      symbols: ['BTC'],
      speed: 1,
      trading: { accounts: [{ address, usdc: 100_000 }] },
    });
    sdk = sdkClients(ex.url);
    await until('first bbo', () => ex.markets.get('BTC')?.bbo != null);
  });
  after(async () => {
    await ex.close();
  });
  const info = async (body: object) => (await postJson(`${ex.url}/info`, body)).json;

  test('l2Book over /info and WebSocket: 20 synthetic levels per side, grouped by nSigFigs/mantissa', async () => {
    const full = await info({ type: 'l2Book', coin: 'BTC' });
    assert.equal(full.levels[0].length, 20);
    assert.deepEqual(full.levels[0][0], { px: '107947.0', sz: '0.5', n: 1 });
    assert.deepEqual(full.levels[1][19], { px: '107967.0', sz: '1.0', n: 1 });
    // Bids 107 947 … 107 928 × 0.5, asks 107 948 … 107 967 × 1, grouped to steps of 10 (bids down, asks up).
    const five = await info({ type: 'l2Book', coin: 'BTC', nSigFigs: 5 });
    assert.deepEqual(sizes(five.levels[0]), [
      ['107940.0', '4.0', 8],
      ['107930.0', '5.0', 10],
      ['107920.0', '1.0', 2],
    ]);
    assert.deepEqual(sizes(five.levels[1]), [
      ['107950.0', '3.0', 3],
      ['107960.0', '10.0', 10],
      ['107970.0', '7.0', 7],
    ]);
    const twenty = await info({ type: 'l2Book', coin: 'BTC', nSigFigs: 5, mantissa: 2 });
    assert.deepEqual(sizes(twenty.levels[0]), [
      ['107940.0', '4.0', 8],
      ['107920.0', '6.0', 12],
    ]);
    assert.deepEqual(sizes(twenty.levels[1]), [
      ['107960.0', '13.0', 13],
      ['107980.0', '7.0', 7],
    ]);
    const two = await info({ type: 'l2Book', coin: 'BTC', nSigFigs: 2 });
    assert.deepEqual(sizes(two.levels[0]), [['100000.0', '10.0', 20]]);
    assert.deepEqual(sizes(two.levels[1]), [['110000.0', '20.0', 20]]);
    for (const bad of [{ nSigFigs: 6 }, { nSigFigs: 4, mantissa: 2 }, { nSigFigs: 5, mantissa: 3 }]) {
      const r = await postJson(`${ex.url}/info`, { type: 'l2Book', coin: 'BTC', ...bad });
      assert.equal(r.status, 422, JSON.stringify(bad));
    }
    const { frames, ws } = await subscriber(ex.wsUrl, [
      { type: 'l2Book', coin: 'BTC', nSigFigs: 5, mantissa: 5 },
    ]);
    try {
      await until('an l2Book snapshot', () => frames.some((f) => f.channel === 'l2Book'));
      const book = frames.find((f) => f.channel === 'l2Book')!.data;
      // Steps of 50: bids 107 947 … 107 928 all fall in 107 900; asks 107 948 … 107 950 in 107 950, the rest in 108 000.
      assert.deepEqual(sizes(book.levels[0]), [['107900.0', '10.0', 20]]);
      assert.deepEqual(sizes(book.levels[1]), [
        ['107950.0', '3.0', 3],
        ['108000.0', '17.0', 17],
      ]);
    } finally {
      ws.close();
    }
  });

  test('a crossing IOC walks the book: one taker fill per level, VWAP answer, public trades, consumed book', async () => {
    const { frames, ws } = await subscriber(ex.wsUrl, [
      { type: 'trades', coin: 'BTC' },
      { type: 'l2Book', coin: 'BTC' },
    ]);
    try {
      const [placed] = await sdk.exchange
        .order({
          orders: [{ a: 0, b: true, p: '107950', s: '2.5', r: false, t: { limit: { tif: 'Ioc' } } }],
          grouping: 'na',
        })
        .then((r) => r.response.data.statuses);
      // 1 at 107 948, 1 at 107 949, 0.5 at 107 950: VWAP (107 948 + 107 949 + 53 975) / 2.5 = 107 948.8
      assert.ok(typeof placed === 'object' && 'filled' in placed, JSON.stringify(placed));
      assert.equal(placed.filled.totalSz, '2.5');
      assert.equal(placed.filled.avgPx, '107948.8');
      const fills = (await sdk.info.userFills({ user: sdk.address as `0x${string}` })).filter(
        (f) => f.oid === placed.filled.oid,
      );
      assert.deepEqual(
        fills.map((f) => [f.px, f.sz, f.crossed, f.fee]).sort(),
        [
          ['107948.0', '1.0', true, '48.5766'], // 107 948 × 0.045 %
          ['107949.0', '1.0', true, '48.57705'],
          ['107950.0', '0.5', true, '24.28875'],
        ].sort(),
      );
      // The public trades feed prints each of our taker fills: aggressor side B, the fill's tid and hash,
      // users [buyer, seller] with the zero address for the recorded maker.
      const tids = new Set(fills.map((f) => f.tid));
      await until('our trades on the feed', () =>
        frames.some((f) => f.channel === 'trades' && f.data.some((t: { tid: number }) => tids.has(t.tid))),
      );
      const ours = frames
        .filter((f) => f.channel === 'trades')
        .flatMap((f) => f.data)
        .filter((t: { tid: number }) => tids.has(t.tid));
      assert.equal(ours.length, 3);
      const byTid = new Map(fills.map((f) => [f.tid, f]));
      for (const t of ours) {
        const f = byTid.get(t.tid)!;
        assert.deepEqual(Object.keys(t).sort(), ['coin', 'hash', 'px', 'side', 'sz', 'tid', 'time', 'users']);
        assert.equal(t.coin, 'BTC');
        assert.equal(t.side, 'B');
        assert.equal(t.px, f.px);
        assert.equal(t.sz, f.sz);
        assert.equal(t.hash, f.hash);
        assert.equal(t.time, f.time);
        assert.deepEqual(t.users, [sdk.address.toLowerCase(), `0x${'0'.repeat(40)}`]);
      }
      const recent = (await info({ type: 'recentTrades', coin: 'BTC' })) as { tid: number }[];
      assert.equal(recent.filter((t) => tids.has(t.tid)).length, 3);
      // The l2Book pushed with the trades shows what we took: 107 948 and 107 949 gone, 0.5 left at 107 950.
      const tradesAt = frames.findIndex(
        (f) => f.channel === 'trades' && f.data.some((t: { tid: number }) => tids.has(t.tid)),
      );
      const bookAfter = frames.slice(tradesAt).find((f) => f.channel === 'l2Book');
      assert.ok(bookAfter !== undefined);
      assert.deepEqual(bookAfter.data.levels[1].slice(0, 2), [
        { px: '107950.0', sz: '0.5', n: 1 },
        { px: '107951.0', sz: '1.0', n: 1 },
      ]);
      assert.deepEqual(bookAfter.data.levels[0][0], { px: '107947.0', sz: '0.5', n: 1 }); // bids untouched
      // The recorded book refreshes with the next recorded BBO: 107 948 × 1 is displayed again.
      await until('the recorded book refreshed', () => ex.markets.get('BTC')!.asks[0].px === 107_948);
    } finally {
      ws.close();
    }
  });

  test('an IOC larger than the levels within its limit fills in part; the rest is cancelled', async () => {
    // Sell 1.2 down to 107 946: 0.5 at 107 947 and 0.5 at 107 946, 0.2 left.
    const [placed] = await sdk.exchange
      .order({
        orders: [{ a: 0, b: false, p: '107946', s: '1.2', r: false, t: { limit: { tif: 'Ioc' } } }],
        grouping: 'na',
      })
      .then((r) => r.response.data.statuses);
    assert.ok(typeof placed === 'object' && 'filled' in placed, JSON.stringify(placed));
    assert.equal(placed.filled.totalSz, '1.0');
    assert.equal(placed.filled.avgPx, '107946.5');
    const status = await info({ type: 'orderStatus', user: sdk.address, oid: placed.filled.oid });
    assert.equal(status.order.status, 'canceled');
    assert.equal(status.order.order.sz, '0.2');
  });
});

describe('with an orderbooks file the recorded depth is walked', () => {
  test('an IOC takes the recorded levels; the book shows it until the next recorded snapshot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hlmm-fx-depth-book-'));
    const w = new MarketDataWriter({ dir, symbol: 'BTC' });
    for (let t = 0; t <= 600_000; t += 1_000) {
      w.writeBbo({ exchMs: T0 + t, recvS: 1, bidPx: 107_947, bidSz: 0.5, askPx: 107_948, askSz: 0.2 });
      if (t % 2_000 === 0) {
        w.writeBook({
          exchMs: T0 + t,
          recvS: 1,
          seq: t / 2_000,
          bids: [
            { px: 107_947, sz: 0.5 },
            { px: 107_940, sz: 2 },
          ],
          asks: [
            { px: 107_948, sz: 0.2 },
            { px: 107_955, sz: 0.3 },
            { px: 107_990, sz: 5 },
          ],
        });
      }
      if (t % 5_000 === 0)
        w.writeTrade({ exchMs: T0 + t, recvS: 1, px: 107_948, sz: 0.01, side: 'buy', tid: 1 + t });
    }
    await w.close();
    const address = sdkClients('http://127.0.0.1:1').address;
    const fx = await startFakeExchange({
      dataDir: dir,
      symbols: ['BTC'],
      speed: 1,
      trading: { accounts: [{ address, usdc: 100_000 }] },
    });
    let closeWs = () => {};
    try {
      await until('first recorded book', () => (fx.markets.get('BTC')?.asks.length ?? 0) === 3);
      const sdk = sdkClients(fx.url);
      const { frames, ws } = await subscriber(fx.wsUrl, [
        { type: 'trades', coin: 'BTC' },
        { type: 'l2Book', coin: 'BTC' },
      ]);
      closeWs = () => ws.close();
      const [placed] = await sdk.exchange
        .order({
          orders: [{ a: 0, b: true, p: '107960', s: '0.6', r: false, t: { limit: { tif: 'Ioc' } } }],
          grouping: 'na',
        })
        .then((r) => r.response.data.statuses);
      // 0.2 at 107 948 and 0.3 at 107 955; 107 990 is beyond the limit: 0.5 filled, VWAP
      // (21 589.6 + 32 386.5) / 0.5 = 107 952.2, and 0.1 cancelled.
      assert.ok(typeof placed === 'object' && 'filled' in placed, JSON.stringify(placed));
      assert.equal(placed.filled.totalSz, '0.5');
      assert.equal(placed.filled.avgPx, '107952.2');
      // The l2Book pushed with our trades: 107 948 and 107 955 taken, only 107 990 left on the ask side, until
      // the next recorded snapshot (every 2 s here) shows the three recorded levels again.
      await until('the consumed book pushed', () =>
        frames.some(
          (f) =>
            f.channel === 'trades' &&
            f.data.some((t: { users: string[] }) => t.users[0] === address.toLowerCase()),
        ),
      );
      const tradesAt = frames.findIndex(
        (f) =>
          f.channel === 'trades' &&
          f.data.some((t: { users: string[] }) => t.users[0] === address.toLowerCase()),
      );
      const consumed = frames.slice(tradesAt).find((f) => f.channel === 'l2Book');
      assert.ok(consumed !== undefined);
      assert.deepEqual(consumed.data.levels[1], [{ px: '107990.0', sz: '5.0', n: 1 }]);
      assert.deepEqual(consumed.data.levels[0].length, 2); // bids untouched
      await until('the recorded snapshot is back', () => fx.markets.get('BTC')!.asks.length === 3);
    } finally {
      closeWs();
      await fx.close();
    }
  });
});
