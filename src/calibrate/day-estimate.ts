/**
 * One UTC day's estimates (σ, λ(δ) fit, aggressor counts, observed time), accumulated from the merged market
 * stream in one pass with O(1) state besides the day's aggressor depths (and, when γ is searched, the day's
 * events kept for the backtests).
 */
import type { MarketEvent } from '../core/market.ts';
import type { AggressiveOrder } from './aggressors.ts';
import { DayEventStore } from './day-events.ts';
import { fitIntensity, type IntensityFit } from './intensity.ts';
import { utcDateKey } from './trading-day.ts';
import { MidGridVolatility } from './volatility.ts';

export interface DayEstimate {
  date: string;
  dayStartMs: number;
  firstMs: number;
  lastMs: number;
  /** Seconds the market was recorded this day (gaps longer than the max gap left out). */
  observedS: number;
  /** σ of 1 s mid changes, quote/√s. */
  sigma: number;
  sigmaSamples: number;
  lastMid: number;
  buyOrders: number;
  sellOrders: number;
  fit: IntensityFit | null;
  /** Why the fit failed, when it did. */
  fitError: string | null;
}

/** Accumulates one day. Feed events in exchange-time order, aggressive orders as the grouper emits them. */
export class DayAccumulator {
  readonly dayStartMs: number;
  readonly events: DayEventStore | null;
  private readonly vol: MidGridVolatility;
  private readonly maxGapMs: number;
  private depths = new Float64Array(1024);
  private orders = 0;
  private buyOrders = 0;
  private sellOrders = 0;
  private firstMs = Number.NaN;
  private lastMs = Number.NaN;
  private observedMs = 0;
  private lastMid = Number.NaN;

  /** `keepEventsCapacity`: keep the day's events for the γ search, starting with room for that many (0 = do not keep). */
  constructor(dayStartMs: number, maxGapMs: number, keepEventsCapacity: number) {
    this.dayStartMs = dayStartMs;
    this.maxGapMs = maxGapMs;
    this.vol = new MidGridVolatility(maxGapMs);
    this.events = keepEventsCapacity > 0 ? new DayEventStore(keepEventsCapacity) : null;
  }

  get lastEventMs(): number {
    return this.lastMs;
  }

  /** Any event: observed time, and the event kept for backtests. */
  onEvent(ev: MarketEvent): void {
    const ms = ev.exchMs;
    if (Number.isNaN(this.firstMs)) this.firstMs = ms;
    else if (ms > this.lastMs) {
      const gap = ms - this.lastMs;
      if (gap <= this.maxGapMs) this.observedMs += gap;
    }
    if (!(ms < this.lastMs)) this.lastMs = ms;
    this.events?.push(ev);
  }

  onMid(exchMs: number, mid: number): void {
    this.vol.addMid(exchMs, mid);
    this.lastMid = mid;
  }

  onAggressor(order: AggressiveOrder): void {
    if (this.orders === this.depths.length) {
      const bigger = new Float64Array(this.depths.length * 2);
      bigger.set(this.depths);
      this.depths = bigger;
    }
    this.depths[this.orders++] = order.depth;
    if (order.side === 'buy') this.buyOrders++;
    else this.sellOrders++;
  }

  finish(tick: number, minOrders: number): DayEstimate {
    const sigma = this.vol.estimate();
    const observedS = this.observedMs / 1000;
    const result = fitIntensity(this.depths.subarray(0, this.orders), observedS, tick, minOrders);
    return {
      date: utcDateKey(this.dayStartMs),
      dayStartMs: this.dayStartMs,
      firstMs: this.firstMs,
      lastMs: this.lastMs,
      observedS,
      sigma: sigma.sigma,
      sigmaSamples: sigma.samples,
      lastMid: this.lastMid,
      buyOrders: this.buyOrders,
      sellOrders: this.sellOrders,
      fit: result.ok ? result.fit : null,
      fitError: result.ok ? null : result.reason,
    };
  }
}
