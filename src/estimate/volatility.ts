/**
 * σ of the mid, robust to tick rounding: two-scales realized variance (TSRV, Zhang, Mykland & Aït-Sahalia 2005)
 * on a 1-second grid, in quote units per √second.
 *
 * The mid is sampled on a 1-second grid (forward-filled from the BBO: the value at grid time g is the mid of the
 * last BBO with exchange time ≤ g). The observed mid is the true mid plus a rounding error (the book sits on
 * ticks): its 1 s changes carry that error twice, so their variance is σ² + 2·ω² per second — with σ half a tick
 * per √s, σ comes out ≈ 29 % high. TSRV removes it with a slow scale: the variance per second of overlapping
 * K-second changes (K = SIGMA_SLOW_SCALE_S) carries the noise only as 2ω²/K, and the fast (1 s) scale measures
 * the noise itself, so
 *
 *   σ² = (RV_K − RV_1 / K) / (1 − 1/K),   RV_K = Σ (m_t − m_{t−K})² / (K · n_K),   RV_1 = Σ (m_t − m_{t−1})² / n_1
 *
 * is unbiased for i.i.d. noise and, measured on rounded Brownian mids (docs/calibrate.md), within ≈ 1 % of σ from
 * 0.3 to 3+ ticks per √s, where the 1 s standard deviation is 63 % (0.3 ticks) to 1 % (3 ticks) high.
 * Why TSRV: the first-order autocovariance correction is exact only for noise uncorrelated across samples, and
 * rounding noise is strongly autocorrelated when σ is below a tick per √s (it is still 8 % high at 0.3 ticks);
 * a realized kernel does as well as TSRV here but needs a bandwidth rule; TSRV needs one scale and is two running
 * sums per minute, which is what the bootstrap over hours resamples.
 *
 * Market assumption (recording gaps): a BBO stream silent for more than `maxGapMs` means the recorder was not
 * running (Hyperliquid's BTC book changes many times a second), so the grid restarts after the gap instead of
 * counting thousands of zero changes and one jump across it; K-second changes never span a restart.
 * A day whose segments are all shorter than K + 1 seconds has no slow scale: σ is then the plain standard
 * deviation of its 1 s changes (`noiseCorrected: false`).
 */

export const SIGMA_GRID_MS = 1_000;
export const DEFAULT_MAX_GAP_MS = 60_000;
/** Slow scale of the two-scales estimator, grid steps (seconds). */
export const SIGMA_SLOW_SCALE_S = 10;
const MINUTES_PER_DAY = 1_440;

/**
 * Where the sums of the two scales are kept: bucket b = ⌊grid ms / bucketMs⌋ lives in slot b mod `count`.
 * The day form (calibrate) keeps one bucket per minute of the UTC day and only adds. The rolling form (the
 * engine's online parameters, ./rolling-estimate.ts) keeps short buckets in a ring: a slot is emptied when a
 * newer bucket enters it, so the ring holds the last `count` buckets and a window is the sum of its slots.
 */
export interface SigmaBuckets {
  bucketMs: number;
  count: number;
  rolling: boolean;
}

/** One bucket per minute of the UTC day (the batch calibration). */
export const DAY_MINUTE_BUCKETS: SigmaBuckets = { bucketMs: 60_000, count: MINUTES_PER_DAY, rolling: false };

/** The two scales' sums over a set of buckets. */
export interface SigmaWindowSums {
  fastSq: number;
  fastN: number;
  slowSq: number;
  slowN: number;
}

/** Per-bucket sums of the two scales: what the bootstrap resamples (day form: index = minute of the UTC day). */
export interface SigmaMinuteSums {
  /** Σ of squared 1 s changes ending in the minute, quote². */
  fastSq: Float64Array;
  fastN: Float64Array;
  /** Σ of squared K s changes ending in the minute, quote². */
  slowSq: Float64Array;
  slowN: Float64Array;
}

export interface SigmaEstimate {
  /** Noise-corrected σ, quote/√s (NaN with fewer than 2 changes). */
  sigma: number;
  /** Standard deviation of 1 s changes (the uncorrected estimate), quote/√s. */
  rawSigma: number;
  /** True when the two-scales correction was applied. */
  noiseCorrected: boolean;
  /** Number of 1 s changes it is computed from. */
  samples: number;
  /** Last mid seen, quote. */
  lastMid: number;
  minutes: SigmaMinuteSums;
}

