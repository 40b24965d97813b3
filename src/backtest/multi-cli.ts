import { join } from 'node:path';
import { coinRunSettings, unusedCoinEntries } from '../config/coin-settings.ts';
import { loadConfig } from '../config/load-config.ts';
import type { RunSettings } from '../config/run-settings.ts';
import type { HlmmConfig } from '../config/schema.ts';
import { UserError } from '../core/errors.ts';
import { createLogger } from '../core/log.ts';
import { describeDropped } from '../data/market-stream.ts';
import { describeBadRows } from '../data/reader.ts';
import { defaultLeverage } from '../engine/account-risk.ts';
import { writeFillsCsv } from '../engine/fills-csv.ts';
import { checkLeverage, leverageSetting } from '../exchange/hyperliquid/trading/leverage.ts';
import type { ModelParams } from '../model/params.ts';
import { loadParamsFile } from '../model/params-file.ts';
import type { ReportDoc } from '../report/render.ts';
import { writeReport } from '../report/render.ts';
import { scaleLatency } from '../sim/fill-model-config.ts';
import type { BacktestCliOptions, InstrumentSource } from './cli-options.ts';
import { withLatencyScaled } from './config.ts';
import {
  type CoinBacktestConfig,
  type CoinBacktestResult,
  type MultiBacktestResult,
  runMultiBacktest,
} from './multi.ts';
import { backtestReportDoc } from './report.ts';
import { backtestConfigFor, LATENCY_FACTORS } from './settings.ts';
import { backtestJson, backtestText, type LatencyLine, latencyLinesJson } from './summary.ts';

/** The parameters file of one coin in the params directory: what `hlmm calibrate` writes for it. */
export function paramsFileOf(dir: string, ticker: string): string {
  return join(dir, `params_${ticker}.json`);
}

/** A coin that takes part, or one left out and why (its params missing or refused). */
type CoinPlan =
  | { ticker: string; params: ModelParams; file: string; notes: string[] }
  | { ticker: string; skipped: string; file: string };

/**
 * Each coin's parameters from `params_<TICKER>.json` in `dir`, rescaled to that coin's lot as the single-coin
 * backtest does; --gamma overrides every coin's γ. A missing or refused file leaves that coin out (it does not
 * quote) with the reason. `settingsOf`: each coin's settings (its `coins.<TICKER>` entry over the shared ones).
 */
export function planCoins(
  tickers: readonly string[],
  dir: string,
  settingsOf: (ticker: string) => RunSettings,
  gamma: number | undefined,
): CoinPlan[] {
  return tickers.map((ticker) => {
    const file = paramsFileOf(dir, ticker);
    const s = settingsOf(ticker);
    try {
      const loaded = loadParamsFile(
        file,
        s.strategy.mode !== 'long-only' ? { orderSizeBase: s.strategy.orderSizeBase } : {},
      );
      if (loaded.ticker.toUpperCase() !== ticker.toUpperCase())
        return { ticker, file, skipped: `${file} holds parameters for ${loaded.ticker}, not ${ticker}` };
      const params = { ...loaded.params, ...(gamma !== undefined ? { gamma } : {}) };
      const bad = (['sigma', 'A', 'k', 'gamma'] as const).find(
        (key) => !(Number.isFinite(params[key]) && params[key] > 0),
      );
      if (bad !== undefined)
        return { ticker, file, skipped: `${file}: ${bad} is ${params[bad]}, not a number greater than 0` };
      return { ticker, file, params, notes: loaded.notes };
    } catch (err) {
      if (err instanceof UserError) return { ticker, file, skipped: err.message };
      throw err;
    }
  });
}

/**
 * `hlmm backtest --tickers A,B`: every coin's engine on one simulated clock over the merged files, under the
 * account's limits; per-coin results and the account's total.
 */
