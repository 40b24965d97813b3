import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { UserError } from '../../src/core/errors.ts';
import { fieldEnd, parseNumberField } from '../../src/data/csv-fields.ts';
import {
  type BatchReader,
  describeBadRows,
  readOrderBooks,
  readPrices,
  readTrades,
} from '../../src/data/reader.ts';

const SAMPLE = join(import.meta.dirname, '..', '..', 'data', 'sample');
const tmp = mkdtempSync(join(tmpdir(), 'hlmm-reader-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function file(name: string, text: string | Buffer): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

async function all<T>(reader: BatchReader<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of reader) out.push(...batch);
  return out;
}

const PRICES_HEAD = 'timestamp,price,size,side,exchange_timestamp\n';
const TRADES_HEAD = 'timestamp,price,size,side,trade_id,exchange_timestamp\n';

describe('readPrices on the real BTC sample', () => {
  it('pairs 55,107 rows into 27,551 BBOs and reports the 5 rows whose partner is missing', async () => {
    const reader = readPrices(join(SAMPLE, 'prices_BTC.csv.gz'));
    const bbos = await all(reader);
    assert.equal(bbos.length, 27551);
    assert.deepEqual(reader.stats.badLines, [20342, 37407, 38788, 47511, 55108]);
    assert.equal(reader.stats.rows, 55107);
    assert.equal(reader.stats.badRows, 5);
    assert.deepEqual(reader.stats.reasons, { 'unpaired bid/ask row': 5 });
    // Lines 2–3: 1756707631.227671,107947.0,16.89663,bid,1756707630446 / …,107948.0,1.43191,ask,…
    assert.deepEqual(bbos[0], {
      kind: 'bbo',
      exchMs: 1756707630446,
      recvS: 1756707631.227671,
      bidPx: 107947,
      bidSz: 16.89663,
      askPx: 107948,
      askSz: 1.43191,
    });
    // Lines 55106–55107 are written ask first: the pair still becomes one BBO.
    assert.deepEqual(bbos.at(-1), {
      kind: 'bbo',
      exchMs: 1757204036469,
      recvS: 1757204036.7501743,
      bidPx: 110203,
      bidSz: 1.28507,
      askPx: 110204,
      askSz: 3.5125,
    });
  });

  it('reads the plain file exactly as the gzipped one', async () => {
    const plain = file('prices_BTC.csv', gunzipSync(readFileSync(join(SAMPLE, 'prices_BTC.csv.gz'))));
    const fromGz = await all(readPrices(join(SAMPLE, 'prices_BTC.csv.gz')));
    const fromPlain = await all(readPrices(plain));
    assert.deepEqual(fromPlain, fromGz);
  });
});

describe('readTrades on the real BTC sample', () => {
  it('reads all 12,261 trades, keeping the 10 re-sent duplicates', async () => {
    const reader = readTrades(join(SAMPLE, 'trades_BTC.csv.gz'));
    const trades = await all(reader);
    assert.equal(trades.length, 12261);
    assert.equal(reader.stats.badRows, 0);
    assert.equal(new Set(trades.map((t) => t.tid)).size, 12251);
    assert.equal(trades.filter((t) => t.side === 'buy').length, 6729);
    assert.equal(Math.round(trades.reduce((s, t) => s + t.sz, 0) * 1e5), 158138346); // 1581.38346 BTC
    assert.deepEqual(trades[0], {
      kind: 'trade',
      exchMs: 1756707628699,
      recvS: 1756707630.769302,
      px: 107946,
      sz: 0.04631,
      side: 'buy',
      tid: 1016962236537855,
    });
    assert.equal(describeBadRows(reader.stats), null);
  });
});

describe('bad rows', () => {
  it('skips and counts every malformed price row with its line number and reason', async () => {
    const path = file(
      'prices_bad.csv',
      PRICES_HEAD +
        '1.5,100,2,bid,1000\n' + // 2 ok pair with 3
        '1.5,101,3,ask,1000\n' + // 3
        '2.5,100,2,bid\n' + // 4 wrong column count (4 columns)
        '2.5,100,2,bid,1000,7\n' + // 5 wrong column count (6 columns)
        '2.5,abc,2,bid,1000\n' + // 6 non-numeric price
        '2.5,NaN,2,bid,1000\n' + // 7 non-numeric price
        '2.5,100,Infinity,bid,1000\n' + // 8 non-numeric size
        '2.5,100,-1,bid,1000\n' + // 9 non-positive size
        '2.5,100,0,bid,1000\n' + // 10 non-positive size
        '2.5,100,1,BID,1000\n' + // 11 unknown side
        '2.5,100,1,bid,1000\n' + // 12 unpaired (next row has another timestamp)
        '3.5,100,1,bid,1001\n' + // 13 pairs with 14
        '3.5,102,4,ask,1001\n' + // 14
        '4.5,100,1,ask,1002\n' + // 15 unpaired (same side follows)
        '4.5,100,1,ask,1002\n' + // 16 unpaired (end of file)
        ',100,1,bid,1002\n', // 17 non-numeric timestamp (empty)
    );
    const reader = readPrices(path);
    const bbos = await all(reader);
    assert.deepEqual(
      bbos.map((b) => [b.recvS, b.bidPx, b.bidSz, b.askPx, b.askSz, b.exchMs]),
      [
        [1.5, 100, 2, 101, 3, 1000],
        [3.5, 100, 1, 102, 4, 1001],
      ],
    );
    assert.equal(reader.stats.rows, 16);
    assert.equal(reader.stats.badRows, 12);
    assert.deepEqual(reader.stats.badLines, [4, 5, 6, 7, 8, 9, 10, 11, 12, 15]); // first 10, ascending
    assert.deepEqual(reader.stats.reasons, {
      'wrong column count': 2,
      'non-numeric price': 2,
      'non-numeric size': 1,
      'non-positive size': 2,
      'unknown side': 1,
      'unpaired bid/ask row': 3,
      'non-numeric timestamp': 1,
    });
    assert.equal(
      describeBadRows(reader.stats),
      'prices_bad.csv: skipped 12 malformed rows of 16 (lines 4, 5, 6, 7, 8, 9, 10, 11, 12, 15, …: ' +
        'unpaired bid/ask row ×3, wrong column count ×2, non-numeric price ×2, non-positive size ×2, ' +
        'non-numeric size ×1, unknown side ×1, non-numeric timestamp ×1)',
    );
  });

  it('skips and counts every malformed trade row', async () => {
    const path = file(
      'trades_bad.csv',
      TRADES_HEAD +
        '1.5,100,0.5,buy,7,1000\n' + // 2 ok
        '1.5,100,0.5,B,8,1000\n' + // 3 unknown side (Hyperliquid letter, not mapped)
        '1.5,100,0.5,sell,8.5,1000\n' + // 4 trade id not whole
        '1.5,100,0.5,sell,-3,1000\n' + // 5 negative trade id
        '1.5,100,0.5,sell,9007199254740993,1000\n' + // 6 trade id beyond 2^53
        '1.5,-100,0.5,sell,9,1000\n' + // 7 non-positive price
        '1.5,100,0.5,sell,9,0\n' + // 8 non-positive exchange time
        '1.5,100,0.5,sell,9,1e3x\n' + // 9 non-numeric exchange time
        '1.5,100,0.5,sell,9\n' + // 10 wrong column count
        '1.5,1e2,5e-1,sell,10,1000\n', // 11 ok (exponents are numbers)
    );
    const reader = readTrades(path);
    const trades = await all(reader);
    assert.deepEqual(
      trades.map((t) => [t.px, t.sz, t.side, t.tid]),
      [
        [100, 0.5, 'buy', 7],
        [100, 0.5, 'sell', 10],
      ],
    );
    assert.deepEqual(reader.stats.badLines, [3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(reader.stats.reasons, {
      'unknown side': 1,
      'trade_id not a whole number below 2^53': 3,
      'non-positive price': 1,
      'non-positive exchange_timestamp': 1,
      'non-numeric exchange_timestamp': 1,
      'wrong column count': 1,
    });
    assert.equal(
      describeBadRows(reader.stats),
      'trades_bad.csv: skipped 8 malformed rows of 10 (lines 3, 4, 5, 6, 7, 8, 9, 10: ' +
        'trade_id not a whole number below 2^53 ×3, unknown side ×1, non-positive price ×1, ' +
        'non-positive exchange_timestamp ×1, non-numeric exchange_timestamp ×1, wrong column count ×1)',
    );
  });

  it('skips malformed order-book rows and leaves missing levels out', async () => {
    const head =
      'timestamp,sequence,exchange_timestamp,bid_price_0,bid_size_0,ask_price_0,ask_size_0,bid_price_1,bid_size_1,ask_price_1,ask_size_1\n';
    const path = file(
      'orderbooks_bad.csv',
      head +
        '1.5,1,1000,99,1,101,2,98,3,102,4\n' + // 2 ok, two levels
        '1.5,2,1000,99,1,101,2,,,102,4\n' + // 3 ok, one bid level, two asks
        '1.5,3,1000,,,101,2,98,3,,\n' + // 4 gap in book levels (bid 1 after empty bid 0)
        '1.5,4,1000,99,,101,2,,,,\n' + // 5 half-empty level
        '1.5,5,1000,99,1,101,0,,,,\n' + // 6 non-positive level size
        '1.5,-1,1000,99,1,101,2,,,,\n' + // 7 negative sequence
        '1.5,6,1000,99,1,101,2,,,\n' + // 8 wrong column count
        '1.5,7,1000,,,,,,,,\n', // 9 ok, empty book
    );
    const reader = readOrderBooks(path);
    const books = await all(reader);
    assert.deepEqual(books, [
      {
        kind: 'book',
        exchMs: 1000,
        recvS: 1.5,
        seq: 1,
        bids: [
          { px: 99, sz: 1 },
          { px: 98, sz: 3 },
        ],
        asks: [
          { px: 101, sz: 2 },
          { px: 102, sz: 4 },
        ],
      },
      {
        kind: 'book',
        exchMs: 1000,
        recvS: 1.5,
        seq: 2,
        bids: [{ px: 99, sz: 1 }],
        asks: [
          { px: 101, sz: 2 },
          { px: 102, sz: 4 },
        ],
      },
      { kind: 'book', exchMs: 1000, recvS: 1.5, seq: 7, bids: [], asks: [] },
    ]);
    assert.deepEqual(reader.stats.badLines, [4, 5, 6, 7, 8]);
    assert.deepEqual(reader.stats.reasons, {
      'gap in book levels': 1,
      'half-empty book level': 1,
      'non-positive level size': 1,
      'negative sequence': 1,
      'wrong column count': 1,
    });
  });

  it('accepts CRLF line endings, a byte-order mark, blank lines and a last line without newline', async () => {
    const path = file(
      'prices_crlf.csv',
      '\ufeff' + PRICES_HEAD.replace('\n', '\r\n') + '1.5,100,2,bid,1000\r\n\r\n1.5,101,3,ask,1000',
    );
    const reader = readPrices(path);
    assert.deepEqual(await all(reader), [
      { kind: 'bbo', exchMs: 1000, recvS: 1.5, bidPx: 100, bidSz: 2, askPx: 101, askSz: 3 },
    ]);
    assert.equal(reader.stats.rows, 2);
    assert.equal(reader.stats.badRows, 0);
  });

  it('skips a line over 1 MiB without buffering it, then goes on', async () => {
    const path = file(
      'trades_long.csv',
      TRADES_HEAD + `1.5,100,0.5,buy,7,1000\n${'9'.repeat(3 * 1024 * 1024)}\n1.5,100,0.5,sell,8,1001\n`,
    );
    const reader = readTrades(path);
    assert.deepEqual(
      (await all(reader)).map((t) => t.tid),
      [7, 8],
    );
    assert.deepEqual(reader.stats.badLines, [3]);
    assert.deepEqual(reader.stats.reasons, { 'line too long': 1 });
  });

  it('resets its statistics when iterated again', async () => {
    const reader = readTrades(file('trades_twice.csv', TRADES_HEAD + '1,2,3,buy,4,5\nx\n'));
    await all(reader);
    await all(reader);
    assert.equal(reader.stats.rows, 2);
    assert.equal(reader.stats.badRows, 1);
    assert.deepEqual(reader.stats.badLines, [3]);
  });
});

describe('file errors', () => {
  it('a missing file is a UserError naming it', () => {
    assert.throws(
      () => readPrices(join(tmp, 'prices_NOPE.csv')),
      (err: unknown) => err instanceof UserError && err.message.includes('prices_NOPE.csv does not exist'),
    );
  });

  it('a wrong header is a UserError naming the file and the header expected', async () => {
    const path = file('trades_hdr.csv', 'time,px,sz,side,tid,exch\n1,2,3,buy,4,5\n');
    await assert.rejects(all(readTrades(path)), (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.match(err.message, /trades_hdr\.csv/);
      assert.match(err.message, /"timestamp,price,size,side,trade_id,exchange_timestamp"/);
      return true;
    });
  });

  it('a headerless file (first line is data) is a UserError', async () => {
    const path = file('prices_nohdr.csv', '1.5,100,2,bid,1000\n');
    await assert.rejects(all(readPrices(path)), /prices_nohdr\.csv: the first line must be the header/);
  });

  it('an empty file is a UserError', async () => {
    const path = file('prices_empty.csv', '');
    await assert.rejects(all(readPrices(path)), /prices_empty\.csv has no header line/);
  });

  it('an order-book header with a broken level layout is a UserError', async () => {
    const path = file(
      'orderbooks_hdr.csv',
      'timestamp,sequence,exchange_timestamp,bid_price_0,bid_size_0,ask_size_0,ask_price_0\n',
    );
    await assert.rejects(all(readOrderBooks(path)), /orderbooks_hdr\.csv: the first line must be the header/);
  });

  it('a corrupt gzip file is a UserError', async () => {
    const gz = gzipSync(Buffer.from(`${TRADES_HEAD}1,2,3,buy,4,5\n`.repeat(50)));
    const path = file('trades_bad.csv.gz', gz.subarray(0, gz.length - 20));
    await assert.rejects(all(readTrades(path)), (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.match(err.message, /trades_bad\.csv\.gz is not a readable gzip file/);
      return true;
    });
  });
});

describe('number fields', () => {
  it('parse to exactly Number(text) for any decimal a writer could produce', () => {
    const bytes = (s: string) => Buffer.from(`${s},x`);
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const text = String(x);
        const parsed = parseNumberField(bytes(text), 0, text.length + 2);
        assert.ok(Object.is(parsed, Number(text)), `${text} → ${parsed}`);
        assert.equal(fieldEnd, text.length);
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 19n }),
        fc.integer({ min: 0, max: 19 }),
        (mantissa, decimals) => {
          const digits = mantissa.toString().padStart(decimals + 1, '0');
          const text = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
          assert.ok(Object.is(parseNumberField(bytes(text), 0, text.length + 2), Number(text)), text);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('reject what Number() would wrongly accept', () => {
    for (const text of [
      '',
      ' 1',
      '0x10',
      'NaN',
      'Infinity',
      '-Infinity',
      '1.2.3',
      '1e',
      'e5',
      '.',
      '-',
      '1_000',
    ]) {
      const buf = Buffer.from(text);
      assert.ok(Number.isNaN(parseNumberField(buf, 0, buf.length)), JSON.stringify(text));
    }
  });
});
