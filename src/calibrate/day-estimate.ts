/**
 * One UTC day's estimates (σ, λ(δ) fit, aggressor counts, observed time), accumulated from the merged market
 * stream in one pass with O(1) state besides the day's aggressor depths (and, when γ is searched, the day's
 * events kept for the backtests).
 *
 * Market assumption (fresh reference book): an aggressive order's depth is only meaningful against a BBO that is
 * still the book it hit. Hyperliquid's BTC BBO changes several times a second, so a reference older than
 * `maxRefAgeMs` (DEFAULT_MAX_REF_AGE_MS = 5 s) means the BBO recording stopped while trades kept coming (the bundled
 * sample has hours of trade-only time): such orders are dropped and counted, and that time is left out of the
 * observed seconds, so the λ(δ) rate keeps a matching numerator and denominator. Precisely, an order at t whose
 * reference BBO is at b is kept iff t − b ≤ maxRefAgeMs, and observed time is the measure of those t: between
 * consecutive events, the part within maxRefAgeMs after the latest BBO (recording gaps over `maxGapMs` excluded).
 * Orders deeper than one tick on the wrong side of the mid (depth < −tick: a buy printing below the bid) cannot
 * come from the reference book either; they are rejected and counted.
 */
import type { MarketEvent } from '../core/market.ts';
import { type AggressiveOrder, DEFAULT_MAX_REF_AGE_MS } from '../estimate/aggressors.ts';
import { fitIntensity, type IntensityFit } from '../estimate/intensity.ts';
import { MidGridVolatility, type SigmaMinuteSums } from '../estimate/volatility.ts';
import { DayEventStore } from './day-events.ts';
import { utcDateKey } from './trading-day.ts';

const MINUTE_MS = 60_000;
const MINUTES_PER_DAY = 1_440;

function minuteOfDay(ms: number): number {
  return Math.floor((((ms % 86_400_000) + 86_400_000) % 86_400_000) / MINUTE_MS);
}

export interface DayEstimate {
  date: string;
  dayStartMs: number;
  firstMs: number;
  lastMs: number;
  /** Seconds with a fresh reference BBO this day (within the max BBO age of the last BBO; recording gaps left out). */
  observedS: number;
  /** Aggressive orders dropped because their reference BBO was older than the max BBO age. */
  staleOrders: number;
  /** Aggressive orders rejected because their depth was below −1 tick. */
  belowTickOrders: number;
  /** Noise-corrected σ of the mid (two-scales, ./volatility.ts), quote/√s. */
  sigma: number;
  /** Standard deviation of 1 s mid changes (uncorrected), quote/√s. */
  rawSigma: number;
  sigmaNoiseCorrected: boolean;
  sigmaSamples: number;
  /** Per-minute sums behind σ (for the bootstrap). */
  sigmaMinutes: SigmaMinuteSums;
  lastMid: number;
  buyOrders: number;
  sellOrders: number;
  fit: IntensityFit | null;
  /** Why the fit failed, when it did. */
  fitError: string | null;
  /** Usable hours of book: `observedS` ÷ 3600. */
  bookHours: number;
  /** Usable hours of trades: minutes of the day holding at least one print ÷ 60. */
  tradeHours: number;
  /** Per minute of the UTC day: ms with a fresh BBO (the bootstrap's weights for λ). */
  observedMsByMinute: Float64Array;
  /** The depths the fit used (quote units) and the minute of the day of each order. */
  depths: Float64Array;
  depthMinutes: Uint16Array;
}

/** Accumulates one day. Feed events in exchange-time order, aggressive orders as the grouper emits them. */
export class DayAccumulator {
  readonly dayStartMs: number;
  readonly events: DayEventStore | null;
  private readonly vol: MidGridVolatility;
  private readonly maxGapMs: number;
  private readonly maxRefAgeMs: number;
  private depths = new Float64Array(1024);
  private buys = new Uint8Array(1024);
  private minutes = new Uint16Array(1024);
  private readonly observedByMinute = new Float64Array(MINUTES_PER_DAY);
  private readonly tradeMinutes = new Uint8Array(MINUTES_PER_DAY);
  private orders = 0;
  private staleOrders = 0;
  /** Exchange ms of the latest valid BBO (carried over from the previous day). */
  private lastBboMs: number;
  private firstMs = Number.NaN;
  private lastMs = Number.NaN;
  private observedMs = 0;
  private lastMid = Number.NaN;

