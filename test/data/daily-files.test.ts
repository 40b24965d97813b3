import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { MarketEvent } from '../../src/core/market.ts';
import { findMarketFiles, latestMarketFile } from '../../src/data/layout.ts';
import { readMarket } from '../../src/data/market-stream.ts';
import { MarketDataWriter } from '../../src/data/writer.ts';

const root = mkdtempSync(join(tmpdir(), 'hlmm-daily-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => {
  const d = join(root, `d${n++}`);
  mkdirSync(d);
  return d;
};

const DAY_MS = 86_400_000;
const D1 = Date.UTC(2025, 8, 1); // 2025-09-01

async function all(dir: string): Promise<MarketEvent[]> {
  const out: MarketEvent[] = [];
  for await (const batch of readMarket(dir, 'BTC')) out.push(...batch);
  return out;
}

describe('daily files', () => {
  it('a rotating writer starts a new file at each UTC day of exchange time, never going back', async () => {
    const dir = fresh();
    const w = new MarketDataWriter({ dir, symbol: 'BTC', rotateDaily: true, depth: 1 });
    w.writeBbo({ exchMs: D1 + 1000, recvS: (D1 + 1000) / 1000, bidPx: 99, bidSz: 1, askPx: 100, askSz: 1 });
    w.writeTrade({
      exchMs: D1 + DAY_MS - 1,
      recvS: (D1 + DAY_MS) / 1000,
      px: 100,
      sz: 1,
      side: 'buy',
      tid: 1,
    });
    w.writeTrade({
      exchMs: D1 + DAY_MS + 5,
      recvS: (D1 + DAY_MS) / 1000,
      px: 100,
      sz: 1,
      side: 'sell',
      tid: 2,
    });
    // A re-sent trade from the day before, after midnight: it stays in the current day's file.
    w.writeTrade({
      exchMs: D1 + DAY_MS - 2,
      recvS: (D1 + DAY_MS) / 1000,
      px: 100,
      sz: 1,
      side: 'buy',
      tid: 0,
    });
    w.writeBbo({
      exchMs: D1 + DAY_MS + 9,
      recvS: (D1 + DAY_MS) / 1000,
      bidPx: 98,
      bidSz: 1,
      askPx: 100,
      askSz: 1,
    });
    await w.close();
    assert.deepEqual(readdirSync(dir).sort(), [
      'prices_BTC_2025-09-01.csv',
      'prices_BTC_2025-09-02.csv',
      'trades_BTC_2025-09-01.csv',
      'trades_BTC_2025-09-02.csv',
    ]);
    assert.equal(
      readFileSync(join(dir, 'trades_BTC_2025-09-02.csv'), 'utf8'),
      'timestamp,price,size,side,trade_id,exchange_timestamp\n' +
        `${(D1 + DAY_MS) / 1000},100,1,sell,2,${D1 + DAY_MS + 5}\n` +
        `${(D1 + DAY_MS) / 1000},100,1,buy,0,${D1 + DAY_MS - 2}\n`,
    );
    assert.equal(latestMarketFile(dir, 'trades', 'BTC'), join(dir, 'trades_BTC_2025-09-02.csv'));

    // A restart the same day appends to that day's file (header checked, not written twice).
    const again = new MarketDataWriter({ dir, symbol: 'BTC', rotateDaily: true, depth: 1 });
    again.writeTrade({
      exchMs: D1 + DAY_MS + 50,
      recvS: (D1 + DAY_MS) / 1000,
      px: 101,
      sz: 1,
      side: 'buy',
      tid: 3,
    });
    await again.close();
    const day2 = readFileSync(join(dir, 'trades_BTC_2025-09-02.csv'), 'utf8').trimEnd().split('\n');
    assert.equal(day2.length, 4);
    assert.equal(day2.filter((l) => l.startsWith('timestamp')).length, 1);
  });

  it('the reader takes every day of a symbol in order, the old undated file first', async () => {
    const dir = fresh();
    const pricesHeader = 'timestamp,price,size,side,exchange_timestamp\n';
    const tradesHeader = 'timestamp,price,size,side,trade_id,exchange_timestamp\n';
    const bbo = (ms: number, bid: number) => `1,${bid},1,bid,${ms}\n1,${bid + 1},1,ask,${ms}\n`;
    const trade = (ms: number, tid: number) => `1,100,1,buy,${tid},${ms}\n`;
    // The undated file: recorded before rotation existed.
    writeFileSync(join(dir, 'prices_BTC.csv'), pricesHeader + bbo(D1 - 5000, 90));
    writeFileSync(join(dir, 'trades_BTC.csv'), tradesHeader + trade(D1 - 4000, 1));
    // Day files written out of name order on disk; a .gz beside a plain file of the same day is ignored.
    writeFileSync(join(dir, 'prices_BTC_2025-09-02.csv'), pricesHeader + bbo(D1 + DAY_MS + 10, 92));
    writeFileSync(join(dir, 'prices_BTC_2025-09-01.csv'), pricesHeader + bbo(D1 + 10, 91));
    writeFileSync(join(dir, 'prices_BTC_2025-09-01.csv.gz'), 'not gzip: never opened');
    writeFileSync(join(dir, 'trades_BTC_2025-09-01.csv'), tradesHeader + trade(D1 + 20, 2));
    writeFileSync(join(dir, 'trades_BTC_2025-09-02.csv'), tradesHeader + trade(D1 + DAY_MS + 20, 3));
    // Another symbol whose name starts the same is not read.
    writeFileSync(join(dir, 'prices_BTCX_2025-09-01.csv'), pricesHeader + bbo(D1 + 30, 1));
    assert.deepEqual(
      findMarketFiles(dir, 'prices', 'BTC').map((f) => f.slice(dir.length + 1)),
      ['prices_BTC.csv', 'prices_BTC_2025-09-01.csv', 'prices_BTC_2025-09-02.csv'],
    );
    const events = await all(dir);
    assert.deepEqual(
      events.map((e) =>
        e.kind === 'bbo' ? `bbo ${e.bidPx}` : e.kind === 'trade' ? `trade ${e.tid}` : 'book',
      ),
      ['bbo 90', 'trade 1', 'bbo 91', 'trade 2', 'bbo 92', 'trade 3'],
    );
    assert.ok(existsSync(join(dir, 'prices_BTC_2025-09-01.csv.gz')));
  });
});
