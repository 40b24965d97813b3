/**
 * Backtest throughput: events/s through the whole engine (strategy + OrderManager + SimVenue queue model +
 * ledger) on one core, with peak RSS. Three runs:
 *  1. the bundled BTC sample, loaded in memory once (the calibration path: runBacktestOnEvents);
 *  2. the bundled sample streamed from the gzipped files (hlmm backtest's path: parsing included);
 *  3./4. a generated full-density day, streamed from files (child process, own RSS) and in memory:
 *     ≈ 1 M BBO updates + 200 k trades (mid random walk on a
 *     1-USDC grid around 100 000; trades at the touch, one in ten sweeping an exponential depth beyond it).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBacktest, runBacktestOnEvents } from '../src/backtest/run.ts';
import type { MarketEvent, Side } from '../src/core/market.ts';
import { readMarket } from '../src/data/market-stream.ts';
import { MarketDataWriter } from '../src/data/writer.ts';
import type { FillModelConfig } from '../src/sim/fill-model-config.ts';
import { createStrategy } from '../src/strategy/index.ts';
import { measure, peakRssMb, report } from './measure.ts';

const params = { sigma: 3, A: 1, k: 0.5, gamma: 0.00001 };
const LOT = 0.001;

function config(queue: 'risk-averse' | 'prob', fillModel: Partial<FillModelConfig> = {}) {
  return {
    strategy: createStrategy({ orderSizeBase: LOT, maxPositionLots: 5 }),
    params,
    orderSizeBase: LOT,
    maxPositionLots: 5,
    queue,
    fillModel,
  };
}

/**
 * The generated day with feed delays like the bundled recording's (book median ≈ 366 ms, trades ≈ 443 ms): each
 * channel's delay wanders between 150 and 950 ms (a seeded random walk) and its receive times never go back, as
 * one WebSocket subscription delivers in order — so the strategy's events go through the delay queue.
 */
function withFeedDelays(day: readonly MarketEvent[]): MarketEvent[] {
  const rand = rng(7);
  const delay = { bbo: 366, trade: 443, book: 366 };
  const last = { bbo: 0, trade: 0, book: 0 };
  return day.map((ev) => {
    delay[ev.kind] = Math.min(950, Math.max(150, delay[ev.kind] + (rand() - 0.5) * 40));
    last[ev.kind] = Math.max(last[ev.kind], ev.exchMs + delay[ev.kind]);
    return { ...ev, recvS: last[ev.kind] / 1000 };
  });
}

/** mulberry32: small seeded PRNG so the generated day is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The generated day, event by event in exchange-time order (trades before the BBO at equal ms). */
function* fullDensityDay(bboUpdates: number, trades: number): Generator<MarketEvent> {
  const rand = rng(42);
  const t0 = Date.UTC(2025, 8, 1);
  const dayMs = 86_400_000;
  let bid = 100_000;
  let spread = 1;
  const tradeEvery = bboUpdates / trades;
  let nextTrade = tradeEvery * rand();
  let tid = 1;
  for (let i = 0; i < bboUpdates; i++) {
    const t = t0 + Math.floor((i * dayMs) / bboUpdates);
    while (nextTrade <= i) {
      const side: Side = rand() < 0.5 ? 'buy' : 'sell';
      // One print in ten sweeps beyond the touch, by an exponential depth (mean 20 USDC, as A·e^(−kδ) with k = 0.05).
      const through = rand() < 0.1 ? Math.round(-20 * Math.log(1 - rand())) : 0;
      const px = side === 'buy' ? bid + spread + through : bid - through;
      const sz = Math.round((0.001 + rand() * 0.2) * 1e5) / 1e5;
      yield { kind: 'trade', exchMs: t, recvS: t / 1000, px, sz, side, tid: tid++ };
      nextTrade += tradeEvery * (0.5 + rand());
    }
    const u = rand();
    if (u < 0.15) bid += 1;
    else if (u < 0.3) bid -= 1;
    spread = rand() < 0.9 ? 1 : 2;
    const bidSz = Math.round((0.01 + rand() * 5) * 1e5) / 1e5;
    const askSz = Math.round((0.01 + rand() * 5) * 1e5) / 1e5;
    yield { kind: 'bbo', exchMs: t, recvS: t / 1000, bidPx: bid, bidSz, askPx: bid + spread, askSz };
  }
}

/** Child process 1: writes the generated day to DIR in the collector layout. */
async function writeChild(dir: string): Promise<void> {
  const writer = new MarketDataWriter({ dir, symbol: 'SYN' });
  let n = 0;
  for (const ev of fullDensityDay(1_000_000, 200_000)) {
    if (ev.kind === 'bbo') writer.writeBbo(ev);
    else if (ev.kind === 'trade') writer.writeTrade(ev);
    if (++n % 100_000 === 0) await writer.flush();
  }
  await writer.close();
}

