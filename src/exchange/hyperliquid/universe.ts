/**
 * Hyperliquid's perpetuals universe: a real `meta` response (name, szDecimals, maxLeverage per coin), shipped in
 * source because runtime code never reads test fixtures. Used by the fake exchange (its `{"type":"meta"}` answer),
 * the backtester and calibration (lot size and price tick), and the trading bot.
 * Market assumption: `szDecimals` fixes the lot size (10^-szDecimals) and the price rule (≤ 5 significant figures
 * and ≤ 6 − szDecimals decimals); the table is a snapshot, so a coin listed after it is unknown here (null).
 */
import type { Instrument } from '../../core/instrument.ts';
import { hyperliquidInstrument } from './rules.ts';

export interface PerpAssetMeta {
  name: string;
  szDecimals: number;
  maxLeverage: number;
}

export const HYPERLIQUID_PERP_UNIVERSE: readonly PerpAssetMeta[] = [
  { name: 'BTC', szDecimals: 5, maxLeverage: 50 },
  { name: 'ETH', szDecimals: 4, maxLeverage: 50 },
  { name: 'ATOM', szDecimals: 2, maxLeverage: 50 },
  { name: 'MATIC', szDecimals: 1, maxLeverage: 50 },
  { name: 'DYDX', szDecimals: 1, maxLeverage: 50 },
  { name: 'SOL', szDecimals: 2, maxLeverage: 50 },
  { name: 'AVAX', szDecimals: 2, maxLeverage: 50 },
  { name: 'BNB', szDecimals: 3, maxLeverage: 50 },
  { name: 'APE', szDecimals: 1, maxLeverage: 50 },
  { name: 'OP', szDecimals: 1, maxLeverage: 50 },
  { name: 'LTC', szDecimals: 2, maxLeverage: 50 },
  { name: 'ARB', szDecimals: 1, maxLeverage: 50 },
  { name: 'DOGE', szDecimals: 0, maxLeverage: 50 },
  { name: 'INJ', szDecimals: 1, maxLeverage: 50 },
  { name: 'SUI', szDecimals: 1, maxLeverage: 50 },
  { name: 'kPEPE', szDecimals: 0, maxLeverage: 50 },
  { name: 'CRV', szDecimals: 1, maxLeverage: 50 },
  { name: 'LDO', szDecimals: 1, maxLeverage: 50 },
  { name: 'LINK', szDecimals: 1, maxLeverage: 50 },
  { name: 'STX', szDecimals: 1, maxLeverage: 50 },
  { name: 'RNDR', szDecimals: 1, maxLeverage: 50 },
  { name: 'CFX', szDecimals: 0, maxLeverage: 50 },
  { name: 'FTM', szDecimals: 0, maxLeverage: 50 },
  { name: 'GMX', szDecimals: 2, maxLeverage: 50 },
  { name: 'SNX', szDecimals: 1, maxLeverage: 50 },
  { name: 'XRP', szDecimals: 0, maxLeverage: 50 },
  { name: 'BCH', szDecimals: 3, maxLeverage: 50 },
  { name: 'APT', szDecimals: 2, maxLeverage: 50 },
];

/**
 * szDecimals of a coin in the shipped universe (BTC 5, ETH 4, SOL 2…), or null when the coin is not listed.
 * Hyperliquid names are case-sensitive (kPEPE), so an exact match wins; otherwise a case-insensitive match is
 * accepted so a ticker typed as "btc" still resolves.
 */
export function szDecimalsOf(coin: string): number | null {
  const exact = HYPERLIQUID_PERP_UNIVERSE.find((a) => a.name === coin);
  if (exact !== undefined) return exact.szDecimals;
  const upper = coin.toUpperCase();
  const loose = HYPERLIQUID_PERP_UNIVERSE.find((a) => a.name.toUpperCase() === upper);
  return loose === undefined ? null : loose.szDecimals;
}

/**
 * The Instrument of a perp for a backtest or paper run without the exchange's `meta`: the shipped table, with
 * `szDecimals` (the --sz-decimals flag) overriding it. null when the coin is unknown and no szDecimals is given.
 * Market assumption: a coin not in the table gets max leverage 1 (the most cautious; only live reads the real one).
 */
export function knownPerpInstrument(coin: string, szDecimals?: number): Instrument | null {
  const upper = coin.toUpperCase();
  const known =
    HYPERLIQUID_PERP_UNIVERSE.find((a) => a.name === coin) ??
    HYPERLIQUID_PERP_UNIVERSE.find((a) => a.name.toUpperCase() === upper);
  if (szDecimals === undefined && known === undefined) return null;
  return hyperliquidInstrument({
    name: coin,
    szDecimals: szDecimals ?? (known as PerpAssetMeta).szDecimals,
    maxLeverage: known?.maxLeverage ?? 1,
  });
}
