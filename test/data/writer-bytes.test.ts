/**
 * The byte-level writer must write exactly what the former string writer did: `${x}` (String(x)) for every
 * number. Expected text here is built with template strings, the old way, over numbers chosen to hit each path.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CsvRowBytes } from '../../src/data/csv-row-bytes.ts';
import { orderBookHeader, PRICES_HEADER, TRADES_HEADER } from '../../src/data/layout.ts';
import { MarketDataWriter } from '../../src/data/writer.ts';

const TRICKY = [
  1,
  7,
  10,
  100,
  107947,
  107947.5,
  0.1,
  0.2,
  0.1 + 0.2,
  1 / 3,
  2 / 3,
  1.005,
  4.35,
  0.07,
  8.675309,
  0.000001,
  0.0000015,
  9.99e-7,
  1e-7,
  5e-324,
  12345678.9,
  99999999,
  100000000,
  99999999.99999999,
  123456789012345,
  999999999999999,
  1e15,
  1234567890123456,
  2 ** 53 - 1,
  1e20,
  1e21,
  1.7976931348623157e308,
  1756707631.2300105,
  1735689600.15,
  1735689601.118,
  1756707630446,
  110000.5,
  3.519,
  0.00123,
  20.00001,
];

test('number bytes equal String(x) on tricky and random doubles', () => {
  const o = new CsvRowBytes(16);
  const same = (x: number) => {
    o.clear();
    o.reserve(32);
    o.number(x);
    assert.equal(o.view().toString('latin1'), String(x), `for ${x}`);
  };
  for (const x of [0, -0, ...TRICKY]) same(x);
  let seed = 7;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  for (let i = 0; i < 200_000; i++) {
    same(Math.round(random() * 10 ** Math.floor(random() * 16)) / 10 ** Math.floor(random() * 12));
    same(random() * 10 ** (Math.floor(random() * 30) - 10));
  }
});

test('prices, trades and books files: byte for byte what the string writer wrote', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-writer-bytes-'));
  const w = new MarketDataWriter({ dir, symbol: 'TRK', depth: 2 });
  let prices = `${PRICES_HEADER}\n`;
  let trades = `${TRADES_HEADER}\n`;
  let books = `${orderBookHeader(2)}\n`;
  const n = TRICKY.length;
  for (let i = 0; i < n; i++) {
    const [recvS, exchMs, bidPx, bidSz, askPx, askSz] = [0, 1, 2, 3, 4, 5].map(
      (k) => TRICKY[(i + k * 7) % n],
    );
    w.writeBbo({ recvS, exchMs, bidPx, bidSz, askPx, askSz });
    prices += `${recvS},${bidPx},${bidSz},bid,${exchMs}\n${recvS},${askPx},${askSz},ask,${exchMs}\n`;
    const tid = Math.floor(TRICKY[(i + 11) % n]) % 2 ** 53;
    const side = i % 2 === 0 ? 'buy' : 'sell';
    w.writeTrade({ recvS, exchMs, px: bidPx, sz: askSz, side, tid });
    trades += `${recvS},${bidPx},${askSz},${side},${tid},${exchMs}\n`;
    const seq = i;
    const bids =
      i % 3 === 0
        ? [{ px: bidPx, sz: bidSz }]
        : [
            { px: bidPx, sz: bidSz },
            { px: askSz, sz: recvS },
          ];
    const asks = [{ px: askPx, sz: askSz }];
    w.writeBook({ recvS, exchMs, seq, bids, asks });
    books += `${recvS},${seq},${exchMs},${bidPx},${bidSz},${askPx},${askSz}`;
    books += bids[1] === undefined ? ',,,,\n' : `,${bids[1].px},${bids[1].sz},,\n`;
    // A book with a bad deeper level is refused whole: nothing of it may reach the file.
    w.writeBook({
      recvS,
      exchMs,
      seq,
      bids: [
        { px: bidPx, sz: bidSz },
        { px: -1, sz: 1 },
      ],
      asks,
    });
    if (i === n >> 1) w.flushSync(); // flushes in the middle change nothing
  }
  await w.close();
  assert.equal(w.droppedRecords, n);
  assert.equal(readFileSync(join(dir, 'prices_TRK.csv'), 'latin1'), prices);
  assert.equal(readFileSync(join(dir, 'trades_TRK.csv'), 'latin1'), trades);
  assert.equal(readFileSync(join(dir, 'orderbooks_TRK.csv'), 'latin1'), books);
});

test('a burst larger than the initial buffer grows it and writes every row', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-writer-burst-'));
  const w = new MarketDataWriter({ dir, symbol: 'BIG' });
  let expected = `${TRADES_HEADER}\n`;
  for (let i = 0; i < 5_000; i++) {
    const recvS = 1756707631.2300105 + i / 7;
    w.writeTrade({
      recvS,
      exchMs: 1756707631000 + i,
      px: 110000 + i / 4,
      sz: 0.001 * (i + 1),
      side: 'sell',
      tid: i,
    });
    expected += `${recvS},${110000 + i / 4},${0.001 * (i + 1)},sell,${i},${1756707631000 + i}\n`;
  }
  await w.close();
  assert.equal(readFileSync(join(dir, 'trades_BIG.csv'), 'latin1'), expected);
});
