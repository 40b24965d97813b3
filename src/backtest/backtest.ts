import type { MarketEvent } from '../core/market.ts';
import type { AccountSnapshot } from '../engine/account.ts';
import type { ParamsView } from '../engine/bot-view.ts';
import { SimulatedClock } from '../engine/clock.ts';
import type { EngineFill, EngineSubscriber } from '../engine/engine-events.ts';
import type { FundingPayment } from '../engine/funding.ts';
import { AssumedRateFunding } from '../engine/hourly-funding.ts';
import { type MarkoutSummary, MarkoutTracker } from '../engine/markouts.ts';
import { PaperVenue } from '../engine/paper-venue.ts';
import type { QuotingLoop } from '../engine/quoting-loop.ts';
import { TradingEngine } from '../engine/trading-engine.ts';
import type { SimVenue } from '../sim/sim-venue.ts';
import { OnlineParams, type ParamsSource } from '../strategy/online-params.ts';
import { type BacktestConfig, type ResolvedBacktestConfig, resolveBacktestConfig } from './config.ts';
import { FeedDelayQueue } from './feed-latency.ts';
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

/** A fill as kept for --fills-out (and the parity tests). */
export interface BacktestFillRecord extends FillPoint {
  /** Fee paid, quote (negative = rebate). */
  feeQuote: number;
  /** Signed position after the fill, base units. */
  positionBase: number;
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

/**
 * The latencies the backtest applied, ms (nearest-rank percentiles): feed = receive time − exchange time of each
 * event (0 with feed latency none), entry = order sent → live at the matching engine, response = report at the
 * exchange → received by the engine. NaN (null in JSON) when nothing was measured (no order sent).
 */
export interface LatencyStats {
  feedMsP50: number;
  feedMsP99: number;
  entryMsP50: number;
  entryMsP99: number;
  responseMsP50: number;
  responseMsP99: number;
  /** Events delivered with a delay, and those whose receive time was missing or before their exchange time. */
  feedEvents: number;
  feedSkewedEvents: number;
  entries: number;
  responses: number;
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
  /** pnl = final equity (cash + position × last mid, fees and funding included), quote. */
  pnlQuote: number;
  /** Orders sent to the venue: new orders + modifies (each modify places a replacement), as hlmm trade. */
  ordersPlaced: number;
  modifies: number;
  cancels: number;
  /** Orders the venue refused (post-only would cross, modify of a filled order…). */
  rejects: number;
  quoteCalls: number;
  /** Seconds of exchange time with a side (or both) withheld, per reason ("max position", "stale book"…). */
  pulledSeconds: Record<string, number>;
  /** The risk layer's kill switch, when it tripped during the run. */
  killSwitch: string | null;
  /** Every fill, when keepFills was set (else empty). */
  fillRecords: BacktestFillRecord[];
  /** Signed mid moves after each fill at 1, 10 and 60 s (src/engine/markouts.ts). */
  markouts: MarkoutSummary;
  latency: LatencyStats;
  config: Omit<ResolvedBacktestConfig, 'strategy' | 'logger'> & {
    strategy: string;
    /** Resting orders per side (the strategy's ladder levels). */
    levels: number;
  };
  series: BacktestSeries | null;
  /** With online parameters: what was quoted with over the run (null = calibrated parameters throughout). */
  paramsInUse: ParamsInUseStats | null;
}

/** Min, time-weighted mean and max of one parameter in use (weights: the time until the next refresh). */
export interface ParamRange {
  min: number;
  mean: number;
  max: number;
}

/** The online parameters over a backtest, to compare with a calibrated run on the same data. */
export interface ParamsInUseStats {
  source: ParamsSource;
  /** Refreshes of the online estimate. */
  refreshes: number;
  /** Share of refreshes whose σ (resp. A and k) came from the window rather than the fallback, 0–1. */
  sigmaOnlineShare: number;
  akOnlineShare: number;
  /** σ quote/√s, A 1/s, k 1/quote in use. */
  sigma: ParamRange;
  A: ParamRange;
  k: ParamRange;
}

/** Risk limits that never bind: a backtest without `risk` judges the strategy alone. */
const NO_RISK_LIMITS = {
  maxPositionLots: Number.POSITIVE_INFINITY,
  maxNotionalQuote: Number.POSITIVE_INFINITY,
  maxOrderSizeBase: Number.POSITIVE_INFINITY,
  dailyLossLimitQuote: null,
  maxDrawdownQuote: null,
  staleDataMs: Number.POSITIVE_INFINITY,
};

/**
 * One backtest = the trading engine of `hlmm trade` (TradingEngine: risk gate, Account, funding, OrderManager,
 * settle loop) + the paper venue (the shared SimVenue fill model) + a simulated clock stepped on event time. Feed
 * events in exchange-time order with `onEvent` (or use run.ts, which pumps the recorded files), then `finish()`.
 * The ledger and the report's series are subscribers to the engine's event stream; nothing here decides an order.
 */
export class BacktestEngine {
  readonly cfg: ResolvedBacktestConfig;
  readonly clock: SimulatedClock;
  readonly engine: TradingEngine;
  readonly paper: PaperVenue;
  /** The fill model's own view (open orders, pending actions). */
  readonly venue: SimVenue;
  readonly ledger: Ledger;
  private readonly recorder: BacktestRecorder;
  readonly markouts = new MarkoutTracker();
  private events = 0;
  private bboEvents = 0;
  private tradeEvents = 0;
  private bookEvents = 0;
  private startMs = Number.NaN;
  private lastT = Number.NaN;
  private readonly chart: BucketedSeries | null;
  private readonly row = [0, 0, 0, 0, 0];
  private lastSampleMs = Number.POSITIVE_INFINITY;
  /** Events on their way to the strategy (feed latency recorded), null when the strategy sees exchange time. */
  private readonly feed: FeedDelayQueue | null;

