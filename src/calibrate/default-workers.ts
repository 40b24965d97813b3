import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { findMarketFiles } from '../data/layout.ts';

/**
 * Recorded data from this size on (CSV bytes; a .gz file counts 8× its size, about what CSV compresses by) get
 * two threads on a 2-core machine: ≈ 300 k rows, i.e. γ backtests long enough that a worker's start (its module
 * load and cold JIT, ≈ 0.1–0.3 s) is paid back. Below it (the bundled sample: 0.7 MB of .gz) the worker costs more
 * than it saves (docs/benchmarks.md: 1.03 s with it, 0.71 s without).
 */
export const TWO_THREADS_FROM_BYTES = 20e6;

/**
 * Default threads for the γ backtests (the main thread counts as one): the cores less one, at least 1 (1 = in the
 * main thread) — and on 2 cores, two threads for data of TWO_THREADS_FROM_BYTES or more: the 4-day full-density
 * set then calibrates in 19 s instead of 29 s, in 276–294 MB (under the 300 MB the default must hold, since the
 * days are read into two reused slots: ./day-slots.ts).
 */
export function defaultWorkers(sourceBytes: number): number {
  const cores = availableParallelism();
  const big = cores >= 2 && sourceBytes >= TWO_THREADS_FROM_BYTES;
  return Math.max(big ? 2 : 1, cores - 1);
}

/** The size of a coin's recorded prices and trades, as CSV bytes (0 for files that cannot be read). */
export function sourceBytesOf(dir: string, ticker: string): number {
  let bytes = 0;
  for (const kind of ['prices', 'trades'] as const) {
    for (const file of findMarketFiles(dir, kind, ticker)) {
      try {
        bytes += statSync(file).size * (file.endsWith('.gz') ? 8 : 1);
      } catch {
        // Unreadable: the calibration's own read names it.
      }
    }
  }
  return bytes;
}
