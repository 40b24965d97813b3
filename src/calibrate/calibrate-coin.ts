/**
 * One coin's calibration (`hlmm calibrate` after commander parsed its flags, src/cli/commands/calibrate.ts): the
 * same work in this thread or in a coin's worker thread (multi-calibrate.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { UserError } from '../core/errors.ts';
import type { Instrument } from '../core/instrument.ts';
import { knownPerpInstrument } from '../exchange/hyperliquid/universe.ts';
import type { HorizonConfig } from '../model/horizon.ts';
import type { QueueModelName } from '../sim/queue.ts';
import { calibrate } from './calibrate.ts';
import { createDayBacktester } from './day-backtest.ts';
import { DaySlots } from './day-slots.ts';
import { buildParamsJson } from './params-output.ts';
import { knownSzDecimals } from './tick-size.ts';

export interface CalibrateCliOptions {
  data: string;
  /** One coin (--ticker); with none of --ticker, --tickers, --config: DEFAULT_TICKER. */
  ticker?: string;
  /** Several coins (--tickers), each calibrated on a thread of its own (./multi-calibrate.ts). */
  tickers?: string[];
  /** Config file whose `tickers` (or `ticker`) are calibrated when neither --ticker nor --tickers is given. */
  config?: string;
  /** Folder for params_<TICKER>.json (created if needed); not with --out. */
  outDir?: string;
  tickSize?: number;
  from?: number;
  to?: number;
  out?: string;
  report?: string;
  json: boolean;
  model: 'as' | 'glft';
  mode: 'two-sided' | 'long-only';
  horizon: HorizonConfig;
  orderSize: number;
  maxPosition: number;
  szDecimals?: number;
  latencyMs: number;
  queue: QueueModelName;
  makerFee: number;
  takerFee: number;
  minSpreadBps: number;
  gridPoints: number;
  refineSteps: number;
  riskPenalty: number;
  minOrders: number;
  maxBboAgeMs: number;
  minFills: number;
  minFitR2: number;
  objective: 'lower-bound' | 'utility';
  minCoverageMinutes: number;
  fallbackGamma?: number;
  bootstrap: number;
  seed: number;
  /** false with --no-cache. */
  cache: boolean;
  workers?: number;
  /** The parameters file's `timestamp`, Unix ms (tests pin it to compare files byte for byte); default: now. */
  nowMs?: number;
}

/** The coin calibrated when no flag or config names one: the config's default `ticker` (src/config/schema.ts). */
export const DEFAULT_TICKER = 'BTC';

/** szDecimals for the strategy's rounding: flag, Hyperliquid's table, else the one whose price rule fits the tick. */
function szDecimalsFor(o: CalibrateCliOptions, ticker: string): number {
  if (o.szDecimals !== undefined) return o.szDecimals;
  const known = knownSzDecimals(ticker);
  if (known !== null) return known;
  if (o.tickSize !== undefined) {
    const tickDecimals = Math.max(0, Math.ceil(-Math.log10(o.tickSize) - 1e-9));
    return Math.min(6, Math.max(0, 6 - tickDecimals));
  }
  throw new UserError(
    `no size decimals known for ${ticker}; pass --sz-decimals N (Hyperliquid meta "szDecimals") or --tick-size.`,
  );
}

/** Where one coin's files go. */
export interface CoinTarget {
  ticker: string;
  /** The parameters file. */
  out: string;
  /** The HTML report, if one is asked for. */
  report?: string;
}

/** One coin calibrated and its files written. */
export interface CoinCalibrated {
  ticker: string;
  out: string;
  report: string | null;
  /** The parameters file's text (what --json prints). */
  text: string;
  /** The one-line result: files written, σ, A, k, γ. */
  summary: string;
}

/**
 * One coin, the whole of `hlmm calibrate --ticker T` but the printing of its summary: estimate, search γ, write the
 * parameters file (and the report). The γ backtests run on `gammaWorkers` threads (1 = in this thread). The same
 * function runs the single-coin command and each coin of --tickers (./coin-worker.ts), so their files are the same.
 */
