import { availableParallelism } from 'node:os';

/**
 * Default threads for the γ backtests (the main thread counts as one): the cores less one, at least 1 (1 = in the
 * main thread). On 2 cores that is the main thread alone: `--workers 2` (it and one worker) calibrates the 4-day
 * full-density set faster (both cores busy, the searches overlapping: ./calibrate.ts) but peaks at ≈ 340 MB
 * instead of ≈ 240 MB (one more V8 heap and the days in shared memory), above the 300 MB the default must hold
 * (docs/benchmarks.md). `--workers 2` chooses the speed.
 */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism() - 1);
}
