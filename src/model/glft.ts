/**
 * Guéant, Lehalle & Fernandez-Tapia (2013) closed-form approximation of the optimal quotes for the
 * infinite-horizon market-making problem (as written in Guéant 2017, "Optimal market making", with lot Δ = 1):
 *
 *   δ_bid(q) ≈ c1 + (2q + 1)/2 · c2        δ_ask(q) ≈ c1 − (2q − 1)/2 · c2
 *   c1 = (1/ξ)·ln(1 + ξ/k)                   c2 = √( γσ²/(2Ak) · (1 + ξ/k)^(1 + k/ξ) )
 *
 * so the half spread is c1 + c2/2 and the quotes are centred on s − q·c2 (the skew). ξ = γ is the original GLFT
 * (exponential utility); ξ = 0 is the mean-variance variant, whose limits are c1 = 1/k and (1 + ξ/k)^(1+k/ξ) = e.
 * No terminal time: suited to a market that trades 24/7. Units as everywhere: σ quote/√s, A 1/s, k and γ
 * 1/quote, q in lots; c1, c2 come out in quote units.
 */

export type GlftXi = 'gamma' | 'zero';

function xiValue(gamma: number, xi: GlftXi): number {
  return xi === 'gamma' ? gamma : 0;
}

/** c1 = (1/ξ)·ln(1 + ξ/k), with its ξ → 0 limit 1/k. */
export function glftC1(gamma: number, k: number, xi: GlftXi = 'gamma'): number {
  const x = xiValue(gamma, xi);
  return x === 0 ? 1 / k : Math.log1p(x / k) / x;
}

/** c2 = √( γσ²/(2Ak) · (1 + ξ/k)^(1 + k/ξ) ), with (1 + ξ/k)^(1 + k/ξ) → e when ξ → 0. */
export function glftC2(gamma: number, sigma: number, A: number, k: number, xi: GlftXi = 'gamma'): number {
  const x = xiValue(gamma, xi);
  const growth = x === 0 ? Math.E : Math.exp((1 + k / x) * Math.log1p(x / k));
  return Math.sqrt(((gamma * sigma * sigma) / (2 * A * k)) * growth);
}

/** Half of the optimal total spread (quote units): c1 + c2/2. Independent of q in this approximation. */
export function glftHalfSpread(
  gamma: number,
  sigma: number,
  A: number,
  k: number,
  xi: GlftXi = 'gamma',
): number {
  return glftC1(gamma, k, xi) + glftC2(gamma, sigma, A, k, xi) / 2;
}

/** Inventory skew (quote units): q·c2. The quotes are centred on mid − skew. */
export function glftSkew(
  qLots: number,
  gamma: number,
  sigma: number,
  A: number,
  k: number,
  xi: GlftXi = 'gamma',
): number {
  return qLots * glftC2(gamma, sigma, A, k, xi);
}

/** Total spread (quote units): 2·c1 + c2. */
export function glftTotalSpread(
  gamma: number,
  sigma: number,
  A: number,
  k: number,
  xi: GlftXi = 'gamma',
): number {
  return 2 * glftHalfSpread(gamma, sigma, A, k, xi);
}

/** GLFT bid/ask; `reservationPrice` is the centre mid − q·c2 (same shape as the A–S `asQuotes`). */
export function glftQuotes(
  midQuote: number,
  qLots: number,
  gamma: number,
  sigma: number,
  A: number,
  k: number,
  xi: GlftXi = 'gamma',
): { bid: number; ask: number; reservationPrice: number; halfSpread: number } {
  const reservationPrice = midQuote - glftSkew(qLots, gamma, sigma, A, k, xi);
  const halfSpread = glftHalfSpread(gamma, sigma, A, k, xi);
  return {
    bid: reservationPrice - halfSpread,
    ask: reservationPrice + halfSpread,
    reservationPrice,
    halfSpread,
  };
}