  /**
   * `clock`: a simulated clock shared with the other coins of one account (multi.ts steps it over the merged
   * events); absent = this run's own.
   */
  constructor(config: BacktestConfig, clock?: SimulatedClock) {
    const cfg = resolveBacktestConfig(config);
    this.cfg = cfg;
    this.clock = clock ?? new SimulatedClock();
    this.feed =
      cfg.fillModel.feedLatency === 'recorded' && cfg.fillModel.feedLatencyScale > 0
        ? new FeedDelayQueue(cfg.fillModel.feedLatencyScale)
        : null;
    this.paper = new PaperVenue({
      fillModel: cfg.fillModel,
      tidBase: 1,
      clock: this.clock,
      exchangeFeed: this.feed !== null,
    });
    this.venue = this.paper.sim;
    this.engine = new TradingEngine({
      info: {
        botName: 'backtest',
        ticker: cfg.coin,
        mode: 'dry',
        strategy: cfg.strategy.name,
        model: cfg.strategy.name.startsWith('glft') ? 'glft' : 'as',
        stakeCurrency: 'USDC',
        version: '0.1.0',
        feed: 'backtest',
      },
      coin: cfg.coin,
      strategy: cfg.strategy,
      lotBase: cfg.orderSizeBase,
      venue: this.paper,
      clock: this.clock,
      risk: { ...(cfg.risk ?? NO_RISK_LIMITS), lotBase: cfg.orderSizeBase },
      startingBalanceQuote: cfg.startingBalanceQuote,
      store: null,
      logger: cfg.logger,
      priceToleranceBps: cfg.priceToleranceBps,
      replaceWith: cfg.replaceWith,
      requoteIntervalMs: cfg.requoteIntervalMs,
      flatten: cfg.flatten,
      tickMs: 0,
      quoteLogIntervalMs: 0,
      funding: cfg.fundingRatePerHour !== 0 ? new AssumedRateFunding(cfg.fundingRatePerHour) : null,
      onlineParams: cfg.online === null ? null : new OnlineParams(cfg.online.settings, cfg.online.instrument),
    });
    this.ledger = new Ledger(cfg.orderSizeBase, cfg.maxPositionLots);
    this.chart = cfg.series ? new BucketedSeries(cfg.seriesPoints, 5) : null;
    this.recorder = new BacktestRecorder(
      this.ledger,
      cfg.series ? new ThinnedPoints<FillPoint>(cfg.seriesPoints) : null,
      cfg.keepFills,
      this.chart !== null ? (t) => this.sample(t) : null,
    );
    this.engine.subscribeEvents(this.recorder);
    this.engine.subscribeEvents(this.markouts);
    this.engine.acceptParams({ params: cfg.params, notes: [] } as never, 'backtest');
    this.engine.start();
  }

  get loop(): QuotingLoop {
    return this.engine.loop;
  }

  /**
   * One recorded event, in exchange-time order. Without feed latency the venue and the strategy see it now. With
   * it, the venue matches it now (exchange time) and the strategy sees it at its receive time: first every event
   * due to the strategy before this exchange time is delivered (the clock stepping to each), then the clock moves
   * here, the venue matches, and the events due by now (this one, when it had no delay) reach the strategy. At
   * the same ms the venue goes first: what the strategy sees at t, the exchange has already matched.
   */
  onEvent(ev: MarketEvent): void {
    const t = ev.exchMs;
    const feed = this.feed;
    if (feed !== null) {
      this.count(ev, t);
      if (feed.nextMs < t) this.deliverBefore(feed, t);
      this.clock.advanceTo(t);
      this.paper.matchMarket(ev);
      const at = feed.deliveryMs(ev);
      if (feed.nextMs <= t) this.deliverThrough(feed, t);
      if (at <= t) this.deliver(ev);
      else feed.push(at, ev);
      return;
    }
    this.clock.advanceTo(t);
    this.count(ev, t);
    this.engine.onMarket(ev);
    if (this.chart !== null && ev.kind === 'bbo') this.sample(t);
  }