export async function runMultiBacktestCommand(
  o: BacktestCliOptions,
  tickers: readonly string[],
  settings: RunSettings,
  instruments: InstrumentSource,
  config: Pick<HlmmConfig, 'coins' | 'leverage' | 'margin_mode'> = loadConfig(o.config),
): Promise<void> {
  const coinSettings = config.coins;
  for (const [flag, given] of [
    ['--params', o.params],
    ['--sigma', o.sigma],
    ['--A', o.A],
    ['--k', o.k],
    ['--sz-decimals', o.szDecimals],
  ] as const) {
    if (given !== undefined)
      throw new UserError(
        `${flag} is for one coin; with --tickers each coin's values come from params_<TICKER>.json in --params-dir (and the venue table).`,
      );
  }
  if (new Set(tickers).size !== tickers.length)
    throw new UserError(`--tickers ${tickers.join(',')} names a coin twice; list each coin once.`);
  const dir = o.paramsDir ?? '.';
  // Each coin's lot and limits: its `coins.<TICKER>` entry over the shared settings (checked before any run).
  const settingsOf = (s: RunSettings, ticker: string) => coinRunSettings(s, coinSettings, ticker);
  for (const name of unusedCoinEntries(coinSettings, tickers))
    process.stderr.write(
      `hlmm backtest: the config's "coins.${name}" names no coin of --tickers ${tickers.join(',')}; it is not used.\n`,
    );
  const plans = planCoins(tickers, dir, (t) => settingsOf(settings, t), o.gamma);
  for (const p of plans)
    if ('skipped' in p)
      process.stderr.write(
        `hlmm backtest: ${p.ticker} does not quote: ${p.skipped}; the other coins go on.\n`,
      );
  const active = plans.filter((p): p is Extract<CoinPlan, { params: ModelParams }> => 'params' in p);
  if (active.length === 0)
    throw new UserError(
      `no coin of --tickers ${tickers.join(',')} has usable parameters in ${dir}; run hlmm calibrate for each or pass --params-dir.`,
    );
  // Each coin's leverage, for its margin in the account's margin limit (as paper trading estimates it).
  const leverage = leverageSetting({ leverage: o.leverage }, config);
  const logger = createLogger({ component: 'backtest', level: 'warn', file: undefined });
  const coinsFor = (s: RunSettings, full: boolean, latencyFactor: number): CoinBacktestConfig[] =>
    active.map((p) => {
      const instrument = instruments(p.ticker);
      if (instrument === null)
        throw new UserError(
          `no size decimals known for ${p.ticker}; backtest it alone with --ticker ${p.ticker} --sz-decimals N.`,
        );
      checkLeverage(leverage, p.ticker, instrument.maxLeverage);
      return {
        ticker: p.ticker,
        leverage: leverage?.leverage ?? defaultLeverage(instrument.maxLeverage),
        cfg: withLatencyScaled(
          backtestConfigFor(settingsOf(s, p.ticker), {
            params: p.params,
            instrument,
            coin: p.ticker,
            ...(full
              ? {
                  logger: logger.child(p.ticker),
                  keepFills: o.fillsOut !== undefined,
                  series: o.report !== undefined,
                }
              : {}),
          }),
          latencyFactor,
        ),
      };
    });
  const run = (s: RunSettings, full: boolean, latencyFactor = 1) => {
    let lastProgress = Date.now();
    return runMultiBacktest({
      dataDir: o.data,
      coins: coinsFor(s, full, latencyFactor),
      account: s.account,
      startingBalanceQuote: s.startingBalanceQuote,
      fromMs: o.from,
      toMs: o.to,
      books: o.books,
      onProgress: full
        ? (n, t) => {
            const now = Date.now();
            if (now - lastProgress < 2000) return;
            lastProgress = now;
            process.stderr.write(
              `hlmm backtest: ${n.toLocaleString('en-US')} events, at ${new Date(t).toISOString()}\n`,
            );
          }
        : undefined,
    });
  };
  const result = await run(settings, true);
  for (const c of result.coins) {
    for (const stats of c.rowStats) {
      const line = describeBadRows(stats);
      if (line !== null) process.stderr.write(`hlmm backtest: ${line}\n`);
    }
    const droppedLine = describeDropped(c.dropped);
    if (droppedLine !== null) process.stderr.write(`hlmm backtest: ${c.ticker}: ${droppedLine}\n`);
  }
  if (result.coins.every((c) => c.events === 0))
    throw new UserError(
      `${o.data}: no market events of ${active.map((p) => p.ticker).join(', ')} in the chosen period; check --data, --from and --to.`,
    );
  // The account at zero and twice the latency, as the single-coin backtest does for one coin.
  const latencyLines: LatencyLine[] = [];
  if (o.latencySweep !== false) {
    for (const factor of LATENCY_FACTORS) {
      const scaled = scaleLatency(settings.fill, factor);
      const r = factor === 1 ? result : await run(settings, false, factor);
      latencyLines.push({
        factor,
        latencyMs: scaled.entryLatencyMs,
        cancelLatencyMs: scaled.cancelLatencyMs,
        pnlQuote: r.account.pnlQuote,
        fills: r.account.fills,
      });
    }
  }
  const skipped = plans.filter((p): p is Extract<CoinPlan, { skipped: string }> => 'skipped' in p);
  if (o.report !== undefined) writeReport(o.report, multiReportDoc(result, o.data, latencyLines));
  if (o.fillsOut !== undefined) {
    for (const c of result.coins) writeFillsCsv(fillsFileOf(o.fillsOut, c.ticker), c.fillRecords);
  }
  if (o.json) {
    const out = multiBacktestJson(result, {
      tickers,
      data: o.data,
      params_dir: dir,
      skipped: Object.fromEntries(skipped.map((p) => [p.ticker, p.skipped])),
    });
    if (latencyLines.length > 0)
      (out.account as Record<string, unknown>).latency_pnl = latencyLinesJson(latencyLines);
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    process.stdout.write(multiBacktestText(result, skipped, latencyLines));
    if (o.report !== undefined) process.stdout.write(`report            ${o.report}\n`);
  }
}

