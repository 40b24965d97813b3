/**
 * Kept so existing importers (the trading bot) still resolve; the table now lives with the other Hyperliquid
 * rules in src/exchange/hyperliquid/universe.ts. New code should import from there.
 */
export {
  HYPERLIQUID_PERP_UNIVERSE,
  type PerpAssetMeta,
  szDecimalsOf,
} from '../exchange/hyperliquid/universe.ts';