/** Child process 2 (its own peak RSS): streams DIR through `runBacktest`, as `hlmm backtest` does. */
async function streamChild(dir: string): Promise<void> {
  const m = await measure(() => runBacktest({ ...config('prob'), dataDir: dir, ticker: 'SYN' }));
  report(
    'backtest full-density day streamed from .csv (prob)',
    m.result.events / m.wallS,
    'events/s',
    `${m.result.events.toLocaleString('en-US')} events in ${m.wallS.toFixed(2)} s wall (parsing included), ` +
      `${m.result.fills} fills, peak RSS ${m.peakRssMb.toFixed(0)} MB`,
  );
}

async function main(): Promise<void> {
  // 1. Sample in memory.
  let sample: MarketEvent[] = [];
  for await (const batch of readMarket('data/sample', 'BTC')) sample = sample.concat(batch);
  for (let w = 0; w < 5; w++) runBacktestOnEvents(sample, config(w % 2 === 0 ? 'prob' : 'risk-averse')); // JIT warm-up
  for (const [queue, feed] of [
    ['risk-averse', 'recorded'],
    ['prob', 'recorded'],
    ['prob', 'none'],
  ] as const) {
    const reps = 20;
    const m = await measure(() => {
      let fills = 0;
      for (let r = 0; r < reps; r++)
        fills += runBacktestOnEvents(sample, config(queue, { feedLatency: feed })).fills;
      return fills / reps;
    });
    report(
      `backtest sample in memory (${queue}, feed latency ${feed})`,
      (sample.length * reps) / m.cpuS,
      'events/s',
      `${sample.length.toLocaleString('en-US')} events × ${reps}, ${m.result} fills/run, peak RSS ${m.peakRssMb.toFixed(0)} MB`,
    );
  }

  // 2. Sample streamed from the gzipped files (parsing and merging included).
  const streamed = await measure(() =>
    runBacktest({ ...config('prob'), dataDir: 'data/sample', ticker: 'BTC' }),
  );
  report(
    'backtest sample streamed from .csv.gz (prob)',
    streamed.result.events / streamed.cpuS,
    'events/s',
    `${streamed.result.events.toLocaleString('en-US')} events in ${streamed.wallS.toFixed(2)} s wall`,
  );

  // 3. Generated full-density day, streamed from files in a child process (its own peak RSS).
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-bench-bt-'));
  try {
    for (const role of ['--write-child', '--stream-child']) {
      spawnSync(process.execPath, ['--import', 'tsx', 'bench/backtest.bench.ts', role, dir], {
        stdio: 'inherit',
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // 4. Generated full-density day in memory.
  sample = [];
  const day = [...fullDensityDay(1_000_000, 200_000)];
  const rssAfterGen = peakRssMb();
  // Three runs per queue model: the first pays for compiling the hot paths on this data (what a one-off
  // `hlmm backtest` sees), the best of the later ones is the engine's steady speed (what calibration's repeated
  // day backtests see). Both are reported.
  for (const queue of ['risk-averse', 'prob'] as const) {
    const runs = [];
    for (let r = 0; r < 3; r++) runs.push(await measure(() => runBacktestOnEvents(day, config(queue))));
    const first = runs[0];
    const best = runs.slice(1).reduce((a, b) => (b.cpuS < a.cpuS ? b : a));
    for (const [label, m] of [
      ['first run', first],
      ['warm, best of 2', best],
    ] as const) {
      report(
        `backtest full-density day in memory (${queue}, ${label})`,
        day.length / m.cpuS,
        'events/s',
        `${day.length.toLocaleString('en-US')} events in ${m.wallS.toFixed(2)} s, ${m.result.fills} fills, ` +
          `${m.result.quoteCalls.toLocaleString('en-US')} strategy calls, peak RSS ${m.peakRssMb.toFixed(0)} MB ` +
          `(${rssAfterGen.toFixed(0)} MB after generating the day)`,
      );
    }
  }

  // 5. The latency model's cost: the same day with recorded feed delays (150–950 ms per channel), prob, warm.
  const delayed = withFeedDelays(day);
  day.length = 0;
  for (const [label, fill] of [
    ['feed latency none', { feedLatency: 'none' }],
    ['feed latency recorded', { feedLatency: 'recorded' }],
    ['feed recorded + response 100 ms', { feedLatency: 'recorded', responseLatencyMs: 100 }],
  ] as const) {
    const runs = [];
    for (let r = 0; r < 3; r++)
      runs.push(await measure(() => runBacktestOnEvents(delayed, config('prob', fill))));
    const best = runs.slice(1).reduce((a, b) => (b.cpuS < a.cpuS ? b : a));
    report(
      `backtest full-density day with feed delays in memory (prob, ${label}, warm, best of 2)`,
      delayed.length / best.cpuS,
      'events/s',
      `first run ${(delayed.length / runs[0].cpuS / 1e6).toFixed(2)} M/s, ${best.result.fills} fills, ` +
        `feed p50 ${best.result.latency.feedMsP50} ms, peak RSS ${best.peakRssMb.toFixed(0)} MB`,
    );
  }
}

const [role, dirArg] = process.argv.slice(2);
if (role === '--write-child') await writeChild(dirArg);
else if (role === '--stream-child') await streamChild(dirArg);
else await main();