/** --fills-out x.csv with several coins: one file per coin, x_<TICKER>.csv. */
export function fillsFileOf(path: string, ticker: string): string {
  const dot = path.lastIndexOf('.');
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return dot > slash ? `${path.slice(0, dot)}_${ticker}${path.slice(dot)}` : `${path}_${ticker}`;
}

const r6 = (x: number): number | null => (Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : null);

function coinExtra(c: CoinBacktestResult): Record<string, unknown> {
  return {
    ticker: c.ticker,
    leverage: c.leverage,
    bad_rows: c.rowStats.reduce((sum, s) => sum + s.badRows, 0),
    dropped_duplicate_trades: c.dropped.duplicateTrades,
    dropped_out_of_order: c.dropped.outOfOrder,
  };
}

/** The `--tickers --json` object: the account's total and each coin's single-coin object (docs/backtest.md). */
export function multiBacktestJson(
  r: MultiBacktestResult,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const a = r.account;
  return {
    ...extra,
    account: {
      starting_balance: a.startingBalanceQuote,
      pnl: r6(a.pnlQuote),
      equity: r6(a.final.equityQuote),
      fills: a.fills,
      fees: r6(a.feesQuote),
      max_drawdown: r6(a.maxDrawdownQuote),
      max_total_notional: r6(a.maxTotalNotionalQuote),
      max_margin_used: a.final.maxMarginUsedQuote === null ? null : r6(a.final.maxMarginUsedQuote),
      kill_switch: a.killSwitch,
      kill_switch_at: a.killSwitchAtMs === null ? null : new Date(a.killSwitchAtMs).toISOString(),
      limits: {
        max_total_notional: a.limits.maxTotalNotionalQuote,
        max_drawdown: a.limits.maxDrawdownQuote,
        daily_loss_limit: a.limits.dailyLossLimitQuote,
        max_margin: a.limits.maxMarginQuote ?? null,
      },
    },
    coins: Object.fromEntries(r.coins.map((c) => [c.ticker, backtestJson(c, coinExtra(c))])),
  };
}

