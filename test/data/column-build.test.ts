import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { MarketEvent } from '../../src/core/market.ts';
import { buildMarketColumns } from '../../src/data/column-build.ts';
import { readMarket } from '../../src/data/market-stream.ts';
import { REPO_ROOT } from '../support/repo-root.ts';

const SAMPLE = join(import.meta.dirname, '..', '..', 'data', 'sample');
const REAL = join(REPO_ROOT, '..', 'shared', 'data', 'hyperliquid');
const root = mkdtempSync(join(tmpdir(), 'hlmm-column-build-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** The columns as the object merge gives them (what the cache was built from before column-build.ts). */
async function viaObjects(dir: string) {
  const droppedDuplicateMs: number[] = [];
  const droppedOutOfOrderMs: number[] = [];
  const stream = readMarket(dir, 'BTC', {
    books: false,
    onDrop: (reason, ms) => (reason === 'duplicate' ? droppedDuplicateMs : droppedOutOfOrderMs).push(ms),
  });
  const bbo: number[][] = [[], [], [], [], [], []];
  const tr: number[][] = [[], [], [], [], [], [], []];
  for await (const batch of stream) {
    for (const e of batch as MarketEvent[]) {
      if (e.kind === 'bbo') pushRow(bbo, [e.exchMs, e.recvS, e.bidPx, e.bidSz, e.askPx, e.askSz]);
      else if (e.kind === 'trade')
        pushRow(tr, [e.exchMs, e.recvS, e.px, e.sz, e.side === 'buy' ? 0 : 1, e.tid, bbo[0]?.length ?? 0]);
    }
  }
  return { bbo, tr, stats: stream.stats, droppedDuplicateMs, droppedOutOfOrderMs };
}

function pushRow(columns: number[][], row: number[]): void {
  for (let i = 0; i < row.length; i++) columns[i]?.push(row[i] as number);
}

async function assertSameAsObjects(dir: string): Promise<number> {
  const want = await viaObjects(dir);
  const got = await buildMarketColumns(dir, 'BTC');
  const b = got.bbo;
  const t = got.trades;
  assert.deepEqual(
    [b.exchMs, b.recvS, b.bidPx, b.bidSz, b.askPx, b.askSz].map((c) => [...c]),
    want.bbo,
  );
  assert.deepEqual(
    [t.exchMs, t.recvS, t.px, t.sz, t.side, t.tid, t.bboIndex].map((c) => [...c]),
    want.tr,
  );
  assert.deepEqual(got.stats, want.stats);
  assert.deepEqual(got.droppedDuplicateMs, want.droppedDuplicateMs);
  assert.deepEqual(got.droppedOutOfOrderMs, want.droppedOutOfOrderMs);
  return want.bbo[0]?.length ?? 0;
}

describe('columns built straight from the CSV bytes', () => {
  it('equal the object merge on the bundled sample (gzip)', async () => {
    const dir = join(root, 'sample');
    cpSync(SAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.hlmm-cache') });
    assert.ok((await assertSameAsObjects(dir)) > 1000);
  });

  it('equal the object merge on the real recording (re-sent trade ids)', { timeout: 120_000 }, async (t) => {
    const dir = join(root, 'real');
    try {
      cpSync(join(REAL, 'prices_BTC.csv'), join(dir, 'prices_BTC.csv'));
      cpSync(join(REAL, 'trades_BTC.csv'), join(dir, 'trades_BTC.csv'));
    } catch {
      t.skip('the shared real recording is not on this machine');
      return;
    }
    const want = await viaObjects(dir);
    assert.ok(want.droppedDuplicateMs.length > 0, 'the recording holds re-sent trades');
    await assertSameAsObjects(dir);
  });

  it('equal the object merge with bad rows, ties, re-sends, steps back in time and day files', async () => {
    const dir = join(root, 'edge');
    mkdirSync(dir);
    const day1 = 1_758_240_000_000; // 2025-09-19 00:00 UTC
    const p = 'timestamp,price,size,side,exchange_timestamp';
    const tr = 'timestamp,price,size,side,trade_id,exchange_timestamp';
    writeFileSync(
      join(dir, 'prices_BTC_2025-09-19.csv'),
      [
        p,
        `1758240000.5,100,1,bid,${day1 + 500}`,
        `1758240000.5,101,2,ask,${day1 + 500}`,
        `1758240001.5,100,1,bid,${day1 + 1500}`, // unpaired (next row has another time)
        `1758240002.5,100,1,ask,${day1 + 2000}`,
        `1758240002.5,99,1,bid,${day1 + 2000}`, // ask first: pairs too
        'junk,row',
        `1758240003.5,abc,1,bid,${day1 + 3000}`,
        `1758240003.5,100,1,bid,${day1 + 3000}`,
        `1758240003.5,102,1,ask,${day1 + 3000}`, // tie with a trade at 3000
        `1758240004.5,100,1,bid,${day1 + 1000}`, // steps back: out of order
        `1758240004.5,102,1,ask,${day1 + 1000}`,
        '',
        `1758240005.5,100,1,bid,${day1 + 5000}`,
        `1758240005.5,102,1,ask,${day1 + 5000}`,
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'prices_BTC_2025-09-20.csv'),
      [p, `1758326400.5,100,1,bid,${day1 + 86_400_500}`, `1758326400.5,101,1,ask,${day1 + 86_400_500}`].join(
        '\r\n',
      ),
    );
    writeFileSync(
      join(dir, 'trades_BTC_2025-09-19.csv'),
      [
        tr,
        `1758240000.6,100.5,0.1,buy,7,${day1 + 500}`, // tie with the first BBO: trade first
        `1758240001.6,100.5,0.1,sell,8,${day1 + 1600}`,
        `1758240001.7,100.5,0.1,sell,7,${day1 + 1700}`, // re-sent id
        `1758240001.8,100.5,0.1,hold,9,${day1 + 1800}`, // unknown side
        `1758240001.9,100.5,0.1,buy,1.5,${day1 + 1900}`, // fractional id
        `1758240003.1,101,0.2,buy,10,${day1 + 3000}`,
        `1758240003.2,101,0.2,buy,11,${day1 + 2500}`, // older than the event before: out of order
        `1758240006.2,101,0.2,buy,11,${day1 + 6000}`, // its id was remembered: a duplicate now
        `1758240006.3,101,0.2,sell,12,${day1 + 6000}`,
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'trades_BTC_2025-09-20.csv'),
      [tr, `1758326400.6,101,0.3,buy,13,${day1 + 86_400_500}`].join('\n'),
    );
    await assertSameAsObjects(dir);
    const got = await buildMarketColumns(dir, 'BTC');
    assert.deepEqual([...got.trades.tid], [7, 8, 10, 12, 13]);
    assert.deepEqual([...got.trades.bboIndex], [0, 1, 2, 4, 4]); // ties: the trade before the BBO
    assert.equal(got.droppedDuplicateMs.length, 2);
    assert.equal(got.droppedOutOfOrderMs.length, 2);
    assert.equal(got.stats[0]?.badRows, 3);
  });
});
