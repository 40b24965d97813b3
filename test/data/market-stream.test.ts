import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UserError } from '../../src/core/errors.ts';
import type { MarketEvent } from '../../src/core/market.ts';
import { orderBookHeader } from '../../src/data/layout.ts';
import { describeDropped, type MarketStreamOptions, readMarket } from '../../src/data/market-stream.ts';

const SAMPLE = join(import.meta.dirname, '..', '..', 'data', 'sample');
const root = mkdtempSync(join(tmpdir(), 'hlmm-stream-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function events(dir: string, opts?: MarketStreamOptions): Promise<MarketEvent[]> {
  const out: MarketEvent[] = [];
  for await (const batch of readMarket(dir, 'BTC', opts)) out.push(...batch);
  return out;
}

/** A short label per event: kind@exchMs plus the field that tells rows of the same time apart. */
function label(e: MarketEvent): string {
  if (e.kind === 'trade') return `trade@${e.exchMs}#${e.tid}`;
  if (e.kind === 'bbo') return `bbo@${e.exchMs}/${e.bidPx}`;
  return `book@${e.exchMs}#${e.seq}`;
}

// Hand-made recording: ties at 1000 and 2000 across all three files, two trades sharing 1000 (file order
// must hold), and a trade re-sent out of order (1500 after 2000), which is dropped and counted.
const dir = join(root, 'tiny');
mkdirSync(dir);
writeFileSync(
  join(dir, 'prices_BTC.csv'),
  'timestamp,price,size,side,exchange_timestamp\n' +
    '1.0,99,1,bid,900\n1.0,100,1,ask,900\n' +
    '1.1,98,1,bid,1000\n1.1,100,1,ask,1000\n' +
    '1.2,97,1,bid,2000\n1.2,100,1,ask,2000\n' +
    '1.3,96,1,bid,3000\n1.3,100,1,ask,3000\n',
);
writeFileSync(
  join(dir, 'trades_BTC.csv'),
  'timestamp,price,size,side,trade_id,exchange_timestamp\n' +
    '1.1,100,1,buy,2,1000\n' +
    '1.1,100,1,buy,1,1000\n' +
    '1.2,98,1,sell,3,2000\n' +
    '1.25,98,1,sell,4,1500\n' +
    '1.4,98,1,sell,5,4000\n',
);
writeFileSync(
  join(dir, 'orderbooks_BTC.csv'),
  `${orderBookHeader(1)}\n1.0,1,1000,98,1,100,1\n1.2,2,2000,97,1,100,1\n`,
);

describe('readMarket', () => {
  it('merges in exchange time; at a tie trades come first, then BBO, then book; file order holds', async () => {
    assert.deepEqual((await events(dir)).map(label), [
      'bbo@900/99',
      'trade@1000#2',
      'trade@1000#1',
      'bbo@1000/98',
      'book@1000#1',
      'trade@2000#3',
      'bbo@2000/97',
      'book@2000#2',
      'bbo@3000/96',
      'trade@4000#5',
    ]);
  });

  it('keeps fromMs ≤ exchMs < toMs, as a slice of the whole stream (the 1500 re-send stays dropped)', async () => {
    assert.deepEqual((await events(dir, { fromMs: 1000, toMs: 2000 })).map(label), [
      'trade@1000#2',
      'trade@1000#1',
      'bbo@1000/98',
      'book@1000#1',
    ]);
  });

  it('drops re-sent trades (tid already seen) and events older than the last one, counting each', async () => {
    const d = join(root, 'resend');
    mkdirSync(d);
    writeFileSync(
      join(d, 'prices_BTC.csv'),
      'timestamp,price,size,side,exchange_timestamp\n' +
        '1,99,1,bid,1000\n1,100,1,ask,1000\n' +
        '1,98,1,bid,3000\n1,100,1,ask,3000\n' +
        '1,97,1,bid,2500\n1,100,1,ask,2500\n', // the prices file stepping back: dropped as out of order
    );
    writeFileSync(
      join(d, 'trades_BTC.csv'),
      'timestamp,price,size,side,trade_id,exchange_timestamp\n' +
        '1,100,1,buy,11,1500\n' +
        '1,100,1,buy,12,2000\n' +
        '1,100,1,buy,11,1500\n' + // re-send of tid 11 (also older): counted once, as a duplicate
        '1,100,1,buy,12,2000\n' + // re-send of tid 12 at the same ms: in order, still a duplicate
        '1,99,1,sell,13,1800\n' + // a new tid but older than the 2000 print: out of order
        '1,98,1,sell,14,4000\n',
    );
    const stream = readMarket(d, 'BTC');
    const out: MarketEvent[] = [];
    for await (const batch of stream) out.push(...batch);
    assert.deepEqual(out.map(label), [
      'bbo@1000/99',
      'trade@1500#11',
      'trade@2000#12',
      'bbo@3000/98',
      'trade@4000#14',
    ]);
    assert.deepEqual(stream.dropped, { duplicateTrades: 2, outOfOrder: 2 });
    assert.equal(
      describeDropped(stream.dropped),
      'dropped 2 duplicate trades (tid already seen) and 2 out-of-order events (older than the event before them)',
    );
    // Only drops inside the window are counted; the window is still a slice of the whole stream.
    const win = readMarket(d, 'BTC', { fromMs: 1600, toMs: 3500 });
    const inWin: MarketEvent[] = [];
    for await (const batch of win) inWin.push(...batch);
    assert.deepEqual(inWin.map(label), ['trade@2000#12', 'bbo@3000/98']);
    assert.deepEqual(win.dropped, { duplicateTrades: 1, outOfOrder: 2 });
    assert.equal(describeDropped({ duplicateTrades: 0, outOfOrder: 0 }), null);
  });

  it('leaves the order book out with books: false, and reports stats per file read', async () => {
    const stream = readMarket(dir, 'BTC', { books: false });
    let n = 0;
    for await (const batch of stream) n += batch.length;
    assert.equal(n, 8);
    assert.deepEqual(
      stream.stats.map((s) => [s.file, s.rows]),
      [
        [join(dir, 'prices_BTC.csv'), 8],
        [join(dir, 'trades_BTC.csv'), 5],
      ],
    );
  });

  it('a missing trades file is a UserError naming the directory, symbol and file', () => {
    const empty = join(root, 'only-prices');
    mkdirSync(empty);
    writeFileSync(join(empty, 'prices_BTC.csv'), 'timestamp,price,size,side,exchange_timestamp\n');
    assert.throws(
      () => readMarket(empty, 'BTC'),
      (err: unknown) =>
        err instanceof UserError &&
        err.message.includes(
          `No trades file for BTC in ${empty}: expected trades_BTC.csv or trades_BTC.csv.gz`,
        ),
    );
    assert.throws(() => readMarket(empty, 'ETH'), /No prices file for ETH/);
  });

  it('merges the real sample in exchange time, each trade once: 10 re-sent tids and 27 late prints dropped', async () => {
    const stream = readMarket(SAMPLE, 'BTC');
    const all: MarketEvent[] = [];
    for await (const batch of stream) all.push(...batch);
    // The trades file steps back 13 times (re-sends on subscribe); the prints after each step that are still
    // older than the last event merged go too.
    assert.deepEqual(stream.dropped, { duplicateTrades: 10, outOfOrder: 27 });
    assert.equal(all.length, 27551 + 12261 - 37);
    let stepsBack = 0;
    for (let i = 1; i < all.length; i++) if (all[i].exchMs < all[i - 1].exchMs) stepsBack++;
    assert.equal(stepsBack, 0);
    const tids = all.filter((e) => e.kind === 'trade').map((e) => e.tid);
    assert.equal(new Set(tids).size, tids.length);
    const window = await events(SAMPLE, { fromMs: 1756771302897, toMs: 1756771608635 });
    assert.ok(window.length > 0);
    assert.ok(window.every((e) => e.exchMs >= 1756771302897 && e.exchMs < 1756771608635));
    assert.deepEqual(
      window,
      all.filter((e) => e.exchMs >= 1756771302897 && e.exchMs < 1756771608635),
    );
  });

  it('stops reading files once they are past toMs', async () => {
    const stream = readMarket(SAMPLE, 'BTC', { toMs: 1756707700000 });
    for await (const _ of stream) {
      // drain
    }
    assert.ok(stream.stats[0].rows < 55107 && stream.stats[1].rows < 12261, JSON.stringify(stream.stats));
  });
});
