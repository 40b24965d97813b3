import type { MarketEvent } from '../core/market.ts';
import { OrderManager } from '../engine/order-manager.ts';
import { QuotingLoop } from '../engine/quoting-loop.ts';
import { RateFeeModel } from '../sim/fees.ts';
import { ConstantLatency } from '../sim/latency.ts';
import type { OrderAction } from '../sim/orders.ts';
import { createQueueModel } from '../sim/queue.ts';
import { SimVenue } from '../sim/sim-venue.ts';
import { type BacktestConfig, type ResolvedBacktestConfig, resolveBacktestConfig } from './config.ts';
import { Ledger, type LedgerSnapshot } from './ledger.ts';
import { BucketedSeries, ThinnedPoints } from './series.ts';

/** A pause in the market data longer than this is drawn as a gap in the report's charts. */
const DATA_GAP_MS = 5 * 60_000;

/** A fill as kept for charts. */
export interface FillPoint {
  tMs: number;
  side: 'buy' | 'sell';
  px: number;
  sz: number;
  liquidity: 'maker' | 'taker';
}

/** Chart series, downsampled (see series.ts). Times in Unix ms; NaN = no value (e.g. no resting quote). */
export interface BacktestSeries {
  tMs: number[];
  mid: number[];
  /** Price of our resting bid / ask at the exchange (NaN when none). */
  bidPx: number[];
  askPx: number[];
  positionBase: number[];
  equityQuote: number[];
  fills: FillPoint[];
  /** Fills in total (fills above may be thinned). */
  fillsOffered: number;
}

export interface BacktestResult extends LedgerSnapshot {
  events: number;
  bboEvents: number;
  tradeEvents: number;
  bookEvents: number;
  /** Exchange time of the first and last event, Unix ms (NaN when there were none). */
  startMs: number;
  endMs: number;
  fills: number;
  finalPositionLots: number;
  maxAbsPositionLots: number;
  /** pnl = final equity (cash + position × last mid, fees included), quote. */
  pnlQuote: number;
  ordersPlaced: number;
  modifies: number;
  cancels: number;
  /** Orders the venue refused (post-only would cross, modify of a filled order…). */
  rejects: number;
  quoteCalls: number;
  config: Omit<ResolvedBacktestConfig, 'strategy'> & { strategy: string };
  series: BacktestSeries | null;
}

/**
 * One backtest: the strategy, OrderManager and QuotingLoop of the live bot, the SimVenue fill model and the
 * ledger. Feed events in exchange-time order with `onEvent`, then `finish()`. Synchronous and allocation-light
 * per event (the hot path is a BBO update with at most two resting orders).
 *
 * Timer: a live bot polls its loop every `requoteIntervalMs` even when no market event arrives. Between two
 * events further apart than that, the engine replays those ticks (venue clock advanced, loop polled), so the
 * strategy's stale-book rule can pull quotes during a silent stretch before the next print arrives — not only at
 * that print, after it already filled them. Ticks stop early once nothing rests, nothing is in flight and the
 * last answer quoted nothing (no tick could change anything until the next event).
 */
export class BacktestEngine {
  readonly cfg: ResolvedBacktestConfig;
  readonly venue: SimVenue;
  readonly loop: QuotingLoop;
  readonly ledger: Ledger;
  private events = 0;
  private bboEvents = 0;
  private tradeEvents = 0;
  private bookEvents = 0;
  private startMs = Number.NaN;
  private lastT = Number.NaN;
  private readonly chart: BucketedSeries | null;
  private readonly fillPoints: ThinnedPoints<FillPoint> | null;
  private readonly row = [0, 0, 0, 0, 0];
  private lastSampleMs = Number.POSITIVE_INFINITY;

  constructor(config: BacktestConfig) {
    const cfg = resolveBacktestConfig(config);
    this.cfg = cfg;
    this.venue = new SimVenue({
      queue: createQueueModel(cfg.queue, cfg.queuePower),
      latency: new ConstantLatency(cfg.latencyMs, cfg.cancelLatencyMs),
      fees: new RateFeeModel(cfg.makerFeeRate, cfg.takerFeeRate),
    });
    const orderManager = new OrderManager({
      priceToleranceBps: cfg.priceToleranceBps,
      replaceWith: cfg.replaceWith,
      tif: 'alo',
    });
    this.loop = new QuotingLoop({
      strategy: cfg.strategy,
      params: cfg.params,
      orderManager,
      requoteIntervalMs: cfg.requoteIntervalMs,
    });
    this.ledger = new Ledger(cfg.orderSizeBase, cfg.maxPositionLots);
    this.chart = cfg.series ? new BucketedSeries(cfg.seriesPoints, 5) : null;
    this.fillPoints = cfg.series ? new ThinnedPoints<FillPoint>(cfg.seriesPoints) : null;
  }

