import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  channelFrame,
  isMarketData,
  parseClientRequest,
  parseServerMessage,
  subscriptionKey,
  wireDecimal,
} from '../../../src/exchange/hyperliquid/ws-messages.ts';
import { backoffDelayMs, DEFAULT_BACKOFF } from '../../../src/exchange/hyperliquid/ws-session.ts';

const SAMPLE = new URL('../../fixtures/hyperliquid/ws-messages-BTC-sample.jsonl', import.meta.url);

test('every real Hyperliquid message in the sample parses', () => {
  const lines = readFileSync(SAMPLE, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  assert.equal(lines.length, 55);
  const counts: Record<string, number> = {};
  let trades = 0;
  for (const line of lines) {
    const msg = parseServerMessage(line, 1_737_918_800.5);
    counts[msg.channel] = (counts[msg.channel] ?? 0) + 1;
    assert.ok(isMarketData(msg), `not market data: ${line.slice(0, 80)}`);
    if (msg.channel === 'trades') {
      assert.equal(msg.rejected, 0);
      trades += msg.trades.length;
    }
    if (msg.channel === 'l2Book') {
      assert.equal(msg.coin, 'BTC');
      assert.equal(msg.bids.length, 20);
      assert.equal(msg.asks.length, 20);
      // best first: bids descending, asks ascending, book not crossed
      for (let i = 1; i < 20; i++) assert.ok(msg.bids[i].px < msg.bids[i - 1].px);
      for (let i = 1; i < 20; i++) assert.ok(msg.asks[i].px > msg.asks[i - 1].px);
      assert.ok(msg.bids[0].px < msg.asks[0].px);
    }
  }
  assert.deepEqual(counts, { l2Book: 46, trades: 9 });
  assert.ok(trades >= 9);
});

test('first real trade message: values, side mapping and receive time', () => {
  const line = readFileSync(SAMPLE, 'utf8')
    .split('\n')
    .find((l) => l.includes('"channel":"trades"'))!;
  const msg = parseServerMessage(line, 1_737_918_800.25);
  assert.equal(msg.channel, 'trades');
  if (msg.channel !== 'trades') return;
  assert.deepEqual(msg.trades[0], {
    coin: 'BTC',
    exchMs: 1_737_918_794_873,
    recvS: 1_737_918_800.25,
    px: 105_056,
    sz: 0.00219,
    side: 'buy', // "B": the buyer was the aggressor
    tid: 121_451_470_284_048,
  });
  assert.equal(msg.trades[2].side, 'sell'); // "A"
});

test('first real l2Book: top of book as sent', () => {
  const line = readFileSync(SAMPLE, 'utf8').split('\n')[0];
  const msg = parseServerMessage(line, 1);
  assert.equal(msg.channel, 'l2Book');
  if (msg.channel !== 'l2Book') return;
  assert.deepEqual(msg.bids[0], { px: 105_055, sz: 3.03622 });
  assert.deepEqual(msg.asks[0], { px: 105_056, sz: 6.34472 });
});

test('bbo: both sides, and a null side kept as null', () => {
  const two = parseServerMessage(
    '{"channel":"bbo","data":{"coin":"ETH","time":1700000000123,"bbo":[{"px":"2500.5","sz":"1.2","n":3},{"px":"2500.6","sz":"0.4","n":1}]}}',
    5,
  );
  assert.deepEqual(two, {
    channel: 'bbo',
    coin: 'ETH',
    exchMs: 1_700_000_000_123,
    bid: { px: 2500.5, sz: 1.2 },
    ask: { px: 2500.6, sz: 0.4 },
  });
  const one = parseServerMessage(
    '{"channel":"bbo","data":{"coin":"ETH","time":1700000000123,"bbo":[null,{"px":"2500.6","sz":"0.4","n":1}]}}',
    5,
  );
  assert.equal(one.channel, 'bbo');
  if (one.channel === 'bbo') assert.equal(one.bid, null);
});

test('control channels: pong, error, subscriptionResponse, unknown channel', () => {
  assert.deepEqual(parseServerMessage('{"channel":"pong"}', 1), { channel: 'pong' });
  assert.deepEqual(parseServerMessage('{"channel":"error","data":"Invalid subscription"}', 1), {
    channel: 'error',
    message: 'Invalid subscription',
  });
  assert.deepEqual(
    parseServerMessage(
      '{"channel":"subscriptionResponse","data":{"method":"subscribe","subscription":{"type":"trades","coin":"BTC"}}}',
      1,
    ),
    { channel: 'subscriptionResponse', method: 'subscribe', subscription: { type: 'trades', coin: 'BTC' } },
  );
  const other = parseServerMessage('{"channel":"userFills","data":{"isSnapshot":true}}', 1);
  assert.deepEqual(other, { channel: 'other', name: 'userFills', data: { isSnapshot: true } });
  assert.equal(isMarketData(other), false);
});

test('malformed frames come back as malformed, never throw', () => {
  const junk = [
    'not json',
    '{"channel":"trades","data":[{"coin":"BTC"',
    '[1,2,3]',
    '{"data":{}}',
    '{"channel":"bbo","data":{"coin":"BTC"}}',
    '{"channel":"bbo","data":{"coin":"BTC","time":1,"bbo":[{"px":"abc","sz":"1","n":1},null]}}',
    '{"channel":"l2Book","data":{"coin":"BTC","time":1,"levels":[[{"px":"NaN","sz":"1","n":1}],[]]}}',
    '{"channel":"l2Book","data":{"coin":"BTC","time":1,"levels":[[]]}}',
    '{"channel":"trades","data":[{"coin":"BTC","side":"X","px":"1","sz":"1","tid":1,"time":1}]}',
    '{"channel":"trades","data":{"coin":"BTC"}}',
    '{"channel":"subscriptionResponse","data":{}}',
    '',
  ];
  for (const text of junk) assert.equal(parseServerMessage(text, 1).channel, 'malformed', text);
});

test('a trades frame keeps its good trades and counts the bad ones', () => {
  const msg = parseServerMessage(
    '{"channel":"trades","data":[' +
      '{"coin":"BTC","side":"A","px":"100000.0","sz":"0.5","hash":"0x0","time":1700000000000,"tid":7,"users":["a","b"]},' +
      '{"coin":"BTC","side":"A","px":"100000.0","sz":"-1","hash":"0x0","time":1700000000000,"tid":8,"users":["a","b"]},' +
      '{"coin":"BTC","side":"B","px":"100000.0","sz":"0.1","hash":"0x0","time":1700000000000,"tid":"9","users":["a","b"]}]}',
    1,
  );
  assert.equal(msg.channel, 'trades');
  if (msg.channel !== 'trades') return;
  assert.equal(msg.trades.length, 1);
  assert.equal(msg.trades[0].tid, 7);
  assert.equal(msg.rejected, 2); // negative size; tid as a string
});

test('client requests: subscribe, ping, post, and rejections', () => {
  assert.deepEqual(parseClientRequest('{"method":"subscribe","subscription":{"type":"bbo","coin":"BTC"}}'), {
    method: 'subscribe',
    subscription: { type: 'bbo', coin: 'BTC' },
  });
  assert.deepEqual(parseClientRequest('{"method":"ping"}'), { method: 'ping' });
  assert.deepEqual(
    parseClientRequest('{"method":"post","id":3,"request":{"type":"info","payload":{"type":"allMids"}}}'),
    { method: 'post', id: 3, request: { type: 'info', payload: { type: 'allMids' } } },
  );
  assert.ok('error' in parseClientRequest('{"method":"subscribe"}'));
  assert.ok('error' in parseClientRequest('{"method":"jump"}'));
  assert.ok('error' in parseClientRequest('}{'));
});

test('subscription keys and wire numbers', () => {
  assert.equal(subscriptionKey({ type: 'l2Book', coin: 'BTC', nSigFigs: null }), 'l2Book:BTC');
  assert.equal(subscriptionKey({ type: 'userFills', user: '0xABC' }), 'userFills:0xabc');
  assert.equal(wireDecimal(105056), '105056.0');
  assert.equal(wireDecimal(0.00219), '0.00219');
  assert.equal(wireDecimal(1e-7), '0.0000001');
  assert.equal(wireDecimal(2.1105), '2.1105');
  assert.equal(channelFrame('pong', undefined), '{"channel":"pong"}');
});

test('reconnect backoff: 1 s doubling to a 300 s cap, jitter ±20 %', () => {
  const mid = 0.5; // jitter factor exactly 1
  assert.equal(backoffDelayMs(0, DEFAULT_BACKOFF, mid), 1_000);
  assert.equal(backoffDelayMs(1, DEFAULT_BACKOFF, mid), 2_000);
  assert.equal(backoffDelayMs(3, DEFAULT_BACKOFF, mid), 8_000);
  assert.equal(backoffDelayMs(8, DEFAULT_BACKOFF, mid), 256_000);
  assert.equal(backoffDelayMs(9, DEFAULT_BACKOFF, mid), 300_000); // 512 s capped
  assert.equal(backoffDelayMs(500, DEFAULT_BACKOFF, mid), 300_000);
  assert.equal(backoffDelayMs(0, DEFAULT_BACKOFF, 0), 800); // 1 s × 0.8
  assert.equal(backoffDelayMs(2, DEFAULT_BACKOFF, 0.75), 4_400); // 4 s × 1.1
  assert.equal(backoffDelayMs(9, DEFAULT_BACKOFF, 0.999), 300_000); // jitter never exceeds the cap
});
