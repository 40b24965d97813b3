/**
 * Arrival intensity of aggressive orders by depth, λ(δ) = A·e^(−kδ) (per second, per side; δ in quote units),
 * and its fit.
 *
 * Empirical curve: on a grid δ_j = j·h (j = 1..J, h = one tick, coarsened to a multiple of the tick only when the
 * grid would exceed MAX_GRID_POINTS), λ(δ_j) = (aggressive orders of both sides whose depth ≥ δ_j) / (2 · observed
 * seconds). The grid stops where the data thins out: at the deepest δ_J still reached by `minOrders` orders.
 *
 * Fit: Poisson maximum likelihood on the binned counts. Each order falls in exactly one bin [δ_j, δ_j+1) (the last
 * bin is [δ_J, ∞)); under λ(δ) = A·e^(−kδ) the bin counts are independent Poisson variables with means
 * 2T·A·(e^(−kδ_j) − e^(−kδ_j+1)). With a uniform grid the maximum has a closed form (a truncated geometric law):
 * r = e^(−kh) = S / (S + M), S = Σ_j (j−1)·n_j, M = orders in the bins before the last.
 *
 * Anchor of A (market assumption: prints sit on price levels, and with a one-tick book the mid is half a tick off
 * the grid, so observed depths are (j+½)·tick, not j·tick). The count N(≥δ_j) is the number of orders reaching the
 * smallest depth actually observed at or beyond δ_j, d_j: a quote at d_j fills at exactly that rate. So each point
 * is placed at d_j (its `depth`; the grid value is `gridDepth`) and A = N(≥δ_1)·e^(k·d_1)/(2T). Anchoring at δ_1
 * instead biased A low by e^(−k·tick/2) (0.89 at k = 0.24/USDC on BTC). k is unaffected: it comes from the bin
 * differences, which are spaced h apart either way.
 * Least squares on log λ was rejected: the cumulative counts N(≥δ_j) share their orders (every order is counted
 * at all grid points below its depth), so they are strongly correlated and the thin tail gets as much say as the
 * dense head; the likelihood counts each order once and weights it by what it carries.
 */

export const MAX_GRID_POINTS = 100;
export const DEFAULT_MIN_ORDERS = 10;

export interface IntensityPoint {
  /** Smallest observed depth at or beyond the grid point: where the empirical count is attained, quote units. */
  depth: number;
  /** The grid point δ_j = j·h, quote units. */
  gridDepth: number;
  /** Aggressive orders per second per side reaching at least this depth. */
  lambda: number;
  /** Orders (both sides) reaching at least this depth. */
  orders: number;
}

export interface IntensityFit {
  /** Aggressive orders per second per side at depth 0 (the curve's intercept). */
  A: number;
  /** Decay per quote unit. */
  k: number;
  /** R² of log λ (fitted vs empirical) over the grid points: 1 = the exponential shape fits exactly. */
  r2: number;
  points: IntensityPoint[];
  /** Grid step, quote units. */
  stepQuote: number;
}

export type IntensityFitResult = { ok: true; fit: IntensityFit } | { ok: false; reason: string };

/**
 * Fits A and k from the depths of one day's aggressive orders (both sides together; `observedS` is the time the
 * market was recorded, seconds; `tick` the price tick).
 */
export function fitIntensity(
  depths: ArrayLike<number>,
  observedS: number,
  tick: number,
  minOrders = DEFAULT_MIN_ORDERS,
): IntensityFitResult {
  if (!(observedS > 0)) return { ok: false, reason: 'no observed time' };
  const sorted = Float64Array.from(depths).sort();
  const n = sorted.length;
  if (n < minOrders) return { ok: false, reason: `only ${n} aggressive orders (need at least ${minOrders})` };
  // Depth reached by minOrders orders: the grid stops there.
  const thinDepth = sorted[n - minOrders] as number;
  let step = tick;
  let gridPoints = Math.floor(thinDepth / step + 1e-9);
  if (gridPoints > MAX_GRID_POINTS) {
    step = tick * Math.ceil(gridPoints / MAX_GRID_POINTS);
    gridPoints = Math.floor(thinDepth / step + 1e-9);
  }
  if (gridPoints < 3) {
    return {
      ok: false,
      reason: `fewer than ${minOrders} aggressive orders reach ${3 * step} from the mid (3 grid points of ${step} are needed)`,
    };
  }
  // Bin counts: bin j (1-based) = [j·h, (j+1)·h), last bin open-ended; depths below h are in no bin.
  const bins = new Float64Array(gridPoints + 1);
  for (let i = 0; i < n; i++) {
    const j = Math.floor((sorted[i] as number) / step + 1e-9);
    if (j < 1) continue;
    bins[Math.min(j, gridPoints)]++;
  }
  const points: IntensityPoint[] = [];
  let cumulative = 0;
  const cum = new Float64Array(gridPoints + 2);
  for (let j = gridPoints; j >= 1; j--) {
    cumulative += bins[j] as number;
    cum[j] = cumulative;
  }
  // d_j: the smallest depth ≥ δ_j (sorted ascending, so one forward sweep).
  const observedDepth = new Float64Array(gridPoints + 1);
  for (let j = 1, i = 0; j <= gridPoints; j++) {
    const grid = j * step;
    while (i < n && (sorted[i] as number) < grid - 1e-9 * step) i++;
    observedDepth[j] = i < n ? (sorted[i] as number) : grid;
  }
  for (let j = 1; j <= gridPoints; j++) {
    const orders = cum[j] as number;
    points.push({
      depth: observedDepth[j] as number,
      gridDepth: j * step,
      lambda: orders / (2 * observedS),
      orders,
    });
  }
  let S = 0;
  for (let j = 1; j <= gridPoints; j++) S += (j - 1) * (bins[j] as number);
  const M = (cum[1] as number) - (bins[gridPoints] as number);
  if (S === 0)
    return {
      ok: false,
      reason: 'every order beyond one tick stops in the first grid step (k too large to measure)',
    };
  if (M === 0)
    return { ok: false, reason: 'no order stops before the end of the grid (k cannot be measured)' };
  const r = S / (S + M);
  const k = -Math.log(r) / step;
  const A = ((cum[1] as number) * Math.exp(k * (observedDepth[1] as number))) / (2 * observedS);
  return { ok: true, fit: { A, k, r2: logR2(points, A, k), points, stepQuote: step } };
}

/** R² of ln λ: 1 − Σ(ln λ_j − ln λ̂_j)² / Σ(ln λ_j − mean ln λ)². */
export function logR2(points: readonly IntensityPoint[], A: number, k: number): number {
  const ys = points.map((p) => Math.log(p.lambda));
  const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
  let ssRes = 0;
  let ssTot = 0;
  points.forEach((p, i) => {
    const y = ys[i] as number;
    const yHat = Math.log(A) - k * p.depth;
    ssRes += (y - yHat) ** 2;
    ssTot += (y - mean) ** 2;
  });
  return ssTot === 0 ? Number.NaN : 1 - ssRes / ssTot;
}

/** λ(δ) = A·e^(−kδ). */
export function intensityAt(A: number, k: number, depthQuote: number): number {
  return A * Math.exp(-k * depthQuote);
}
