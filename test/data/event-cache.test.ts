import assert from 'node:assert/strict';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tableFromIPC } from 'apache-arrow';
import { runBacktest } from '../../src/backtest/run.ts';
import type { MarketEvent } from '../../src/core/market.ts';
import {
  CACHE_DIR_NAME,
  ColumnMarketStream,
  cacheFiles,
  loadMarketColumns,
  type MarketColumns,
  marketColumnsFor,
  openMarketDays,
  openMarketStream,
} from '../../src/data/event-cache.ts';
import { readMarket } from '../../src/data/market-stream.ts';
import { writeSynthMarket } from '../../src/data/synth.ts';
import { loadParamsFile } from '../../src/model/params-file.ts';
import { createStrategy } from '../../src/strategy/index.ts';

const SAMPLE = join(import.meta.dirname, '..', '..', 'data', 'sample');
const root = mkdtempSync(join(tmpdir(), 'hlmm-cache-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function copyOfSample(): string {
  const dir = join(root, `s${n++}`);
  cpSync(SAMPLE, dir, { recursive: true, filter: (src) => !src.includes(CACHE_DIR_NAME) });
  return dir;
}

async function csvEvents(dir: string, fromMs?: number, toMs?: number) {
  const stream = readMarket(dir, 'BTC', { books: false, fromMs, toMs });
  const events: MarketEvent[] = [];
  for await (const b of stream) events.push(...b);
  return { events, stats: stream.stats, dropped: stream.dropped };
}

async function cachedEvents(dir: string, fromMs?: number, toMs?: number, warn?: (l: string) => void) {
  const stream = await openMarketStream(dir, 'BTC', { books: false, fromMs, toMs, warn });
  assert.ok(stream instanceof ColumnMarketStream);
  const viaBatches: MarketEvent[] = [];
  for await (const b of stream) viaBatches.push(...b);
  const viaForEach: MarketEvent[] = [];
  stream.replay((e) => {
    viaForEach.push(e);
  });
  assert.deepEqual(viaForEach, viaBatches);
  return { events: viaBatches, stats: stream.stats, dropped: stream.dropped };
}

describe('event cache', () => {
  it('gives the CSV merge back exactly: events, order, bad-row statistics and drops, whole and windowed', async () => {
    const dir = copyOfSample();
    const csv = await csvEvents(dir);
    const built = await cachedEvents(dir); // builds and writes
    assert.ok(existsSync(cacheFiles(dir, 'BTC').trades));
    const read = await cachedEvents(dir); // reads the files
    assert.equal(csv.events.length, 39_775);
    assert.deepEqual(built.events, csv.events);
    assert.deepEqual(read.events, csv.events);
    assert.deepEqual(read.stats, csv.stats);
    assert.deepEqual(read.dropped, { duplicateTrades: 10, outOfOrder: 27 });
    assert.deepEqual(read.dropped, csv.dropped);
    // A window: exactly the CSV stream's slice, drops counted inside it only.
    const from = Date.UTC(2025, 8, 2, 6);
    const to = Date.UTC(2025, 8, 4);
    const csvWin = await csvEvents(dir, from, to);
    const cacheWin = await cachedEvents(dir, from, to);
    assert.ok(csvWin.events.length > 1000);
    assert.deepEqual(cacheWin.events, csvWin.events);
    assert.deepEqual(cacheWin.dropped, csvWin.dropped);
  });

  it('a backtest from the cache is the backtest from CSV, fill for fill; columns loaded once replay the same, run after run', async () => {
    const dir = copyOfSample();
    const run = (cache: boolean, columns?: MarketColumns) =>
      runBacktest({
        strategy: createStrategy({ orderSizeBase: 0.001, maxPositionLots: 5 }),
        params: loadParamsFile(join(SAMPLE, 'params_BTC.json'), { orderSizeBase: 0.001 }).params,
        orderSizeBase: 0.001,
        maxPositionLots: 5,
        queue: 'risk-averse',
        keepFills: true,
        dataDir: dir,
        ticker: 'BTC',
        fromMs: Date.UTC(2025, 8, 2),
        cache,
        columns,
      });
    const csv = await run(false);
    const cached = await run(true);
    assert.ok(csv.fills > 0);
    assert.deepEqual(cached, csv);
    // What hlmm backtest's latency sweep does: one load, several replays (the dataDir is not read again).
    assert.equal(await marketColumnsFor(dir, 'BTC', { cache: false }), null);
    const columns = await marketColumnsFor(dir, 'BTC');
    assert.ok(columns !== null);
    rmSync(cacheFiles(dir, 'BTC').trades);
    assert.deepEqual(await run(true, columns), csv);
    assert.deepEqual(await run(true, columns), csv);
    assert.equal(existsSync(cacheFiles(dir, 'BTC').trades), false);
  });

  it('is standard Arrow IPC with named columns any Arrow reader opens', async () => {
    const dir = copyOfSample();
    await loadMarketColumns(dir, 'BTC');
    const files = cacheFiles(dir, 'BTC');
    const bbo = tableFromIPC(readFileSync(files.bbo));
    const trades = tableFromIPC(readFileSync(files.trades));
    assert.deepEqual(
      bbo.schema.fields.map((f) => `${f.name}:${f.type}`),
      [
        'exch_ms:Float64',
        'recv_s:Float64',
        'bid_px:Float64',
        'bid_sz:Float64',
        'ask_px:Float64',
        'ask_sz:Float64',
      ],
    );
    assert.deepEqual(
      trades.schema.fields.map((f) => `${f.name}:${f.type}`),
      [
        'exch_ms:Float64',
        'recv_s:Float64',
        'price:Float64',
        'size:Float64',
        'side:Uint8',
        'trade_id:Float64',
        'bbo_index:Uint32',
      ],
    );
    const first = (await csvEvents(dir)).events.find((e) => e.kind === 'trade');
    assert.ok(first?.kind === 'trade');
    const row = trades.get(0)?.toJSON() as Record<string, number>;
    assert.equal(row.exch_ms, first.exchMs);
    assert.equal(row.price, first.px);
    assert.equal(row.trade_id, first.tid);
    assert.equal(row.side, first.side === 'buy' ? 0 : 1);
  });

  it('holds one record batch per UTC day, read back day by day as the whole stream', async () => {
    const dir = copyOfSample();
    const whole = await cachedEvents(dir); // builds and writes
    const files = cacheFiles(dir, 'BTC');
    const bbo = tableFromIPC(readFileSync(files.bbo));
    const trades = tableFromIPC(readFileSync(files.trades));
    const dayOf = (ms: number) => Math.floor(ms / 86_400_000);
    const firstDay = dayOf(whole.events[0]?.exchMs as number);
    const lastDay = dayOf(whole.events.at(-1)?.exchMs as number);
    assert.equal(bbo.batches.length, lastDay - firstDay + 1); // the sample has events on every day
    assert.equal(trades.batches.length, bbo.batches.length);
    for (const t of [bbo, trades]) {
      t.batches.forEach((b, i) => {
        const ms = b.getChild('exch_ms')?.toArray() as Float64Array;
        assert.ok(ms.length > 0);
        assert.ok(
          ms.every((x) => dayOf(x) === firstDay + i),
          `batch ${i} holds one day`,
        );
      });
    }
    // Day by day (from the files, then from a fresh build in memory): the same events in the same order.
    for (const expectOrigin of ['cache', 'built'] as const) {
      if (expectOrigin === 'built') rmSync(join(dir, CACHE_DIR_NAME), { recursive: true });
      const days = await openMarketDays(dir, 'BTC');
      assert.equal(days.origin, expectOrigin);
      assert.deepEqual(days.stats, whole.stats);
      assert.equal(days.droppedDuplicateMs.length, whole.dropped.duplicateTrades);
      assert.equal(days.days.length, bbo.batches.length);
      const events: MarketEvent[] = [];
      for (let i = 0; i < days.days.length; i++) {
        const day = await days.loadDay(i);
        assert.equal(day.bbo.exchMs.length, days.days[i]?.bboRows);
        const bytes = days.dayBytes(i);
        // Read in place (calibration's day slots; a fresh build is read back from the files it wrote too): the same
        // columns, every one a view of the memory given.
        assert.ok(bytes !== null && bytes > 0);
        const into = new Uint8Array(new SharedArrayBuffer(bytes + 64), 8, bytes);
        const inPlace = await days.loadDay(i, into);
        assert.deepEqual(
          Object.fromEntries(Object.entries(inPlace.bbo).map(([k, v]) => [k, Array.from(v)])),
          Object.fromEntries(Object.entries(day.bbo).map(([k, v]) => [k, Array.from(v)])),
        );
        assert.deepEqual(
          Object.fromEntries(Object.entries(inPlace.trades).map(([k, v]) => [k, Array.from(v)])),
          Object.fromEntries(Object.entries(day.trades).map(([k, v]) => [k, Array.from(v)])),
        );
        for (const col of [...Object.values(inPlace.bbo), ...Object.values(inPlace.trades)])
          assert.equal((col as ArrayBufferView).buffer, into.buffer);
        await assert.rejects(days.loadDay(i, into.subarray(0, bytes - 8)), /needs \d+ bytes/);
        new ColumnMarketStream({
          ...day,
          stats: [],
          droppedDuplicateMs: [],
          droppedOutOfOrderMs: [],
        }).replay((e) => {
          events.push(e);
        });
      }
      await days.close();
      assert.deepEqual(events, whole.events);
    }
  });

  it('one day or several: the columns read back are the columns built', async () => {
    for (const days of [1, 2]) {
      const dir = join(root, `synth-${days}`);
      await writeSynthMarket({
        sigma: 5,
        A: 0.45,
        k: 0.3,
        tickSize: 1,
        days: 1,
        seed: 7,
        // Half an hour: within one UTC day, or across midnight (two days, two record batches).
        startMs: days === 1 ? Date.UTC(2025, 0, 1) : Date.UTC(2025, 0, 1, 23, 45),
        durationS: 1_800,
        outDir: dir,
        ticker: 'SYN',
      });
      const built = await loadMarketColumns(dir, 'SYN');
      const read = await loadMarketColumns(dir, 'SYN');
      assert.equal(built.origin, 'built');
      assert.equal(read.origin, 'cache');
      assert.equal(tableFromIPC(readFileSync(cacheFiles(dir, 'SYN').bbo)).batches.length, days);
      assert.ok(read.trades.exchMs.length > 100);
      assert.deepEqual(read.bbo, built.bbo);
      assert.deepEqual(read.trades, built.trades);
    }
  });

  it('is rebuilt when a source file changes, and when a new day file appears', async () => {
    const dir = copyOfSample();
    assert.equal((await loadMarketColumns(dir, 'BTC')).origin, 'built');
    assert.equal((await loadMarketColumns(dir, 'BTC')).origin, 'cache');
    const prices = join(dir, 'prices_BTC.csv.gz');
    const t = statSync(prices).mtime;
    utimesSync(prices, t, new Date(t.getTime() + 5000));
    assert.equal((await loadMarketColumns(dir, 'BTC')).origin, 'built');
    assert.equal((await loadMarketColumns(dir, 'BTC')).origin, 'cache');
    const before = (await loadMarketColumns(dir, 'BTC')).trades.exchMs.length;
    writeFileSync(
      join(dir, 'trades_BTC_2025-09-08.csv'),
      `timestamp,price,size,side,trade_id,exchange_timestamp\n1757289600.1,111000,0.01,buy,999999999999,${Date.UTC(2025, 8, 8)}\n`,
    );
    const after8 = await loadMarketColumns(dir, 'BTC');
    assert.equal(after8.origin, 'built');
    assert.equal(after8.trades.exchMs.length, before + 1);
  });

  it('a corrupt cache is rebuilt with a warning, never a crash', async () => {
    const dir = copyOfSample();
    await loadMarketColumns(dir, 'BTC');
    const good = await csvEvents(dir);
    const { trades, bbo } = cacheFiles(dir, 'BTC');
    const bytes = readFileSync(trades);
    writeFileSync(trades, bytes.subarray(0, Math.floor(bytes.length / 2))); // truncated
    const warnings: string[] = [];
    const again = await cachedEvents(dir, undefined, undefined, (l) => warnings.push(l));
    assert.deepEqual(again.events, good.events);
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0] as string,
      /event cache .*BTC\.trades\.arrow .* is unreadable .*; rebuilding it from the CSV files/,
    );
    // Garbage in the BBO file too: same.
    writeFileSync(bbo, 'not arrow at all');
    warnings.length = 0;
    assert.equal((await loadMarketColumns(dir, 'BTC', { warn: (l) => warnings.push(l) })).origin, 'built');
    assert.equal(warnings.length, 1);
    assert.equal((await loadMarketColumns(dir, 'BTC')).origin, 'cache');
  });

  it('a directory that cannot hold the cache is read from CSV with a warning', async () => {
    // A file where the cache folder would go blocks it for every user (root writes through permissions).
    const dir = copyOfSample();
    writeFileSync(join(dir, CACHE_DIR_NAME), 'a file where the cache folder would go');
    const warnings: string[] = [];
    const loaded = await loadMarketColumns(dir, 'BTC', { warn: (l) => warnings.push(l) });
    assert.equal(loaded.origin, 'built-unwritten');
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0] as string,
      /^cannot write the event cache in .*; the CSV files are parsed on every run$/,
    );
    assert.equal(loaded.trades.exchMs.length + loaded.bbo.exchMs.length, 39_775);
  });
});
