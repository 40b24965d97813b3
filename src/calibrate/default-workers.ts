import { availableParallelism } from 'node:os';

/**
 * Default worker threads for the γ backtests: the cores less one, at least 1 (1 = in the main thread). The main
 * thread keeps parsing and estimating while workers backtest, so one core is left to it.
 */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism() - 1);
}