/** σ² per second from summed scales; NaN when the slow scale has no sample or the correction is not positive. */
export function twoScalesVariance(
  fastSq: number,
  fastN: number,
  slowSq: number,
  slowN: number,
  slowScaleS = SIGMA_SLOW_SCALE_S,
): number {
  if (!(fastN > 0) || !(slowN > 0)) return Number.NaN;
  const rvFast = fastSq / fastN;
  const rvSlow = slowSq / (slowN * slowScaleS);
  const v = (rvSlow - rvFast / slowScaleS) / (1 - 1 / slowScaleS);
  return v > 0 ? v : Number.NaN;
}

/** Accumulates one day's BBO mids (in exchange-time order) on the 1 s grid; memory: one value per covered second. */
export class MidGridVolatility {
  private readonly maxGapMs: number;
  private lastMs = Number.NaN;
  private lastMid = Number.NaN;
  /** Next grid time to fill, ms (a multiple of SIGMA_GRID_MS). */
  private nextGridMs = Number.NaN;
  /** The last K grid mids of the current segment (slot i % K holds point i). */
  private readonly ring = new Float64Array(SIGMA_SLOW_SCALE_S);
  /** Grid points filled in the current segment. */
  private segPoints = 0;
  private n = 0;
  private sum = 0;
  private sumSq = 0;
  private readonly minutes: SigmaMinuteSums;
  private readonly buckets: SigmaBuckets;
  /** Rolling form: the bucket number each slot holds now (NaN = empty). */
  private readonly slotBucket: Float64Array | null;

  constructor(maxGapMs = DEFAULT_MAX_GAP_MS, buckets: SigmaBuckets = DAY_MINUTE_BUCKETS) {
    this.maxGapMs = maxGapMs;
    this.buckets = buckets;
    const n = buckets.count;
    this.minutes = {
      fastSq: new Float64Array(n),
      fastN: new Float64Array(n),
      slowSq: new Float64Array(n),
      slowN: new Float64Array(n),
    };
    this.slotBucket = buckets.rolling ? new Float64Array(n).fill(Number.NaN) : null;
  }

  /** Last mid added, quote (NaN before the first). */
  get latestMid(): number {
    return this.lastMid;
  }

  /**
   * Rolling form: the sums over the buckets b with `fromBucket` ≤ b ≤ `toBucket` still in the ring (fills the
   * grid up to the last update first, as `estimate` does).
   */
  windowSums(fromBucket: number, toBucket: number): SigmaWindowSums {
    if (!Number.isNaN(this.lastMs)) this.fillUntil(this.lastMs);
    const out = { fastSq: 0, fastN: 0, slowSq: 0, slowN: 0 };
    const stamps = this.slotBucket;
    if (stamps === null) return out;
    const m = this.minutes;
    for (let i = 0; i < stamps.length; i++) {
      const b = stamps[i] as number;
      if (!(b >= fromBucket && b <= toBucket)) continue;
      out.fastSq += m.fastSq[i] as number;
      out.fastN += m.fastN[i] as number;
      out.slowSq += m.slowSq[i] as number;
      out.slowN += m.slowN[i] as number;
    }
    return out;
  }

  /** The slot of the bucket holding grid time `ms` (rolling form: emptied first when it held an older bucket). */
  private slotOf(ms: number): number {
    const { bucketMs, count } = this.buckets;
    const b = Math.floor(ms / bucketMs);
    const slot = ((b % count) + count) % count;
    const stamps = this.slotBucket;
    if (stamps !== null && stamps[slot] !== b) {
      stamps[slot] = b;
      const m = this.minutes;
      m.fastSq[slot] = 0;
      m.fastN[slot] = 0;
      m.slowSq[slot] = 0;
      m.slowN[slot] = 0;
    }
    return slot;
  }

  addMid(exchMs: number, mid: number): void {
    if (!Number.isFinite(mid)) return;
    if (Number.isNaN(this.lastMs) || exchMs - this.lastMs > this.maxGapMs) {
      // Close the segment before the gap (its last mid still counts), then start afresh.
      if (!Number.isNaN(this.lastMs)) this.fillUntil(this.lastMs);
      this.restart(exchMs, mid);
      return;
    }
    if (exchMs < this.lastMs) return; // out-of-order row: ignore rather than rewind the grid
    // Grid points strictly before this update keep the previous mid.
    this.fillUntil(exchMs - 1);
    this.lastMs = exchMs;
    this.lastMid = mid;
  }