  /** When the next event on its way to the strategy is due, exchange ms (Infinity when none waits). */
  nextFeedMs(): number {
    return this.feed === null ? Number.POSITIVE_INFINITY : this.feed.nextMs;
  }

  /**
   * Hands the strategy the next event on its way (the clock stepped to its due time). Several coins on one clock
   * (backtest --tickers) call this across every engine in due-time order before the clock moves past it.
   */
  deliverNextFeed(): void {
    const feed = this.feed;
    if (feed === null || !Number.isFinite(feed.nextMs)) return;
    this.clock.advanceTo(feed.nextMs);
    this.deliver(feed.pop());
  }

  private deliverBefore(feed: FeedDelayQueue, t: number): void {
    while (feed.nextMs < t) {
      const at = feed.nextMs;
      const ev = feed.pop();
      this.clock.advanceTo(at);
      this.deliver(ev);
    }
  }

  private deliverThrough(feed: FeedDelayQueue, t: number): void {
    while (feed.nextMs <= t) this.deliver(feed.pop());
  }

  /** The strategy's side sees `ev` (the clock is at its delivery time). */
  private deliver(ev: MarketEvent): void {
    this.engine.onMarket(ev);
    if (this.chart !== null && ev.kind === 'bbo') this.sample(this.clock.nowMs());
  }

  private count(ev: MarketEvent, t: number): void {
    this.events++;
    if (t !== this.lastT) {
      if (Number.isNaN(this.startMs)) this.startMs = t;
      this.lastT = t;
    }
    if (ev.kind === 'bbo') this.bboEvents++;
    else if (ev.kind === 'trade') this.tradeEvents++;
    else this.bookEvents++;
  }

