/**
 * Choosing γ by backtest: for one day, γ is scanned on a log-spaced grid between the values that give a total
 * spread of 0.01 % and 1 % of the mid, then refined locally around the best grid points. Each γ is scored on the
 * backtest of that day (./score.ts).
 *
 * Why a grid plus local refinement, not golden section: each point is a full-day backtest (the expensive part of
 * calibration, ~0.6 s for a full-density day), but the score curve is not unimodal — on synthetic data it is flat
 * (±1 % over a 3–4× range of γ) and on a volatile market bumpy — so a bracket search that assumes one peak can
 * discard the better one. The grid sees the whole range; refinement bisects around the two best local maxima and
 * then around the best so far: 7 + 4 backtests a day.
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
  /** Where it came from: the log grid or the local refinement. */
  stage: 'grid' | 'refine';
  result: R;
}

export interface GammaSearchResult<R> {
  best: GammaTrial<R>;
  /** Every γ tried, sorted by γ: the score curve. */
  trials: GammaTrial<R>[];
}

/** How many local maxima of the grid get refined (the score curve may have several peaks). */
export const REFINED_PEAKS = 2;

/**
 * Evaluates `evaluate` on `gridPoints` log-spaced γ in [low, high], then spends `refineSteps` more evaluations on
 * local refinement: first both neighbouring intervals (bisected in log γ) of each of the REFINED_PEAKS best local
 * maxima of the grid, then, with what is left, the wider neighbouring interval of the best γ so far. Nothing assumes
 * one peak: a second peak on the grid is refined too, and the best is the best of everything tried. An
 * ineligible γ (score −∞) is never a peak. Ties keep the smaller γ (the grid order makes the choice
 * deterministic).
 */
export function searchGamma<R>(
  low: number,
  high: number,
  evaluate: (gamma: number) => { score: number; result: R },
  gridPoints = 7,
  refineSteps = 4,
): GammaSearchResult<R> {
  const trials: GammaTrial<R>[] = [];
  const run = (gamma: number, stage: 'grid' | 'refine'): GammaTrial<R> => {
    const { score, result } = evaluate(gamma);
    const trial = { gamma, score: Number.isFinite(score) ? score : Number.NEGATIVE_INFINITY, stage, result };
    trials.push(trial);
    trials.sort((x, y) => x.gamma - y.gamma);
    return trial;
  };
  const grid = logSpaced(low, high, gridPoints).map((g) => run(g, 'grid'));
  const better = (a: GammaTrial<R>, b: GammaTrial<R>) =>
    a.score > b.score || (a.score === b.score && a.gamma < b.gamma);
  const bestOf = () => trials.reduce((b, t) => (better(t, b) ? t : b));
  let budget = refineSteps;
  // Bisects (in log γ) the interval between trial `t` and its neighbour on `side` (−1 left, +1 right), if any.
  const bisect = (t: GammaTrial<R>, side: -1 | 1): boolean => {
    const i = trials.indexOf(t);
    const other = trials[i + side];
    if (budget <= 0 || other === undefined) return false;
    budget--;
    run(Math.sqrt(t.gamma * other.gamma), 'refine');
    return true;
  };
  const peaks = grid
    .filter((t, i) => {
      if (t.score === Number.NEGATIVE_INFINITY) return false;
      const l = grid[i - 1];
      const r = grid[i + 1];
      return (l === undefined || t.score >= l.score) && (r === undefined || t.score >= r.score);
    })
    .sort((a, b) => (better(a, b) ? -1 : 1))
    .slice(0, REFINED_PEAKS);
  for (const p of peaks) {
    bisect(p, -1);
    bisect(p, 1);
  }
  while (budget > 0 && peaks.length > 0) {
    const best = bestOf();
    const i = trials.indexOf(best);
    const left = trials[i - 1];
    const right = trials[i + 1];
    const wl = left === undefined ? 0 : Math.log(best.gamma / left.gamma);
    const wr = right === undefined ? 0 : Math.log(right.gamma / best.gamma);
    if (!(wl > 1e-12 || wr > 1e-12)) break;
    bisect(best, wl >= wr ? -1 : 1);
  }
  return { best: bestOf(), trials };
}

/**
 * `searchGamma` with the backtests handed out in batches, for worker threads: the grid in one batch, the
 * refinement around the grid's peaks in a second (the γ it bisects depend only on the grid's scores, not on the
 * refinements' own), then the remaining steps one at a time (each depends on the best so far). The γ tried, the
 * trials and the choice are exactly `searchGamma`'s (test/calibrate/workers.test.ts).
 */
export async function searchGammaBatched<R>(
  low: number,
  high: number,
  evaluateMany: (gammas: number[]) => Promise<{ score: number; result: R }[]>,
  gridPoints = 7,
  refineSteps = 4,
): Promise<GammaSearchResult<R>> {
  const trials: GammaTrial<R>[] = [];
  const runAll = async (gammas: number[], stage: 'grid' | 'refine'): Promise<GammaTrial<R>[]> => {
    const outcomes = await evaluateMany(gammas);
    return gammas.map((gamma, i) => {
      const { score, result } = outcomes[i] as { score: number; result: R };
      const trial = {
        gamma,
        score: Number.isFinite(score) ? score : Number.NEGATIVE_INFINITY,
        stage,
        result,
      };
      trials.push(trial);
      trials.sort((x, y) => x.gamma - y.gamma);
      return trial;
    });
  };
  const grid = await runAll(logSpaced(low, high, gridPoints), 'grid');
  const better = (a: GammaTrial<R>, b: GammaTrial<R>) =>
    a.score > b.score || (a.score === b.score && a.gamma < b.gamma);
  const bestOf = () => trials.reduce((b, t) => (better(t, b) ? t : b));
  let budget = refineSteps;
  const peaks = grid
    .filter((t, i) => {
      if (t.score === Number.NEGATIVE_INFINITY) return false;
      const l = grid[i - 1];
      const r = grid[i + 1];
      return (l === undefined || t.score >= l.score) && (r === undefined || t.score >= r.score);
    })
    .sort((a, b) => (better(a, b) ? -1 : 1))
    .slice(0, REFINED_PEAKS);
  // The peak bisections, planned on the γ positions alone (as searchGamma inserts them one by one).
  const positions = trials.map((t) => t.gamma);
  const planned: number[] = [];
  for (const p of peaks) {
    for (const side of [-1, 1] as const) {
      const i = positions.indexOf(p.gamma);
      const other = positions[i + side];
      if (budget <= 0 || other === undefined) continue;
      budget--;
      const g = Math.sqrt(p.gamma * other);
      planned.push(g);
      positions.splice(side === -1 ? i : i + 1, 0, g);
    }
  }
  if (planned.length > 0) await runAll(planned, 'refine');
  while (budget > 0 && peaks.length > 0) {
    const best = bestOf();
    const i = trials.indexOf(best);
    const left = trials[i - 1];
    const right = trials[i + 1];
    const wl = left === undefined ? 0 : Math.log(best.gamma / left.gamma);
    const wr = right === undefined ? 0 : Math.log(right.gamma / best.gamma);
    if (!(wl > 1e-12 || wr > 1e-12)) break;
    const other = wl >= wr ? left : right;
    if (other === undefined) break;
    budget--;
    await runAll([Math.sqrt(best.gamma * other.gamma)], 'refine');
  }
  return { best: bestOf(), trials };
}
