import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import WebSocket from 'ws';
import { MarketDataWriter } from '../../src/data/writer.ts';
import { channelFrame } from '../../src/exchange/hyperliquid/ws-messages.ts';
import { CoinMarket } from '../../src/fake-exchange/coin-market.ts';
import { ReplayClock } from '../../src/fake-exchange/replay-clock.ts';
import { startFakeExchange } from '../../src/fake-exchange/server.ts';
import { WAIT_BUDGET_MS } from '../support/wait.ts';

const SAMPLE = new URL('../../data/sample', import.meta.url).pathname;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A WebSocket client that keeps every frame it receives, parsed. */
async function client(url: string) {
  const ws = new WebSocket(url);
  const frames: Array<{ channel: string; data: unknown }> = [];
  ws.on('message', (raw) => frames.push(JSON.parse(raw.toString())));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, frames, send: (o: unknown) => ws.send(JSON.stringify(o)) };
}

async function until(check: () => boolean, ms = WAIT_BUDGET_MS) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(10);
  }
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('replay clock: exchange time runs at speed × wall time; firehose follows the cursor', () => {
  let wall = 1_000;
  const clock = new ReplayClock(2, () => wall);
  assert.ok(Number.isNaN(clock.nowMs()));
  clock.anchor(1_700_000_000_000);
  wall += 500;
  assert.equal(clock.nowMs(), 1_700_000_001_000);
  assert.equal(clock.wallMsUntil(1_700_000_002_000), 500);
  const hose = new ReplayClock(0);
  hose.anchor(10);
  hose.advanceTo(25);
  hose.advanceTo(20); // never backwards
  assert.equal(hose.nowMs(), 25);
  assert.equal(hose.wallMsUntil(1e15), 0);
  assert.throws(() => new ReplayClock(-1), RangeError);
});

test('coin market: the fast bbo frame is the WsBbo JSON; the synthesised book is the BBO and a flat depth behind it', () => {
  const m = new CoinMarket('BTC', false);
  m.applyBbo({
    exchMs: 1_756_707_630_446,
    recvS: 1,
    bidPx: 107_947,
    bidSz: 16.89663,
    askPx: 107_948,
    askSz: 1.43191,
  });
  assert.equal(m.bboFrame(), channelFrame('bbo', m.wireBbo()));
  assert.equal(
    m.bboFrame(),
    '{"channel":"bbo","data":{"coin":"BTC","time":1756707630446,"bbo":[{"px":"107947.0","sz":"16.89663","n":1},{"px":"107948.0","sz":"1.43191","n":1}]}}',
  );
  // The touch is the BBO; then 19 more levels one tick (1 USDC for BTC here) apart with the touch's size.
  const [bids, asks] = m.wireBook().levels;
  assert.deepEqual(bids[0], { px: '107947.0', sz: '16.89663', n: 1 });
  assert.deepEqual(asks[0], { px: '107948.0', sz: '1.43191', n: 1 });
  assert.equal(bids.length, 20);
  assert.equal(asks.length, 20);
  assert.deepEqual(bids[1], { px: '107946.0', sz: '16.89663', n: 1 });
  assert.deepEqual(asks[19], { px: '107967.0', sz: '1.43191', n: 1 });
  assert.equal(m.bookFrame(), channelFrame('l2Book', m.wireBook()));
  m.consume(true, 107_948, 1, 1_756_707_630_500); // a taker took 1 of the 1.43191 at the ask
  assert.equal(m.bookFrame(), channelFrame('l2Book', m.wireBook()));
  assert.deepEqual(m.wireBook().levels[1][0], { px: '107948.0', sz: '0.43191', n: 1 });
  assert.deepEqual([m.bbo?.askPx, m.bbo?.askSz], [107_948, 0.43191]);
  const agg = { nSigFigs: 5, mantissa: 1 } as const;
  assert.equal(m.bookFrame(agg), channelFrame('l2Book', m.wireBook(agg)));
  assert.equal(m.mid(), 107_947.5);
});

