/**
 * Which γ gives a target total spread? The calibrator scans γ between the values giving 0.01 % and 1 % of the
 * mid, so it needs the inverse of the spread formulas.
 *
 * A–S: S(γ) = γσ²τ + (2/γ)·ln(1+γ/k) is convex in γ with S(0⁺) = 2/k. When σ²τ ≥ 1/k² it only rises (targets
 * below 2/k have no γ); otherwise it first falls to a minimum, then rises, so a target between that minimum and
 * 2/k has two γ. We return the LARGER root: on that branch the spread widens with γ, so a γ grid between two
 * targets maps to spreads between them. With τ = 0 (end of the UTC day) S only falls, and the one root is returned.
 * GLFT: S(γ) = 2c1 + c2 is handled by the same numeric search (needs A; ξ = γ or 0).
 */
import { asTotalSpread } from './avellaneda-stoikov.ts';
import { type GlftXi, glftTotalSpread } from './glft.ts';

export type SpreadModelSpec = 'as' | { kind: 'glft'; A: number; xi?: GlftXi };

/** Total spread (quote units) of a model at γ. */
export function totalSpreadFor(
  gamma: number,
  sigma: number,
  tauS: number,
  k: number,
  model: SpreadModelSpec,
): number {
  if (model === 'as') return asTotalSpread(gamma, sigma, tauS, k);
  return glftTotalSpread(gamma, sigma, model.A, k, model.xi ?? 'gamma');
}

// The γ range searched, relative to k: γ/k from 1e-9 to 1e9 covers every spread a market maker would quote.
const LOG_GAMMA_MIN = -9;
const LOG_GAMMA_MAX = 9;
const SCAN_POINTS = 721; // 40 per decade: brackets roots of a convex curve reliably
const BISECTION_STEPS = 200;

function validInputs(
  target: number,
  sigma: number,
  tauS: number,
  k: number,
  model: SpreadModelSpec,
): boolean {
  const finitePositive = (x: number) => Number.isFinite(x) && x > 0;
  if (!finitePositive(target) || !finitePositive(k) || !Number.isFinite(sigma) || sigma < 0) return false;
  if (!Number.isFinite(tauS) || tauS < 0) return false;
  return model === 'as' || finitePositive(model.A);
}

/**
 * The γ (1/quote) whose total spread equals `targetSpreadQuote`, or null when no γ in (0, ∞) gives it
 * (or an input is not finite / not positive). Relative accuracy of the spread ≈ 1e-12.
 */
export function gammaForTotalSpread(
  targetSpreadQuote: number,
  sigma: number,
  tauS: number,
  k: number,
  model: SpreadModelSpec = 'as',
): number | null {
  if (!validInputs(targetSpreadQuote, sigma, tauS, k, model)) return null;
  const f = (gamma: number) => totalSpreadFor(gamma, sigma, tauS, k, model) - targetSpreadQuote;
  const gammaAt = (i: number) =>
    k * 10 ** (LOG_GAMMA_MIN + ((LOG_GAMMA_MAX - LOG_GAMMA_MIN) * i) / (SCAN_POINTS - 1));
  // Scan from the largest γ down and bisect the first sign change: that is the largest root.
  let hi = gammaAt(SCAN_POINTS - 1);
  let fHi = f(hi);
  for (let i = SCAN_POINTS - 2; i >= 0; i--) {
    const lo = gammaAt(i);
    const fLo = f(lo);
    if (fLo === 0) return lo;
    if (Number.isFinite(fLo) && Number.isFinite(fHi) && Math.sign(fLo) !== Math.sign(fHi)) {
      return bisect(f, lo, hi, fLo);
    }
    hi = lo;
    fHi = fLo;
  }
  return null;
}

function bisect(f: (x: number) => number, lo: number, hi: number, fLo: number): number {
  for (let step = 0; step < BISECTION_STEPS; step++) {
    const mid = Math.sqrt(lo * hi); // geometric: γ spans decades
    const fMid = f(mid);
    if (fMid === 0) return mid;
    if (Math.sign(fMid) === Math.sign(fLo)) {
      lo = mid;
      fLo = fMid;
    } else hi = mid;
    if (hi - lo <= 1e-15 * hi) break;
  }
  return Math.sqrt(lo * hi);
}

/**
 * The smallest total spread the model can give over γ in (0, ∞), and the γ giving it (quote units, 1/quote).
 * For A–S with σ²τ ≥ 1/k² it is the γ → 0 limit 2/k (gamma reported as 0); with τ = 0 the infimum is 0 at γ → ∞
 * (gamma reported as Infinity). The calibrator uses it to move an unreachable end of its γ grid.
 */
export function minimumTotalSpread(
  sigma: number,
  tauS: number,
  k: number,
  model: SpreadModelSpec = 'as',
): { spreadQuote: number; gamma: number } {
  if (model === 'as') {
    if (tauS === 0 || sigma === 0) return { spreadQuote: 0, gamma: Number.POSITIVE_INFINITY };
    if (sigma * sigma * tauS >= 1 / (k * k)) return { spreadQuote: 2 / k, gamma: 0 };
  }
  // Convex (A–S) or unimodal (GLFT) in log γ: golden-section search on log γ.
  const g = (logG: number) => totalSpreadFor(k * 10 ** logG, sigma, tauS, k, model);
  let a = LOG_GAMMA_MIN;
  let b = LOG_GAMMA_MAX;
  const phi = (Math.sqrt(5) - 1) / 2;
  let c = b - phi * (b - a);
  let d = a + phi * (b - a);
  for (let i = 0; i < 200; i++) {
    if (g(c) < g(d)) b = d;
    else a = c;
    c = b - phi * (b - a);
    d = a + phi * (b - a);
  }
  const logG = (a + b) / 2;
  const limitAtZero = model === 'as' ? 2 / k : totalSpreadFor(k * 10 ** LOG_GAMMA_MIN, sigma, tauS, k, model);
  const inner = g(logG);
  return inner < limitAtZero
    ? { spreadQuote: inner, gamma: k * 10 ** logG }
    : { spreadQuote: limitAtZero, gamma: 0 };
}
