/**
 * The columnar event cache (src/data/event-cache.ts) on a synthetic full-density day (`hlmm synth`, 1 day,
 * σ 5, A 0.45, k 0.3, size refresh 0.5: ≈ 0.9 M BBO updates + 0.3 M prints), in this order:
 *  1. building the cache: CSV parse + merge + columns + Arrow IPC write (rows/s), and the write alone;
 *  2. loading it back (rows/s) — and the same columns as Parquet (hyparquet-writer / hyparquet) for comparison;
 *  3. the feed alone from the cache (events/s: columns → event objects, no engine);
 *  4. hlmm backtest's path (runBacktest) from the cache and from CSV (events/s through the whole engine), and
 *     from the cache warm by CPU time (the figure to compare across runs on a shared machine), and beside each
 *     warm run the engine's floor: the same backtest with a strategy that never quotes.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetRead } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { runBacktest, type StreamBacktestResult } from '../src/backtest/run.ts';
import {
  buildColumns,
  ColumnMarketStream,
  cacheFiles,
  loadMarketColumns,
  openMarketDays,
  writeEventCache,
} from '../src/data/event-cache.ts';
import { createStrategy } from '../src/strategy/index.ts';
import { type Measurement, measure, report, writeFullDensitySynth } from './measure.ts';
import { neverQuotes } from './never-quotes.ts';

const dir = mkdtempSync(join(tmpdir(), 'hlmm-bench-cache-'));
try {
  writeFullDensitySynth(dir, 1);

  const build = await measure(() => loadMarketColumns(dir, 'SYN'));
  const cols = build.result;
  const rows = cols.bbo.exchMs.length + cols.trades.exchMs.length;
  const csvLines = cols.stats.reduce((n, st) => n + st.rows, 0);
  const files = cacheFiles(dir, 'SYN');
  const bytes = statSync(files.bbo).size + statSync(files.trades).size;
  report(
    'cache build (CSV parse + merge + Arrow write)',
    rows / build.wallS / 1e6,
    'M rows/s',
    `${rows.toLocaleString('en-US')} rows (events) from ${csvLines.toLocaleString('en-US')} CSV rows in ${build.wallS.toFixed(2)} s, ` +
      `CPU ${build.cpuS.toFixed(2)} s = ${(rows / build.cpuS / 1e6).toFixed(2)} M rows/s, ${(csvLines / build.cpuS / 1e6).toFixed(2)} M CSV rows/s; ` +
      `${(bytes / 2 ** 20).toFixed(0)} MiB of Arrow IPC`,
  );
  // The parse is the reader's (bench/reader.bench.ts); the cache's own part is columns → IPC file.
  const parseOnly = await measure(() => buildColumns(dir, 'SYN'));
  report(
    'cache build: CSV parse + merge alone',
    rows / parseOnly.wallS / 1e6,
    'M rows/s',
    `${parseOnly.wallS.toFixed(2)} s, CPU ${parseOnly.cpuS.toFixed(2)} s = ${(rows / parseOnly.cpuS / 1e6).toFixed(2)} M rows/s`,
  );
  const write = await measure(() => writeEventCache(dir, 'SYN', parseOnly.result));
  report(
    'cache build: Arrow IPC write alone (columns → 2 files, tmp + rename)',
    rows / write.wallS / 1e6,
    'M rows/s',
    `${(write.wallS * 1000).toFixed(0)} ms`,
  );

  const load = await measure(() => loadMarketColumns(dir, 'SYN'));
  if (load.result.origin !== 'cache') throw new Error('expected a cache hit');
  report(
    'cache load (Arrow IPC → typed columns)',
    rows / load.wallS / 1e6,
    'M rows/s',
    `${(load.wallS * 1000).toFixed(0)} ms, peak RSS ${load.peakRssMb.toFixed(0)} MB`,
  );

  // One UTC day read on its own (what calibration does: record batch i of both files), from a fresh open.
  const oneDay = await measure(async () => {
    const days = await openMarketDays(dir, 'SYN');
    try {
      return await days.loadDay(0);
    } finally {
      await days.close();
    }
  });
  const dayRows = oneDay.result.bbo.exchMs.length + oneDay.result.trades.exchMs.length;
  report(
    'cache: one day read on its own (open + record batch 0 of both files)',
    dayRows / oneDay.wallS / 1e6,
    'M rows/s',
    `${(oneDay.wallS * 1000).toFixed(0)} ms for ${dayRows.toLocaleString('en-US')} rows`,
  );

  // Parquet of the same BBO columns, uncompressed and snappy-less for a fair read comparison.
  const bboNames = ['exch_ms', 'recv_s', 'bid_px', 'bid_sz', 'ask_px', 'ask_sz'] as const;
  const bboData = [
    cols.bbo.exchMs,
    cols.bbo.recvS,
    cols.bbo.bidPx,
    cols.bbo.bidSz,
    cols.bbo.askPx,
    cols.bbo.askSz,
  ];
  const pq = parquetWriteBuffer({
    columnData: bboNames.map((name, i) => ({
      name,
      data: bboData[i] as Float64Array,
      type: 'DOUBLE' as const,
    })),
    codec: 'UNCOMPRESSED',
  });
  const pqFile = join(dir, 'bbo.parquet');
  writeFileSync(pqFile, new Uint8Array(pq));
  const pqRead = await measure(async () => {
    const buf = readFileSync(pqFile);
    const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    let n = 0;
    await parquetRead({
      file,
      columns: [...bboNames],
      onChunk: (c) => {
        n += c.columnData.length;
      },
    });
    return n;
  });
  const arrowRead = await measure(async () => {
    const buf = readFileSync(files.bbo);
    const { tableFromIPC } = await import('apache-arrow');
    const t = tableFromIPC(buf);
    let n = 0;
    for (const name of bboNames) n += t.getChild(name)?.toArray().length ?? 0;
    return n;
  });
  const bboRows = cols.bbo.exchMs.length;
  report(
    'read the BBO columns: Arrow IPC (apache-arrow)',
    bboRows / arrowRead.wallS / 1e6,
    'M rows/s',
    `${(arrowRead.wallS * 1000).toFixed(0)} ms, ${(statSync(files.bbo).size / 2 ** 20).toFixed(0)} MiB`,
  );
  report(
    'read the BBO columns: Parquet (hyparquet, uncompressed)',
    bboRows / pqRead.wallS / 1e6,
    'M rows/s',
    `${(pqRead.wallS * 1000).toFixed(0)} ms, ${(pq.byteLength / 2 ** 20).toFixed(0)} MiB; Arrow is ${(pqRead.wallS / arrowRead.wallS).toFixed(0)}× faster`,
  );

  const stream = new ColumnMarketStream(load.result);
  const feed = await measure(() => {
    let n = 0;
    let sum = 0;
    stream.replay((ev) => {
      n++;
      sum += ev.exchMs;
    });
    return n + (sum > 0 ? 0 : 1);
  });
  report('feed from the cache alone (columns → events, no engine)', rows / feed.wallS / 1e6, 'M events/s');

  const cfg = {
    strategy: createStrategy({ orderSizeBase: 0.001, maxPositionLots: 5 }),
    params: { sigma: 5, A: 0.45, k: 0.3, gamma: 0.00001 },
    orderSizeBase: 0.001,
    maxPositionLots: 5,
    queue: 'risk-averse' as const,
    dataDir: dir,
    ticker: 'SYN',
  };
  const fromCache = await measure(() => runBacktest({ ...cfg, cache: true }));
  report(
    'backtest from the cache (runBacktest: load + engine)',
    fromCache.result.events / fromCache.wallS / 1e6,
    'M events/s',
    `${fromCache.result.events.toLocaleString('en-US')} events, ${fromCache.result.fills} fills, ${fromCache.wallS.toFixed(2)} s, ` +
      `CPU ${(fromCache.result.events / fromCache.cpuS / 1e6).toFixed(2)} M events/s`,
  );
  // Warm (what calibration's repeated day backtests see), by CPU time: a single cold wall-time run on a shared
  // machine moves by 2× from one run to the next.
  // Each warm run is followed by the engine's floor in the same minute: the same backtest with a strategy that
  // never quotes (./never-quotes.ts), so every layer but the quoting runs as usual (feed, clock, feed-delay queue,
  // risk gate, quoting loop, paper venue, ledger, markouts). The A–S figure can never pass that floor.
  type Run = Measurement & { result: StreamBacktestResult };
  const warm: Run[] = [];
  const floor: Run[] = [];
  for (let r = 0; r < 3; r++) {
    warm.push(
      await measure(() =>
        runBacktest({
          ...cfg,
          strategy: createStrategy({ orderSizeBase: 0.001, maxPositionLots: 5 }),
          cache: true,
        }),
      ),
    );
    floor.push(await measure(() => runBacktest({ ...cfg, strategy: neverQuotes(), cache: true })));
  }
  const bestOf = (runs: Run[]) => runs.reduce((a, b) => (b.cpuS < a.cpuS ? b : a));
  const best = bestOf(warm);
  const bestFloor = bestOf(floor);
  const cpuRates = (runs: Run[]) => runs.map((m) => (m.result.events / m.cpuS / 1e6).toFixed(2)).join(' / ');
  report(
    'backtest from the cache, warm (best CPU of 3 more runs)',
    best.result.events / best.cpuS / 1e6,
    'M events/s',
    `wall ${best.wallS.toFixed(2)} s; CPU of the 3 runs ${cpuRates(warm)} M events/s`,
  );
  report(
    "the engine's floor: the same warm backtest, a strategy that never quotes (best CPU of 3, alternated)",
    bestFloor.result.events / bestFloor.cpuS / 1e6,
    'M events/s',
    `CPU of the 3 runs ${cpuRates(floor)} M events/s; ${bestFloor.result.quoteCalls.toLocaleString('en-US')} strategy calls, ` +
      `${bestFloor.result.fills} fills; the A–S run takes ${(best.cpuS / bestFloor.cpuS).toFixed(2)}× its CPU`,
  );
  const fromCsv = await measure(() =>
    runBacktest({
      ...cfg,
      strategy: createStrategy({ orderSizeBase: 0.001, maxPositionLots: 5 }),
      cache: false,
    }),
  );
  report(
    'backtest from CSV (runBacktest, --no-cache)',
    fromCsv.result.events / fromCsv.wallS / 1e6,
    'M events/s',
    `${fromCsv.wallS.toFixed(2)} s; same fills: ${fromCsv.result.fills === fromCache.result.fills}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
