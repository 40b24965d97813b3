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

import type { Instrument, RoundDirection } from '../../core/instrument.ts';
import * as inst from '../../core/instrument.ts';

export const PERP_MAX_DECIMALS = 6;
export const MAX_SIGNIFICANT_FIGURES = 5;
export const MIN_ORDER_VALUE_QUOTE = 10;

/** One perp's rules, as in the `meta` info response's `universe` entries. */
export interface AssetRules {
  name: string;
  szDecimals: number;
  maxLeverage: number;
}

export type { RoundDirection } from '../../core/instrument.ts';

/**
 * The Instrument (src/core/instrument.ts) of a Hyperliquid perp from its `meta` universe entry: the rules above,
 * stated as the neutral value the strategy and the risk layer round with.
 */
export function hyperliquidInstrument(asset: AssetRules): Instrument {
  return {
    coin: asset.name,
    szDecimals: asset.szDecimals,
    maxPriceDecimals: PERP_MAX_DECIMALS - asset.szDecimals,
    priceSignificantFigures: MAX_SIGNIFICANT_FIGURES,
    minOrderValueQuote: MIN_ORDER_VALUE_QUOTE,
    maxLeverage: asset.maxLeverage,
  };
}

/** Finds a perp in a `meta` response's universe (case-sensitive, as Hyperliquid names them, e.g. "kPEPE"). */
export function findAssetRules(universe: readonly AssetRules[], name: string): AssetRules | undefined {
  return universe.find((a) => a.name === name);
}

// The functions below take szDecimals (what the fake exchange and the wire code hold) and round on the same
// grid as the Instrument helpers, one cached grid per szDecimals.
const GRIDS: Instrument[] = [];
function gridOf(szDecimals: number): Instrument {
  let g = GRIDS[szDecimals];
  if (g === undefined) {
    g = hyperliquidInstrument({ name: '', szDecimals, maxLeverage: 1 });
    if (Number.isInteger(szDecimals) && szDecimals >= 0 && szDecimals < 32) GRIDS[szDecimals] = g;
  }
  return g;
}

/** Decimals a price of this magnitude may have: min(6 − szDecimals, 5 − digits before the point), at least 0. */
export function priceDecimalsAt(px: number, szDecimals: number): number {
  return inst.priceDecimalsAt(gridOf(szDecimals), px);
}

/** The price grid step at a price (quote units): BTC (szDecimals 5) at 100 000 → 1, at 50 000 → 1, at 9 000 → 0.1. */
export function tickSizeAt(px: number, szDecimals: number): number {
  return inst.tickSizeAt(gridOf(szDecimals), px);
}

/** Smallest size step (base units): 10^−szDecimals. */
export function lotSize(szDecimals: number): number {
  return 10 ** -szDecimals;
}

/**
 * A valid price near `px`: 'down' gives the largest valid price ≤ px, 'up' the smallest ≥ px. Returns NaN for a
 * non-finite or non-positive input (callers treat that as "do not quote").
 */
export function roundPrice(px: number, szDecimals: number, direction: RoundDirection): number {
  return inst.roundPrice(gridOf(szDecimals), px, direction);
}

/** Is `px` a price Hyperliquid accepts for a perp with this szDecimals? */
export function isValidPrice(px: number, szDecimals: number): boolean {
  return inst.isValidPrice(gridOf(szDecimals), px);
}

/** The largest valid price strictly below `px` (one tick under it when px is on the grid). */
export function priceBelow(px: number, szDecimals: number): number {
  return inst.priceBelow(gridOf(szDecimals), px);
}

/** The smallest valid price strictly above `px`. */
export function priceAbove(px: number, szDecimals: number): number {
  return inst.priceAbove(gridOf(szDecimals), px);
}

/** A size on the lot grid; Hyperliquid truncates, so 'down' is the default. NaN for non-finite input. */
export function roundSize(sz: number, szDecimals: number, direction: RoundDirection = 'down'): number {
  return inst.roundSize(gridOf(szDecimals), sz, direction);
}

export function isValidSize(sz: number, szDecimals: number): boolean {
  return inst.isValidSize(gridOf(szDecimals), sz);
}

/** Does px × sz reach the venue's minimum order value (10 USDC)? */
export function meetsMinOrderValue(px: number, sz: number, minQuote = MIN_ORDER_VALUE_QUOTE): boolean {
  return inst.meetsMinOrderValue(gridOf(0), px, sz, minQuote);
}

/** The smallest lot-grid size worth at least `notionalQuote` at `px` (rounds up). */
export function sizeForNotional(notionalQuote: number, px: number, szDecimals: number): number {
  return inst.sizeForNotional(gridOf(szDecimals), notionalQuote, px);
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
