/** What `hlmm backtest` is asked to do, shared by the one-coin and the several-coin runs (cli-run.ts, multi-cli.ts). */
import type { SettingFlags } from '../config/run-settings.ts';
import type { Instrument } from '../core/instrument.ts';

/** `hlmm backtest` options after commander parsed them (see src/cli/commands/backtest.ts). */
export interface BacktestCliOptions extends SettingFlags {
  config?: string;
  data: string;
  ticker?: string;
  /** Several coins from one account (see multi-cli.ts); each coin's params_<TICKER>.json from paramsDir. */
  tickers?: string[];
  paramsDir?: string;
  params?: string;
  gamma?: number;
  sigma?: number;
  A?: number;
  k?: number;
  from?: number;
  to?: number;
  szDecimals?: number;
  /** With --tickers: each coin's leverage for its margin estimate (config leverage when absent). */
  leverage?: number;
  books: boolean;
  /** Re-run at zero and twice the latency (default true; --no-latency-sweep). */
  latencySweep?: boolean;
  /** false with --no-cache. */
  cache: boolean;
  json: boolean;
  report?: string;
  fillsOut?: string;
}

/**
 * Where the backtest's Instrument comes from: the venue's known table, with --sz-decimals over it; null when the
 * coin is unknown and no --sz-decimals was given. The command line passes the exchange's table.
 */
export type InstrumentSource = (coin: string, szDecimals?: number) => Instrument | null;
