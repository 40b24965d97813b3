/**
 * Reads the parameters file written by `hlmm calibrate` (issue 4 "Output") and turns it into ModelParams.
 * Every value the bot trades with is checked: a missing, non-numeric, non-finite or non-positive value is a
 * UserError naming the file and the key. σ is cross-checked against its daily-% twin so that a file with σ in
 * the wrong unit (the original system's slip) is refused instead of traded.
 *
 * γ is per lot. The models take q in lots (position ÷ order size), and their formulas are exactly A–S / GLFT
 * written with one lot as the unit of the asset, with γ_code = γ_wealth × lot (γ_wealth: CARA risk aversion per
 * USDC of wealth, lot in base units). So a γ calibrated at one lot means a different risk appetite at another.
 * When the caller trades another lot than the file's `quotes.order_size_base`, γ is rescaled so γ_wealth stays
 * the same: γ_new = γ_old × lot_new ÷ lot_old. In both models this keeps the whole quote (skew per BTC held AND
 * spread) equal to what the same trader would quote with the new lot — see docs/models.md for the derivation and
 * what it does not fix (A and k were measured per aggressive order, not per lot; γ was optimised at the old lot).
 *
 * γ not identified: when the file says `optimal_parameters.gamma_identified: false` (with a one-line `gamma_note`),
 * its `gamma` is the calibration's fallback; the caller's `fallbackGamma` (a configured value) replaces it when
 * given. Either way `gammaIdentified`/`gammaNote` are exposed and a note says so, which the bot logs as a warning
 * when it loads the file (src/trade/run-trade.ts logs every note at params load time).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UserError } from '../core/errors.ts';
import type { ModelParams } from './params.ts';
import { dailyPctFromSigma } from './units.ts';

const positive = z.number().positive();

export const paramsFileSchema = z.looseObject({
  ticker: z.string().min(1),
  /** ISO time or Unix ms of the calibration run. */
  timestamp: z.union([z.string().min(1), z.number()]),
  /** Names the unit of each field, e.g. { "sigma": "USDC/sqrt(s)", … }. */
  units: z.union([z.string(), z.record(z.string(), z.unknown())]),
  market_data: z.looseObject({
    mid_price: positive,
    /** Quote currency per √second. */
    sigma: positive,
    sigma_daily_pct: positive,
    /** Aggressive orders per second per side. */
    A: positive,
    /** Per quote unit. */
    k: positive,
  }),
  optimal_parameters: z.looseObject({
    gamma: positive,
    /** False when the calibration data did not identify γ; then `gamma` is the calibration's fallback. */
    gamma_identified: z.boolean().optional(),
    /** Why γ is not identified, one line. */
    gamma_note: z.string().nullable().optional(),
    fallback_gamma: positive.optional(),
  }),
  days: z.array(z.looseObject({ date: z.string() })),
});

export type ParamsFile = z.infer<typeof paramsFileSchema>;

export interface LoadedParams {
  ticker: string;
  /** γ already rescaled to the caller's lot when `orderSizeBase` was given and differs from the file's. */
  params: ModelParams;
  midPrice: number;
  raw: ParamsFile;
  /** The lot γ was calibrated for (quotes.order_size_base), base units; null when the file does not say. */
  fileOrderSizeBase: number | null;
  /** What was adjusted or could not be checked, one sentence each (for logs and reports). */
  notes: string[];
  /** False when the file says the data did not identify γ (a file without the key counts as identified). */
  gammaIdentified: boolean;
  /** The file's one-line reason when γ is not identified, else null. */
  gammaNote: string | null;
  /** Where `params.gamma` comes from: the calibrated γ, the caller's fallback, or the file's fallback. */
  gammaSource: 'calibrated' | 'configured-fallback' | 'file-fallback';
}

export interface ParamsLoadOptions {
  /** The lot the caller will trade, base units: γ is rescaled from the file's lot to this one. */
  orderSizeBase?: number;
  /**
   * γ to trade when the file says γ is not identified (`gamma_identified: false`), 1/quote per the caller's lot (not
   * rescaled). Without it the file's own fallback (`optimal_parameters.gamma`, which calibrate sets to its
   * fallback in that case) is used.
   */
  fallbackGamma?: number;
}

/**
 * γ for another lot: γ_new = γ_old × lot_new ÷ lot_old keeps the risk aversion per USDC of wealth, hence the
 * inventory skew per base unit (A–S: q·γ·σ²·τ with q = position ÷ lot) and, in both A–S and GLFT, the exact
 * quotes of the same trader at the new lot.
 */
export function gammaForLot(gammaPerOldLot: number, oldLotBase: number, newLotBase: number): number {
  return (gammaPerOldLot * newLotBase) / oldLotBase;
}

// Lots equal to 1e-9 relative are the same lot (0.001 parsed from JSON vs 0.001 from a flag).
const SAME_LOT_TOLERANCE = 1e-9;

// σ (quote/√s) and sigma_daily_pct may be computed at slightly different mids (per-day vs last), so only a gross
// disagreement — a unit slip is off by orders of magnitude — is refused.
const SIGMA_CONSISTENCY_TOLERANCE = 0.25;

/**
 * Validates an already-parsed calibration object; `source` names the file in error messages. With
 * `opts.orderSizeBase`, γ is rescaled to that lot (see gammaForLot) and a note says so.
 */
