/**
 * The price tick used for the depth grid of λ(δ): `--tick-size` if given; else Hyperliquid's rule for the
 * symbol when its szDecimals is known (prices ≤ 5 significant figures and ≤ 6 − szDecimals decimals, from the
 * exchange rules module, at the data's mid); else inferred from the prices in the data.
 */
import { tickSizeAt } from '../exchange/hyperliquid/rules.ts';
import { szDecimalsOf } from '../exchange/hyperliquid/universe.ts';

export type TickSource = 'flag' | 'hyperliquid-rule' | 'inferred';

export interface TickSize {
  tick: number;
  source: TickSource;
}

/** szDecimals of a Hyperliquid perp from the shipped `meta` universe (BTC 5, ETH 4, SOL 2…), or null. */
export function knownSzDecimals(symbol: string): number | null {
  return szDecimalsOf(symbol);
}

/**
 * Price grid step seen in the data: the largest power-of-ten step (times 1, 2 or 5) that every price is a whole
 * multiple of. `prices` is a sample (a few thousand is plenty). NaN when there are no prices.
 */
export function inferTickFromPrices(prices: ArrayLike<number>): number {
  const finite: number[] = [];
  for (let i = 0; i < prices.length; i++) {
    const p = prices[i] as number;
    if (Number.isFinite(p) && p > 0) finite.push(p);
  }
  if (finite.length === 0) return Number.NaN;
  const onGrid = (step: number) =>
    finite.every((p) => {
      const units = p / step;
      return Math.abs(units - Math.round(units)) <= 1e-6;
    });
  const maxExp = Math.floor(Math.log10(Math.max(...finite)));
  for (let e = maxExp; e >= -12; e--) {
    for (const m of [5, 2, 1]) {
      const step = Number((m * 10 ** e).toPrecision(12));
      if (onGrid(step)) return step;
    }
  }
  return Number.NaN;
}

/** Resolves the tick: flag, else Hyperliquid's rule at `midQuote`, else inferred from `samplePrices`. */
export function resolveTickSize(
  symbol: string,
  flagTick: number | undefined,
  midQuote: number,
  samplePrices: ArrayLike<number>,
): TickSize {
  if (flagTick !== undefined) return { tick: flagTick, source: 'flag' };
  const szDecimals = knownSzDecimals(symbol);
  if (szDecimals !== null && Number.isFinite(midQuote) && midQuote > 0) {
    return { tick: tickSizeAt(midQuote, szDecimals), source: 'hyperliquid-rule' };
  }
  return { tick: inferTickFromPrices(samplePrices), source: 'inferred' };
}
