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

/**
 * `withDefault: false` (hlmm backtest, hlmm trade): the flag has no default of its own, the config file's value
 * (whose defaults are src/engine/defaults.ts) applies when it is not given.
 */
const maybeDefault = (o: Option, value: unknown, withDefault: boolean, configKey: string): Option =>
  withDefault ? o.default(value) : describeConfig(o, configKey);

function describeConfig(o: Option, configKey: string): Option {
  o.description = `${o.description} (default: config ${configKey})`;
  return o;
}

export const tickerFlag = (withDefault = true) =>
  maybeDefault(
    new Option('--ticker <symbol>', 'perp name, e.g. BTC').argParser((t: string) => t.trim().toUpperCase()),
    'BTC',
    withDefault,
    'ticker, BTC',
  );

export const modelFlag = (withDefault = true) =>
  maybeDefault(
    new Option('--model <model>', 'quoting model: as | glft').argParser(
      choiceOption(['as', 'glft'] as const),
    ),
    'as',
    withDefault,
    'strategy.model, as',
  );

export const queueFlag = (withDefault = true) =>
  maybeDefault(
    new Option('--queue <model>', 'queue model: risk-averse | prob').argParser(
      choiceOption(['risk-averse', 'prob'] as const),
    ),
    'risk-averse',
    withDefault,
    'fill_model.queue, risk-averse',
  );

export const makerFeeFlag = (withDefault = true) =>
  maybeDefault(
    new Option('--maker-fee <rate>', 'maker fee rate (0.00015 = 0.015 %)').argParser(
      numberOption({ min: -0.01, max: 0.01 }),
    ),
    0.00015,
    withDefault,
    'fees.maker_rate, 0.00015',
  );

export const takerFeeFlag = (withDefault = true) =>
  maybeDefault(
    new Option('--taker-fee <rate>', 'taker fee rate (0.00045 = 0.045 %)').argParser(
      numberOption({ min: -0.01, max: 0.01 }),
    ),
    0.00045,
    withDefault,
    'fees.taker_rate, 0.00045',
  );

export const minSpreadFlag = (withDefault = true) =>
  maybeDefault(
    new Option('--min-spread-bps <bps>', 'minimum total quoted spread, bps of mid').argParser(
      numberOption({ min: 0 }),
    ),
    0,
    withDefault,
    'strategy.min_spread_bps, 0',
  );

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
