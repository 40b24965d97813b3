/**
 * The backtester (docs/backtest.md): the trading engine of `hlmm trade` on a simulated clock with the paper
 * venue. Two entry points, same engine, same strategy code as live:
 *
 *   runBacktestOnEvents(events: readonly MarketEvent[], cfg: BacktestConfig): BacktestResult
 *     synchronous, on an in-memory event array (load a day once, run it for many γ; pass a fresh strategy
 *     from createStrategy(...) each run).
 *
 *   runBacktest(cfg: StreamBacktestConfig): Promise<StreamBacktestResult>
 *     streams <dataDir>/{prices,trades[,orderbooks]}_<ticker>.csv[.gz] (from/to filter), constant memory.
 *
 * BacktestConfig: { strategy, params, orderSizeBase, maxPositionLots, queue?, queuePower?, latencyMs?,
 * cancelLatencyMs?, makerFeeRate?, takerFeeRate?, priceToleranceBps?, replaceWith?, requoteIntervalMs?,
 * series?, seriesPoints?, risk?, fundingRatePerHour?, startingBalanceQuote?, coin?, logger?, keepFills? }
 * (config.ts). BacktestResult: ledger.ts + engine.ts (all money in quote currency).
 * backtestJson(result) gives the `--json` object; renderBacktestReport(result, meta) the HTML report.
 */

export type {
  BacktestFillRecord,
  BacktestResult,
  BacktestSeries,
  FillPoint,
  LatencyStats,
} from './backtest.ts';
export { BacktestEngine } from './backtest.ts';
export type { BacktestConfig, ResolvedBacktestConfig } from './config.ts';
export { DEFAULT_LATENCY_MS, resolveBacktestConfig, withLatencyScaled } from './config.ts';
export type { LedgerSnapshot } from './ledger.ts';
export { Ledger, MINUTES_PER_YEAR } from './ledger.ts';
export type { StreamBacktestConfig, StreamBacktestResult } from './run.ts';
export { runBacktest, runBacktestOnEvents } from './run.ts';
export { backtestJson } from './summary.ts';