test('POST /info answers meta, l2Book and allMids in the real shapes; bad requests are refused', async () => {
  const ex = await startFakeExchange({ dataDir: SAMPLE, symbols: ['BTC'], speed: 1000 });
  try {
    await until(() => ex.replayStats.bbo > 0);
    const meta = await (await post(`${ex.url}/info`, { type: 'meta' })).json();
    // The docs' current shape: each coin names its margin table; unreplayed coins are listed as delisted.
    assert.deepEqual(meta.universe[0], { maxLeverage: 50, name: 'BTC', szDecimals: 5, marginTableId: 50 });
    assert.equal(meta.universe.find((a: { name: string }) => a.name === 'ETH').isDelisted, true);
    assert.equal(meta.collateralToken, 0);
    assert.deepEqual(
      meta.marginTables.find((t: [number, unknown]) => t[0] === 50),
      [50, { description: '', marginTiers: [{ lowerBound: '0.0', maxLeverage: 50 }] }],
    );
    assert.equal(meta.universe.find((a: { name: string }) => a.name === 'ETH').szDecimals, 4);

    const book = await (await post(`${ex.url}/info`, { type: 'l2Book', coin: 'BTC' })).json();
    assert.equal(book.coin, 'BTC');
    assert.equal(typeof book.time, 'number');
    assert.equal(book.levels.length, 2);
    const [bid] = book.levels[0];
    const [ask] = book.levels[1];
    assert.match(bid.px, /^\d+\.\d+$/);
    assert.equal(typeof bid.sz, 'string');
    assert.equal(bid.n, 1);
    assert.ok(Number(bid.px) < Number(ask.px));

    const mids = await (await post(`${ex.url}/info`, { type: 'allMids' })).json();
    assert.deepEqual(Object.keys(mids), ['BTC']);
    assert.match(mids.BTC, /^\d+(\.\d+)?$/);

    assert.equal(await (await post(`${ex.url}/info`, { type: 'l2Book', coin: 'NOPE' })).json(), null);
    assert.equal((await post(`${ex.url}/info`, { type: 'nonsense' })).status, 422);
    assert.equal((await fetch(`${ex.url}/info`, { method: 'POST', body: '{oops' })).status, 422);
    assert.equal((await fetch(`${ex.url}/info`)).status, 405);
    assert.equal((await fetch(`${ex.url}/elsewhere`)).status, 404);
    assert.equal((await post(`${ex.url}/fault`, { type: 'explode' })).status, 400);
    assert.equal((await post(`${ex.url}/fault`, { type: 'silence' })).status, 400);
    const status = await (await fetch(`${ex.url}/status`)).json();
    assert.equal(status.speed, 1000);
  } finally {
    await ex.close();
  }
});

test('WebSocket: ack then the real exchange’s snapshot of recent trades; ping/pong; errors; post', async () => {
  const ex = await startFakeExchange({ dataDir: SAMPLE, symbols: ['BTC'], speed: 2000 });
  const c = await client(ex.wsUrl);
  try {
    await until(() => ex.replayStats.tradePrints > 40);
    c.send({ method: 'subscribe', subscription: { type: 'trades', coin: 'BTC' } });
    await until(() => c.frames.length >= 2);
    assert.deepEqual(c.frames[0], {
      channel: 'subscriptionResponse',
      data: { method: 'subscribe', subscription: { type: 'trades', coin: 'BTC' } },
    });
    assert.equal(c.frames[1].channel, 'trades');
    const replayed = c.frames[1].data as Array<Record<string, unknown>>;
    assert.equal(replayed.length, 30);
    assert.deepEqual(Object.keys(replayed[0]).sort(), [
      'coin',
      'hash',
      'px',
      'side',
      'sz',
      'tid',
      'time',
      'users',
    ]);

    c.send({ method: 'subscribe', subscription: { type: 'trades', coin: 'BTC' } });
    c.send({ method: 'subscribe', subscription: { type: 'bbo', coin: 'DOGE' } });
    c.send({ method: 'ping' });
    c.send({ method: 'post', id: 7, request: { type: 'info', payload: { type: 'allMids' } } });
    await until(() => c.frames.some((f) => f.channel === 'post'));
    const errors = c.frames.filter((f) => f.channel === 'error').map((f) => String(f.data));
    assert.ok(errors.some((e) => e.startsWith('Already subscribed')));
    assert.ok(errors.some((e) => e.startsWith('Invalid subscription')));
    assert.ok(c.frames.some((f) => f.channel === 'pong'));
    const answer = c.frames.find((f) => f.channel === 'post')!.data as {
      id: number;
      response: { type: string; payload: { type: string } };
    };
    assert.equal(answer.id, 7);
    assert.equal(answer.response.type, 'info');
    assert.equal(answer.response.payload.type, 'allMids');
  } finally {
    c.ws.close();
    await ex.close();
  }
});