  /** σ over what was added so far (fills the grid up to the last update). */
  estimate(): SigmaEstimate {
    if (!Number.isNaN(this.lastMs)) this.fillUntil(this.lastMs);
    const n = this.n;
    const m = this.minutes;
    const base = { samples: n, lastMid: this.lastMid, minutes: m };
    if (n < 2) return { ...base, sigma: Number.NaN, rawSigma: Number.NaN, noiseCorrected: false };
    const mean = this.sum / n;
    const rawSigma = Math.sqrt(Math.max(0, (this.sumSq - n * mean * mean) / (n - 1)));
    const v = twoScalesVariance(sum(m.fastSq), sum(m.fastN), sum(m.slowSq), sum(m.slowN));
    return Number.isNaN(v)
      ? { ...base, sigma: rawSigma, rawSigma, noiseCorrected: false }
      : { ...base, sigma: Math.sqrt(v), rawSigma, noiseCorrected: true };
  }

  private restart(exchMs: number, mid: number): void {
    this.lastMs = exchMs;
    this.lastMid = mid;
    this.nextGridMs = Math.ceil(exchMs / SIGMA_GRID_MS) * SIGMA_GRID_MS;
    this.segPoints = 0;
  }

  /** Fills grid points g ≤ untilMs with the current mid; after K equal points every change is 0 (bulk). */
  private fillUntil(untilMs: number): void {
    if (this.nextGridMs > untilMs) return;
    const points = Math.floor((untilMs - this.nextGridMs) / SIGMA_GRID_MS) + 1;
    const K = SIGMA_SLOW_SCALE_S;
    const explicit = Math.min(points, K);
    for (let i = 0; i < explicit; i++) this.push(this.nextGridMs + i * SIGMA_GRID_MS);
    if (points > explicit) {
      // The rest repeat the mid of the last K points: zero changes on both scales, counted per minute.
      const zeros = points - explicit;
      let g = this.nextGridMs + explicit * SIGMA_GRID_MS;
      let left = zeros;
      const bucketMs = this.buckets.bucketMs;
      while (left > 0) {
        const minute = this.slotOf(g);
        const inMinute = Math.min(
          left,
          Math.max(1, Math.floor((bucketMs - (((g % bucketMs) + bucketMs) % bucketMs)) / SIGMA_GRID_MS)),
        );
        this.minutes.fastN[minute] = (this.minutes.fastN[minute] as number) + inMinute;
        this.minutes.slowN[minute] = (this.minutes.slowN[minute] as number) + inMinute;
        left -= inMinute;
        g += inMinute * SIGMA_GRID_MS;
      }
      this.n += zeros;
      this.segPoints += zeros;
    }
    this.nextGridMs += points * SIGMA_GRID_MS;
  }

  private push(gridMs: number): void {
    const K = SIGMA_SLOW_SCALE_S;
    const mid = this.lastMid;
    const slot = this.segPoints % K;
    const minute = this.slotOf(gridMs);
    const m = this.minutes;
    if (this.segPoints >= 1) {
      const prev = this.ring[(this.segPoints - 1) % K] as number;
      const change = mid - prev;
      this.n++;
      this.sum += change;
      this.sumSq += change * change;
      m.fastSq[minute] = (m.fastSq[minute] as number) + change * change;
      m.fastN[minute] = (m.fastN[minute] as number) + 1;
    }
    if (this.segPoints >= K) {
      const change = mid - (this.ring[slot] as number); // before it is overwritten, the slot holds point i − K
      m.slowSq[minute] = (m.slowSq[minute] as number) + change * change;
      m.slowN[minute] = (m.slowN[minute] as number) + 1;
    }
    this.ring[slot] = mid;
    this.segPoints++;
  }
}

function sum(xs: Float64Array): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] as number;
  return s;
}

/** σ from a list of (exchMs, mid), for tests and small inputs. */
export function sigmaFromMids(
  points: ReadonlyArray<readonly [number, number]>,
  maxGapMs = DEFAULT_MAX_GAP_MS,
): SigmaEstimate {
  const acc = new MidGridVolatility(maxGapMs);
  for (const [ms, mid] of points) acc.addMid(ms, mid);
  return acc.estimate();
}

/** Headline σ: mean of the most recent (up to `window`) daily estimates that are finite. */
export function headlineSigma(dailySigmas: readonly number[], window = 7): number {
  const recent = dailySigmas.filter((s) => Number.isFinite(s)).slice(-window);
  if (recent.length === 0) return Number.NaN;
  return recent.reduce((a, b) => a + b, 0) / recent.length;
}
