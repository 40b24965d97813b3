import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MarketRecorder } from '../../src/collect/recorder.ts';
import { perMinute, summarize } from '../../src/collect/summary.ts';
import { LogThrottle } from '../../src/core/log-throttle.ts';
import { RecentTradeIds } from '../../src/data/trade-dedup.ts';
import { parseServerMessage } from '../../src/exchange/hyperliquid/ws-messages.ts';

test('recent trade ids: duplicates dropped, memory bounded to the window', () => {
  const ids = new RecentTradeIds(3);
  assert.deepEqual(
    [1, 2, 3].map((t) => ids.admit(t)),
    [true, true, true],
  );
  assert.equal(ids.admit(2), false);
  assert.equal(ids.admit(4), true); // evicts 1, the oldest
  assert.equal(ids.size, 3);
  assert.equal(ids.admit(1), true); // forgotten, so admitted again (evicts 2)
  assert.equal(ids.admit(3), false);
  assert.equal(ids.duplicates, 2);
  assert.throws(() => new RecentTradeIds(0), RangeError);
});

test('log throttle: first at once, then at most one per interval with the suppressed count', () => {
  const t = new LogThrottle(10_000);
  assert.equal(t.shouldLog('a', 0), 0);
  assert.equal(t.shouldLog('a', 1_000), null);
  assert.equal(t.shouldLog('a', 2_000), null);
  assert.equal(t.shouldLog('b', 2_000), 0); // kinds are independent
  assert.equal(t.shouldLog('a', 10_000), 2);
  assert.equal(t.shouldLog('a', 12_000), null);
});

test('summary rates are per minute over the runtime', () => {
  assert.equal(perMinute(90, 30), 180);
  assert.equal(perMinute(1, 7), 8.6); // 60/7 = 8.571… → one decimal
  assert.equal(perMinute(5, 0), 0);
  const s = summarize({
    runtimeS: 120,
    symbols: { BTC: { bbo: 240, trades: 60, books: 12, duplicateTrades: 3 } },
    reconnects: 1,
    stalls: 0,
    malformed: 2,
    sinceLastDataS: 0.04,
  });
  assert.deepEqual(s.symbols.BTC, {
    bbo: 240,
    trades: 60,
    books: 12,
    duplicateTrades: 3,
    bboPerMin: 120,
    tradesPerMin: 30,
    booksPerMin: 6,
  });
  assert.equal(s.sinceLastDataS, 0);
});

const trade = (tid: number, px: string, side: 'A' | 'B', time: number) =>
  `{"coin":"BTC","side":"${side}","px":"${px}","sz":"0.5","hash":"0x0","time":${time},"tid":${tid},"users":["a","b"]}`;

test('recorder: rows written as the files specify, replays and repeats dropped, junk counted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-rec-'));
  const rec = new MarketRecorder({ symbols: ['BTC'], outDir: dir, depth: 2 });
  const feed = (text: string, recvS: number) => rec.record(parseServerMessage(text, recvS), recvS);
  const bbo =
    '{"channel":"bbo","data":{"coin":"BTC","time":1700000000100,"bbo":[{"px":"100000.0","sz":"1.5","n":2},{"px":"100001.0","sz":"0.25","n":1}]}}';
  feed(bbo, 1_700_000_000.5);
  feed(bbo, 1_700_000_000.6); // the snapshot a resubscription sends: identical, skipped
  feed(
    `{"channel":"trades","data":[${trade(11, '100001.0', 'B', 1700000000200)},${trade(12, '100000.0', 'A', 1700000000200)}]}`,
    1_700_000_000.75,
  );
  // after a reconnect the exchange replays 12 and adds 13
  feed(
    `{"channel":"trades","data":[${trade(12, '100000.0', 'A', 1700000000200)},${trade(13, '100000.0', 'A', 1700000000300)}]}`,
    1_700_000_001.0,
  );
  feed(
    '{"channel":"l2Book","data":{"coin":"BTC","time":1700000000400,"levels":[[{"px":"100000.0","sz":"1.5","n":2},{"px":"99999.0","sz":"2.0","n":1},{"px":"99998.0","sz":"3.0","n":1}],[{"px":"100001.0","sz":"0.25","n":1}]]}}',
    1_700_000_001.25,
  );
  feed(
    '{"channel":"bbo","data":{"coin":"BTC","time":1700000000500,"bbo":[null,{"px":"100001.0","sz":"0.25","n":1}]}}',
    2,
  );
  feed(
    '{"channel":"bbo","data":{"coin":"ETH","time":1700000000500,"bbo":[{"px":"1.0","sz":"1","n":1},{"px":"2.0","sz":"1","n":1}]}}',
    2,
  );
  feed('garbage', 2);
  feed('{"channel":"candle","data":{}}', 2);
  rec.flushSync();
  await rec.close();

  assert.equal(
    readFileSync(join(dir, 'prices_BTC_2023-11-14.csv'), 'utf8'),
    'timestamp,price,size,side,exchange_timestamp\n' +
      '1700000000.5,100000,1.5,bid,1700000000100\n1700000000.5,100001,0.25,ask,1700000000100\n',
  );
  assert.equal(
    readFileSync(join(dir, 'trades_BTC_2023-11-14.csv'), 'utf8'),
    'timestamp,price,size,side,trade_id,exchange_timestamp\n' +
      '1700000000.75,100001,0.5,buy,11,1700000000200\n' +
      '1700000000.75,100000,0.5,sell,12,1700000000200\n' +
      '1700000001,100000,0.5,sell,13,1700000000300\n',
  );
  assert.equal(
    readFileSync(join(dir, 'orderbooks_BTC_2023-11-14.csv'), 'utf8'),
    'timestamp,sequence,exchange_timestamp,bid_price_0,bid_size_0,ask_price_0,ask_size_0,bid_price_1,bid_size_1,ask_price_1,ask_size_1\n' +
      '1700000001.25,1,1700000000400,100000,1.5,100001,0.25,99999,2,,\n',
  );
  assert.deepEqual(rec.counts().BTC, { bbo: 1, trades: 3, books: 1, duplicateTrades: 1 });
  assert.deepEqual(rec.counters, {
    malformed: 1,
    malformedTrades: 0,
    unknownChannel: 1,
    unexpectedCoin: 1,
    oneSidedBbo: 1,
    repeatedSnapshots: 1,
    serverErrors: 0,
  });
});
