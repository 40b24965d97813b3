/**
 * 95 % confidence intervals for σ, A, k and γ by a block bootstrap over the hours of a day.
 *
 * Market assumption: what happens in one hour of a market is close to independent of other hours once σ and the
 * arrival rates are fixed (volatility clusters within minutes, not across hours), so resampling whole hours with
 * replacement keeps the dependence inside an hour and the estimator is recomputed on each resample. A recording
 * with few hours in a day (the bundled sample holds ~15 minutes a day) would give one block and a zero-width
 * interval, so the block shrinks — 60, 30, 15, 10, 5, 2, 1 minutes — until the day has at least MIN_BLOCKS
 * non-empty blocks (`block_minutes` in the output says which was used).
 * Percentile intervals (2.5 % and 97.5 % of the replicates), `replicates` resamples from a seeded generator:
 * the same data and seed give the same intervals.
 */
import { SeededRandom } from '../data/synth-random.ts';

export const DEFAULT_BOOTSTRAP_REPLICATES = 200;
export const DEFAULT_BOOTSTRAP_SEED = 1;
/** Fewest non-empty blocks a day is resampled from. */
export const MIN_BLOCKS = 12;
const BLOCK_MINUTES = [60, 30, 15, 10, 5, 2, 1] as const;
export const MINUTES_PER_DAY = 1_440;

/** The largest block length (minutes) giving at least MIN_BLOCKS blocks with weight > 0 (1 if none does). */
export function blockMinutesFor(weightByMinute: ArrayLike<number>): number {
  for (const len of BLOCK_MINUTES) if (nonEmptyBlocks(weightByMinute, len).length >= MIN_BLOCKS) return len;
  return 1;
}

/** Start minutes of the blocks of `len` minutes that have weight > 0. */
export function nonEmptyBlocks(weightByMinute: ArrayLike<number>, len: number): number[] {
  const out: number[] = [];
  for (let start = 0; start < weightByMinute.length; start += len) {
    let w = 0;
    for (let m = start; m < Math.min(weightByMinute.length, start + len); m++)
      w += weightByMinute[m] as number;
    if (w > 0) out.push(start);
  }
  return out;
}

/** Draws `count` items of `from` with replacement. */
export function resample<T>(from: readonly T[], count: number, rng: SeededRandom): T[] {
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(from[Math.floor(rng.uniform() * from.length)] as T);
  return out;
}

/** [2.5 %, 97.5 %] percentiles of the finite values (linear interpolation); null with fewer than 2. */
export function percentileInterval(values: readonly number[]): [number, number] | null {
  const xs = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (xs.length < 2) return null;
  const at = (p: number) => {
    const pos = p * (xs.length - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(xs.length - 1, lo + 1);
    return (xs[lo] as number) + (pos - lo) * ((xs[hi] as number) - (xs[lo] as number));
  };
  return [at(0.025), at(0.975)];
}

export function bootstrapRng(seed = DEFAULT_BOOTSTRAP_SEED): SeededRandom {
  return new SeededRandom(seed);
}

/** Sums the minutes of each block in `blocks` (block length `len`) of a per-minute array. */
export function blockSums(perMinute: ArrayLike<number>, blocks: readonly number[], len: number): number[] {
  return blocks.map((start) => {
    let s = 0;
    for (let m = start; m < Math.min(perMinute.length, start + len); m++) s += perMinute[m] as number;
    return s;
  });
}
