/**
 * The 95 % confidence intervals of the published σ, A, k and γ (block bootstrap over hours, ./bootstrap.ts).
 * - σ: the published σ is the mean of the last ≤ 7 daily σ; each day's hours are resampled (stratified by day),
 *   its two-scales σ recomputed from the resampled per-minute sums, and the days averaged.
 * - A, k: the last day's aggressive orders and fresh-book time are resampled by hour and λ(δ) refitted.
 * - γ: the published γ's search curve; the same resampled hours (paired, so the γ compete on the same draw) give
 *   every γ tried a new score, and the best eligible γ of each draw is a replicate.
 */

import type { SeededRandom } from '../data/synth-random.ts';
import { fitIntensity } from '../estimate/intensity.ts';
import { twoScalesVariance } from '../estimate/volatility.ts';
import {
  blockMinutesFor,
  blockSums,
  DEFAULT_BOOTSTRAP_REPLICATES,
  MINUTES_PER_DAY,
  nonEmptyBlocks,
  percentileInterval,
  resample,
} from './bootstrap.ts';
import type { DayEstimate } from './day-estimate.ts';
import { type ObjectiveSpec, objectiveScore } from './score.ts';

export type Interval = [number, number];

export interface BootstrapSettings {
  replicates?: number;
  rng: SeededRandom;
}

/** Interval of the mean of the days' σ. */
export function sigmaInterval(days: readonly DayEstimate[], s: BootstrapSettings): Interval | null {
  const B = s.replicates ?? DEFAULT_BOOTSTRAP_REPLICATES;
  const prepared = days.map((d) => {
    const m = d.sigmaMinutes;
    const len = blockMinutesFor(m.fastN);
    const blocks = nonEmptyBlocks(m.fastN, len);
    return {
      blocks: blocks.map((_, i) => i),
      fastSq: blockSums(m.fastSq, blocks, len),
      fastN: blockSums(m.fastN, blocks, len),
      slowSq: blockSums(m.slowSq, blocks, len),
      slowN: blockSums(m.slowN, blocks, len),
    };
  });
  if (prepared.some((p) => p.blocks.length === 0)) return null;
  const reps: number[] = [];
  for (let b = 0; b < B; b++) {
    let total = 0;
    for (const p of prepared) {
      let fs = 0;
      let fn = 0;
      let ss = 0;
      let sn = 0;
      for (const i of resample(p.blocks, p.blocks.length, s.rng)) {
        fs += p.fastSq[i] as number;
        fn += p.fastN[i] as number;
        ss += p.slowSq[i] as number;
        sn += p.slowN[i] as number;
      }
      const v = twoScalesVariance(fs, fn, ss, sn);
      total += Math.sqrt(Number.isNaN(v) ? fs / fn : v);
    }
    reps.push(total / prepared.length);
  }
  return percentileInterval(reps);
}

/** Intervals of A and k refitted on hour-resampled orders of one day. */
export function intensityIntervals(
  day: DayEstimate,
  tick: number,
  minOrders: number,
  s: BootstrapSettings,
): { A: Interval | null; k: Interval | null } {
  const B = s.replicates ?? DEFAULT_BOOTSTRAP_REPLICATES;
  const len = blockMinutesFor(day.observedMsByMinute);
  const blocks = nonEmptyBlocks(day.observedMsByMinute, len);
  if (blocks.length === 0) return { A: null, k: null };
  const blockOf = new Map(blocks.map((start, i) => [start, i]));
  const observed = blockSums(day.observedMsByMinute, blocks, len);
  const depthsBy: number[][] = blocks.map(() => []);
  for (let i = 0; i < day.depths.length; i++) {
    const bi = blockOf.get(Math.floor((day.depthMinutes[i] as number) / len) * len);
    if (bi !== undefined) depthsBy[bi]?.push(day.depths[i] as number);
  }
  const ids = blocks.map((_, i) => i);
  const As: number[] = [];
  const ks: number[] = [];
  for (let b = 0; b < B; b++) {
    const depths: number[] = [];
    let ms = 0;
    for (const i of resample(ids, ids.length, s.rng)) {
      for (const d of depthsBy[i] as number[]) depths.push(d);
      ms += observed[i] as number;
    }
    const fit = fitIntensity(depths, ms / 1000, tick, minOrders);
    if (fit.ok) {
      As.push(fit.fit.A);
      ks.push(fit.fit.k);
    }
  }
  // Too many failed refits (a thin day) make the interval meaningless.
  if (As.length < B / 2) return { A: null, k: null };
  return { A: percentileInterval(As), k: percentileInterval(ks) };
}

export interface GammaCurveForBootstrap {
  gamma: number;
  eligible: boolean;
  minutePnl?: { pnl: Float64Array; firstMinute: number; lastMinute: number } | undefined;
}

/** Interval of the best eligible γ over hour-resampled days of one search curve; null without minute PnL. */
export function gammaInterval(
  curve: readonly GammaCurveForBootstrap[],
  objective: ObjectiveSpec,
  s: BootstrapSettings,
): Interval | null {
  const B = s.replicates ?? DEFAULT_BOOTSTRAP_REPLICATES;
  const trials = curve.filter((t) => t.eligible);
  if (trials.length === 0 || trials.some((t) => t.minutePnl === undefined || t.minutePnl.firstMinute < 0))
    return null;
  const first = Math.min(...trials.map((t) => t.minutePnl?.firstMinute ?? 0));
  const last = Math.max(...trials.map((t) => t.minutePnl?.lastMinute ?? 0));
  const span = new Float64Array(MINUTES_PER_DAY);
  for (let m = first; m <= last; m++) span[m] = 1;
  const len = blockMinutesFor(span);
  const blocks = nonEmptyBlocks(span, len);
  const sums = trials.map((t) => {
    const x = t.minutePnl?.pnl as Float64Array;
    return blocks.map((start) => {
      let sx = 0;
      let sxx = 0;
      let n = 0;
      for (let m = Math.max(start, first); m < Math.min(start + len, last + 1); m++) {
        const v = x[m] as number;
        sx += v;
        sxx += v * v;
        n++;
      }
      return { sx, sxx, n };
    });
  });
  const ids = blocks.map((_, i) => i);
  const reps: number[] = [];
  for (let b = 0; b < B; b++) {
    const draw = resample(ids, ids.length, s.rng);
    let bestGamma = Number.NaN;
    let bestScore = Number.NEGATIVE_INFINITY;
    trials.forEach((t, ti) => {
      let sx = 0;
      let sxx = 0;
      let n = 0;
      for (const i of draw) {
        const c = sums[ti]?.[i] as { sx: number; sxx: number; n: number };
        sx += c.sx;
        sxx += c.sxx;
        n += c.n;
      }
      const std = n > 1 ? Math.sqrt(Math.max(0, (sxx - (sx * sx) / n) / (n - 1))) : 0;
      const score = objectiveScore(objective, sx, n, std, t.gamma);
      if (score > bestScore) {
        bestScore = score;
        bestGamma = t.gamma;
      }
    });
    reps.push(bestGamma);
  }
  return percentileInterval(reps);
}
