// Prices that cannot be real are refused at the door: skipped and counted by the reader, never reaching a
// backtest, a calibration or the strategy.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { MarketEvent } from '../../src/core/market.ts';
import { DEFAULT_PLAUSIBILITY, IMPLAUSIBLE, PriceSanity } from '../../src/core/plausibility.ts';
import { readPriceEvents, readTradeEvents } from '../../src/data/reader.ts';
import { HyperliquidFeed } from '../../src/exchange/hyperliquid/trading/market-feed.ts';
import { HLMM_ARGV } from '../support/hlmm-cli.ts';

describe('PriceSanity', () => {
  it('refuses out-of-range prices, crossed books, huge notionals and jumps; accepts ordinary moves', () => {
    const s = new PriceSanity();
    assert.equal(s.checkBbo(100_000, 1, 100_001, 1), null);
    assert.equal(s.checkBbo(1e308, 1, 1e308 + 1, 1), IMPLAUSIBLE.priceRange);
    assert.equal(s.checkBbo(1e-300, 1, 2e-300, 1), IMPLAUSIBLE.priceRange);
    assert.equal(s.checkBbo(100_002, 1, 100_001, 1), IMPLAUSIBLE.crossed);
    assert.equal(s.checkBbo(100_001, 1, 100_001, 1), IMPLAUSIBLE.crossed, 'locked');
    assert.equal(s.checkBbo(100_000_000, 1, 100_000_001, 1), IMPLAUSIBLE.jump, '×1000');
    assert.equal(s.checkBbo(100, 1, 101, 1), IMPLAUSIBLE.jump, '/1000');
    assert.equal(s.checkBbo(100_000, 20_000, 100_001, 1), IMPLAUSIBLE.notional, '2e9 USDC on the bid');
    assert.equal(s.check(Number.NaN, 1), IMPLAUSIBLE.priceRange);
    // 10 % in one step is a lot, but within the 50 % band.
    assert.equal(s.checkBbo(110_000, 1, 110_001, 1), null);
  });

  it('moves its reference when the refused prices agree with each other long enough', () => {
    const s = new PriceSanity({ ...DEFAULT_PLAUSIBILITY, reanchorAfter: 3 });
    assert.equal(s.check(100, 1), null);
    // A bad first reference (or a real regime change): three agreeing prices in a row re-anchor it.
    assert.equal(s.check(1000, 1), IMPLAUSIBLE.jump);
    assert.equal(s.check(1001, 1), IMPLAUSIBLE.jump);
    assert.equal(s.check(999, 1), IMPLAUSIBLE.jump);
    assert.equal(s.check(1000, 1), null);
    // Isolated spikes that disagree with each other never do.
    assert.equal(s.check(1e6, 1), IMPLAUSIBLE.jump);
    assert.equal(s.check(10, 1), IMPLAUSIBLE.jump);
    assert.equal(s.check(1e6, 1), IMPLAUSIBLE.jump);
    assert.equal(s.check(1000.5, 1), null);
  });
});

const dir = mkdtempSync(join(tmpdir(), 'hlmm-plausible-'));

describe('reader', () => {
  it('skips and counts implausible price pairs and trades with their reasons and lines', async () => {
    const prices = join(dir, 'prices_X.csv');
    writeFileSync(
      prices,
      [
        'timestamp,price,size,side,exchange_timestamp',
        '1.0,100.0,1,bid,1000',
        '1.0,101.0,1,ask,1000',
        '2.0,1e308,1,bid,2000', // lines 4-5: out of range
        '2.0,1e308,1,ask,2000',
        '3.0,102.0,1,bid,3000', // lines 6-7: crossed
        '3.0,101.0,1,ask,3000',
        '4.0,100000.0,1,bid,4000', // lines 8-9: ×1000
        '4.0,100001.0,1,ask,4000',
        '5.0,100.5,1,bid,5000',
        '5.0,101.5,1,ask,5000',
        '',
      ].join('\n'),
    );
    const r = readPriceEvents(prices);
    const got = [];
    for await (const b of r) got.push(...b);
    assert.deepEqual(
      got.map((e) => e.bidPx),
      [100, 100.5],
    );
    assert.equal(r.stats.badRows, 6);
    assert.deepEqual(r.stats.badLines, [4, 5, 6, 7, 8, 9]);
    assert.deepEqual(r.stats.reasons, {
      [IMPLAUSIBLE.priceRange]: 2,
      [IMPLAUSIBLE.crossed]: 2,
      [IMPLAUSIBLE.jump]: 2,
    });

    const trades = join(dir, 'trades_X.csv');
    writeFileSync(
      trades,
      [
        'timestamp,price,size,side,trade_id,exchange_timestamp',
        '1.0,100.0,0.5,buy,1,1000',
        '2.0,1e-300,0.5,sell,2,2000',
        '3.0,100000.0,0.5,buy,3,3000',
        '4.0,100.0,1e12,buy,4,4000',
        '5.0,100.2,0.5,sell,5,5000',
        '',
      ].join('\n'),
    );
    const t = readTradeEvents(trades);
    const prints = [];
    for await (const b of t) prints.push(...b);
    assert.deepEqual(
      prints.map((p) => p.tid),
      [1, 5],
    );
    assert.deepEqual(t.stats.reasons, {
      [IMPLAUSIBLE.priceRange]: 1,
      [IMPLAUSIBLE.jump]: 1,
      [IMPLAUSIBLE.notional]: 1,
    });
  });

  it('finds nothing implausible in the bundled real BTC sample', async () => {
    for (const r of [
      readPriceEvents('data/sample/prices_BTC.csv.gz'),
      readTradeEvents('data/sample/trades_BTC.csv.gz'),
    ]) {
      for await (const _ of r) {
        // read through
      }
      for (const reason of Object.values(IMPLAUSIBLE))
        assert.equal(r.stats.reasons[reason], undefined, reason);
    }
  });
});

