import { choiceOption, dateOption, numberOption } from '../options.ts';
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
import type { DefineCommand } from './index.ts';

/** --horizon: checked here (the shared parser), passed on as text and converted by the runner. */
function horizonTextOption(text: string): string {
  horizonOption(text);
  return text.trim().toLowerCase();
}

export const defineBacktest: DefineCommand = (program) => {
  program
    .command('backtest')
    .description(
      'Replay recorded Hyperliquid BBO + trades through the strategy and the fill model (queue, latency, fees); print PnL, risk and fills.',
    )
    .addOption(dataDirFlag())
    .addOption(tickerFlag())
    .option('--params <file>', 'parameters file from hlmm calibrate (σ, A, k, γ)')
    .option('--gamma <G>', 'risk aversion γ, 1/USDC', numberOption({ positive: true }))
    .option('--sigma <S>', 'volatility σ, USDC/√s', numberOption({ positive: true }))
    .option('--A <A>', 'arrival rate A, aggressive orders/s per side', numberOption({ positive: true }))
    .option('--k <K>', 'arrival decay k, 1/USDC', numberOption({ positive: true }))
    .addOption(modelFlag())
    .option(
      '--mode <mode>',
      'two-sided | long-only',
      choiceOption(['two-sided', 'long-only'] as const),
      'two-sided',
    )
    .option(
      '--order-size <base>',
      'size of one quote = one lot, base units (e.g. 0.001 BTC)',
      numberOption({ positive: true }),
      0.001,
    )
    .option(
      '--max-position <lots>',
      'stop quoting the side that would exceed this many lots',
      numberOption({ min: 0 }),
      5,
    )
    .option('--from <date>', 'start, YYYY-MM-DD (UTC) or ISO time', dateOption)
    .option('--to <date>', 'end: YYYY-MM-DD includes that day; an ISO time is exclusive', toDateOption)
    .option(
      '--latency-ms <ms>',
      'order-entry latency (event → order live at the exchange)',
      numberOption({ min: 0 }),
      100,
    )
    .option('--cancel-latency-ms <ms>', 'cancel latency (default: --latency-ms)', numberOption({ min: 0 }))
    .addOption(queueFlag())
    .option('--queue-power <n>', 'exponent of the prob queue model', numberOption({ positive: true }), 3)
    .addOption(makerFeeFlag())
    .addOption(takerFeeFlag())
    .addOption(minSpreadFlag())
    .option(
      '--tolerance-bps <bps>',
      'keep a resting quote within this many bps of the model price',
      numberOption({ min: 0 }),
      0,
    )
    .option(
      '--replace <how>',
      'replace a mispriced quote by: modify | cancel-then-place',
      choiceOption(['modify', 'cancel-then-place'] as const),
      'modify',
    )
    .option('--requote-ms <ms>', 're-ask the strategy at least this often', numberOption({ min: 0 }), 1000)
    .option(
      '--max-book-age-ms <ms>',
      'stale-book rule: quote nothing while the last BBO is older than this (0 = off)',
      numberOption({ min: 0 }),
      5000,
    )
    .option('--horizon <h>', 'A–S horizon: eod (to 00:00 UTC) or seconds (rolling)', horizonTextOption, 'eod')
    .addOption(szDecimalsFlag())
    .option('--no-books', 'ignore orderbooks_<TICKER>.csv even when present')
    .option('--json', 'print one JSON object instead of the text summary', false)
    .option('--report <file.html>', 'write a self-contained HTML report with charts')
    .action(async (opts) => {
      const { runBacktestCommand } = await import('../../backtest/cli-run.ts');
      await runBacktestCommand(opts);
    });
};