/** Terminal summary: each coin's single-coin block, then the account. */
export function multiBacktestText(
  r: MultiBacktestResult,
  skipped: readonly { ticker: string; skipped: string }[],
  latencyLines: readonly LatencyLine[],
): string {
  const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  const parts = r.coins.map((c) => backtestText(c, c.ticker));
  const a = r.account;
  const limit = (x: number | null) => (x === null ? 'off' : `${x} USDC`);
  const lines = [
    `account           ${r.coins.map((c) => c.ticker).join(', ')} on one clock, starting balance ${a.startingBalanceQuote} USDC`,
    `account pnl       ${f(a.pnlQuote, 4)} USDC (${r.coins.map((c) => `${c.ticker} ${f(c.pnlQuote, 4)}`).join(', ')}), fees ${f(a.feesQuote, 4)} USDC, ${a.fills} fills`,
    `account risk      max drawdown ${f(a.maxDrawdownQuote, 4)} USDC (limit ${limit(a.limits.maxDrawdownQuote)}), daily loss limit ${limit(a.limits.dailyLossLimitQuote)}, max total notional ${f(a.maxTotalNotionalQuote)} USDC (limit ${limit(a.limits.maxTotalNotionalQuote)}), max margin used ${f(a.final.maxMarginUsedQuote ?? Number.NaN)} USDC (limit ${limit(a.limits.maxMarginQuote ?? null)})`,
  ];
  if (a.killSwitch !== null)
    lines.push(
      `account kill      ${a.killSwitch} at ${new Date(a.killSwitchAtMs as number).toISOString()}; every coin pulled`,
    );
  for (const s of skipped) lines.push(`not quoted        ${s.ticker}: ${s.skipped}`);
  for (const l of latencyLines)
    lines.push(
      `account latency   ${`${l.factor}×`.padEnd(3)} ${`${l.latencyMs} ms`.padEnd(9)} ${f(l.pnlQuote, 4)} USDC (${l.fills} fills)`,
    );
  return `${parts.join('\n')}\n${lines.join('\n')}\n`;
}

/** One report: the account first, then each coin's sections under its name. */
function multiReportDoc(
  r: MultiBacktestResult,
  dataDir: string,
  latencyLines: readonly LatencyLine[],
): ReportDoc {
  const a = r.account;
  const doc: ReportDoc = {
    title: `hlmm backtest — ${r.coins.map((c) => c.ticker).join(', ')} (one account)`,
    subtitle: `data ${dataDir}; starting balance ${a.startingBalanceQuote} USDC`,
    sections: [
      {
        heading: 'Account',
        blocks: [
          {
            kind: 'metrics',
            items: [
              { label: 'account PnL', value: a.pnlQuote, unit: 'USDC', help: `n = ${a.fills} fills` },
              ...r.coins.map((c) => ({ label: `${c.ticker} PnL`, value: c.pnlQuote, unit: 'USDC' })),
              { label: 'fees paid', value: a.feesQuote, unit: 'USDC' },
              { label: 'account max drawdown', value: a.maxDrawdownQuote, unit: 'USDC' },
              { label: 'max total notional', value: a.maxTotalNotionalQuote, unit: 'USDC' },
              { label: 'account kill switch', value: a.killSwitch ?? 'not tripped' },
              ...latencyLines.map((l) => ({
                label: `account PnL at ${l.factor}× latency (${l.latencyMs} ms)`,
                value: l.pnlQuote,
                unit: `USDC (${l.fills} fills)`,
              })),
            ],
          },
        ],
      },
    ],
  };
  for (const c of r.coins) {
    const one = backtestReportDoc(c, { ticker: c.ticker, dataDir });
    for (const s of one.sections) doc.sections.push({ ...s, heading: `${c.ticker}: ${s.heading}` });
  }
  return doc;
}
