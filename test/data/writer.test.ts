import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UserError } from '../../src/core/errors.ts';
import type { Bbo, BookSnapshot, TradePrint } from '../../src/core/market.ts';
import { findMarketFile, marketFileName, orderBookHeader } from '../../src/data/layout.ts';
import { type BatchReader, readOrderBooks, readPrices, readTrades } from '../../src/data/reader.ts';
import { MarketDataWriter } from '../../src/data/writer.ts';

const root = mkdtempSync(join(tmpdir(), 'hlmm-writer-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
function freshDir(): string {
  const dir = join(root, `d${dirs++}`);
  mkdirSync(dir);
  return dir;
}

async function all<T>(reader: BatchReader<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of reader) out.push(...batch);
  return out;
}

const bbo = (i: number): Bbo => ({
  exchMs: 1756707630446 + i,
  recvS: 1756707631.2300105 + i,
  bidPx: 107947 + i,
  bidSz: 16.89663,
  askPx: 107948.5 + i,
  askSz: 0.00001,
});
const trade = (i: number): TradePrint => ({
  exchMs: 1756707628699 + i,
  recvS: 1756707630.769302 + i,
  px: 107946 + i / 10,
  sz: 0.04631,
  side: i % 2 === 0 ? 'buy' : 'sell',
  tid: 1016962236537855 + i,
});
const book = (i: number, levels: number): BookSnapshot => ({
  exchMs: 1756707630446 + i,
  recvS: 1756707631.227671 + i,
  seq: i,
  bids: Array.from({ length: levels }, (_, k) => ({ px: 100 - k, sz: 1 + k / 4 })),
  asks: Array.from({ length: levels }, (_, k) => ({ px: 101 + k, sz: 2 + k / 8 })),
});

describe('layout', () => {
  it('names files and finds plain before gzipped', () => {
    const dir = freshDir();
    assert.equal(marketFileName('prices', 'BTC'), 'prices_BTC.csv');
    assert.equal(marketFileName('orderbooks', 'xyz:TSLA'), 'orderbooks_xyz:TSLA.csv');
    assert.throws(() => marketFileName('trades', '../BTC'), UserError);
    assert.equal(findMarketFile(dir, 'trades', 'BTC'), null);
    writeFileSync(join(dir, 'trades_BTC.csv.gz'), '');
    assert.equal(findMarketFile(dir, 'trades', 'BTC'), join(dir, 'trades_BTC.csv.gz'));
    writeFileSync(join(dir, 'trades_BTC.csv'), '');
    assert.equal(findMarketFile(dir, 'trades', 'BTC'), join(dir, 'trades_BTC.csv'));
  });

  it('spells the order-book header level by level', () => {
    assert.equal(
      orderBookHeader(2),
      'timestamp,sequence,exchange_timestamp,bid_price_0,bid_size_0,ask_price_0,ask_size_0,bid_price_1,bid_size_1,ask_price_1,ask_size_1',
    );
  });
});

describe('MarketDataWriter', () => {
  it('round-trips BBOs, trades and books through the reader, appending across writers', async () => {
    const dir = freshDir();
    const first = new MarketDataWriter({ dir, symbol: 'BTC', depth: 3 });
    for (let i = 0; i < 3; i++) {
      first.writeBbo(bbo(i));
      first.writeTrade(trade(i));
      first.writeBook(book(i, 3));
    }
    assert.equal(first.bufferedRows, 3 * 2 + 3 + 3);
    await first.flush();
    assert.equal(first.bufferedRows, 0);
    first.writeTrade(trade(3));
    await first.close();
    assert.throws(() => first.writeTrade(trade(4)), /closed/);

    const second = new MarketDataWriter({ dir, symbol: 'BTC', depth: 3 });
    second.writeBbo(bbo(3));
    second.writeBook(book(3, 1));
    second.flushSync();

    const prices = await all(readPrices(join(dir, 'prices_BTC.csv')));
    assert.deepEqual(
      prices,
      [0, 1, 2, 3].map((i) => ({ kind: 'bbo', ...bbo(i) })),
    );
    const trades = await all(readTrades(join(dir, 'trades_BTC.csv')));
    assert.deepEqual(
      trades,
      [0, 1, 2, 3].map((i) => ({ kind: 'trade', ...trade(i) })),
    );
    const books = await all(readOrderBooks(join(dir, 'orderbooks_BTC.csv')));
    assert.deepEqual(books, [
      { kind: 'book', ...book(0, 3) },
      { kind: 'book', ...book(1, 3) },
      { kind: 'book', ...book(2, 3) },
      { kind: 'book', ...book(3, 1) },
    ]);
    // The header is written once, when the file is created.
    const text = readFileSync(join(dir, 'trades_BTC.csv'), 'utf8');
    assert.equal(text.split('timestamp,').length - 1, 1);
  });

  it('writes numbers in their shortest exact form and keeps timestamp precision', () => {
    const dir = freshDir();
    const w = new MarketDataWriter({ dir, symbol: 'BTC', depth: 2 });
    w.writeBbo({
      exchMs: 1756707630499,
      recvS: 1756707631.2300105,
      bidPx: 107947.0,
      bidSz: 13.89254,
      askPx: 107948,
      askSz: 1.43191,
    });
    w.writeTrade({
      exchMs: 1756707628699,
      recvS: 1756707630.769302,
      px: 107946.0,
      sz: 0.1 + 0.2,
      side: 'sell',
      tid: 926483362847924,
    });
    w.writeBook({ exchMs: 5, recvS: 1.25, seq: 9, bids: [{ px: 99.5, sz: 1e-7 }], asks: [] });
    w.flushSync();
    assert.equal(
      readFileSync(join(dir, 'prices_BTC.csv'), 'utf8'),
      'timestamp,price,size,side,exchange_timestamp\n' +
        '1756707631.2300105,107947,13.89254,bid,1756707630499\n' +
        '1756707631.2300105,107948,1.43191,ask,1756707630499\n',
    );
    assert.equal(
      readFileSync(join(dir, 'trades_BTC.csv'), 'utf8'),
      'timestamp,price,size,side,trade_id,exchange_timestamp\n' +
        '1756707630.769302,107946,0.30000000000000004,sell,926483362847924,1756707628699\n',
    );
    assert.equal(
      readFileSync(join(dir, 'orderbooks_BTC.csv'), 'utf8'),
      `${orderBookHeader(2)}\n1.25,9,5,99.5,1e-7,,,,,,\n`,
    );
  });

  it('cuts books deeper than its depth', async () => {
    const dir = freshDir();
    const w = new MarketDataWriter({ dir, symbol: 'ETH', depth: 2 });
    w.writeBook(book(0, 5));
    await w.close();
    const [read] = await all(readOrderBooks(join(dir, 'orderbooks_ETH.csv')));
    assert.deepEqual(read.bids, book(0, 2).bids);
    assert.deepEqual(read.asks, book(0, 2).asks);
  });

  it('drops records the reader would skip, and counts them', () => {
    const dir = freshDir();
    const w = new MarketDataWriter({ dir, symbol: 'BTC' });
    w.writeBbo({ ...bbo(0), bidPx: Number.NaN });
    w.writeBbo({ ...bbo(0), askSz: 0 });
    w.writeTrade({ ...trade(0), sz: -1 });
    w.writeTrade({ ...trade(0), tid: 1.5 });
    w.writeTrade({ ...trade(0), side: 'B' as 'buy' });
    w.writeBook({ ...book(0, 1), exchMs: Number.POSITIVE_INFINITY });
    w.writeBook({ ...book(0, 1), asks: [{ px: 101, sz: 0 }] });
    w.writeTrade(trade(1));
    assert.equal(w.droppedRecords, 7);
    assert.equal(w.bufferedRows, 1);
  });

  it('refuses to append to a file of another depth, naming the file', () => {
    const dir = freshDir();
    const w = new MarketDataWriter({ dir, symbol: 'BTC', depth: 20 });
    w.writeBook(book(0, 1));
    w.flushSync();
    assert.throws(
      () => new MarketDataWriter({ dir, symbol: 'BTC', depth: 10 }),
      (err: unknown) =>
        err instanceof UserError && err.message.includes('orderbooks_BTC.csv already exists with the header'),
    );
  });

  it('rejects a missing directory and a bad depth', () => {
    assert.throws(() => new MarketDataWriter({ dir: join(root, 'nope'), symbol: 'BTC' }), /does not exist/);
    assert.throws(() => new MarketDataWriter({ dir: freshDir(), symbol: 'BTC', depth: 0 }), UserError);
  });

  it('after a crash mid-row, starts the next row on a new line so only the torn row is lost', async () => {
    const dir = freshDir();
    const w = new MarketDataWriter({ dir, symbol: 'BTC' });
    w.writeTrade(trade(0));
    await w.close();
    appendFileSync(join(dir, 'trades_BTC.csv'), '1756707630.7,1079'); // torn write
    const again = new MarketDataWriter({ dir, symbol: 'BTC' });
    again.writeTrade(trade(1));
    await again.close();
    const reader = readTrades(join(dir, 'trades_BTC.csv'));
    assert.deepEqual(
      (await all(reader)).map((t) => t.tid),
      [trade(0).tid, trade(1).tid],
    );
    assert.deepEqual(reader.stats.badLines, [3]);
    assert.deepEqual(reader.stats.reasons, { 'wrong column count': 1 });
  });
});
