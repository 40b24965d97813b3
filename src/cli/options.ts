import { InvalidArgumentError } from 'commander';
import { LOG_LEVELS } from '../core/log.ts';

/**
 * Option parsers for commander: each turns a flag's text into a checked value or throws an
 * InvalidArgumentError whose sentence says what the flag wants (commander prefixes the flag's name).
 */
export function numberOption(
  opts: { min?: number; max?: number; integer?: boolean; positive?: boolean } = {},
) {
  return (text: string): number => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value))
      throw new InvalidArgumentError(`"${text}" is not a number.`);
    if (opts.integer && !Number.isInteger(value))
      throw new InvalidArgumentError(`"${text}" is not a whole number.`);
    if (opts.positive && value <= 0)
      throw new InvalidArgumentError(`it must be greater than 0, got ${text}.`);
    if (opts.min !== undefined && value < opts.min)
      throw new InvalidArgumentError(`it must be at least ${opts.min}, got ${text}.`);
    if (opts.max !== undefined && value > opts.max)
      throw new InvalidArgumentError(`it must be at most ${opts.max}, got ${text}.`);
    return value;
  };
}

export function choiceOption<T extends string>(choices: readonly T[]) {
  return (text: string): T => {
    if (!(choices as readonly string[]).includes(text)) {
      throw new InvalidArgumentError(`"${text}" is not one of ${choices.join(', ')}.`);
    }
    return text as T;
  };
}

/**
 * Comma-separated list of Hyperliquid coin names, kept as written ("kPEPE" is a real name, so no upper-casing):
 * "BTC,ETH" → ["BTC", "ETH"].
 */
export function symbolListOption(text: string): string[] {
  const symbols = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (symbols.length === 0) throw new InvalidArgumentError('give at least one symbol, e.g. BTC or BTC,ETH.');
  for (const s of symbols) {
    if (!/^[A-Za-z0-9@:_/-]{1,20}$/.test(s)) throw new InvalidArgumentError(`"${s}" is not a symbol name.`);
  }
  return symbols;
}

/** A UTC date (YYYY-MM-DD) or an ISO timestamp, as Unix milliseconds. */
export function dateOption(text: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : Date.parse(text);
  if (!Number.isFinite(ms)) throw new InvalidArgumentError(`"${text}" is not a date; use YYYY-MM-DD (UTC).`);
  return ms;
}

/** `--log-level`: one of the logger's levels (debug | info | warn | error). */
export const logLevelOption = choiceOption(LOG_LEVELS);
