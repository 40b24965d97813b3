/**
 * The perpetuals universe the fake exchange reports for `{"type":"meta"}`: a real Hyperliquid `meta` response
 * (name, szDecimals, maxLeverage per coin), shipped here because runtime code never reads test fixtures.
 * `szDecimals` is what order entry needs (lot size = 10^-szDecimals; prices ≤ 5 significant figures and
 * ≤ 6 − szDecimals decimals). Coins replayed from files but missing here are added with szDecimals 2.
 */
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