  /**
   * `keepEventsCapacity`: keep the day's events for the γ search, starting with room for that many (0 = do not
   * keep). `lastBboMs`: the latest BBO before this day (NaN if none), the reference of its first orders.
   */
  constructor(
    dayStartMs: number,
    maxGapMs: number,
    keepEventsCapacity: number,
    maxRefAgeMs = DEFAULT_MAX_REF_AGE_MS,
    lastBboMs = Number.NaN,
  ) {
    this.dayStartMs = dayStartMs;
    this.maxGapMs = maxGapMs;
    this.maxRefAgeMs = maxRefAgeMs;
    this.lastBboMs = lastBboMs;
    this.vol = new MidGridVolatility(maxGapMs);
    this.events = keepEventsCapacity > 0 ? new DayEventStore(keepEventsCapacity) : null;
  }

  get lastEventMs(): number {
    return this.lastMs;
  }

  get latestBboMs(): number {
    return this.lastBboMs;
  }

  /** Any event (before its onMid): observed time, and the event kept for backtests. */
  onEvent(ev: MarketEvent): void {
    const ms = ev.exchMs;
    if (Number.isNaN(this.firstMs)) this.firstMs = ms;
    else if (ms > this.lastMs && ms - this.lastMs <= this.maxGapMs && Number.isFinite(this.lastBboMs)) {
      // The part of (lastMs, ms] within the max BBO age after the latest BBO.
      const from = Math.max(this.lastMs, this.lastBboMs);
      const to = Math.min(ms, this.lastBboMs + this.maxRefAgeMs);
      if (to > from) {
        this.observedMs += to - from;
        // Split across minute boundaries (an interval is at most maxRefAgeMs long).
        for (let a = from; a < to; ) {
          const b = Math.min(to, (Math.floor(a / MINUTE_MS) + 1) * MINUTE_MS);
          const m = minuteOfDay(a);
          this.observedByMinute[m] = (this.observedByMinute[m] as number) + (b - a);
          a = b;
        }
      }
    }
    if (!(ms < this.lastMs)) this.lastMs = ms;
    this.events?.push(ev);
  }

  /** A (de-duplicated) trade print: marks its minute as covered by trades. */
  onTradePrint(exchMs: number): void {
    this.tradeMinutes[minuteOfDay(exchMs)] = 1;
  }

  onMid(exchMs: number, mid: number): void {
    this.vol.addMid(exchMs, mid);
    this.lastMid = mid;
    if (!(exchMs < this.lastBboMs)) this.lastBboMs = exchMs;
  }

  onAggressor(order: AggressiveOrder): void {
    if (!(order.exchMs - order.refMs <= this.maxRefAgeMs)) {
      this.staleOrders++;
      return;
    }
    if (this.orders === this.depths.length) {
      const bigger = new Float64Array(this.depths.length * 2);
      bigger.set(this.depths);
      this.depths = bigger;
      const sides = new Uint8Array(this.buys.length * 2);
      sides.set(this.buys);
      this.buys = sides;
      const minutes = new Uint16Array(this.minutes.length * 2);
      minutes.set(this.minutes);
      this.minutes = minutes;
    }
    this.minutes[this.orders] = minuteOfDay(order.exchMs);
    this.buys[this.orders] = order.side === 'buy' ? 1 : 0;
    this.depths[this.orders++] = order.depth;
  }

  finish(tick: number, minOrders: number): DayEstimate {
    const sigma = this.vol.estimate();
    const observedS = this.observedMs / 1000;
    // Depth below −1 tick: not measured from the book the order hit (see the module comment).
    const floor = -tick * (1 + 1e-9);
    const kept = new Float64Array(this.orders);
    const keptMinutes = new Uint16Array(this.orders);
    let n = 0;
    let buyOrders = 0;
    for (let i = 0; i < this.orders; i++) {
      const d = this.depths[i] as number;
      if (d < floor) continue;
      keptMinutes[n] = this.minutes[i] as number;
      kept[n++] = d;
      buyOrders += this.buys[i] as number;
    }
    const result = fitIntensity(kept.subarray(0, n), observedS, tick, minOrders);
    return {
      date: utcDateKey(this.dayStartMs),
      dayStartMs: this.dayStartMs,
      firstMs: this.firstMs,
      lastMs: this.lastMs,
      observedS,
      staleOrders: this.staleOrders,
      belowTickOrders: this.orders - n,
      sigma: sigma.sigma,
      rawSigma: sigma.rawSigma,
      sigmaNoiseCorrected: sigma.noiseCorrected,
      sigmaSamples: sigma.samples,
      sigmaMinutes: sigma.minutes,
      lastMid: this.lastMid,
      buyOrders,
      sellOrders: n - buyOrders,
      fit: result.ok ? result.fit : null,
      fitError: result.ok ? null : result.reason,
      bookHours: observedS / 3600,
      tradeHours: this.tradeMinutes.reduce((a, b) => a + b, 0) / 60,
      observedMsByMinute: this.observedByMinute,
      depths: kept.subarray(0, n),
      depthMinutes: keptMinutes.subarray(0, n),
    };
  }
}
