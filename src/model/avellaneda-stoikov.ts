/**
 * Avellaneda & Stoikov (2008), "High-frequency trading in a limit order book", the closed-form approximations of
 * their §3 (first-order in q, exponential arrival intensity λ(δ) = A·e^(−kδ)).
 *
 * Units (see docs/models.md): prices in quote currency; σ in quote/√s; τ in seconds; k and γ in 1/quote;
 * q in lots (signed position ÷ order size). With those, every term below is in quote units.
 */

/** Indifference (reservation) price r = s − q·γ·σ²·τ, in quote units. */
export function reservationPrice(
  midQuote: number,
  qLots: number,
  gamma: number,
  sigma: number,
  tauS: number,
): number {
  return midQuote - inventorySkewAs(qLots, gamma, sigma, tauS);
}

/** The inventory term q·γ·σ²·τ (quote units): how far the reservation price sits below the mid when long. */
export function inventorySkewAs(qLots: number, gamma: number, sigma: number, tauS: number): number {
  return qLots * gamma * sigma * sigma * tauS;
}

/**
 * Total optimal spread (ask − bid) in quote units: γσ²τ + (2/γ)·ln(1 + γ/k).
 * log1p keeps the second term exact for small γ/k (its γ → 0 limit is 2/k).
 */
export function asTotalSpread(gamma: number, sigma: number, tauS: number, k: number): number {
  return gamma * sigma * sigma * tauS + arrivalTerm(gamma, k);
}

// (2/γ)·ln(1 + γ/k) of the last γ and k asked: the same pair on every quote of a run, so the logarithm runs once
// per pair (the same expression, so the same double; Object.is so that 0 and −0 stay apart).
let lastGamma = Number.NaN;
let lastK = Number.NaN;
let lastTerm = Number.NaN;

function arrivalTerm(gamma: number, k: number): number {
  if (!Object.is(gamma, lastGamma) || !Object.is(k, lastK)) {
    lastTerm = (2 / gamma) * Math.log1p(gamma / k);
    lastGamma = gamma;
    lastK = k;
  }
  return lastTerm;
}

export interface ModelQuotes {
  bid: number;
  ask: number;
  reservationPrice: number;
  /** Distance of each quote from the reservation price, quote units (half the total spread). */
  halfSpread: number;
}

/** Bid and ask around the reservation price: r ∓ spread/2. No fees, no rounding: the strategy adds those. */
export function asQuotes(
  midQuote: number,
  qLots: number,
  gamma: number,
  sigma: number,
  tauS: number,
  k: number,
): ModelQuotes {
  const r = reservationPrice(midQuote, qLots, gamma, sigma, tauS);
  const halfSpread = asTotalSpread(gamma, sigma, tauS, k) / 2;
  return { bid: r - halfSpread, ask: r + halfSpread, reservationPrice: r, halfSpread };
}
