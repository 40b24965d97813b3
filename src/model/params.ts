/**
 * The four Avellaneda–Stoikov parameters, in the units used everywhere in hlmm (see docs/units.md):
 * - sigma: volatility of the mid, quote currency per √second (USDC/√s). BTC ≈ 100k: σ ≈ 3.
 * - A: aggressive orders per second per side reaching the mid (λ(δ) = A·e^(−kδ), δ in quote units).
 * - k: decay of the arrival rate with depth, per quote unit (1/USDC).
 * - gamma: risk aversion, per quote unit (1/USDC) — q·γ·σ²·τ is in USDC when q is in lots.
 */
export interface ModelParams {
  sigma: number;
  A: number;
  k: number;
  gamma: number;
}
