/**
 * The trading engine alone, for A/B comparisons of engine changes: `runs` backtests, one after another, of one
 * synthetic full-density day read once from the event cache (the replay of calibration's day backtests), each with
 * a fresh engine and strategy. Prints a signature of the results (events, fills, PnL, strategy calls, orders: a
 * change that must not move results keeps it) and the CPU time of each run.
 *
 *   node --import tsx bench/engine-runs.ts [--runs N] [--data DIR] [--never-quotes] [--feed-latency none]
 *
 * Not part of `npm run bench` (no .bench.ts suffix): it is the instrument for comparing two versions. On a shared
 * VM the CPU time of one run moves by ±30 % from minute to minute, so compare instruction counts instead, which
 * other work on the machine does not change (0.04–2.5 % between runs of one build here), e.g. with Debian's valgrind:
 *
 *   valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
 *     node --import tsx bench/engine-runs.ts --runs 5 --data DIR
 *
 * and the same with --runs 1: the difference is the instructions of 4 warm runs (docs/benchmarks.md, eleventh
 * session). Without --data the day is generated into a temporary folder first (`hlmm synth`, ≈ 10 s).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BacktestEngine } from '../src/backtest/backtest.ts';
import { ColumnMarketStream, openMarketStream } from '../src/data/event-cache.ts';
import { createStrategy } from '../src/strategy/index.ts';
import { writeFullDensitySynth } from './measure.ts';
import { neverQuotes } from './never-quotes.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '8' },
    data: { type: 'string' },
    'never-quotes': { type: 'boolean', default: false },
    'feed-latency': { type: 'string', default: 'recorded' },
  },
});
const runs = Number(values.runs);
if (!(Number.isInteger(runs) && runs > 0)) {
  console.error(`bench/engine-runs.ts: --runs must be a whole number above 0 (got ${values.runs}).`);
  process.exit(2);
}
if (values['feed-latency'] !== 'recorded' && values['feed-latency'] !== 'none') {
  console.error(
    `bench/engine-runs.ts: --feed-latency must be recorded or none (got ${values['feed-latency']}).`,
  );
  process.exit(2);
}
const tempDir = values.data === undefined ? mkdtempSync(join(tmpdir(), 'hlmm-engine-runs-')) : null;
const dir = values.data ?? (tempDir as string);
try {
  if (tempDir !== null) writeFullDensitySynth(tempDir, 1);
  const stream = await openMarketStream(dir, 'SYN', { cache: true, books: false });
  if (!(stream instanceof ColumnMarketStream))
    throw new Error(`${dir}: expected the event cache to be usable`);
  const cpuMs: number[] = [];
  let signature = '';
  for (let r = 0; r < runs; r++) {
    const cpu0 = process.cpuUsage();
    const engine = new BacktestEngine({
      strategy: values['never-quotes']
        ? neverQuotes()
        : createStrategy({ orderSizeBase: 0.001, maxPositionLots: 5 }),
      params: { sigma: 5, A: 0.45, k: 0.3, gamma: 0.00001 },
      orderSizeBase: 0.001,
      maxPositionLots: 5,
      queue: 'risk-averse',
      fillModel: { feedLatency: values['feed-latency'] === 'none' ? 'none' : 'recorded' },
    });
    stream.replay((ev) => engine.onEvent(ev));
    const res = engine.finish();
    const cpu = process.cpuUsage(cpu0);
    cpuMs.push((cpu.user + cpu.system) / 1000);
    signature = `${res.events} events, ${res.fills} fills, PnL ${res.pnlQuote.toFixed(6)} USDC, ${res.quoteCalls} strategy calls, ${res.ordersPlaced} orders`;
  }
  const warm = cpuMs.slice(Math.min(2, runs - 1)).sort((a, b) => a - b);
  console.log(signature);
  console.log(
    `CPU ms per run: ${cpuMs.map((x) => x.toFixed(0)).join(' ')}; warm (from the 3rd run) median ${(warm[warm.length >> 1] as number).toFixed(0)}, best ${(warm[0] as number).toFixed(0)}`,
  );
} finally {
  if (tempDir !== null) rmSync(tempDir, { recursive: true, force: true });
}
