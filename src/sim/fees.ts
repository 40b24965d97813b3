import type { Liquidity } from '../core/orders.ts';

/**
 * Fee model. ASSUMES fees are a fixed fraction of each fill's notional (price × size, quote currency), one
 * rate for resting (maker) fills and one for aggressing (taker) fills, charged in the quote currency on each
 * fill. Volume tiers, staking discounts and referral rebates are not modelled: pass the rates that apply to
 * you. A negative maker rate is a rebate.
 */
export interface FeeModel {
  feeQuote(notionalQuote: number, liquidity: Liquidity): number;
}

/** Hyperliquid perpetuals, base tier (0 to 5 M USDC 14-day volume): maker 0.015 %, taker 0.045 %. */
export const HYPERLIQUID_BASE_MAKER_FEE_RATE = 0.00015;
export const HYPERLIQUID_BASE_TAKER_FEE_RATE = 0.00045;

export class RateFeeModel implements FeeModel {
  constructor(
    readonly makerRate = HYPERLIQUID_BASE_MAKER_FEE_RATE,
    readonly takerRate = HYPERLIQUID_BASE_TAKER_FEE_RATE,
  ) {}

  feeQuote(notionalQuote: number, liquidity: Liquidity): number {
    return notionalQuote * (liquidity === 'maker' ? this.makerRate : this.takerRate);
  }
}
