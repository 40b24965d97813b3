/**
 * What one traded contract allows: its price grid, lot grid, minimum order value and leverage. The venue supplies
 * it (live: from the exchange's metadata; backtest and paper: from a known table or the files), and the strategy
 * and the risk layer round with it, so neither ever asks an exchange for its rules.
 *
 * Every rounding takes a direction so that the caller decides which way is safe: a bid rounds down and an ask
 * rounds up (away from the mid), so rounding never makes a quote more aggressive than the model asked.
 *
 * The price grid is decimal: at most `maxPriceDecimals` decimals and, when `priceSignificantFigures` is set, at
 * most that many significant figures for a non-integer price (an integer price has no decimals, so it is always
 * on the grid). A venue with a fixed tick of 10^-n states maxPriceDecimals n and no significant-figure rule.
 */

export interface Instrument {
  /** The venue's name of the contract ("BTC", "kPEPE"). */
  coin: string;
  /** Size decimals: the lot is 10^-szDecimals base units (BTC 5 → 0.00001 BTC). */
  szDecimals: number;
  /** At most this many decimals in a price. */
  maxPriceDecimals: number;
  /** At most this many significant figures in a non-integer price; null = no such rule. */
  priceSignificantFigures: number | null;
  /** Smallest order value (price × size) the venue accepts, quote units. */
  minOrderValueQuote: number;
  /** Largest leverage the venue allows on the contract. */
  maxLeverage: number;
}

export type RoundDirection = 'down' | 'up' | 'nearest';

// 10^n and 10^−n for the decimals a grid can have, computed once with the same `10 ** n` as before (so the same
// doubles): a power with a variable exponent is a runtime call, and rounding runs twice per quote.
const POW10: readonly number[] = Array.from({ length: 23 }, (_, n) => 10 ** n);
const POW10_NEG: readonly number[] = Array.from({ length: 23 }, (_, n) => 10 ** -n);

function pow10(n: number): number {
  return n >= 0 && n < 23 && (n | 0) === n ? (POW10[n] as number) : 10 ** n;
}

/** Decimals a price of this magnitude may have on the instrument's grid (at least 0). */
export function priceDecimalsAt(inst: Instrument, px: number): number {
  const maxByDecimals = inst.maxPriceDecimals;
  const sigFigs = inst.priceSignificantFigures;
  if (sigFigs === null) return Math.max(0, maxByDecimals);
  // At least `sigFigs` integer digits leaves no decimals: decided without the logarithm when |px| is clearly
  // (0.1 %) above 10^(sigFigs−1), where log10's last-bit rounding cannot change the digit count (BTC's case).
  if (sigFigs >= 1 && sigFigs < 23 && Math.abs(px) >= (POW10[sigFigs - 1] as number) * 1.001) return 0;
  // Digits before the decimal point (≤ 0 for px < 1: 0.001234 → −2, which leaves 7 significant decimals).
  const intDigits = Math.floor(Math.log10(Math.abs(px))) + 1;
  const maxBySigFigs = sigFigs - intDigits;
  return Math.max(0, Math.min(maxByDecimals, maxBySigFigs));
}

/** The price grid step at a price, quote units. */
export function tickSizeAt(inst: Instrument, px: number): number {
  const d = priceDecimalsAt(inst, px);
  return d >= 0 && d < 23 && (d | 0) === d ? (POW10_NEG[d] as number) : 10 ** -d;
}

/** Smallest size step, base units: 10^−szDecimals (as 1 / 10^n, the correctly rounded double of the decimal). */
export function lotSizeBase(inst: Instrument): number {
  return 1 / 10 ** inst.szDecimals;
}

// Relative tolerance for "on the grid": absorbs binary floating-point noise (0.1 + 0.2 is ~1e-16 off, far below
// this) yet stays far below one grid unit at any realistic price (1e-12 × 1e6 = 1e-6 of a tick).
const GRID_EPSILON = 1e-12;

function roundToDecimals(value: number, decimals: number, direction: RoundDirection): number {
  // No decimals (BTC's prices): × 1 and ÷ 1 give the same doubles, so they are skipped.
  if (decimals === 0) return gridUnits(value, direction);
  const scale = pow10(decimals);
  // Dividing the integer count by an exact power of ten is correctly rounded, so this is the same double as
  // parsing the decimal text (no 3 × 0.1 noise), without a string round trip.
  return gridUnits(value * scale, direction) / scale;
}

