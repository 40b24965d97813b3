/**
 * σ, A and k over a rolling window of the live (or replayed) market: the streaming form of the day estimate of
 * `hlmm calibrate`, for the engine's online parameters (src/strategy/online-params.ts).
 *
 * It is the calibration's per-event pipeline (src/calibrate/calibrate.ts) with the day replaced by a window:
 * - σ: the same two-scales estimator on the same 1 s mid grid (./volatility.ts, `MidGridVolatility` in its
 *   rolling form: 1 s buckets in a ring instead of minutes of the day);
 * - aggressive orders: the same grouping of prints (./aggressors.ts, `AggressorGrouper`, after the same
 *   trade-id de-duplication), the same stale-reference rule (an order whose reference BBO is older than
 *   `maxRefAgeMs` is dropped) and the same below-one-tick rule at fit time;
 * - observed time: the same rule as ./day-estimate.ts (the time within `maxRefAgeMs` after the latest BBO,
 *   recording gaps over `maxGapMs` left out), kept per 1 s bucket;
 * - A, k: the same Poisson fit (./intensity.ts, `fitIntensity`) on the depths of the orders in the window.
 * test/strategy/online-params.test.ts proves that on a window holding the whole of a recording this gives exactly the
 * day estimate's σ, A and k.
 *
 * The window is the `windowMs / 1000` one-second buckets ending with the bucket of `nowMs` (the current second
 * included). Memory: the σ ring and observed time are one slot per second of window; orders are a ring that is
 * trimmed to the window at each estimate.
 */
import type { MarketEvent } from '../core/market.ts';
import { RecentTradeIds } from '../data/trade-dedup.ts';
import { type AggressiveOrder, AggressorGrouper, DEFAULT_MAX_REF_AGE_MS } from './aggressors.ts';
import { DEFAULT_MIN_ORDERS, fitIntensity, type IntensityFit } from './intensity.ts';
import { DEFAULT_MAX_GAP_MS, MidGridVolatility, SIGMA_GRID_MS, twoScalesVariance } from './volatility.ts';

/** Bucket length of the rolling window, ms: one σ grid step. */
export const ROLLING_BUCKET_MS = SIGMA_GRID_MS;

export interface RollingEstimatorOptions {
  /** Window length, ms (a whole number of seconds, at least 60 s). */
  windowMs: number;
  /** Recording gaps (see ./volatility.ts). Default 60 s. */
  maxGapMs?: number;
  /** Oldest reference BBO an order's depth may be measured from (see ./day-estimate.ts). Default 5 s. */
  maxRefAgeMs?: number;
}

export interface RollingEstimate {
  /** Window length, seconds. */
  windowS: number;
  /** Noise-corrected σ over the window, quote/√s; NaN when the slow scale has no sample or no correction. */
  sigma: number;
  /** 1 s mid changes in the window. */
  sigmaSamples: number;
  /** Seconds of fresh book in the window (the λ(δ) denominator). */
  observedS: number;
  /** Aggressive orders in the window the fit used (stale-reference and below-tick orders left out). */
  orders: number;
  /** Orders in the window rejected because their depth was below −1 tick. */
  belowTickOrders: number;
  /** Orders dropped since the start because their reference BBO was stale. */
  staleOrders: number;
  fit: IntensityFit | null;
  fitError: string | null;
  /** Last mid seen, quote. */
  lastMid: number;
}

/** The online estimator: feed every market event (exchange-time order), ask for an estimate on a timer. */
export class RollingMarketEstimator {
  readonly windowMs: number;
  private readonly windowBuckets: number;
  private readonly maxGapMs: number;
  private readonly maxRefAgeMs: number;
  private readonly vol: MidGridVolatility;
  private readonly ids = new RecentTradeIds();
  private readonly grouper: AggressorGrouper;
  /** Observed ms per 1 s bucket (slot = bucket mod count, with the bucket it holds). */
  private readonly observed: Float64Array;
  private readonly observedBucket: Float64Array;
  /** Aggressive orders in time order: a ring of (exchange ms, depth). */
  private orderMs = new Float64Array(1024);
  private orderDepth = new Float64Array(1024);
  private head = 0;
  private size = 0;
  private depthScratch = new Float64Array(1024);
  private staleOrders = 0;
  private lastBboMs = Number.NaN;
  private lastMs = Number.NaN;
  private firstMs = Number.NaN;

  constructor(opts: RollingEstimatorOptions) {
    if (!(opts.windowMs >= 60_000) || opts.windowMs % ROLLING_BUCKET_MS !== 0)
      throw new Error(`RollingMarketEstimator: window must be whole seconds ≥ 60 s, got ${opts.windowMs} ms`);
    this.windowMs = opts.windowMs;
    this.windowBuckets = opts.windowMs / ROLLING_BUCKET_MS;
    this.maxGapMs = opts.maxGapMs ?? DEFAULT_MAX_GAP_MS;
    this.maxRefAgeMs = opts.maxRefAgeMs ?? DEFAULT_MAX_REF_AGE_MS;
    // One slot more than the window: the bucket being filled never overwrites the oldest one still inside.
    const slots = this.windowBuckets + 1;
    this.vol = new MidGridVolatility(this.maxGapMs, {
      bucketMs: ROLLING_BUCKET_MS,
      count: slots,
      rolling: true,
    });
    this.observed = new Float64Array(slots);
    this.observedBucket = new Float64Array(slots).fill(Number.NaN);
    this.grouper = new AggressorGrouper((o) => this.onAggressor(o));
  }