test('HTTP faults: silence swallows everything (pongs too), drop closes every socket', async () => {
  const ex = await startFakeExchange({ dataDir: SAMPLE, symbols: ['BTC'], speed: 1000 });
  const c = await client(ex.wsUrl);
  try {
    // A ping while silent gets no pong (the server counts it swallowed). On a machine so busy that the silence
    // ended before the ping was read, the pong comes back: ask again with a longer silence.
    let swallowed = false;
    for (let seconds = 0.4; !swallowed && seconds < 100; seconds *= 2) {
      c.frames.splice(0);
      const suppressed = ex.faults.counters.framesSuppressed;
      assert.equal((await post(`${ex.url}/fault`, { type: 'silence', seconds })).status, 200);
      c.send({ method: 'ping' });
      await until(
        () => ex.faults.counters.framesSuppressed > suppressed || c.frames.some((f) => f.channel === 'pong'),
      );
      swallowed = ex.faults.counters.framesSuppressed > suppressed;
      if (!swallowed) await until(() => !ex.faults.silent);
    }
    assert.ok(swallowed, 'the pong was swallowed');
    assert.equal(c.frames.length, 0);
    await until(() => !ex.faults.silent);
    c.send({ method: 'ping' });
    await until(() => c.frames.some((f) => f.channel === 'pong'));
    const closed = new Promise<number>((resolve) => c.ws.once('close', (code) => resolve(code)));
    assert.equal((await post(`${ex.url}/fault`, { type: 'drop' })).status, 200);
    assert.equal(await closed, 1006);
    assert.equal(ex.faults.counters.drops, 1);
  } finally {
    await ex.close();
  }
});

test('loop: the data plays again later in time, with fresh trade ids', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-fx-'));
  const w = new MarketDataWriter({ dir, symbol: 'ETH', depth: 5 });
  w.writeBbo({ exchMs: 1_000_000, recvS: 1_000, bidPx: 100, bidSz: 1, askPx: 101, askSz: 2 });
  w.writeTrade({ exchMs: 1_000_500, recvS: 1_000.5, px: 101, sz: 0.5, side: 'buy', tid: 42 });
  w.writeBbo({ exchMs: 1_001_000, recvS: 1_001, bidPx: 100.5, bidSz: 1, askPx: 101, askSz: 2 });
  await w.close();
  const ex = await startFakeExchange({ dataDir: dir, symbols: ['ETH'], speed: 0, loop: true });
  const c = await client(ex.wsUrl);
  try {
    c.send({ method: 'subscribe', subscription: { type: 'trades', coin: 'ETH' } });
    c.send({ method: 'subscribe', subscription: { type: 'l2Book', coin: 'ETH' } });
    await until(() => c.frames.filter((f) => f.channel === 'trades').length >= 3);
  } finally {
    c.ws.close();
    await ex.close();
  }
  const trades = c.frames
    .filter((f) => f.channel === 'trades')
    .flatMap((f) => f.data as Array<{ tid: number; time: number }>);
  // Each pass lasts 1 s of exchange time and the next starts 1 s after it: +2,000 ms per pass.
  const firstFresh = trades.findIndex((t) => t.tid !== 42);
  assert.ok(firstFresh > 0);
  assert.equal(trades[firstFresh].tid, 2 ** 52);
  assert.equal(trades[0].tid, 42);
  assert.equal(trades[firstFresh].time - trades[0].time, 2_000);
  assert.ok(trades.slice(firstFresh).every((t, i) => t.tid === 2 ** 52 + i));
  const books = c.frames.filter((f) => f.channel === 'l2Book').map((f) => f.data as { levels: unknown[][] });
  assert.ok(books.length > 0);
  assert.equal(books[0].levels[0].length, 20); // synthesised around the BBO: 20 levels per side
});
