/**
 * Choosing γ by backtest: for one day, γ is scanned on a log-spaced grid between the values that give a total
 * spread of 0.01 % and 1 % of the mid (with the previous day's σ, A, k), then refined by a golden-section search
 * in log γ around the best grid point. Each γ is scored by `scoreEquity` on the backtest of that day.
 *
 * Why a coarse grid plus golden section rather than a fine grid: each point is a full-day backtest (the
 * expensive part of calibration, ~0.6 s for a full-density day); the score is smooth enough in log γ that 7 grid
 * points (about half a decade apart) locate the peak, and 3 golden-section steps shrink the two-step bracket
 * around it to a quarter: 10 backtests a day instead of the ~40 a grid of that resolution would need.
 */
import {
  gammaForTotalSpread,
  minimumTotalSpread,
  type SpreadModelSpec,
  totalSpreadFor,
} from '../model/spread-target.ts';

export const LOW_SPREAD_FRACTION = 0.0001; // 0.01 % of the mid
export const HIGH_SPREAD_FRACTION = 0.01; // 1 % of the mid

export interface GammaRange {
  gammaLow: number;
  gammaHigh: number;
  /** Total spreads at the two ends, quote units. */
  spreadLowQuote: number;
  spreadHighQuote: number;
  /** Why an end was moved (no γ gives the requested spread), or empty. */
  notes: string[];
}

/**
 * The γ range for a day: γ giving a total spread of 0.01 % and 1 % of `midQuote` under the model at horizon
 * τ = `tauS`. An end with no solution moves to the nearest spread that has one (and says so); null when no
 * usable range exists.
 */
export function gammaRange(
  midQuote: number,
  sigma: number,
  tauS: number,
  k: number,
  model: SpreadModelSpec,
): GammaRange | null {
  const notes: string[] = [];
  const lowTarget = LOW_SPREAD_FRACTION * midQuote;
  const highTarget = HIGH_SPREAD_FRACTION * midQuote;
  const pct = (s: number) => `${((100 * s) / midQuote).toPrecision(3)} %`;
  let gammaLow = gammaForTotalSpread(lowTarget, sigma, tauS, k, model);
  let spreadLow = lowTarget;
  if (gammaLow === null) {
    const floor = minimumTotalSpread(sigma, tauS, k, model);
    if (floor.gamma > 0 && Number.isFinite(floor.gamma)) {
      gammaLow = floor.gamma;
      spreadLow = floor.spreadQuote;
    } else {
      // The floor is the γ → 0 limit (2/k for A–S): take the γ giving a spread 1 % above it.
      spreadLow = floor.spreadQuote * 1.01;
      gammaLow = gammaForTotalSpread(spreadLow, sigma, tauS, k, model);
    }
    notes.push(
      `no γ gives a total spread of 0.01 % of the mid (${lowTarget.toPrecision(4)}); the low end moved to the narrowest reachable spread ${spreadLow.toPrecision(4)} (${pct(spreadLow)})`,
    );
  }
  let gammaHigh = gammaForTotalSpread(highTarget, sigma, tauS, k, model);
  let spreadHigh = highTarget;
  if (gammaHigh === null || (gammaLow !== null && gammaHigh <= gammaLow)) {
    // Unreachable (e.g. τ = 0) or the whole band lies below the floor: widen to 100× the low end's γ.
    gammaHigh = gammaLow === null ? null : gammaLow * 100;
    spreadHigh = gammaHigh === null ? Number.NaN : totalSpreadFor(gammaHigh, sigma, tauS, k, model);
    notes.push(
      `no γ above the low end gives a total spread of 1 % of the mid (${highTarget.toPrecision(4)}); the high end moved to γ = 100 × the low end (spread ${spreadHigh.toPrecision(4)})`,
    );
  }
  if (gammaLow === null || gammaHigh === null || !(gammaLow > 0) || !(gammaHigh > gammaLow)) return null;
  return { gammaLow, gammaHigh, spreadLowQuote: spreadLow, spreadHighQuote: spreadHigh, notes };
}

/** `points` values log-spaced from low to high inclusive. */
export function logSpaced(low: number, high: number, points: number): number[] {
  if (points === 1) return [Math.sqrt(low * high)];
  const a = Math.log(low);
  const b = Math.log(high);
  return Array.from({ length: points }, (_, i) => Math.exp(a + ((b - a) * i) / (points - 1)));
}

export interface GammaTrial<R> {
  gamma: number;
  score: number;
  /** Where it came from: the log grid or the golden-section refinement. */
  stage: 'grid' | 'refine';
  result: R;
}

export interface GammaSearchResult<R> {
  best: GammaTrial<R>;
  /** Every γ tried, sorted by γ: the score curve. */
  trials: GammaTrial<R>[];
}

/**
 * Evaluates `evaluate` on `gridPoints` log-spaced γ in [low, high], then `refineSteps` golden-section steps in
 * log γ between the neighbours of the best grid point. Ties keep the smaller γ (the less risk-averse quote is
 * not preferred without evidence, but the grid order makes the choice deterministic).
 */
export function searchGamma<R>(
  low: number,
  high: number,
  evaluate: (gamma: number) => { score: number; result: R },
  gridPoints = 7,
  refineSteps = 3,
): GammaSearchResult<R> {
  const trials: GammaTrial<R>[] = [];
  const run = (gamma: number, stage: 'grid' | 'refine'): GammaTrial<R> => {
    const { score, result } = evaluate(gamma);
    const trial = { gamma, score: Number.isFinite(score) ? score : Number.NEGATIVE_INFINITY, stage, result };
    trials.push(trial);
    return trial;
  };
  const grid = logSpaced(low, high, gridPoints).map((g) => run(g, 'grid'));
  let bestIndex = 0;
  grid.forEach((t, i) => {
    if (t.score > (grid[bestIndex] as GammaTrial<R>).score) bestIndex = i;
  });
  let best = grid[bestIndex] as GammaTrial<R>;
  if (refineSteps > 0 && gridPoints >= 3) {
    let a = Math.log((grid[Math.max(0, bestIndex - 1)] as GammaTrial<R>).gamma);
    let b = Math.log((grid[Math.min(gridPoints - 1, bestIndex + 1)] as GammaTrial<R>).gamma);
    const phi = (Math.sqrt(5) - 1) / 2;
    let c = b - phi * (b - a);
    let d = a + phi * (b - a);
    let fc: GammaTrial<R> | null = null;
    let fd: GammaTrial<R> | null = null;
    for (let step = 0; step < refineSteps; step++) {
      if (fc === null) fc = run(Math.exp(c), 'refine');
      else if (fd === null) fd = run(Math.exp(d), 'refine');
      if (fc !== null && fd !== null) {
        if (fc.score >= fd.score) {
          b = d;
          d = c;
          fd = fc;
          c = b - phi * (b - a);
          fc = null;
        } else {
          a = c;
          c = d;
          fc = fd;
          d = a + phi * (b - a);
          fd = null;
        }
      }
    }
    for (const t of trials) if (t.score > best.score) best = t;
  }
  trials.sort((x, y) => x.gamma - y.gamma);
  return { best, trials };
}