/** The whole number of grid units for `scaled` (value × 10^decimals), rounded in `direction`. */
function gridUnits(scaled: number, direction: RoundDirection): number {
  const nearest = Math.round(scaled);
  if (Math.abs(scaled - nearest) <= GRID_EPSILON * Math.max(1, Math.abs(scaled))) return nearest;
  if (direction === 'down') return Math.floor(scaled);
  if (direction === 'up') return Math.ceil(scaled);
  return nearest;
}

/**
 * A valid price near `px`: 'down' gives the largest valid price ≤ px, 'up' the smallest ≥ px. Returns NaN for a
 * non-finite or non-positive input (callers treat that as "do not quote").
 */
export function roundPrice(inst: Instrument, px: number, direction: RoundDirection): number {
  if (!Number.isFinite(px) || px <= 0) return Number.NaN;
  let rounded = roundToDecimals(px, priceDecimalsAt(inst, px), direction);
  // Rounding up can cross a power of ten (99999.5 → 100000): the result is then integer, valid by rule.
  // Rounding down can cross one downwards (10000.0 from 10000.04): the finer grid below still contains it.
  if (rounded <= 0) rounded = direction === 'down' ? Number.NaN : tickSizeAt(inst, px);
  return rounded;
}

/** Is `px` on the instrument's price grid? */
export function isValidPrice(inst: Instrument, px: number): boolean {
  if (!Number.isFinite(px) || px <= 0) return false;
  if (Number.isInteger(px)) return true;
  const decimals = priceDecimalsAt(inst, px);
  const scaled = px * 10 ** decimals;
  return Math.abs(scaled - Math.round(scaled)) <= GRID_EPSILON * Math.max(1, Math.abs(scaled));
}

function isSamePrice(a: number, b: number): boolean {
  return Math.abs(a - b) <= GRID_EPSILON * Math.max(1, Math.abs(b));
}

/** The largest valid price strictly below `px` (one tick under it when px is on the grid). */
export function priceBelow(inst: Instrument, px: number): number {
  const down = roundPrice(inst, px, 'down');
  if (down < px && !isSamePrice(down, px)) return down;
  const tick = tickSizeAt(inst, px);
  // Just under a power of ten a significant-figure grid is finer (10000 → 9999.9 for BTC, not 9999).
  const finer = tickSizeAt(inst, px - tick);
  return roundPrice(inst, px - Math.min(tick, finer), 'down');
}

/** The smallest valid price strictly above `px`. */
export function priceAbove(inst: Instrument, px: number): number {
  const up = roundPrice(inst, px, 'up');
  if (up > px && !isSamePrice(up, px)) return up;
  return roundPrice(inst, px + tickSizeAt(inst, px), 'up');
}

/** A size on the lot grid; venues truncate, so 'down' is the default. NaN for non-finite or negative input. */
export function roundSize(inst: Instrument, sz: number, direction: RoundDirection = 'down'): number {
  if (!Number.isFinite(sz) || sz < 0) return Number.NaN;
  return roundToDecimals(sz, inst.szDecimals, direction);
}

/** Is `sz` a positive size on the lot grid? */
export function isValidSize(inst: Instrument, sz: number): boolean {
  if (!Number.isFinite(sz) || sz <= 0) return false;
  const scaled = sz * 10 ** inst.szDecimals;
  return Math.abs(scaled - Math.round(scaled)) <= GRID_EPSILON * Math.max(1, scaled);
}

/** Does px × sz reach `minQuote` (default: the instrument's minimum order value)? */
export function meetsMinOrderValue(
  inst: Instrument,
  px: number,
  sz: number,
  minQuote = inst.minOrderValueQuote,
): boolean {
  // A hair of tolerance so that an exactly-at-the-minimum order computed in floating point is not refused.
  return px * sz >= minQuote * (1 - 1e-12);
}

/** The smallest lot-grid size worth at least `notionalQuote` at `px` (rounds up). */
export function sizeForNotional(inst: Instrument, notionalQuote: number, px: number): number {
  return roundSize(inst, notionalQuote / px, 'up');
}
