/**
 * Hyperliquid perpetuals: what prices and sizes an order may carry (docs: "Tick and lot size"), and the minimum
 * order value. Every rounding takes a direction so that the caller decides which way is safe: a bid rounds down
 * and an ask rounds up (away from the mid), so rounding never makes a quote more aggressive than the model asked.
 *
 * Market assumptions, all here:
 * - a price has at most 5 significant figures AND at most 6 − szDecimals decimals (perps; spot would be 8);
 *   an integer price is always valid whatever its number of significant figures (123456 is valid);
 * - a size has at most szDecimals decimals;
 * - an order's value (px × sz) must be at least 10 USDC.
 */

export const PERP_MAX_DECIMALS = 6;
export const MAX_SIGNIFICANT_FIGURES = 5;
export const MIN_ORDER_VALUE_QUOTE = 10;

/** One perp's rules, as in the `meta` info response's `universe` entries. */
export interface AssetRules {
  name: string;
  szDecimals: number;
  maxLeverage: number;
}

export type RoundDirection = 'down' | 'up' | 'nearest';

/** Finds a perp in a `meta` response's universe (case-sensitive, as Hyperliquid names them, e.g. "kPEPE"). */
export function findAssetRules(universe: readonly AssetRules[], name: string): AssetRules | undefined {
  return universe.find((a) => a.name === name);
}

/** Decimals a price of this magnitude may have: min(6 − szDecimals, 5 − digits before the point), at least 0. */
export function priceDecimalsAt(px: number, szDecimals: number): number {
  const maxByDecimals = PERP_MAX_DECIMALS - szDecimals;
  // Digits before the decimal point (≤ 0 for px < 1: 0.001234 → −2, which leaves 7 significant decimals).
  const intDigits = Math.floor(Math.log10(Math.abs(px))) + 1;
  const maxBySigFigs = MAX_SIGNIFICANT_FIGURES - intDigits;
  return Math.max(0, Math.min(maxByDecimals, maxBySigFigs));
}

/** The price grid step at a price (quote units): BTC (szDecimals 5) at 100 000 → 1, at 50 000 → 1, at 9 000 → 0.1. */
export function tickSizeAt(px: number, szDecimals: number): number {
  return 10 ** -priceDecimalsAt(px, szDecimals);
}

/** Smallest size step (base units): 10^−szDecimals. */
export function lotSize(szDecimals: number): number {
  return 10 ** -szDecimals;
}

// Relative tolerance for "on the grid": absorbs binary floating-point noise (0.1 + 0.2 is ~1e-16 off, far below
// this) yet stays far below one grid unit at any realistic price (1e-12 × 1e6 = 1e-6 of a tick).
const GRID_EPSILON = 1e-12;

function roundToDecimals(value: number, decimals: number, direction: RoundDirection): number {
  const scale = 10 ** decimals;
  const scaled = value * scale;
  const nearest = Math.round(scaled);
  let units: number;
  if (Math.abs(scaled - nearest) <= GRID_EPSILON * Math.max(1, Math.abs(scaled))) units = nearest;
  else if (direction === 'down') units = Math.floor(scaled);
  else if (direction === 'up') units = Math.ceil(scaled);
  else units = nearest;
  // Dividing the integer count by an exact power of ten is correctly rounded, so this is the same double as
  // parsing the decimal text (no 3 × 0.1 noise), without a string round trip.
  return units / scale;
}

/**
 * A valid price near `px`: 'down' gives the largest valid price ≤ px, 'up' the smallest ≥ px. Returns NaN for a
 * non-finite or non-positive input (callers treat that as "do not quote").
 */
export function roundPrice(px: number, szDecimals: number, direction: RoundDirection): number {
  if (!Number.isFinite(px) || px <= 0) return Number.NaN;
  let rounded = roundToDecimals(px, priceDecimalsAt(px, szDecimals), direction);
  // Rounding up can cross a power of ten (99999.5 → 100000): the result is then integer, valid by rule.
  // Rounding down can cross one downwards (10000.0 from 10000.04): the finer grid below still contains it.
  if (rounded <= 0) rounded = direction === 'down' ? Number.NaN : tickSizeAt(px, szDecimals);
  return rounded;
}

/** Is `px` a price Hyperliquid accepts for a perp with this szDecimals? */
export function isValidPrice(px: number, szDecimals: number): boolean {
  if (!Number.isFinite(px) || px <= 0) return false;
  if (Number.isInteger(px)) return true;
  const decimals = priceDecimalsAt(px, szDecimals);
  const scaled = px * 10 ** decimals;
  return Math.abs(scaled - Math.round(scaled)) <= GRID_EPSILON * Math.max(1, Math.abs(scaled));
}

/** The largest valid price strictly below `px` (one tick under it when px is on the grid). */
export function priceBelow(px: number, szDecimals: number): number {
  const down = roundPrice(px, szDecimals, 'down');
  if (down < px && !isSamePrice(down, px)) return down;
  const tick = tickSizeAt(px, szDecimals);
  // Just under a power of ten the grid is finer (10000 → 9999.9 for BTC, not 9999).
  const finer = tickSizeAt(px - tick, szDecimals);
  return roundPrice(px - Math.min(tick, finer), szDecimals, 'down');
}

/** The smallest valid price strictly above `px`. */
export function priceAbove(px: number, szDecimals: number): number {
  const up = roundPrice(px, szDecimals, 'up');
  if (up > px && !isSamePrice(up, px)) return up;
  return roundPrice(px + tickSizeAt(px, szDecimals), szDecimals, 'up');
}

function isSamePrice(a: number, b: number): boolean {
  return Math.abs(a - b) <= GRID_EPSILON * Math.max(1, Math.abs(b));
}

/** A size on the lot grid; Hyperliquid truncates, so 'down' is the default. NaN for non-finite input. */
export function roundSize(sz: number, szDecimals: number, direction: RoundDirection = 'down'): number {
  if (!Number.isFinite(sz) || sz < 0) return Number.NaN;
  return roundToDecimals(sz, szDecimals, direction);
}

export function isValidSize(sz: number, szDecimals: number): boolean {
  if (!Number.isFinite(sz) || sz <= 0) return false;
  const scaled = sz * 10 ** szDecimals;
  return Math.abs(scaled - Math.round(scaled)) <= GRID_EPSILON * Math.max(1, scaled);
}

/** Does px × sz reach the venue's minimum order value (10 USDC)? */
export function meetsMinOrderValue(px: number, sz: number, minQuote = MIN_ORDER_VALUE_QUOTE): boolean {
  // A hair of tolerance so that an exactly-10 USDC order computed in floating point is not refused.
  return px * sz >= minQuote * (1 - 1e-12);
}

/** The smallest lot-grid size worth at least `notionalQuote` at `px` (rounds up). */
export function sizeForNotional(notionalQuote: number, px: number, szDecimals: number): number {
  return roundSize(notionalQuote / px, szDecimals, 'up');
}

/** Wire text of a price or size: no exponent, no trailing zeros ("100000", "0.00123"), as signing requires. */
export function toWireNumber(value: number, decimals: number): string {
  const text = value.toFixed(decimals);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** Wire text of a price for a perp with this szDecimals (after rounding it yourself, in the safe direction). */
export function formatPrice(px: number, szDecimals: number): string {
  return toWireNumber(px, priceDecimalsAt(px, szDecimals));
}

/** Wire text of a size for a perp with this szDecimals. */
export function formatSize(sz: number, szDecimals: number): string {
  return toWireNumber(sz, szDecimals);
}
