/**
 * Reads the parameters file written by `hlmm calibrate` (issue 4 "Output") and turns it into ModelParams.
 * Every value the bot trades with is checked: a missing, non-numeric, non-finite or non-positive value is a
 * UserError naming the file and the key. σ is cross-checked against its daily-% twin so that a file with σ in
 * the wrong unit (the original system's slip) is refused instead of traded.
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
  optimal_parameters: z.looseObject({ gamma: positive }),
  days: z.array(z.looseObject({ date: z.string() })),
});

export type ParamsFile = z.infer<typeof paramsFileSchema>;

export interface LoadedParams {
  ticker: string;
  params: ModelParams;
  midPrice: number;
  raw: ParamsFile;
}

// σ (quote/√s) and sigma_daily_pct may be computed at slightly different mids (per-day vs last), so only a gross
// disagreement — a unit slip is off by orders of magnitude — is refused.
const SIGMA_CONSISTENCY_TOLERANCE = 0.25;

/** Validates an already-parsed calibration object; `source` names the file in error messages. */
export function paramsFromObject(value: unknown, source: string): LoadedParams {
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
  return {
    ticker: raw.ticker,
    params: { sigma: md.sigma, A: md.A, k: md.k, gamma: raw.optimal_parameters.gamma },
    midPrice: md.mid_price,
    raw,
  };
}

/** Reads and validates a parameters file. Unreadable file, bad JSON or a bad key → UserError. */
export function loadParamsFile(path: string): LoadedParams {
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
  return paramsFromObject(value, path);
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
