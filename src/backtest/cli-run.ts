import { UserError } from '../core/errors.ts';
import { describeDropped } from '../data/market-stream.ts';
import { describeBadRows } from '../data/reader.ts';
import { szDecimalsOf } from '../exchange/hyperliquid/universe.ts';
import { parseHorizon } from '../model/horizon.ts';
import type { ModelParams } from '../model/params.ts';
import { loadParamsFile } from '../model/params-file.ts';
import { writeReport } from '../report/render.ts';
import type { QueueModelName } from '../sim/queue.ts';
import { createStrategy } from '../strategy/index.ts';
import { backtestReportDoc } from './report.ts';
import { runBacktest } from './run.ts';
import { backtestJson, backtestText } from './summary.ts';

/** `hlmm backtest` options after commander parsed them (see src/cli/commands/backtest.ts). */
export interface BacktestCliOptions {
  data: string;
  ticker: string;
  params?: string;
  gamma?: number;
  sigma?: number;
  A?: number;
  k?: number;
  model: 'as' | 'glft';
  mode: 'two-sided' | 'long-only';
  orderSize: number;
  maxPosition: number;
  from?: number;
  to?: number;
  latencyMs: number;
  cancelLatencyMs?: number;
  queue: QueueModelName;
  queuePower: number;
  makerFee: number;
  takerFee: number;
  minSpreadBps: number;
  toleranceBps: number;
  replace: 'modify' | 'cancel-then-place';
  requoteMs: number;
  /** Stale-book rule: no quotes when the last BBO is older than this, ms (0 = off). */
  maxBookAgeMs: number;
  /** "eod" or seconds (checked by the flag parser). */
  horizon: string;
  szDecimals?: number;
  books: boolean;
  json: boolean;
  report?: string;
}

function resolveParams(o: BacktestCliOptions): { params: ModelParams; notes: string[] } {
  const given = { sigma: o.sigma, A: o.A, k: o.k, gamma: o.gamma };
  if (o.params !== undefined) {
    // γ is per lot: two-sided trades lots of --order-size, so the file's γ is rescaled to it. Long-only's lot is
    // its stake (20 USDC), not --order-size, so its γ is used as the file has it.
    const loaded = loadParamsFile(o.params, o.mode === 'two-sided' ? { orderSizeBase: o.orderSize } : {});
    if (loaded.ticker.toUpperCase() !== o.ticker.toUpperCase()) {
      throw new UserError(
        `${o.params}: parameters are for ${loaded.ticker} but --ticker is ${o.ticker}; pass the matching file or ticker.`,
      );
    }
    const params = { ...loaded.params };
    for (const key of ['sigma', 'A', 'k', 'gamma'] as const) {
      if (given[key] !== undefined) params[key] = given[key] as number;
    }
    const notes = [`params from ${o.params} (flags override)`, ...loaded.notes];
    if (o.gamma !== undefined && loaded.notes.some((n) => n.startsWith('gamma rescaled')))
      notes.push('--gamma overrides the rescaled gamma (it is taken as per lot of --order-size)');
    return { params, notes };
  }
  const missing = (['gamma', 'sigma', 'A', 'k'] as const).filter((key) => given[key] === undefined);
  if (missing.length > 0) {
    throw new UserError(
      `missing ${missing.map((m) => `--${m}`).join(', ')}: pass --params FILE (from hlmm calibrate) or all of --gamma --sigma --A --k.`,
    );
  }
  return { params: given as ModelParams, notes: ['params from flags'] };
}

function horizon(text: string) {
  const h = parseHorizon(text);
  if (h === null)
    throw new UserError(`--horizon "${text}" is not a horizon; use eod or a number of seconds.`);
  return h;
}

function szDecimalsFor(o: BacktestCliOptions): number {
  if (o.szDecimals !== undefined) return o.szDecimals;
  const known = szDecimalsOf(o.ticker);
  if (known === null) {
    throw new UserError(
      `no size decimals known for ${o.ticker}; pass --sz-decimals N (Hyperliquid meta "szDecimals", e.g. BTC 5, ETH 4).`,
    );
  }
  return known;
}

export async function runBacktestCommand(o: BacktestCliOptions): Promise<void> {
  if (o.from !== undefined && o.to !== undefined && o.to <= o.from) {
    throw new UserError('--to must be after --from.');
  }
  const { params, notes } = resolveParams(o);
  for (const n of notes.slice(1)) process.stderr.write(`hlmm backtest: ${n}\n`);
  const szDecimals = szDecimalsFor(o);
  const strategy = createStrategy({
    model: o.model,
    mode: o.mode,
    orderSizeBase: o.orderSize,
    maxPositionLots: o.maxPosition,
    makerFeeRate: Math.max(0, o.makerFee),
    minSpreadBps: o.minSpreadBps,
    horizon: horizon(o.horizon),
    szDecimals,
    maxBookAgeMs: o.maxBookAgeMs,
  });
  let lastProgress = Date.now();
  const result = await runBacktest({
    dataDir: o.data,
    ticker: o.ticker,
    fromMs: o.from,
    toMs: o.to,
    books: o.books,
    strategy,
    params,
    orderSizeBase: o.orderSize,
    maxPositionLots: o.maxPosition,
    queue: o.queue,
    queuePower: o.queuePower,
    latencyMs: o.latencyMs,
    cancelLatencyMs: o.cancelLatencyMs,
    makerFeeRate: o.makerFee,
    takerFeeRate: o.takerFee,
    priceToleranceBps: o.toleranceBps,
    replaceWith: o.replace,
    requoteIntervalMs: o.requoteMs,
    series: o.report !== undefined,
    onProgress: (n, t) => {
      const now = Date.now();
      if (now - lastProgress < 2000) return;
      lastProgress = now;
      process.stderr.write(
        `hlmm backtest: ${n.toLocaleString('en-US')} events, at ${new Date(t).toISOString()}\n`,
      );
    },
  });
  for (const stats of result.rowStats) {
    const line = describeBadRows(stats);
    if (line !== null) process.stderr.write(`hlmm backtest: ${line}\n`);
  }
  const droppedLine = describeDropped(result.dropped);
  if (droppedLine !== null) process.stderr.write(`hlmm backtest: ${droppedLine}\n`);
  if (result.events === 0) {
    throw new UserError(
      `${o.data}: no ${o.ticker} market events in the chosen period; check --data, --from and --to.`,
    );
  }
  if (o.report !== undefined) {
    writeReport(o.report, backtestReportDoc(result, { ticker: o.ticker, dataDir: o.data, notes }));
  }
  const rowsSkipped = result.rowStats.reduce((sum, s) => sum + s.badRows, 0);
  if (o.json) {
    const out = backtestJson(result, {
      ticker: o.ticker,
      data: o.data,
      bad_rows: rowsSkipped,
      dropped_duplicate_trades: result.dropped.duplicateTrades,
      dropped_out_of_order: result.dropped.outOfOrder,
    });
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    process.stdout.write(backtestText(result, o.ticker));
    if (o.report !== undefined) process.stdout.write(`report            ${o.report}\n`);
  }
}