  onEvent(ev: MarketEvent): void {
    const t = ev.exchMs;
    const interval = this.cfg.requoteIntervalMs;
    if (interval > 0 && t - this.lastT > interval) this.runTimer(t);
    this.events++;
    if (t !== this.lastT) {
      if (Number.isNaN(this.startMs)) this.startMs = t;
      this.ledger.advance(t);
      this.lastT = t;
    }
    const venue = this.venue;
    venue.onEvent(ev);
    if (venue.reports.length > 0) this.drainReports();
    if (ev.kind === 'bbo') {
      this.bboEvents++;
      this.ledger.onMid((ev.bidPx + ev.askPx) / 2);
    } else if (ev.kind === 'trade') {
      this.tradeEvents++;
    } else {
      this.bookEvents++;
    }
    let actions = this.loop.onMarket(ev);
    // Zero latency can answer at once; a few rounds settle it (a strategy that keeps being rejected stops here).
    for (let round = 0; actions.length > 0 && round < 4; round++) {
      this.send(actions, t);
      if (venue.reports.length === 0) break;
      this.drainReports();
      actions = this.loop.poll(t);
    }
    if (this.chart !== null && ev.kind === 'bbo') this.sample(t);
  }

  finish(): BacktestResult {
    const s = this.ledger.snapshot();
    const lot = this.cfg.orderSizeBase;
    const om = this.loop.orderManager.counts;
    const { strategy, ...rest } = this.cfg;
    let series: BacktestSeries | null = null;
    if (this.chart !== null && this.fillPoints !== null) {
      const [tMs, mid, bidPx, askPx, positionBase, equityQuote] = this.chart.toArrays();
      series = {
        tMs,
        mid,
        bidPx,
        askPx,
        positionBase,
        equityQuote,
        fills: this.fillPoints.items,
        fillsOffered: this.fillPoints.offered,
      };
    }
    return {
      ...s,
      events: this.events,
      bboEvents: this.bboEvents,
      tradeEvents: this.tradeEvents,
      bookEvents: this.bookEvents,
      startMs: this.startMs,
      endMs: this.lastT,
      fills: s.buyFills + s.sellFills,
      finalPositionLots: s.positionBase / lot,
      maxAbsPositionLots: s.maxAbsPositionBase / lot,
      pnlQuote: s.equityQuote,
      ordersPlaced: om.places,
      modifies: om.modifies,
      cancels: om.cancels,
      rejects: om.rejects,
      quoteCalls: this.loop.quoteCalls,
      config: { ...rest, strategy: strategy.name },
      series,
    };
  }

  /** Timer ticks strictly between the previous event and `t` (see the class comment). */
  private runTimer(t: number): void {
    const interval = this.cfg.requoteIntervalMs;
    const venue = this.venue;
    const loop = this.loop;
    for (let tick = this.lastT + interval; tick < t; tick += interval) {
      const lq = loop.lastQuote;
      if (venue.openOrders().length === 0 && venue.pendingCount === 0 && lq !== null && !lq.bid && !lq.ask)
        break;
      this.ledger.advance(tick);
      this.lastT = tick;
      venue.advanceTo(tick);
      if (venue.reports.length > 0) this.drainReports();
      let actions = loop.poll(tick);
      for (let round = 0; actions.length > 0 && round < 4; round++) {
        this.send(actions, tick);
        if (venue.reports.length === 0) break;
        this.drainReports();
        actions = loop.poll(tick);
      }
    }
  }

  private send(actions: OrderAction[], t: number): void {
    for (const a of actions) this.venue.submit(a, t);
  }

  private drainReports(): void {
    const venue = this.venue;
    const reports = venue.reports;
    for (let i = 0; i < reports.length; i++) {
      const r = reports[i];
      if (this.loop.onReport(r) !== null && r.type === 'fill') {
        this.ledger.onFill(r.side, r.px, r.sz, r.feeQuote, r.liquidity === 'taker');
        if (this.fillPoints !== null) {
          this.fillPoints.push({ tMs: r.exchMs, side: r.side, px: r.px, sz: r.sz, liquidity: r.liquidity });
          if (this.chart !== null) this.sample(r.exchMs);
        }
      }
    }
    venue.clearReports();
  }

  private sample(t: number): void {
    const chart = this.chart as BucketedSeries;
    // No line across a hole in the recording (the bundled sample has hours without data).
    if (t - this.lastSampleMs > DATA_GAP_MS) chart.breakAt((this.lastSampleMs + t) / 2);
    this.lastSampleMs = t;
    const row = this.row;
    row[0] = this.ledger.mid;
    row[1] = Number.NaN;
    row[2] = Number.NaN;
    for (const o of this.venue.openOrders()) {
      if (o.side === 'buy') row[1] = o.px;
      else row[2] = o.px;
    }
    row[3] = this.ledger.position;
    row[4] = this.ledger.equity;
    chart.push(t, row);
  }
}