export async function calibrateCoin(
  o: CalibrateCliOptions,
  target: CoinTarget,
  gammaWorkers: number,
  progress: (line: string) => void,
): Promise<CoinCalibrated> {
  const { ticker, out } = target;
  const szDecimals = szDecimalsFor(o, ticker);
  const backtestSettings = {
    model: o.model,
    mode: o.mode,
    orderSizeBase: o.orderSize,
    maxPositionLots: o.maxPosition,
    horizon: o.horizon,
    // Never null: szDecimals is known here.
    instrument: knownPerpInstrument(ticker, szDecimals) as Instrument,
    makerFeeRate: o.makerFee,
    takerFeeRate: o.takerFee,
    latencyMs: o.latencyMs,
    queue: o.queue,
    minSpreadBps: o.minSpreadBps,
  };
  const backtest = createDayBacktester(backtestSettings);
  // The γ backtests on worker threads (the pool is loaded only when used: start-up stays small).
  const pool =
    gammaWorkers > 1
      ? (await import('./backtest-pool.ts')).startBacktestPool(backtestSettings, gammaWorkers, backtest)
      : null;
  // On workers a day's search overlaps the next day's reading and search (./calibrate.ts, daysInFlight). The
  // days in memory are at most the slots: two (a full-density day is ≈ 51 MB). With workers the next day's read
  // waits for the older search's end (a third slot was as fast on the 4-day set, and 50 MB more); in this thread
  // it is read while yesterday's search runs.
  const daysInFlight = pool === null ? 1 : 2;
  const daySlots = new DaySlots(2, (bytes) =>
    pool === null ? new ArrayBuffer(bytes) : new SharedArrayBuffer(bytes),
  );
  const started = Date.now();
  progress(`reading ${o.data} (${ticker})…`);
  const result = await calibrate({
    backtestMany: pool?.runMany,
    shareColumns: pool?.shareColumns,
    daysInFlight,
    daySlots,
    dataDir: o.data,
    ticker,
    tickSize: o.tickSize,
    fromMs: o.from,
    toMs: o.to,
    model: o.model,
    horizon: o.horizon,
    backtest,
    gridPoints: o.gridPoints,
    refineSteps: o.refineSteps,
    riskPenalty: o.riskPenalty,
    minOrders: o.minOrders,
    maxRefAgeMs: o.maxBboAgeMs,
    minFills: o.minFills,
    minFitR2: o.minFitR2,
    objective: o.objective,
    orderSizeBase: o.orderSize,
    minCoverageMinutes: o.minCoverageMinutes,
    fallbackGamma: o.fallbackGamma,
    bootstrapReplicates: o.bootstrap,
    bootstrapSeed: o.seed,
    keepEquity: target.report !== undefined,
    progress,
    cache: o.cache,
  }).finally(() => pool?.close());
  for (const note of result.notes) progress(note);
  const json = buildParamsJson(result, o.orderSize, o.nowMs);
  const text = `${JSON.stringify(json, null, 2)}\n`;
  try {
    writeFileSync(out, text);
  } catch (err) {
    throw new UserError(
      `cannot write ${out} (${(err as NodeJS.ErrnoException).code ?? String(err)}); pick another ${o.outDir === undefined ? '--out' : '--out-dir'}.`,
    );
  }
  if (target.report !== undefined) {
    // Loaded only for --report: a plain run does not pay for the report's modules at start-up.
    const [{ writeReport }, { calibrationReportDoc }] = await Promise.all([
      import('../report/index.ts'),
      import('./report.ts'),
    ]);
    writeReport(target.report, calibrationReportDoc(result, json, o.data));
  }
  const summary =
    `wrote ${out}${target.report ? ` and ${target.report}` : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
    `σ ${json.market_data.sigma.toPrecision(4)} USDC/√s (${json.market_data.sigma_daily_pct.toPrecision(3)} %/day), ` +
    `A ${json.market_data.A.toPrecision(4)}/s, k ${json.market_data.k.toPrecision(4)}/USDC, γ ${json.optimal_parameters.gamma.toPrecision(4)}/USDC` +
    (json.optimal_parameters.gamma_identified ? '' : ' (FALLBACK: γ not identified, see the warning above)');
  return { ticker, out, report: target.report ?? null, text, summary };
}

/** Creates --out-dir if needed; returns it. */
export function makeOutDir(dir: string): string {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new UserError(
      `cannot create --out-dir ${dir} (${(err as NodeJS.ErrnoException).code ?? String(err)}); pick another folder.`,
    );
  }
  return dir;
}