export function paramsFromObject(value: unknown, source: string, opts: ParamsLoadOptions = {}): LoadedParams {
  const parsed = paramsFileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    const got = valueAt(value, issue.path);
    const shown = got === undefined ? 'it is missing' : `got ${JSON.stringify(got)}`;
    throw new UserError(
      `${source}: key "${key}" is invalid (${shown}; ${describeExpectation(issue.path)}); re-run hlmm calibrate or fix the file.`,
    );
  }
  const raw = parsed.data;
  const md = raw.market_data;
  const impliedPct = dailyPctFromSigma(md.sigma, md.mid_price);
  if (Math.abs(impliedPct / md.sigma_daily_pct - 1) > SIGMA_CONSISTENCY_TOLERANCE) {
    throw new UserError(
      `${source}: key "market_data.sigma" (${md.sigma}) must be in quote currency per √second, but with mid_price ` +
        `${md.mid_price} it means ${impliedPct.toPrecision(3)} %/day while sigma_daily_pct says ${md.sigma_daily_pct}; ` +
        'fix the unit or re-run hlmm calibrate.',
    );
  }
  const fileLot = fileOrderSize(raw, source);
  let gamma = raw.optimal_parameters.gamma;
  const notes: string[] = [];
  const lot = opts.orderSizeBase;
  if (lot !== undefined) {
    if (!(Number.isFinite(lot) && lot > 0)) {
      throw new UserError(
        `order size ${lot} is not a number of base units greater than 0; fix --order-size.`,
      );
    }
    if (fileLot === null) {
      notes.push(
        `${source} does not say which lot gamma was calibrated for (quotes.order_size_base); gamma ${gamma} is used as is for a lot of ${lot}.`,
      );
    } else if (Math.abs(lot / fileLot - 1) > SAME_LOT_TOLERANCE) {
      const scaled = gammaForLot(gamma, fileLot, lot);
      notes.push(
        `gamma rescaled from ${gamma} per lot of ${fileLot} to ${Number(scaled.toPrecision(6))} per lot of ${lot} (same risk per base unit); re-run hlmm calibrate with this order size to re-optimise it.`,
      );
      gamma = scaled;
    }
  }
  const gammaIdentified = raw.optimal_parameters.gamma_identified !== false;
  const gammaNote = gammaIdentified ? null : (raw.optimal_parameters.gamma_note ?? 'no reason given');
  let gammaSource: LoadedParams['gammaSource'] = gammaIdentified ? 'calibrated' : 'file-fallback';
  if (!gammaIdentified) {
    const fb = opts.fallbackGamma;
    if (fb !== undefined) {
      if (!(Number.isFinite(fb) && fb > 0))
        throw new UserError(
          `fallback gamma ${fb} is not a number greater than 0; fix the configured fallback γ.`,
        );
      gamma = fb;
      gammaSource = 'configured-fallback';
    }
    notes.push(
      `${source}: gamma is NOT identified by the calibration data (${gammaNote}); trading the fallback gamma ${Number(gamma.toPrecision(6))} (${gammaSource === 'configured-fallback' ? 'configured' : "the file's fallback"}).`,
    );
  }
  return {
    ticker: raw.ticker,
    gammaIdentified,
    gammaNote,
    gammaSource,
    params: { sigma: md.sigma, A: md.A, k: md.k, gamma },
    midPrice: md.mid_price,
    raw,
    fileOrderSizeBase: fileLot,
    notes,
  };
}

/** quotes.order_size_base when present and valid; a present but invalid value is a UserError naming the key. */
function fileOrderSize(raw: ParamsFile, source: string): number | null {
  const quotes = (raw as Record<string, unknown>).quotes;
  if (quotes === undefined || quotes === null || typeof quotes !== 'object') return null;
  const lot = (quotes as Record<string, unknown>).order_size_base;
  if (lot === undefined) return null;
  if (typeof lot !== 'number' || !Number.isFinite(lot) || lot <= 0) {
    throw new UserError(
      `${source}: key "quotes.order_size_base" is invalid (got ${JSON.stringify(lot)}; expected base units greater than 0); re-run hlmm calibrate or fix the file.`,
    );
  }
  return lot;
}

/**
 * Reads and validates a parameters file. Unreadable file, bad JSON or a bad key → UserError. Pass
 * `{ orderSizeBase }` (the lot you will trade) to get γ for that lot; the one-argument call returns the file's γ.
 */
export function loadParamsFile(path: string, opts: ParamsLoadOptions = {}): LoadedParams {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT'
        ? `${path}: parameters file not found; run hlmm calibrate first or pass the right --params path.`
        : `${path}: cannot read the parameters file (${code ?? String(err)}).`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${path}: not valid JSON (${(err as Error).message}); re-run hlmm calibrate.`);
  }
  return paramsFromObject(value, path, opts);
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let cur = value;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

function describeExpectation(path: readonly PropertyKey[]): string {
  const last = String(path[path.length - 1] ?? '');
  if (['mid_price', 'sigma', 'sigma_daily_pct', 'A', 'k', 'gamma'].includes(last))
    return 'expected a finite number greater than 0';
  if (last === 'days') return 'expected an array of per-day objects with a "date"';
  if (last === 'ticker') return 'expected a non-empty symbol name';
  return 'expected the layout written by hlmm calibrate';
}
