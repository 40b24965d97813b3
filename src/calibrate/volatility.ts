/**
 * σ of the mid: the mid is sampled on a 1-second grid (forward-filled from the BBO: the value at grid time g is
 * the mid of the last BBO with exchange time ≤ g), and σ is the standard deviation of the 1-second changes, in
 * quote units per √second (1 s changes ⇒ no rescaling).
 *
 * Market assumption (recording gaps): a BBO stream silent for more than `maxGapMs` means the recorder was not
 * running (Hyperliquid's BTC book changes many times a second), so the grid restarts after the gap instead of
 * counting thousands of zero changes and one jump across it.
 */

export const SIGMA_GRID_MS = 1_000;
export const DEFAULT_MAX_GAP_MS = 60_000;

export interface SigmaEstimate {
  /** Standard deviation of 1 s mid changes, quote/√s (NaN with fewer than 2 changes). */
  sigma: number;
  /** Number of 1 s changes it is computed from. */
  samples: number;
  /** Last mid seen, quote. */
  lastMid: number;
}

/** Accumulates one day's BBO mids (in exchange-time order) into 1 s changes; O(1) memory. */
export class MidGridVolatility {
  private readonly maxGapMs: number;
  private lastMs = Number.NaN;
  private lastMid = Number.NaN;
  /** Next grid time to fill, ms (a multiple of SIGMA_GRID_MS). */
  private nextGridMs = Number.NaN;
  /** Mid at the previous filled grid point (NaN right after a start or a gap). */
  private prevGridMid = Number.NaN;
  private n = 0;
  private sum = 0;
  private sumSq = 0;

  constructor(maxGapMs = DEFAULT_MAX_GAP_MS) {
    this.maxGapMs = maxGapMs;
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
    if (n < 2) return { sigma: Number.NaN, samples: n, lastMid: this.lastMid };
    const mean = this.sum / n;
    const variance = Math.max(0, (this.sumSq - n * mean * mean) / (n - 1));
    return { sigma: Math.sqrt(variance), samples: n, lastMid: this.lastMid };
  }

  private restart(exchMs: number, mid: number): void {
    this.lastMs = exchMs;
    this.lastMid = mid;
    this.nextGridMs = Math.ceil(exchMs / SIGMA_GRID_MS) * SIGMA_GRID_MS;
    this.prevGridMid = Number.NaN;
  }

  /** Fills grid points g ≤ untilMs with the current mid. Runs of unchanged seconds are counted in bulk. */
  private fillUntil(untilMs: number): void {
    if (this.nextGridMs > untilMs) return;
    const points = Math.floor((untilMs - this.nextGridMs) / SIGMA_GRID_MS) + 1;
    let zeros = points;
    if (!Number.isNaN(this.prevGridMid)) {
      const change = this.lastMid - this.prevGridMid;
      this.n++;
      this.sum += change;
      this.sumSq += change * change;
      zeros--;
    } else {
      zeros--; // the first grid point after a (re)start only sets the reference
    }
    this.n += zeros; // later points repeat the same mid: changes of exactly 0
    this.prevGridMid = this.lastMid;
    this.nextGridMs += points * SIGMA_GRID_MS;
  }
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