describe('a backtest on poisoned files', () => {
  it('gives the same result as on the clean files (before: +2.36 USDC became −166,667)', () => {
    const prices = gunzipSync(readFileSync('data/sample/prices_BTC.csv.gz')).toString('utf8').split('\n');
    const trades = gunzipSync(readFileSync('data/sample/trades_BTC.csv.gz')).toString('utf8').split('\n');
    // Poison in the middle, after a complete bid/ask pair, at that pair's own timestamps (so no ordering changes).
    const at = prices.findIndex(
      (line, i) =>
        i > 20_000 &&
        i % 2 === 0 &&
        line.split(',')[0] === prices[i - 1].split(',')[0] &&
        line.split(',')[3] !== prices[i - 1].split(',')[3],
    );
    assert.ok(at > 0);
    const [ts, , , , exch] = prices[at].split(',');
    const pair = (bid: string, ask: string) => [
      `${ts},${bid},1.0,bid,${exch}`,
      `${ts},${ask},1.0,ask,${exch}`,
    ];
    const poisonedPrices = [
      ...prices.slice(0, at + 1),
      ...pair('1e308', '1e308'),
      ...pair('1e-300', '2e-300'),
      ...pair('110000000.0', '110000001.0'),
      ...pair('110300.0', '110200.0'),
      ...prices.slice(at + 1),
    ];
    const tAt = trades.findIndex((line, i) => i > 6_000 && line !== '');
    const [tts, , , , , texch] = trades[tAt].split(',');
    const poisonedTrades = [
      ...trades.slice(0, tAt + 1),
      `${tts},1e308,0.001,buy,9000000000000001,${texch}`,
      `${tts},110000000.0,0.001,sell,9000000000000002,${texch}`,
      `${tts},1e-300,0.001,sell,9000000000000003,${texch}`,
      ...trades.slice(tAt + 1),
    ];
    const poisoned = join(dir, 'poisoned');
    const clean = join(dir, 'clean');
    for (const [d, p, t] of [
      [poisoned, poisonedPrices, poisonedTrades],
      [clean, prices, trades],
    ] as const) {
      spawnSync('mkdir', ['-p', d]);
      writeFileSync(join(d, 'prices_BTC.csv'), p.join('\n'));
      writeFileSync(join(d, 'trades_BTC.csv'), t.join('\n'));
    }
    const run = (data: string) => {
      const out = spawnSync(
        process.execPath,
        [...HLMM_ARGV, 'backtest', '--data', data, '--params', 'data/sample/params_BTC.json', '--json'],
        { encoding: 'utf8' },
      );
      assert.equal(out.status, 0, out.stderr);
      return { json: JSON.parse(out.stdout), stderr: out.stderr };
    };
    const a = run(clean);
    const b = run(poisoned);
    assert.equal(b.json.pnl, a.json.pnl);
    assert.equal(b.json.fills, a.json.fills);
    assert.equal(b.json.bad_rows, a.json.bad_rows + 8 + 3);
    assert.match(
      b.stderr,
      /prices_BTC\.csv: skipped 13 .*price outside the plausible range ×4, price jump beyond the plausible band ×2, crossed or locked book \(bid ≥ ask\) ×2/,
    );
    assert.match(
      b.stderr,
      /trades_BTC\.csv: skipped 3 .*price outside the plausible range ×2, price jump beyond the plausible band ×1/,
    );
  });
});

describe('the live feed', () => {
  it('drops implausible touches, prints and books before the strategy sees them, and counts them', () => {
    const seen: MarketEvent[] = [];
    const feed = new HyperliquidFeed({
      url: 'ws://127.0.0.1:9/ws',
      coin: 'BTC',
      onEvent: (e) => seen.push(e),
    });
    const bbo = (t: number, bid: string, ask: string) =>
      JSON.stringify({
        channel: 'bbo',
        data: {
          coin: 'BTC',
          time: t,
          bbo: [
            { px: bid, sz: '1.0', n: 1 },
            { px: ask, sz: '1.0', n: 1 },
          ],
        },
      });
    const trade = (t: number, tid: number, px: string) =>
      JSON.stringify({
        channel: 'trades',
        data: [{ coin: 'BTC', side: 'B', px, sz: '0.01', time: t, hash: '0x00', tid, users: ['0x1', '0x2'] }],
      });
    feed.handleFrame(bbo(1000, '100000', '100001'), 1);
    feed.handleFrame(bbo(1001, '100002', '100001'), 1); // crossed
    feed.handleFrame(bbo(1002, '100000000', '100000001'), 1); // ×1000
    feed.handleFrame(bbo(1003, '1e308', '1e308'), 1);
    feed.handleFrame(trade(1004, 1, '100000.5'), 1);
    feed.handleFrame(trade(1005, 2, '100.5'), 1); // ÷1000
    feed.handleFrame(bbo(1006, '100001', '100002'), 1);
    assert.deepEqual(
      seen.map((e) => `${e.kind}@${e.exchMs}`),
      ['bbo@1000', 'trade@1004', 'bbo@1006'],
    );
    assert.equal(feed.stats.implausible, 4);
  });
});
