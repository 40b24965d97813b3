/**
 * The one place where hlmm converts between volatility conventions. Everywhere else σ is in quote currency per
 * √second (USDC/√s), because the A–S and GLFT formulas mix σ² with prices in quote units: q·γ·σ²·τ is in USDC
 * only when σ is in USDC/√s, γ in 1/USDC and τ in seconds.
 *
 * The original Python system fed a relative daily volatility (a % of the price) into those formulas together
 * with dollar prices; its inventory skew came out around 1e-7 USDC, i.e. no inventory control at all. These
 * named helpers make the conversion explicit so that slip cannot hide in an expression.
 */

/** Seconds in one day: the daily figure scales σ by √86400 under the Brownian (arithmetic) mid assumption. */
export const SECONDS_PER_DAY = 86_400;

/** σ in quote/√s from a relative daily volatility in percent (e.g. 2 for 2 %/day) at a given mid price. */
export function sigmaFromDailyPct(dailyPct: number, midQuote: number): number {
  return ((dailyPct / 100) * midQuote) / Math.sqrt(SECONDS_PER_DAY);
}

/** Relative daily volatility in percent from σ in quote/√s at a given mid price. */
export function dailyPctFromSigma(sigmaQuotePerSqrtS: number, midQuote: number): number {
  return ((sigmaQuotePerSqrtS * Math.sqrt(SECONDS_PER_DAY)) / midQuote) * 100;
}

/** Price change standard deviation (quote units) expected over `seconds`, from σ in quote/√s. */
export function sigmaOverSeconds(sigmaQuotePerSqrtS: number, seconds: number): number {
  return sigmaQuotePerSqrtS * Math.sqrt(seconds);
}

/** Basis points of a price, in quote units: bpsToQuote(10, 100_000) = 100 USDC. */
export function bpsToQuote(bps: number, priceQuote: number): number {
  return (bps / 10_000) * priceQuote;
}
