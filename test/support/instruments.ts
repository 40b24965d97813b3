import type { Instrument } from '../../src/core/instrument.ts';
import { hyperliquidInstrument } from '../../src/exchange/hyperliquid/rules.ts';

/** A Hyperliquid perp's Instrument with these size decimals (BTC 5, ETH 4), as the venue would supply it. */
export function perpInstrument(szDecimals: number, coin = 'BTC'): Instrument {
  return hyperliquidInstrument({ name: coin, szDecimals, maxLeverage: 50 });
}

/** BTC on Hyperliquid: lot 0.00001, 5 significant figures, 10 USDC minimum order value. */
export const btcInstrument: Instrument = perpInstrument(5, 'BTC');