  /** Last mid seen, quote (NaN before the first BBO). */
  get lastMid(): number {
    return this.vol.latestMid;
  }

  /** One market event, in exchange-time order (book snapshots are ignored, as in calibration). */
  onEvent(ev: MarketEvent): void {
    if (ev.kind === 'book') return;
    const ms = ev.exchMs;
    this.observe(ms);
    if (ev.kind === 'bbo') {
      if (!(ev.bidPx > 0 && ev.askPx > ev.bidPx)) return; // crossed/locked book: no mid
      const mid = (ev.bidPx + ev.askPx) / 2;
      this.vol.addMid(ms, mid);
      this.grouper.onMid(ms, mid);
      if (!(ms < this.lastBboMs)) this.lastBboMs = ms;
    } else if (this.ids.admit(ev.tid)) {
      this.grouper.onPrint(ms, ev.side, ev.px);
    }
  }

  /**
   * The estimate over the window ending at `nowMs` (bot time), the depth grid on `tick`. Orders of a
   * millisecond before `nowMs` are complete and counted; `minOrders` is the fit's thin-tail rule
   * (./intensity.ts), as in calibration.
   */
  estimate(nowMs: number, tick: number, minOrders = DEFAULT_MIN_ORDERS): RollingEstimate {
    if (nowMs > this.lastMs) this.grouper.flush();
    const toBucket = Math.floor(nowMs / ROLLING_BUCKET_MS);
    const fromBucket = toBucket - this.windowBuckets + 1;
    const s = this.vol.windowSums(fromBucket, toBucket);
    const v = twoScalesVariance(s.fastSq, s.fastN, s.slowSq, s.slowN);
    let observedMs = 0;
    for (let i = 0; i < this.observed.length; i++) {
      const b = this.observedBucket[i] as number;
      if (b >= fromBucket && b <= toBucket) observedMs += this.observed[i] as number;
    }
    // Orders: drop those before the window, keep the depths of those inside it.
    const fromMs = fromBucket * ROLLING_BUCKET_MS;
    const cap = this.orderMs.length;
    while (this.size > 0 && (this.orderMs[this.head] as number) < fromMs) {
      this.head = (this.head + 1) % cap;
      this.size--;
    }
    if (this.depthScratch.length < this.size) this.depthScratch = new Float64Array(this.orderMs.length);
    const floor = -tick * (1 + 1e-9);
    const untilMs = (toBucket + 1) * ROLLING_BUCKET_MS;
    let n = 0;
    let below = 0;
    for (let j = 0, i = this.head; j < this.size; j++, i = (i + 1) % cap) {
      if (!((this.orderMs[i] as number) < untilMs)) break;
      const d = this.orderDepth[i] as number;
      if (d < floor) below++;
      else this.depthScratch[n++] = d;
    }
    const observedS = observedMs / 1000;
    const fit = fitIntensity(this.depthScratch.subarray(0, n), observedS, tick, minOrders);
    return {
      windowS: this.windowMs / 1000,
      sigma: Number.isNaN(v) ? Number.NaN : Math.sqrt(v),
      sigmaSamples: s.fastN,
      observedS,
      orders: n,
      belowTickOrders: below,
      staleOrders: this.staleOrders,
      fit: fit.ok ? fit.fit : null,
      fitError: fit.ok ? null : fit.reason,
      lastMid: this.vol.latestMid,
    };
  }

  /** Observed time, the rule of DayAccumulator.onEvent (./day-estimate.ts), split into 1 s buckets. */
  private observe(ms: number): void {
    if (Number.isNaN(this.firstMs)) this.firstMs = ms;
    else if (ms > this.lastMs && ms - this.lastMs <= this.maxGapMs && Number.isFinite(this.lastBboMs)) {
      const from = Math.max(this.lastMs, this.lastBboMs);
      const to = Math.min(ms, this.lastBboMs + this.maxRefAgeMs);
      for (let a = from; a < to; ) {
        const bucket = Math.floor(a / ROLLING_BUCKET_MS);
        const b = Math.min(to, (bucket + 1) * ROLLING_BUCKET_MS);
        const slot = bucket % this.observed.length;
        if (this.observedBucket[slot] !== bucket) {
          this.observedBucket[slot] = bucket;
          this.observed[slot] = 0;
        }
        this.observed[slot] = (this.observed[slot] as number) + (b - a);
        a = b;
      }
    }
    if (!(ms < this.lastMs)) this.lastMs = ms;
  }

  private onAggressor(order: AggressiveOrder): void {
    if (!(order.exchMs - order.refMs <= this.maxRefAgeMs)) {
      this.staleOrders++;
      return;
    }
    const cap = this.orderMs.length;
    if (this.size === cap) {
      // Grow the ring, oldest first.
      const ms = new Float64Array(cap * 2);
      const depth = new Float64Array(cap * 2);
      for (let j = 0; j < cap; j++) {
        ms[j] = this.orderMs[(this.head + j) % cap] as number;
        depth[j] = this.orderDepth[(this.head + j) % cap] as number;
      }
      this.orderMs = ms;
      this.orderDepth = depth;
      this.head = 0;
    }
    const at = (this.head + this.size) % this.orderMs.length;
    this.orderMs[at] = order.exchMs;
    this.orderDepth[at] = order.depth;
    this.size++;
  }
}
