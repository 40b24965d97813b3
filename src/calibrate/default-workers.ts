import { availableParallelism } from 'node:os';

/**
 * Default worker threads for the γ backtests: the cores less one, at least 1 (1 = in the main thread). On 2 cores
 * that is the main thread: 2 workers calibrate the 4-day full-density set ~1.5× faster (both cores busy, the
 * searches overlapping: ./calibrate.ts) but peak at ~370–400 MB instead of ~230 MB (two more V8 heaps and the
 * days in shared memory as well as the loaded copy), above the 300 MB the default must hold (docs/benchmarks.md,
 * calibrate-wall). `--workers 2` chooses the speed.
 */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism() - 1);
}
