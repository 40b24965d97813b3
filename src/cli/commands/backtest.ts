import { dateOption, numberOption } from '../options.ts';
import { dataDirFlag, szDecimalsFlag, tickerFlag, toDateOption } from '../replay-flags.ts';
import { addMultiCoinFlags, addSettingFlags } from '../setting-flags.ts';
import type { DefineCommand } from './define-command.ts';

export const defineBacktest: DefineCommand = (program) => {
  const cmd = program
    .command('backtest')
    .description(
      'Replay recorded Hyperliquid BBO + trades through the trading engine of hlmm trade (strategy, risk, order manager) and the paper fill model (queue, latency, fees) on a simulated clock; print PnL, risk and fills.',
    )
    .option('--config <file>', 'config file (JSON), the same as hlmm trade reads; flags override it')
    .addOption(dataDirFlag())
    .addOption(tickerFlag(false))
    .option('--params <file>', 'parameters file from hlmm calibrate (σ, A, k, γ)')
    .option('--gamma <G>', 'risk aversion γ, 1/USDC', numberOption({ positive: true }))
    .option('--sigma <S>', 'volatility σ, USDC/√s', numberOption({ positive: true }))
    .option('--A <A>', 'arrival rate A, aggressive orders/s per side', numberOption({ positive: true }))
    .option('--k <K>', 'arrival decay k, 1/USDC', numberOption({ positive: true }))
    .option('--from <date>', 'start, YYYY-MM-DD (UTC) or ISO time', dateOption)
    .option('--to <date>', 'end: YYYY-MM-DD includes that day; an ISO time is exclusive', toDateOption);
  addMultiCoinFlags(cmd);
  addSettingFlags(cmd)
    .option(
      '--funding-rate <rate>',
      'assumed hourly funding rate, recorded files carry none (default: config backtest.funding_rate, 0)',
      numberOption({ min: -0.01, max: 0.01 }),
    )
    .addOption(szDecimalsFlag())
    .option(
      '--leverage <n>',
      "with --tickers: each coin's leverage, times, at most the coin's maximum: its margin in --account-max-margin is |position| × mid ÷ this (default: config leverage, else Hyperliquid's 20× or the coin's maximum when lower)",
      numberOption({ integer: true, min: 1 }),
    )
    .option('--no-books', 'ignore orderbooks_<TICKER>.csv even when present')
    .option(
      '--no-latency-sweep',
      'skip the two extra runs at zero and twice the configured latency (PnL at 0×, 1×, 2× latency)',
    )
    .option(
      '--no-cache',
      'parse the CSV files instead of the columnar event cache (.hlmm-cache/ beside them; not used when order books are merged)',
    )
    .option('--json', 'print one JSON object instead of the text summary', false)
    .option('--report <file.html>', 'write a self-contained HTML report with charts')
    .action(async (opts) => {
      const { runBacktestCommand } = await import('../../backtest/cli-run.ts');
      const { knownPerpInstrument } = await import('../../exchange/hyperliquid/universe.ts');
      await runBacktestCommand(opts, knownPerpInstrument);
    });
};
