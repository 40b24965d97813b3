import { coinRunSettings } from '../config/coin-settings.ts';
import { loadConfig } from '../config/load-config.ts';
import { type RunSettings, runSettings } from '../config/run-settings.ts';
import { UserError } from '../core/errors.ts';
import type { Instrument } from '../core/instrument.ts';
import { createLogger } from '../core/log.ts';
import { marketColumnsFor } from '../data/event-cache.ts';
import { describeDropped } from '../data/market-stream.ts';
import { describeBadRows } from '../data/reader.ts';
import { writeFillsCsv } from '../engine/fills-csv.ts';
import type { ModelParams } from '../model/params.ts';
import { loadParamsFile } from '../model/params-file.ts';
import { writeReport } from '../report/render.ts';
import type { BacktestCliOptions, InstrumentSource } from './cli-options.ts';
import { withLatencyScaled } from './config.ts';
import { backtestReportDoc } from './report.ts';
import { runBacktest } from './run.ts';
import { backtestConfigFor, LATENCY_FACTORS } from './settings.ts';
import { backtestJson, backtestText, type LatencyLine, latencyLinesJson } from './summary.ts';

function resolveParams(
  o: BacktestCliOptions,
  ticker: string,
  s: RunSettings,
  configParams: string | null,
): { params: ModelParams; notes: string[] } {
  const given = { sigma: o.sigma, A: o.A, k: o.k, gamma: o.gamma };
  const file = o.params ?? (Object.values(given).some((v) => v === undefined) ? configParams : null);
  if (file !== null && file !== undefined) {
    // γ is per lot: two-sided trades lots of the order size, so the file's γ is rescaled to it. Long-only's lot is
    // its stake (20 USDC), not the order size, so its γ is used as the file has it.
    const loaded = loadParamsFile(
      file,
      s.strategy.mode !== 'long-only' ? { orderSizeBase: s.strategy.orderSizeBase } : {},
    );
    if (loaded.ticker.toUpperCase() !== ticker.toUpperCase()) {
      throw new UserError(
        `${file}: parameters are for ${loaded.ticker} but --ticker is ${ticker}; pass the matching file or ticker.`,
      );
    }
    const params = { ...loaded.params };
    for (const key of ['sigma', 'A', 'k', 'gamma'] as const) {
      if (given[key] !== undefined) params[key] = given[key] as number;
    }
    const notes = [`params from ${file} (flags override)`, ...loaded.notes];
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

function instrumentFor(o: BacktestCliOptions, ticker: string, source: InstrumentSource): Instrument {
  const known = source(ticker, o.szDecimals);
  if (known === null) {
    throw new UserError(
      `no size decimals known for ${ticker}; pass --sz-decimals N (Hyperliquid meta "szDecimals", e.g. BTC 5, ETH 4).`,
    );
  }
  return known;
}

export async function runBacktestCommand(
  o: BacktestCliOptions,
  instruments: InstrumentSource,
): Promise<void> {
  if (o.from !== undefined && o.to !== undefined && o.to <= o.from) {
    throw new UserError('--to must be after --from.');
  }
  // One configuration with hlmm trade: the config file (or its defaults), the flags over it.
  const cfg = loadConfig(o.config);
  if (o.tickers !== undefined && o.ticker !== undefined)
    throw new UserError('pass --ticker (one coin) or --tickers (several), not both.');
  const tickers = o.tickers ?? (o.ticker === undefined ? cfg.tickers : null);
  if (tickers !== null) {
    const { runMultiBacktestCommand } = await import('./multi-cli.ts');
    const upper = tickers.map((t) => t.trim().toUpperCase());
    return runMultiBacktestCommand(o, upper, runSettings(cfg, o), instruments);
  }
  if (o.paramsDir !== undefined)
    throw new UserError('--params-dir goes with --tickers; for one coin pass --params FILE.');
  const ticker = (o.ticker ?? cfg.ticker).trim().toUpperCase();
  // The coin's `coins.<TICKER>` lot and limits over the shared settings, as with --tickers.
  const settings = coinRunSettings(runSettings(cfg, o), cfg.coins, ticker);
  const { params, notes } = resolveParams(
    o,
    ticker,
    settings,
    o.config !== undefined ? cfg.params_file : null,
  );
  for (const n of notes.slice(1)) process.stderr.write(`hlmm backtest: ${n}\n`);
  const instrument = instrumentFor(o, ticker, instruments);
  // The engine's warnings (why quotes are withheld, once per change of reason) go to stderr, as in hlmm trade.
  const logger = createLogger({ component: 'backtest', level: 'warn', file: undefined });
  const base = backtestConfigFor(settings, {
    params,
    instrument,
    coin: ticker,
    logger,
    keepFills: o.fillsOut !== undefined,
    series: o.report !== undefined,
  });
  let lastProgress = Date.now();
  const warn = (line: string) => process.stderr.write(`hlmm backtest: warning: ${line}\n`);
  // Loaded once for the run and its latency sweep (null: streamed from the CSV files, each run reads them again).
  const columns =
    (await marketColumnsFor(o.data, ticker, { books: o.books, cache: o.cache, warn })) ?? undefined;
  const market = {
    dataDir: o.data,
    ticker,
    fromMs: o.from,
    toMs: o.to,
    books: o.books,
    cache: o.cache,
    warn,
    columns,
  };
  const result = await runBacktest({
    ...base,
    ...market,
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
      `${o.data}: no ${ticker} market events in the chosen period; check --data, --from and --to.`,
    );
  }
  // The same data again at zero and twice the latency: a PnL that changes sign on the latency is not a result.
  const latencyLines: LatencyLine[] = [];
  if (o.latencySweep !== false) {
    for (const factor of LATENCY_FACTORS) {
      // A fresh strategy for each run (strategies keep state); every latency of the fill model scaled.
      const scaled = withLatencyScaled(
        backtestConfigFor(settings, { params, instrument, coin: ticker }),
        factor,
      );
      const r = factor === 1 ? result : await runBacktest({ ...scaled, ...market });
      latencyLines.push({
        factor,
        latencyMs: scaled.latencyMs ?? 0,
        cancelLatencyMs: scaled.cancelLatencyMs ?? 0,
        pnlQuote: r.pnlQuote,
        fills: r.fills,
      });
    }
  }
  if (o.report !== undefined) {
    writeReport(o.report, backtestReportDoc(result, { ticker, dataDir: o.data, notes, latencyLines }));
  }
  const rowsSkipped = result.rowStats.reduce((sum, s) => sum + s.badRows, 0);
  if (o.fillsOut !== undefined) writeFillsCsv(o.fillsOut, result.fillRecords);
  if (o.json) {
    const out = backtestJson(result, {
      ticker,
      data: o.data,
      bad_rows: rowsSkipped,
      dropped_duplicate_trades: result.dropped.duplicateTrades,
      dropped_out_of_order: result.dropped.outOfOrder,
    });
    if (latencyLines.length > 0) out.latency_pnl = latencyLinesJson(latencyLines);
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    process.stdout.write(backtestText(result, ticker, latencyLines));
    if (o.report !== undefined) process.stdout.write(`report            ${o.report}\n`);
  }
}
