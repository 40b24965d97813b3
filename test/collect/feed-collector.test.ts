/**
 * The recorder of `hlmm trade --collect` on frames the bot's feed hands it: the rows of `hlmm collect`, nothing
 * written once it stopped (the bot's socket may still deliver), and a failing write never thrown into the feed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { collectorSubscriptions, startFeedCollector } from '../../src/collect/collector.ts';
import { createLogger } from '../../src/core/log.ts';
import { PRICES_HEADER } from '../../src/data/layout.ts';
import { parseServerMessage } from '../../src/exchange/hyperliquid/ws-messages.ts';

const root = mkdtempSync(join(tmpdir(), 'hlmm-feed-collector-'));
after(() => rmSync(root, { recursive: true, force: true }));
const quiet = createLogger({ component: 't', level: 'error', quiet: true });

const bbo = (timeMs: number, bid: string) =>
  `{"channel":"bbo","data":{"coin":"BTC","time":${timeMs},"bbo":[{"px":"${bid}","sz":"1.5","n":2},{"px":"100001.0","sz":"0.25","n":1}]}}`;
const T = Date.UTC(2025, 0, 1, 1);

test('feed collector: the channels of hlmm collect, its rows, nothing after the stop', async () => {
  const dir = join(root, 'a');
  const c = startFeedCollector({ symbols: ['BTC'], outDir: dir, logger: quiet });
  assert.deepEqual(
    c.subscriptions.map((s) => `${s.type}:${s.coin}`),
    collectorSubscriptions(['BTC']).map((s) => `${s.type}:${s.coin}`),
  );
  assert.deepEqual(
    c.subscriptions.map((s) => s.type),
    ['bbo', 'trades', 'l2Book'],
  );
  c.attach({
    stats: {
      connects: 1,
      reconnects: 0,
      failedAttempts: 0,
      stalls: 0,
      framesReceived: 2,
      malformedFrames: 0,
      serverErrors: 0,
      lastLivenessMs: 0,
      gaps: 0,
    },
  });
  const hand = (text: string) => c.onFrame(parseServerMessage(text, 1), 1);
  hand(bbo(T, '100000.0'));
  hand(bbo(T, '100000.0')); // the snapshot a resubscription sends: dropped as in hlmm collect
  hand(bbo(T + 100, '99999.0'));
  assert.equal(c.report().symbols.BTC?.bbo, 2);
  assert.equal(c.report().frames, 2, "the feed socket's frame count");
  await c.stop();
  hand(bbo(T + 200, '99998.0')); // the bot's socket still delivers while it stops
  const file = join(dir, 'prices_BTC_2025-01-01.csv');
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  assert.equal(lines[0], PRICES_HEADER);
  assert.equal(lines.length, 1 + 4, 'two quotes, a bid and an ask row each; none after the stop');
});

test('feed collector: a failing write is logged, never thrown into the feed', async () => {
  const c = startFeedCollector({ symbols: ['BTC'], outDir: join(root, 'b'), logger: quiet });
  c.recorder.record = () => {
    throw new Error('ENOSPC: no space left on device');
  };
  assert.doesNotThrow(() => c.onFrame(parseServerMessage(bbo(T, '100000.0'), 1), 1));
  await c.stop();
});
