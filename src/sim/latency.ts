import type { Prng } from '../simulate/prng.ts';
import { xoshiro128ss } from '../simulate/prng.ts';

/**
 * Order latency model (the shape of hftbacktest's: an entry latency and a response latency per request). ASSUMES:
 * - our clock and the exchange's agree (times on both sides are one Unix-ms timeline);
 * - entry latency: an action sent at `sentMs` (our time, after we saw the event that caused it) takes effect at
 *   the matching engine at `orderArrivalMs(sentMs)`; it covers our network path and the exchange's entry queue.
 *   Cancels may have their own delay (Hyperliquid orders cancels before other actions within a block);
 * - response latency: a report the matching engine produces at exchange time T (ack, reject, fill, cancel) reaches
 *   us at `reportArrivalMs(T)` — it covers the exchange's push and the network back.
 * Market-data delay (the feed latency) is not in here: recorded files stamp each event with our receive time, and
 * the backtest delivers events to the strategy at that time (see src/backtest/feed-latency.ts).
 */
export interface LatencyModel {
  /** Exchange time (ms) at which an order (or modify) sent at `sentMs` reaches the matching engine. */
  orderArrivalMs(sentMs: number): number;
  /** Exchange time (ms) at which a cancel sent at `sentMs` reaches the matching engine. */
  cancelArrivalMs(sentMs: number): number;
  /** Our time (ms) at which a report produced at exchange time `exchMs` reaches us. */
  reportArrivalMs(exchMs: number): number;
  /** True when every report arrives at the time it was produced (no response delay to schedule). */
  readonly instantReports: boolean;
}

/** Constant delays, ms. `responseMs` 0 = reports reach us when they happen (the model before response latency). */
export class ConstantLatency implements LatencyModel {
  readonly instantReports: boolean;

  constructor(
    readonly orderEntryMs: number,
    readonly cancelMs: number = orderEntryMs,
    readonly responseMs = 0,
  ) {
    if (!(orderEntryMs >= 0) || !(cancelMs >= 0) || !(responseMs >= 0))
      throw new RangeError('latency must be ≥ 0 ms');
    this.instantReports = responseMs === 0;
  }

  orderArrivalMs(sentMs: number): number {
    return sentMs + this.orderEntryMs;
  }

  cancelArrivalMs(sentMs: number): number {
    return sentMs + this.cancelMs;
  }

  reportArrivalMs(exchMs: number): number {
    return exchMs + this.responseMs;
  }
}

/** Measured delays, ms, as `hlmm latency --out` writes them (see src/sim/latency-file.ts). */
export interface LatencySamples {
  /** Order entry delays (request sent → live at the matching engine), ms. */
  entryMs: readonly number[];
  /** Response delays (exchange time of a report → our receipt), ms. */
  responseMs: readonly number[];
}

/**
 * Delays drawn from measured samples (each draw one sample, uniformly at random: the empirical distribution),
 * from a seeded PRNG so the same seed gives the same backtest. ASSUMES one connection each way that keeps order:
 * an action never overtakes one sent before it, a report never overtakes an earlier one (a draw that would is
 * held back to the previous arrival). Cancels draw from the entry samples.
 */
export class EmpiricalLatency implements LatencyModel {
  readonly instantReports: boolean;
  private readonly rng: Prng;
  private readonly entry: Float64Array;
  private readonly response: Float64Array;
  private lastEntryMs = Number.NEGATIVE_INFINITY;
  private lastReportMs = Number.NEGATIVE_INFINITY;

  constructor(samples: LatencySamples, seed: number) {
    const clean = (xs: readonly number[], what: string) => {
      const out = Float64Array.from(xs);
      if (out.length === 0) throw new RangeError(`${what} latency samples: none`);
      for (const x of out)
        if (!(x >= 0) || !Number.isFinite(x)) throw new RangeError(`${what} latency < 0 ms`);
      return out;
    };
    this.entry = clean(samples.entryMs, 'entry');
    this.response = clean(samples.responseMs, 'response');
    this.instantReports = this.response.every((x) => x === 0);
    this.rng = xoshiro128ss(seed);
  }

  orderArrivalMs(sentMs: number): number {
    return this.entryAt(sentMs);
  }

  cancelArrivalMs(sentMs: number): number {
    return this.entryAt(sentMs);
  }

  reportArrivalMs(exchMs: number): number {
    const t = Math.max(exchMs + this.draw(this.response), this.lastReportMs);
    this.lastReportMs = t;
    return t;
  }

  private entryAt(sentMs: number): number {
    const t = Math.max(sentMs + this.draw(this.entry), this.lastEntryMs);
    this.lastEntryMs = t;
    return t;
  }

  private draw(xs: Float64Array): number {
    return xs.length === 1 ? xs[0] : xs[Math.floor(this.rng.next() * xs.length)];
  }
}

/**
 * Wraps a model to record the delays it hands out (for `backtest --json`'s latency block): entry delay of each
 * order/cancel, response delay of each report, in whole-ms histograms so a day of draws costs no memory.
 */
export class RecordingLatency implements LatencyModel {
  readonly entryMs = new MsHistogram();
  readonly responseMs = new MsHistogram();
  readonly instantReports: boolean;

  constructor(private readonly inner: LatencyModel) {
    this.instantReports = inner.instantReports;
  }

  orderArrivalMs(sentMs: number): number {
    const t = this.inner.orderArrivalMs(sentMs);
    this.entryMs.add(t - sentMs);
    return t;
  }

  cancelArrivalMs(sentMs: number): number {
    const t = this.inner.cancelArrivalMs(sentMs);
    this.entryMs.add(t - sentMs);
    return t;
  }

  reportArrivalMs(exchMs: number): number {
    const t = this.inner.reportArrivalMs(exchMs);
    this.responseMs.add(t - exchMs);
    return t;
  }
}

/**
 * Counts of delays by whole millisecond (rounded), 0 … 60 000 ms, longer ones in the last bin; percentiles are
 * the bin's ms (nearest-rank). Fixed memory whatever the number of samples.
 */
export class MsHistogram {
  static readonly MAX_MS = 60_000;
  // Grown on demand: most delays are under a second, and every backtest (each γ candidate of a calibration) makes
  // three of these, so zeroing 60 001 bins up front was a measurable share of a small day's run.
  private bins = new Uint32Array(1024);
  count = 0;

  add(ms: number): void {
    let i = Math.round(ms);
    if (!(i >= 0)) i = 0;
    else if (i > MsHistogram.MAX_MS) i = MsHistogram.MAX_MS;
    if (i >= this.bins.length) this.grow(i);
    this.bins[i]++;
    this.count++;
  }

  private grow(index: number): void {
    let size = this.bins.length;
    while (size <= index) size *= 2;
    const bins = new Uint32Array(Math.min(size, MsHistogram.MAX_MS + 1));
    bins.set(this.bins);
    this.bins = bins;
  }

  /** The q-quantile (0 < q ≤ 1) in ms, nearest rank; NaN with no samples. */
  quantileMs(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < this.bins.length; i++) {
      seen += this.bins[i];
      if (seen >= rank) return i;
    }
    return MsHistogram.MAX_MS;
  }
}
