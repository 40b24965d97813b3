import { InvalidArgumentError } from 'commander';
import { choiceOption, dateOption, numberOption } from '../options.ts';
import type { DefineCommand } from './index.ts';

/** --to: a date alone (YYYY-MM-DD) includes that whole UTC day; a timestamp is used as given (exclusive). */
function toDateOption(text: string): number {
  const ms = dateOption(text);
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? ms + 86_400_000 : ms;
}

/** --horizon: "eod" (to 00:00 UTC) or a number of seconds (rolling); checked here, converted by the runner. */
function horizonOption(text: string): string {
  const t = text.trim().toLowerCase();
  const seconds = Number(t);
  if (t === 'eod' || t === 'end-of-day-utc' || (t !== '' && Number.isFinite(seconds) && seconds > 0))
    return t;
  throw new InvalidArgumentError(`"${text}" is not a horizon; use eod or a number of seconds, e.g. 3600.`);
}

export const defineBacktest: DefineCommand = (program) => {
  program
    .command('backtest')
    .description(
      'Replay recorded Hyperliquid BBO + trades through the strategy and the fill model (queue, latency, fees); print PnL, risk and fills.',
    )
    .option(
      '--data <dir>',
      'directory with prices_<TICKER>.csv[.gz] and trades_<TICKER>.csv[.gz]',
      'data/sample',
    )
    .option('--ticker <symbol>', 'perp name, e.g. BTC', (t: string) => t.trim().toUpperCase(), 'BTC')
    .option('--params <file>', 'parameters file from hlmm calibrate (σ, A, k, γ)')
    .option('--gamma <G>', 'risk aversion γ, 1/USDC', numberOption({ positive: true }))
    .option('--sigma <S>', 'volatility σ, USDC/√s', numberOption({ positive: true }))
    .option('--A <A>', 'arrival rate A, aggressive orders/s per side', numberOption({ positive: true }))
    .option('--k <K>', 'arrival decay k, 1/USDC', numberOption({ positive: true }))
    .option('--model <model>', 'quoting model: as | glft', choiceOption(['as', 'glft'] as const), 'as')
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
    .option(
      '--queue <model>',
      'queue model: risk-averse | prob',
      choiceOption(['risk-averse', 'prob'] as const),
      'risk-averse',
    )
    .option('--queue-power <n>', 'exponent of the prob queue model', numberOption({ positive: true }), 3)
    .option(
      '--maker-fee <rate>',
      'maker fee rate (0.00015 = 0.015 %)',
      numberOption({ min: -0.01, max: 0.01 }),
      0.00015,
    )
    .option(
      '--taker-fee <rate>',
      'taker fee rate (0.00045 = 0.045 %)',
      numberOption({ min: -0.01, max: 0.01 }),
      0.00045,
    )
    .option('--min-spread-bps <bps>', 'minimum total quoted spread, bps of mid', numberOption({ min: 0 }), 0)
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
    .option('--horizon <h>', 'A–S horizon: eod (to 00:00 UTC) or seconds (rolling)', horizonOption, 'eod')
    .option(
      '--sz-decimals <n>',
      'size decimals of the perp (default: known table, BTC 5)',
      numberOption({ integer: true, min: 0, max: 6 }),
    )
    .option('--no-books', 'ignore orderbooks_<TICKER>.csv even when present')
    .option('--json', 'print one JSON object instead of the text summary', false)
    .option('--report <file.html>', 'write a self-contained HTML report with charts')
    .action(async (opts) => {
      const { runBacktestCommand } = await import('../../backtest/cli-run.ts');
      await runBacktestCommand(opts);
    });
};
