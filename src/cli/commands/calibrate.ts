import { choiceOption, dateOption, numberOption, symbolListOption } from '../options.ts';
import {
  dataDirFlag,
  horizonOption,
  makerFeeFlag,
  minSpreadFlag,
  modelFlag,
  queueFlag,
  szDecimalsFlag,
  takerFeeFlag,
  tickerFlag,
  toDateOption,
} from '../replay-flags.ts';
import type { DefineCommand } from './define-command.ts';

export const defineCalibrate: DefineCommand = (program) => {
  program
    .command('calibrate')
    .description(
      'Estimate σ, A, k from recorded data and choose γ by walk-forward backtests; write params_<TICKER>.json.',
    )
    .addOption(dataDirFlag())
    // No default of its own: --tickers or the config's coins apply when it is not given (else BTC).
    .addOption(tickerFlag(false))
    .option(
      '--tickers <list>',
      'several coins, e.g. BTC,ETH: each from --data into params_<TICKER>.json, in parallel on worker threads (not with --ticker)',
      symbolListOption,
    )
    .option(
      '--config <file>',
      "config file (JSON): its tickers (or ticker) are calibrated when neither --ticker nor --tickers is given; calibrate's other settings are its flags",
    )
    .option(
      '--tick-size <px>',
      'price tick, USDC (default: Hyperliquid rule, else inferred)',
      numberOption({ positive: true }),
    )
    .option('--from <date>', 'first day used, YYYY-MM-DD (UTC) or ISO time', dateOption)
    .option(
      '--to <date>',
      'last day used: YYYY-MM-DD includes that day; an ISO time is exclusive',
      toDateOption,
    )
    .option('--out <file>', 'parameters file to write (default params_<TICKER>.json; one coin)')
    .option(
      '--out-dir <dir>',
      'folder for params_<TICKER>.json, created if needed (default: the working folder; not with --out)',
    )
    .option(
      '--report <file.html>',
      'write a self-contained HTML report with charts (with --tickers: one per coin, file_<TICKER>.html)',
    )
    .option(
      '--json',
      'also print the parameters JSON to stdout (with --tickers: {params: {TICKER: …}, failed: {TICKER: why}})',
      false,
    )
    .addOption(modelFlag())
    .option(
      '--mode <mode>',
      'strategy mode backtested: two-sided | long-only',
      choiceOption(['two-sided', 'long-only'] as const),
      'two-sided',
    )
    .option('--horizon <h>', 'A–S horizon: eod (to 00:00 UTC) or seconds (rolling)', horizonOption, {
      kind: 'end-of-day-utc',
    })
    .option(
      '--order-size <base>',
      'one lot, base units (e.g. 0.001 BTC)',
      numberOption({ positive: true }),
      0.001,
    )
    .option('--max-position <lots>', 'max position in lots in the γ backtests', numberOption({ min: 0 }), 5)
    .addOption(szDecimalsFlag())
    .option('--latency-ms <ms>', 'order-entry latency in the γ backtests', numberOption({ min: 0 }), 100)
    .addOption(queueFlag())
    .addOption(makerFeeFlag())
    .addOption(takerFeeFlag())
    .addOption(minSpreadFlag())
    .option(
      '--grid-points <n>',
      'log-spaced γ grid points per day',
      numberOption({ integer: true, min: 3, max: 100 }),
      7,
    )
    .option(
      '--refine-steps <n>',
      'extra backtests refining around the two best local maxima of the γ grid',
      numberOption({ integer: true, min: 0, max: 30 }),
      4,
    )
    .option(
      '--objective <name>',
      'γ search objective: lower-bound (PnL − κ·√minutes·std) or utility (PnL − γ_wealth/2·variance)',
      choiceOption(['lower-bound', 'utility'] as const),
      'lower-bound',
    )
    .option(
      '--min-coverage-minutes <min>',
      'skip (with a note) days with less fresh book than this',
      numberOption({ min: 0 }),
      2,
    )
    .option(
      '--fallback-gamma <γ>',
      'γ (1/USDC per lot) published when the data do not identify γ (default: the γ quoting 0.1 % of the mid)',
      numberOption({ positive: true }),
    )
    .option(
      '--bootstrap <n>',
      'bootstrap resamples for the 95 % intervals',
      numberOption({ integer: true, min: 10 }),
      200,
    )
    .option(
      '--seed <n>',
      'seed of the bootstrap (same data and seed, same intervals)',
      numberOption({ integer: true }),
      1,
    )
    .option('--risk-penalty <κ>', 'score = PnL − κ·√minutes·std(minute PnL)', numberOption({ min: 0 }), 1)
    .option(
      '--min-orders <n>',
      'λ(δ) grid stops where fewer aggressive orders reach δ',
      numberOption({ integer: true, min: 3 }),
      10,
    )
    .option(
      '--max-bbo-age-ms <ms>',
      'drop aggressive orders whose reference BBO is older than this (and that time from observed time)',
      numberOption({ positive: true }),
      5000,
    )
    .option(
      '--min-fills <n>',
      'fills a γ needs in its day backtest to be eligible',
      numberOption({ integer: true, min: 0 }),
      5,
    )
    .option(
      '--min-fit-r2 <r2>',
      'warn about and flag λ(δ) fits with a lower R² of ln λ',
      numberOption({ min: 0, max: 1 }),
      0.9,
    )
    .option(
      '--no-cache',
      'parse the CSV files instead of the columnar event cache (.hlmm-cache/ beside them)',
    )
    .option(
      '--workers <n>',
      'threads for the γ backtests, this one included (default: cores − 1, at least 1, and 2 on 2 cores for 20 MB of CSV or more; 1 = in this thread, N = it and N − 1 workers); with --tickers: coin threads in all (default: the cores, at most one per coin)',
      numberOption({ integer: true, min: 1, max: 64 }),
    )
    .action(async (opts) => {
      const { runCalibrateCommand } = await import('../../calibrate/cli-run.ts');
      await runCalibrateCommand(opts);
    });
};
