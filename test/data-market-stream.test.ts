import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UserError } from '../src/core/errors.ts';
import type { MarketEvent } from '../src/core/market.ts';
import { orderBookHeader } from '../src/data/layout.ts';
import { type MarketStreamOptions, readMarket } from '../src/data/market-stream.ts';

const SAMPLE = join(import.meta.dirname, '..', 'data', 'sample');
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
// must hold), and a trade re-sent out of order (1500 after 2000), which stays where its file has it.
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
      'trade@1500#4',
      'bbo@2000/97',
      'book@2000#2',
      'bbo@3000/96',
      'trade@4000#5',
    ]);
  });

  it('keeps fromMs ≤ exchMs < toMs', async () => {
    assert.deepEqual((await events(dir, { fromMs: 1000, toMs: 2000 })).map(label), [
      'trade@1000#2',
      'trade@1000#1',
      'bbo@1000/98',
      'book@1000#1',
      'trade@1500#4',
    ]);
  });

  it('leaves the order book out with books: false, and reports stats per file read', async () => {
    const stream = readMarket(dir, 'BTC', { books: false });
    let n = 0;
    for await (const batch of stream) n += batch.length;
    assert.equal(n, 9);
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

  it('merges the real sample: every event once, in exchange time except the 13 re-sent trades', async () => {
    const all = await events(SAMPLE);
    assert.equal(all.length, 27551 + 12261);
    let stepsBack = 0;
    for (let i = 1; i < all.length; i++) if (all[i].exchMs < all[i - 1].exchMs) stepsBack++;
    assert.equal(stepsBack, 13); // the trades file itself steps back 13 times (re-sends on subscribe)
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
