import { InvalidArgumentError, Option } from 'commander';
import { type HorizonConfig, parseHorizon } from '../model/horizon.ts';
import { choiceOption, dateOption, numberOption } from './options.ts';

/**
 * Flags that `backtest` and `calibrate` declare identically (both replay recorded data through the strategy and
 * the fill model), one definition each. Factories, because commander keeps state on an Option: one per command.
 * Flags whose help text differs between the two commands stay in the command files.
 */

export const dataDirFlag = () =>
  new Option('--data <dir>', 'directory with prices_<TICKER>.csv[.gz] and trades_<TICKER>.csv[.gz]').default(
    'data/sample',
  );

export const tickerFlag = () =>
  new Option('--ticker <symbol>', 'perp name, e.g. BTC')
    .argParser((t: string) => t.trim().toUpperCase())
    .default('BTC');

export const modelFlag = () =>
  new Option('--model <model>', 'quoting model: as | glft')
    .argParser(choiceOption(['as', 'glft'] as const))
    .default('as');

export const queueFlag = () =>
  new Option('--queue <model>', 'queue model: risk-averse | prob')
    .argParser(choiceOption(['risk-averse', 'prob'] as const))
    .default('risk-averse');

export const makerFeeFlag = () =>
  new Option('--maker-fee <rate>', 'maker fee rate (0.00015 = 0.015 %)')
    .argParser(numberOption({ min: -0.01, max: 0.01 }))
    .default(0.00015);

export const takerFeeFlag = () =>
  new Option('--taker-fee <rate>', 'taker fee rate (0.00045 = 0.045 %)')
    .argParser(numberOption({ min: -0.01, max: 0.01 }))
    .default(0.00045);

export const minSpreadFlag = () =>
  new Option('--min-spread-bps <bps>', 'minimum total quoted spread, bps of mid')
    .argParser(numberOption({ min: 0 }))
    .default(0);

export const szDecimalsFlag = () =>
  new Option('--sz-decimals <n>', 'size decimals of the perp (default: known table, BTC 5)').argParser(
    numberOption({ integer: true, min: 0, max: 6 }),
  );

/** --to: a date alone (YYYY-MM-DD) includes that whole UTC day; a timestamp is used as given (exclusive). */
export function toDateOption(text: string): number {
  const ms = dateOption(text);
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? ms + 86_400_000 : ms;
}

/** --horizon: "eod" (to 00:00 UTC) or a number of seconds (rolling), read by the model's own parser. */
export function horizonOption(text: string): HorizonConfig {
  const horizon = parseHorizon(text);
  if (horizon === null)
    throw new InvalidArgumentError(`"${text}" is not a horizon; use eod or a number of seconds, e.g. 3600.`);
  return horizon;
}
