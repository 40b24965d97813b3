/** `hlmm calibrate` after commander parsed its flags (src/cli/commands/calibrate.ts). */
import { writeFileSync } from 'node:fs';
import { UserError } from '../core/errors.ts';
import type { Instrument } from '../core/instrument.ts';
import { knownPerpInstrument } from '../exchange/hyperliquid/universe.ts';
import type { HorizonConfig } from '../model/horizon.ts';
import type { QueueModelName } from '../sim/queue.ts';
import { calibrate } from './calibrate.ts';
import { createDayBacktester } from './day-backtest.ts';
import { defaultWorkers } from './default-workers.ts';
import { buildParamsJson } from './params-output.ts';
import { knownSzDecimals } from './tick-size.ts';

export interface CalibrateCliOptions {
  data: string;
  ticker: string;
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
}

/** szDecimals for the strategy's rounding: flag, Hyperliquid's table, else the one whose price rule fits the tick. */
function szDecimalsFor(o: CalibrateCliOptions): number {
  if (o.szDecimals !== undefined) return o.szDecimals;
  const known = knownSzDecimals(o.ticker);
  if (known !== null) return known;
  if (o.tickSize !== undefined) {
    const tickDecimals = Math.max(0, Math.ceil(-Math.log10(o.tickSize) - 1e-9));
    return Math.min(6, Math.max(0, 6 - tickDecimals));
  }
  throw new UserError(
    `no size decimals known for ${o.ticker}; pass --sz-decimals N (Hyperliquid meta "szDecimals") or --tick-size.`,
  );
}

export async function runCalibrateCommand(o: CalibrateCliOptions): Promise<void> {
  if (o.from !== undefined && o.to !== undefined && o.to <= o.from)
    throw new UserError('--to must be after --from.');
  const szDecimals = szDecimalsFor(o);
  const backtestSettings = {
    model: o.model,
    mode: o.mode,
    orderSizeBase: o.orderSize,
    maxPositionLots: o.maxPosition,
    horizon: o.horizon,
    // Never null: szDecimals is known here.
    instrument: knownPerpInstrument(o.ticker, szDecimals) as Instrument,
    makerFeeRate: o.makerFee,
    takerFeeRate: o.takerFee,
    latencyMs: o.latencyMs,
    queue: o.queue,
    minSpreadBps: o.minSpreadBps,
  };
  const backtest = createDayBacktester(backtestSettings);
  // The γ backtests on worker threads (the pool is loaded only when used: start-up stays small).
  const workers = o.workers ?? defaultWorkers();
  const pool =
    workers > 1 ? (await import('./backtest-pool.ts')).startBacktestPool(backtestSettings, workers) : null;
  const started = Date.now();
  const progress = (line: string) => process.stderr.write(`hlmm calibrate: ${line}\n`);
  progress(`reading ${o.data} (${o.ticker})…`);
  const result = await calibrate({
    backtestMany: pool?.runMany,
    dataDir: o.data,
    ticker: o.ticker,
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
    keepEquity: o.report !== undefined,
    progress,
    cache: o.cache,
  }).finally(() => pool?.close());
  for (const note of result.notes) progress(note);
  const json = buildParamsJson(result, o.orderSize);
  const out = o.out ?? `params_${o.ticker}.json`;
  const text = `${JSON.stringify(json, null, 2)}\n`;
  try {
    writeFileSync(out, text);
  } catch (err) {
    throw new UserError(
      `cannot write ${out} (${(err as NodeJS.ErrnoException).code ?? String(err)}); pick another --out.`,
    );
  }
  if (o.report !== undefined) {
    // Loaded only for --report: a plain run does not pay for the report's modules at start-up.
    const [{ writeReport }, { calibrationReportDoc }] = await Promise.all([
      import('../report/index.ts'),
      import('./report.ts'),
    ]);
    writeReport(o.report, calibrationReportDoc(result, json, o.data));
  }
  progress(
    `wrote ${out}${o.report ? ` and ${o.report}` : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
      `σ ${json.market_data.sigma.toPrecision(4)} USDC/√s (${json.market_data.sigma_daily_pct.toPrecision(3)} %/day), ` +
      `A ${json.market_data.A.toPrecision(4)}/s, k ${json.market_data.k.toPrecision(4)}/USDC, γ ${json.optimal_parameters.gamma.toPrecision(4)}/USDC` +
      (json.optimal_parameters.gamma_identified
        ? ''
        : ' (FALLBACK: γ not identified, see the warning above)'),
  );
  if (o.json) process.stdout.write(text);
}