  finish(): BacktestResult {
    const feed = this.feed;
    // The strategy sees the events still on their way; reports still on their way are delivered (their fills
    // happened at the exchange, the account must hold them).
    if (feed !== null) this.deliverBefore(feed, Number.POSITIVE_INFINITY);
    this.paper.deliverAll();
    this.engine.finishSimulation();
    const s = this.ledger.snapshot();
    const lot = this.cfg.orderSizeBase;
    const om = this.engine.orderCounts;
    const { strategy, logger: _logger, ...rest } = this.cfg;
    let series: BacktestSeries | null = null;
    const points = this.recorder.fillPoints;
    if (this.chart !== null && points !== null) {
      const [tMs, mid, bidPx, askPx, positionBase, equityQuote] = this.chart.toArrays();
      series = {
        tMs,
        mid,
        bidPx,
        askPx,
        positionBase,
        equityQuote,
        fills: points.items,
        fillsOffered: points.offered,
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
      // As hlmm trade counts them: new orders + modifies (each modify places a replacement order).
      ordersPlaced: om.places + om.modifies,
      modifies: om.modifies,
      cancels: om.cancels,
      rejects: om.rejects,
      quoteCalls: this.engine.loop.quoteCalls,
      pulledSeconds: this.recorder.pulledSeconds(this.lastT),
      killSwitch: this.engine.guard.killSwitch.reason,
      fillRecords: this.recorder.fills,
      markouts: this.markouts.summary(),
      latency: this.latencyStats(),
      config: { ...rest, strategy: strategy.name, levels: strategy.levels ?? 1 },
      series,
      paramsInUse: this.recorder.paramsStats(this.lastT),
    };
  }

  private latencyStats(): LatencyStats {
    const feed = this.feed;
    const entry = this.paper.latency.entryMs;
    const response = this.paper.latency.responseMs;
    const instant = this.paper.latency.instantReports;
    return {
      feedMsP50: feed !== null ? feed.delays.quantileMs(0.5) : 0,
      feedMsP99: feed !== null ? feed.delays.quantileMs(0.99) : 0,
      entryMsP50: entry.quantileMs(0.5),
      entryMsP99: entry.quantileMs(0.99),
      responseMsP50: instant ? 0 : response.quantileMs(0.5),
      responseMsP99: instant ? 0 : response.quantileMs(0.99),
      feedEvents: feed !== null ? feed.delays.count : 0,
      feedSkewedEvents: feed !== null ? feed.skewed : 0,
      entries: entry.count,
      responses: response.count,
    };
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

/**
 * The backtest's subscriber to the engine's stream: the ledger (PnL attribution, inventory and minute
 * statistics), the chart's fill points, the fills list and the time spent with quotes withheld per reason.
 */
class BacktestRecorder implements EngineSubscriber {
  readonly fills: BacktestFillRecord[] = [];
  private reason: string | null = null;
  private reasonSinceMs = Number.NaN;
  private readonly pulled: Record<string, number> = {};
  private inUse: { sigma: number; A: number; k: number; sinceMs: number; source: ParamsSource } | null = null;
  private refreshes = 0;
  private sigmaOnline = 0;
  private akOnline = 0;
  private readonly paramAcc = [0, 1, 2].map(() => ({
    min: Number.POSITIVE_INFINITY,
    max: Number.NEGATIVE_INFINITY,
    sum: 0,
    w: 0,
  }));

  constructor(
    private readonly ledger: Ledger,
    readonly fillPoints: ThinnedPoints<FillPoint> | null,
    private readonly keepFills: boolean,
    private readonly sampleAt: ((t: number) => void) | null,
  ) {}

  clock(nowMs: number): void {
    this.ledger.advance(nowMs);
  }

  market(ev: MarketEvent): void {
    if (ev.kind === 'bbo') this.ledger.onMid((ev.bidPx + ev.askPx) / 2);
  }

  fill(f: EngineFill): void {
    this.ledger.onFill(f.side, f.px, f.sz, f.feeQuote, f.liquidity === 'taker');
    if (this.keepFills)
      this.fills.push({
        tMs: f.exchMs,
        side: f.side,
        px: f.px,
        sz: f.sz,
        liquidity: f.liquidity,
        feeQuote: f.feeQuote,
        positionBase: f.positionBase,
      });
    if (this.fillPoints !== null) {
      this.fillPoints.push({ tMs: f.exchMs, side: f.side, px: f.px, sz: f.sz, liquidity: f.liquidity });
      this.sampleAt?.(f.exchMs);
    }
  }

  funding(p: FundingPayment, _a: AccountSnapshot): void {
    this.ledger.onFunding(p.amountQuote);
  }

  params(view: ParamsView): void {
    const p = view.inUse;
    if (p === undefined || p.updatedMs === null) return;
    this.closeParams(p.updatedMs);
    this.inUse = { sigma: p.sigma, A: p.A, k: p.k, sinceMs: p.updatedMs, source: p.source };
    this.refreshes++;
    if (p.sigmaFrom !== 'calibrated') this.sigmaOnline++;
    if (p.akFrom !== 'calibrated') this.akOnline++;
  }

  /** The online parameters over the run, the last ones weighted up to `endMs`; null when none were refreshed. */
  paramsStats(endMs: number): ParamsInUseStats | null {
    if (this.inUse === null) return null;
    const source = this.inUse.source;
    this.closeParams(endMs);
    this.inUse = null;
    const range = (i: number): ParamRange => {
      const a = this.paramAcc[i] as { min: number; max: number; sum: number; w: number };
      return { min: a.min, mean: a.w > 0 ? a.sum / a.w : Number.NaN, max: a.max };
    };
    return {
      source,
      refreshes: this.refreshes,
      sigmaOnlineShare: this.sigmaOnline / this.refreshes,
      akOnlineShare: this.akOnline / this.refreshes,
      sigma: range(0),
      A: range(1),
      k: range(2),
    };
  }

  private closeParams(nowMs: number): void {
    const p = this.inUse;
    if (p === null) return;
    const w = Math.max(0, nowMs - p.sinceMs);
    [p.sigma, p.A, p.k].forEach((x, i) => {
      const a = this.paramAcc[i] as { min: number; max: number; sum: number; w: number };
      if (x < a.min) a.min = x;
      if (x > a.max) a.max = x;
      a.sum += x * w;
      a.w += w;
    });
  }

  withheld(reason: string | null, nowMs: number): void {
    this.closeReason(nowMs);
    this.reason = reason;
    this.reasonSinceMs = nowMs;
  }

  /** Seconds per reason, the running one counted up to `endMs`. */
  pulledSeconds(endMs: number): Record<string, number> {
    const out: Record<string, number> = { ...this.pulled };
    if (this.reason !== null && endMs > this.reasonSinceMs)
      out[this.reason] = (out[this.reason] ?? 0) + (endMs - this.reasonSinceMs) / 1000;
    for (const k of Object.keys(out)) out[k] = Math.round(out[k] * 1000) / 1000;
    return out;
  }

  private closeReason(nowMs: number): void {
    if (this.reason === null || !(nowMs > this.reasonSinceMs)) return;
    this.pulled[this.reason] = (this.pulled[this.reason] ?? 0) + (nowMs - this.reasonSinceMs) / 1000;
  }
}
