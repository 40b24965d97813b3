import { createLogger, type LogFields, type Logger } from '../core/log.ts';
import type { MarketEvent, Side } from '../core/market.ts';
import type { OrderAction } from '../core/orders.ts';
import { RecentTradeIds } from '../data/trade-dedup.ts';
import type { ModelParams } from '../model/params.ts';
import type { LoadedParams } from '../model/params-file.ts';
import type { RiskEventKind } from '../store/records.ts';
import { type StoreEvent, StoreGuard } from '../store/store-guard.ts';
import type { TradeStore } from '../store/trade-store.ts';
import { DEFAULT_INSTRUMENT } from '../strategy/config.ts';
import { calibratedInUse, type OnlineParams, type ParamsInUse } from '../strategy/online-params.ts';
import type { DesiredQuotes, QuoteExplain, QuoteIntent, Strategy } from '../strategy/types.ts';
import { Account, type EarlierToday, type SavedAccount } from './account.ts';
import type {
  AccountState,
  BotEvent,
  BotInfo,
  BotView,
  ForceEntryOutcome,
  OpenOrderView,
  ParamsView,
  RiskState,
} from './bot-view.ts';
import type { Clock, TimerId } from './clock.ts';
import { ENGINE_DEFAULTS } from './defaults.ts';
import { EngineEvents, type EngineFill, type EngineSubscriber } from './engine-events.ts';
import { EngineView, LogSink } from './engine-view.ts';
import {
  FLATTEN_DEFAULTS,
  Flattener,
  type FlattenOutcome,
  type FlattenRequest,
  type FlattenSettings,
} from './flatten.ts';
import { planForceEntry } from './force-entry.ts';
import type { FundingPayment, FundingSource } from './funding.ts';
import { FundingBook } from './funding-book.ts';
import { OrderManager } from './order-manager.ts';
import { QuotingLoop } from './quoting-loop.ts';
import { RiskGatedStrategy, RiskGuard, type RiskLimits } from './risk.ts';
import { StoreRecorder } from './store-recorder.ts';
import { FILL_IDS_REMEMBERED, type Venue, type VenueReportEvent } from './venue.ts';

/**
 * The trading engine: the one run loop of backtest, paper and live trading, for one market. Each market event
 * goes to the venue (the paper fill model matches on it) and then to the QuotingLoop (strategy behind the risk
 * gate → OrderManager → actions), whose actions go to the venue; venue reports come back into the loop. Around
 * that loop: the risk guard (kill switch, stale data, limits), the account (PnL with fees and funding) and the
 * settle loop. Everything else — the store, the API's view, logs, a backtest's ledger — subscribes to the
 * engine's event stream (engine-events.ts); the worlds differ only in the clock, the venue, the feed and the
 * subscribers:
 *
 *   backtest       SimulatedClock     PaperVenue (SimVenue)   recorded files pumped in    ledger, report
 *   paper          WallClock          PaperVenue (SimVenue)   Hyperliquid WebSocket       store, API, logs
 *   trade --replay ReplayFollowClock  PaperVenue | live venue fake exchange's WebSocket  store, API, logs
 *   live           WallClock          HyperliquidVenue        Hyperliquid WebSocket       store, API, logs
 *
 * Timers (all on the clock, none of the engine's own):
 * - the re-quote timer: a bot polls its loop `requoteIntervalMs` after its last step even when no market event
 *   arrives, so the stale-book rule pulls quotes during a silent stretch, not at the next print after it already
 *   filled them. It stops once nothing rests, nothing is in flight and the last answer quoted nothing (no tick
 *   could change anything until the next event), and restarts with the next event.
 * - the housekeeping timer (`tickMs`, live and paper: venue retries and arrivals, risk checks, status snapshots).
 *   A backtest runs without it (`tickMs: 0`): its venue applies arrivals exactly at event times and re-quote ticks.
 *
 * Re-entrancy: venue reports may arrive while the engine is sending (the paper venue answers synchronously); they
 * are queued and applied after the current step, so the loop and the subscribers always see them in order.
 */
export interface TradingEngineOptions {
  info: Omit<BotInfo, 'startedMs'>;
  coin: string;
  strategy: Strategy;
  /** One lot, base units (q = position ÷ lot). */
  lotBase: number;
  venue: Venue;
  clock: Clock;
  risk: RiskLimits;
  startingBalanceQuote: number;
  store: TradeStore | null;
  /** Process logger; null = no log lines (a backtest subscribes its own sink when it wants them). */
  logger: Logger | null;
  /** Keep a resting quote within this many bps of the model price (fewer re-prices). Default: defaults.ts. */
  priceToleranceBps?: number;
  /** Replace a mispriced quote with one `modify` (default) or with cancel, then place. */
  replaceWith?: 'modify' | 'cancel-then-place';
  /** Ask the strategy at least this often, bot ms (0 = only on events). Default: defaults.ts. */
  requoteIntervalMs?: number;
  /** At most one model-values log line per this many wall ms, on change (0 = no quote lines). Default 1000. */
  quoteLogIntervalMs?: number;
  /** PnL snapshot to the store (and a status line) every this many wall ms. */
  snapshotIntervalMs?: number;
  /** Housekeeping timer period, bot ms (0 = none: backtests). Default 100. */
  tickMs?: number;
  /** Called by the reloadConfig control. */
  reloadParams?: () => void;
  /** Funding payments (live: the exchange's; paper: simulated each hour; backtest: an assumed rate). */
  funding?: FundingSource | null;
  /** The operator's time for run records, logs and snapshots (default: the bot clock). */
  wallNowMs?: () => number;
  /**
   * Online σ, A, k (params_source online or blend): fed every market event, refreshed on a clock timer; null or
   * absent = the calibrated parameters only.
   */
  onlineParams?: OnlineParams | null;
  /** Flatten: slippage cap and whether the kill switch flattens (default FLATTEN_DEFAULTS, flatten.ts). */
  flatten?: Partial<FlattenSettings>;
}

export interface EngineRunSummary {
  mode: 'dry' | 'live';
  ticker: string;
  orders_placed: number;
  modifies: number;
  cancels: number;
  rejects: number;
  fills: number;
  duplicate_fills_ignored: number;
  position: number;
  avg_entry_px: number | null;
  realized_pnl: number;
  unrealized_pnl: number;
  fees: number;
  funding: number;
  cash: number;
  equity: number;
  /** equity − starting balance, quote (what backtest --json calls pnl). */
  pnl: number;
  max_drawdown: number;
  kill_switch: string | null;
  market_events: number;
  quotes: number;
  run_seconds: number;
}

/** Client ids for orders outside the OrderManager (flatten), far above any id it will hand out. */
const FLATTEN_CID_BASE = 1_000_000_000;
/** Client ids of force entries (API forceenter), a range of their own above the flatten ids. */
const FORCE_ENTRY_CID_BASE = 1_500_000_000;
/** Settle loop: report → re-quote rounds per step (a strategy that keeps being rejected stops here). */
const SETTLE_ROUNDS = 100;

export class TradingEngine implements BotView {
  readonly loop: QuotingLoop;
  readonly guard: RiskGuard;
  readonly accounting: Account;
  readonly events = new EngineEvents();
  readonly startedMs: number;
  private readonly om: OrderManager;
  private readonly opts: TradingEngineOptions;
  private readonly venue: Venue;
  private readonly clock: Clock;
  /** Writes never throw: a failing store pulls the quotes until it writes again (see StoreGuard). */
  private readonly store: StoreGuard | null;
  private readonly recorder: StoreRecorder | null;
  private readonly view: EngineView;
  private readonly fundingBook: FundingBook;
  private readonly wallNow: () => number;
  private readonly requoteMs: number;
  /** Mutated in place on a reload: QuotingLoop holds this object. */
  private readonly liveParams: ModelParams = {
    sigma: Number.NaN,
    A: Number.NaN,
    k: Number.NaN,
    gamma: Number.NaN,
  };
  private paramsView: ParamsView = { current: null, source: null, loadedMs: null };
  private readonly online: OnlineParams | null;
  private onlineTimer: TimerId | null = null;
  /** The parameters file's values (what the online estimate falls back to and is bounded by). */
  private calibrated: ModelParams | null = null;
  private inUse: ParamsInUse | null = null;
  private readonly inbox: VenueReportEvent[] = [];
  private busy = false;
  private housekeeping: TimerId | null = null;
  private requoteTimer: TimerId | null = null;
  private readonly onRequoteTimer = () => this.requoteTick();
  /**
   * The online refresh, every refreshMs while the market talks. Once the window holds no event any more (a
   * recording hole, a dead feed) every refresh would give the same empty window, so the timer stops and the next
   * market event re-arms it: a simulated clock crossing a hole of hours does not fire thousands of refreshes.
   */
  private readonly onOnlineTimer = () => {
    this.onlineTimer = null;
    if (this.stopped || this.online === null) return;
    this.step(() => this.refreshOnline());
    if (!this.online.windowEmpty(this.now()) && this.onlineTimer === null)
      this.onlineTimer = this.clock.setTimeout(this.onOnlineTimer, this.online.refreshMs);
  };
  /** Fill ids already booked (bounded: a venue re-sends only recent fills). */
  private readonly seenTids = new RecentTradeIds(FILL_IDS_REMEMBERED);
  private duplicateFills = 0;
  /** Places and modifies the venue refused without sending (they are not orders placed). */
  private actionsNotSent = 0;
  /** The one flatten (button, forceexit, kill switch): one at a time, re-tried within its slippage cap. */
  private readonly flattener: Flattener;
  private marketEvents = 0;
  private lastClockMs = Number.NaN;
  private lastStepMs = Number.NaN;
  private lastQuoteLogWall = Number.NEGATIVE_INFINITY;
  private lastQuoteKey = '';
  private lastSnapshotWall = 0;
  private maxDrawdown = 0;
  private flattenCid = FLATTEN_CID_BASE;
  private forceEntryCid = FORCE_ENTRY_CID_BASE;
  private stopped = false;
  private pulledFor: string | null = null;
  private seenQuote: DesiredQuotes | null = null;
  private withheldReason: string | null = null;

  constructor(opts: TradingEngineOptions) {
    this.opts = opts;
    this.venue = opts.venue;
    this.clock = opts.clock;
    // Writes never throw: a failing store pulls the quotes until it writes again (StoreGuard). The recorder and
    // the funding book write through the same guard.
    this.store = opts.store
      ? StoreGuard.wrap(opts.store, {
          logger: opts.logger?.child('store') ?? createLogger({ component: 'store', quiet: true }),
        })
      : null;
    this.store?.subscribe((e) => this.onStoreEvent(e));
    this.wallNow = opts.wallNowMs ?? (() => opts.clock.nowMs());
    this.startedMs = this.wallNow();
    this.requoteMs = opts.requoteIntervalMs ?? ENGINE_DEFAULTS.requoteIntervalMs;
    this.online = opts.onlineParams ?? null;
    this.guard = new RiskGuard(opts.risk);
    this.accounting = new Account(opts.startingBalanceQuote);
    this.om = new OrderManager({
      priceToleranceBps: opts.priceToleranceBps ?? ENGINE_DEFAULTS.priceToleranceBps,
      replaceWith: opts.replaceWith ?? ENGINE_DEFAULTS.replaceWith,
      tif: 'alo',
      levels: opts.strategy.levels ?? 1,
    });
    this.loop = new QuotingLoop({
      strategy: new RiskGatedStrategy(opts.strategy, this.guard),
      params: this.liveParams,
      orderManager: this.om,
      requoteIntervalMs: this.requoteMs,
    });
    this.fundingBook = new FundingBook(opts.funding ?? null, this.store, opts.coin);
    if (opts.logger) this.events.subscribe(new LogSink(opts.logger));
    this.view = new EngineView(this.wallNow, () => ({
      type: 'status',
      account: this.account(),
      risk: this.risk(),
    }));
    this.events.subscribe(this.view);
    this.recorder = this.store ? new StoreRecorder(this.store, opts.coin, this.wallNow) : null;
    if (this.recorder) this.events.subscribe(this.recorder);
    this.flattener = new Flattener(
      {
        positionBase: () => this.loop.positionBase,
        bbo: () => this.loop.bbo,
        nowMs: () => this.now(),
        nextCid: () => this.flattenCid++,
        send: (order) => this.send([order]),
        log: (level, msg, fields) => this.emitLog(level, msg, fields),
        setTimeout: (fn, ms) => {
          this.clock.setTimeout(() => this.step(fn), ms);
        },
        instrument: opts.risk.instrument ?? DEFAULT_INSTRUMENT,
      },
      { ...FLATTEN_DEFAULTS, ...opts.flatten },
    );
    this.venue.onReports = (events) => {
      for (const e of events) this.inbox.push(e);
      if (!this.busy) this.step(() => {});
    };
  }

  /** Adds a subscriber to the engine's event stream (engine-events.ts); returns the unsubscribe function. */
  subscribeEvents(s: EngineSubscriber): () => void {
    return this.events.subscribe(s);
  }

  // ------------------------------------------------------------------ lifecycle

  /** Restores paper state or the exchange position, records the run, starts the timers. */
  start(restore?: {
    account?: SavedAccount;
    positionFromExchange?: { positionBase: number; entryPx: number | null };
  }): void {
    if (restore?.account) {
      this.accounting.restore(restore.account, (fromMs, toMs) => this.earlierToday(fromMs, toMs));
      this.loop.positionBase = restore.account.positionBase;
    }
    if (restore?.positionFromExchange) {
      const p = restore.positionFromExchange;
      this.accounting.setPosition(p.positionBase, p.entryPx);
      this.loop.positionBase = p.positionBase;
    }
    if (this.store && this.recorder)
      this.recorder.runId = this.store.startRun({
        startedMs: this.wallNow(),
        mode: this.opts.info.mode,
        ticker: this.opts.coin,
      });
    const tickMs = this.opts.tickMs ?? 100;
    if (tickMs > 0) this.housekeeping = this.clock.setInterval(() => this.onTimer(), tickMs);
    this.fundingBook.source?.start((p) => {
      if (!this.stopped) this.step(() => this.bookFunding(p));
    });
  }

  /**
   * The store's equity earlier on the restart's UTC day, for this coin (one bot per database file, so these are
   * this bot's earlier runs): the day's first snapshot is the day start, their highest the peak.
   */
  private earlierToday(fromMs: number, toMs: number): EarlierToday | null {
    if (!this.store) return null;
    let first: number | null = null;
    let peak: number | null = null;
    for (const p of this.store.pnlSnapshots({ fromMs, toMs })) {
      if (p.coin !== this.opts.coin || !Number.isFinite(p.equityQuote)) continue;
      if (first === null) first = p.equityQuote;
      if (peak === null || p.equityQuote > peak) peak = p.equityQuote;
    }
    return first === null ? null : { dayStartEquityQuote: first, peakEquityQuote: peak };
  }

  /** Cancels resting orders, persists, returns the summary. Safe to call twice. */
  async stop(reason: string): Promise<EngineRunSummary> {
    if (!this.stopped) {
      this.stopped = true;
      this.stopTimers();
      this.flattener.stop();
      this.guard.stoppedByUser = true;
      // The loop forgets its quotes (its cancel actions are not sent: the venue's cancelAll below cancels every
      // resting order, these included), so the reports that cancelAll brings back re-place nothing.
      this.loop.withdrawQuotes();
      try {
        await this.venue.cancelAll(this.now());
      } catch (err) {
        this.emitLog('error', 'cancelling resting orders at shutdown failed', { error: errText(err) });
      }
      await this.fundingBook.source?.stop();
      this.step(() => {});
      this.markLocalOrdersClosed('shutdown');
      this.snapshot(true);
      if (this.store && this.recorder?.runId != null)
        this.store.stopRun(this.recorder.runId, this.wallNow(), reason);
      for (const s of this.events.shutdown) s.shutdown?.(reason, this.now());
      await this.venue.stop();
    }
    return this.summary();
  }

  /** Ends a simulated run at its last event: timers off, orders left as they are (a backtest's end). */
  finishSimulation(): void {
    this.step(() => {});
    this.stopTimers();
  }

  private stopTimers(): void {
    if (this.housekeeping !== null) this.clock.clearTimer(this.housekeeping);
    this.housekeeping = null;
    if (this.requoteTimer !== null) this.clock.clearTimer(this.requoteTimer);
    this.requoteTimer = null;
    if (this.onlineTimer !== null) this.clock.clearTimer(this.onlineTimer);
    this.onlineTimer = null;
  }

  // ------------------------------------------------------------------ inputs

  /** A market event (exchange-time order). The clock must already be at (or past) its time. */
  onMarket(ev: MarketEvent): void {
    if (this.busy) {
      // Only a venue or subscriber calling back into the engine could get here: keep the order of events.
      this.step(() => this.applyMarket(ev));
      return;
    }
    this.busy = true;
    try {
      this.applyMarket(ev);
      this.drain();
    } catch (err) {
      this.stepFailed(err);
    } finally {
      this.busy = false;
    }
  }

  private applyMarket(ev: MarketEvent): void {
    this.marketEvents++;
    let now = this.now();
    if (!Number.isFinite(now)) now = ev.exchMs;
    this.timeMoved(now);
    this.guard.onMarket(ev.exchMs);
    this.clockFunding(now);
    // The mid inlined (not midPrice): this runs for every BBO of a backtest day.
    if (ev.kind === 'bbo') this.accounting.mark((ev.bidPx + ev.askPx) / 2, now);
    this.venue.onMarket(ev);
    if (this.inbox.length > 0) this.applyInbox();
    if (this.online !== null) {
      this.online.onMarket(ev);
      // Armed at the first event, when the clock has a time (a simulated clock starts at NaN), and again at the
      // first event after a silence longer than the window (see onOnlineTimer).
      if (this.onlineTimer === null && !this.stopped)
        this.onlineTimer = this.clock.setTimeout(this.onOnlineTimer, this.online.refreshMs);
    }
    const subs = this.events.market;
    for (let i = 0; i < subs.length; i++) (subs[i].market as (e: MarketEvent) => void)(ev);
    if (this.guard.stale) this.checkRisk();
    this.send(this.loop.onMarket(ev));
    if (this.flattener.active && ev.kind === 'bbo') this.flattener.onBook(ev);
    if (this.requoteTimer === null && this.requoteMs > 0 && !this.stopped)
      this.requoteTimer = this.clock.setTimeout(this.onRequoteTimer, this.requoteMs);
  }

  /** The market-data feed connected (true) or dropped (false). */
  setFeedConnected(connected: boolean): void {
    if (this.guard.connected === connected) return;
    this.step(() => {
      this.guard.connected = connected;
      if (!connected) this.pullQuotes('market data feed disconnected', 'quotes_pulled');
      else this.resumed('market data feed reconnected');
      for (const s of this.events.feed) s.feed?.(connected, this.now());
    });
  }

  /** New good parameters (hot reload): used from the next quote on. */
  acceptParams(loaded: LoadedParams, source: string): void {
    const prev = this.paramsView.current;
    this.calibrated = { ...loaded.params };
    this.guard.paramsOk = true;
    this.paramsView = { current: { ...loaded.params }, source, loadedMs: this.wallNow() };
    // Online: the new file bounds and backs the window's values from now on (re-combined at once when the
    // window has been read before, else calibrated until the first refresh).
    if (this.online !== null && this.inUse?.updatedMs != null) this.refreshOnline(false);
    else this.useParams(calibratedInUse(loaded.params, this.online?.settings.source ?? 'calibrated'));
    const p = loaded.params;
    this.emitLog('info', prev ? 'parameters reloaded' : 'parameters loaded', {
      source,
      sigma: sig(p.sigma),
      A: sig(p.A),
      k: sig(p.k),
      gamma: sig(p.gamma),
    });
    this.store?.recordParams({ tsMs: this.wallNow(), source, ...p, accepted: true, reason: null });
    for (const s of this.events.params) s.params?.(this.params());
  }

  /** The parameters the strategy quotes with from the next quote on. */
  private useParams(p: ParamsInUse): void {
    this.inUse = p;
    const live = this.liveParams;
    live.sigma = p.sigma;
    live.A = p.A;
    live.k = p.k;
    live.gamma = p.gamma;
    if (this.online !== null) this.paramsView = { ...this.paramsView, inUse: p };
  }

  /** The online timer: the window's estimate → the parameters in use (a log line when their origin changes). */
  private refreshOnline(notify = true): void {
    const online = this.online;
    const now = this.now();
    if (online === null || this.calibrated === null || !Number.isFinite(now)) return;
    const prev = this.inUse;
    const next = online.refresh(now, this.calibrated);
    this.useParams(next);
    if (prev === null || prev.sigmaFrom !== next.sigmaFrom || prev.akFrom !== next.akFrom)
      this.emitLog('info', 'parameters in use', {
        at: iso(now),
        source: next.source,
        sigma: `${sig(next.sigma)} (${next.sigmaFrom})`,
        A: `${sig(next.A)} (${next.akFrom})`,
        k: `${sig(next.k)} (${next.akFrom})`,
        ...(next.note !== null ? { note: next.note } : {}),
      });
    if (notify) for (const s of this.events.params) s.params?.(this.params());
  }

  /** A parameters file was refused: keep the last good ones (or keep not quoting). */
  refuseParams(reason: string, source: string): void {
    const keeping = this.paramsView.current !== null;
    this.emitLog(
      'warn',
      keeping
        ? `parameters refused, trading on with the last good ones: ${reason}`
        : `parameters refused and none loaded yet, not quoting: ${reason}`,
    );
    this.store?.recordParams({
      tsMs: this.wallNow(),
      source,
      sigma: Number.NaN,
      A: Number.NaN,
      k: Number.NaN,
      gamma: Number.NaN,
      accepted: false,
      reason,
    });
    this.riskEvent('params_refused', reason);
  }

  /**
   * An exchange funding payment at hour `tsMs` (positive = received). Booked once: false when that hour was
   * already booked (by this process or, per the store, an earlier one).
   */
  onFunding(amountQuote: number, tsMs: number, rate: number): boolean {
    let booked = false;
    this.step(() => {
      booked = this.bookFunding({
        tsMs,
        amountQuote,
        rate,
        positionBase: this.accounting.positionBase,
        source: 'exchange',
      });
    });
    return booked;
  }

  /** Books a funding payment into cash and PnL when the funding book admits it (see funding-book.ts). */
  private bookFunding(p: FundingPayment): boolean {
    const verdict = this.fundingBook.admit(p);
    if (verdict === 'invalid') return false;
    if (verdict === 'duplicate') {
      if (p.source === 'exchange')
        this.emitLog('debug', 'funding payment already booked', { at: iso(p.tsMs) });
      return false;
    }
    this.accounting.onFunding(p.amountQuote);
    const a = this.accounting.snapshot();
    for (const s of this.events.funding) s.funding?.(p, a);
    if (this.events.log.length > 0)
      this.emitLog(
        'info',
        `FUNDING ${p.amountQuote >= 0 ? 'received' : 'paid'} ${round(Math.abs(p.amountQuote), 6)}`,
        {
          at: iso(p.tsMs),
          source: p.source,
          rate: sig(p.rate),
          position: round(p.positionBase, 8),
          funding: round(a.fundingQuote, 6),
          equity: round(a.equityQuote, 4),
        },
      );
    this.snapshot(true);
    return true;
  }

  /** Asks the funding source for new payments now (live: /info userFunding) and waits for them to be booked. */
  async refreshFunding(): Promise<void> {
    await this.fundingBook.source?.poll();
  }

  /** The bot clock moved: paper funding falls due at hour boundaries (before the event at `nowMs` applies). */
  private clockFunding(nowMs: number): void {
    const due = this.fundingBook.due(nowMs, this.accounting.positionBase, this.accounting.mid);
    if (due !== null) for (const p of due) this.bookFunding(p);
  }

  // ------------------------------------------------------------------ core

  private now(): number {
    return this.clock.nowMs();
  }

  /** Tells the subscribers that bot time moved (once per distinct time). */
  private timeMoved(now: number): void {
    this.lastStepMs = now;
    if (now === this.lastClockMs) return;
    this.lastClockMs = now;
    const subs = this.events.clock;
    for (let i = 0; i < subs.length; i++) (subs[i].clock as (t: number) => void)(now);
  }

  /** Runs `fn`, then applies every queued venue report (and the actions they cause), without re-entrancy. */
  private step(fn: () => void): void {
    if (this.busy) {
      fn();
      return;
    }
    this.busy = true;
    try {
      fn();
      this.drain();
    } catch (err) {
      this.stepFailed(err);
    } finally {
      this.busy = false;
    }
  }

  private stepFailed(err: unknown): void {
    // A bug or a store failure must not kill a bot with resting orders: log it with its stack, keep running
    // (the dead man's switch and the next reconcile keep the exchange side safe).
    const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
    if (this.opts.logger) this.opts.logger.error('engine step failed', { error });
    else throw err;
  }

  /** The settle loop: reports in, re-quote, until the venue has nothing more to say (or SETTLE_ROUNDS). */
  private drain(): void {
    for (let rounds = 0; this.inbox.length > 0 && rounds < SETTLE_ROUNDS; rounds++) {
      this.applyInbox();
      this.send(this.loop.poll(this.now()));
    }
  }

  private applyInbox(): void {
    const batch = this.inbox.splice(0, this.inbox.length);
    // One report failing (a bug) must not drop the rest of its batch: each is applied on its own.
    for (let i = 0; i < batch.length; i++) {
      try {
        this.applyReport(batch[i]);
      } catch (err) {
        if (!this.opts.logger) throw err;
        this.opts.logger.error('applying a venue report failed', {
          report: batch[i].report.type,
          error: err instanceof Error ? (err.stack ?? err.message) : String(err),
        });
      }
    }
  }

  private applyReport(e: VenueReportEvent): void {
    if (e.notSent) this.actionsNotSent++;
    const r = e.report;
    if (r.type === 'fill' && e.fill) {
      const tid = e.fill.tid;
      if (!this.seenTids.admit(tid) || this.store?.hasFill(tid)) {
        this.duplicateFills++;
        return;
      }
    }
    this.loop.onReport(r);
    // After the loop booked the fill into the position: the flatten sizes its next attempt from it.
    if (this.flattener.active) this.flattener.onReport(r);
    if (r.type !== 'fill') {
      if (r.type === 'reject')
        // A post-only order that would cross, or a modify racing a fill, is routine market making: debug only.
        this.emitLog(
          r.reason === 'post-only-would-cross' || r.reason === 'order-not-open' ? 'debug' : 'warn',
          'order rejected',
          { cid: r.cid, reason: e.message ?? r.reason },
        );
      const subs = this.events.orderUpdate;
      if (subs.length > 0) {
        const cloid = this.venue.cloidOf(r.cid) ?? e.fill?.cloid ?? null;
        for (const s of subs) s.orderUpdate?.(e, cloid);
      }
      return;
    }
    this.accounting.onFill(r.side, r.px, r.sz, r.feeQuote);
    const mid = this.accounting.mid;
    if (mid > 0) this.accounting.mark(mid, this.now());
    const a = this.accounting.snapshot();
    const fill: EngineFill = {
      tid: e.fill?.tid ?? 0,
      oid: e.fill?.oid ?? null,
      cid: r.cid,
      cloid: this.venue.cloidOf(r.cid) ?? e.fill?.cloid ?? null,
      side: r.side,
      px: r.px,
      sz: r.sz,
      feeQuote: r.feeQuote,
      liquidity: r.liquidity,
      exchMs: r.exchMs,
      positionBase: a.positionBase,
      closedPnlQuote: e.fill?.closedPnlQuote ?? null,
      hash: e.fill?.hash ?? null,
    };
    for (const s of this.events.fill) s.fill?.(fill, a);
    if (this.events.log.length > 0)
      this.emitLog('info', `FILL ${r.side === 'buy' ? 'BUY ' : 'SELL'} ${r.sz} @ ${r.px}`, {
        at: iso(r.exchMs),
        liquidity: r.liquidity,
        fee: round(r.feeQuote, 4),
        position: round(a.positionBase, 8),
        realized: round(a.realizedPnlQuote, 4),
        unrealized: round(a.unrealizedPnlQuote, 4),
        equity: round(a.equityQuote, 4),
      });
    this.snapshot(true);
    this.checkRisk();
  }

  /** Sends actions to the venue and tells the subscribers. */
  private send(actions: readonly OrderAction[]): void {
    this.sawQuote();
    if (actions.length === 0) return;
    // Stopped is final: only cancels may still leave (the gated strategy already answers no quote; this is the
    // last line should a late report reach the loop).
    const allowed = this.stopped ? actions.filter((a) => a.type === 'cancel') : actions;
    if (allowed.length === 0) return;
    const now = this.now();
    this.venue.submit(allowed, now);
    const subs = this.events.orderSent;
    if (subs.length > 0) {
      for (const a of allowed) {
        const cloid = a.type === 'cancel' ? null : this.venue.cloidOf(a.type === 'modify' ? a.newCid : a.cid);
        for (const s of subs) s.orderSent?.(a, cloid, now);
      }
    }
  }

  /** After each loop call: a new strategy answer → withheld-reason tracking and the quote line. */
  private sawQuote(): void {
    const q = this.loop.lastQuote;
    if (q === this.seenQuote || q === null) return;
    this.seenQuote = q;
    const reason = q.bid !== null && q.ask !== null ? null : (q.explain?.withheld ?? null);
    if (reason !== this.withheldReason) this.withheldChanged(reason, q.explain);
    if ((this.opts.quoteLogIntervalMs ?? 1000) > 0 && this.events.log.length + this.events.quote.length > 0)
      this.logQuote(q);
  }

  /** Why nothing (or only one side) is quoted changed: a warn line once per change, and the stream hears it. */
  private withheldChanged(reason: string | null, explain: QuoteExplain | null): void {
    const prev = this.withheldReason;
    this.withheldReason = reason;
    const now = this.now();
    const detail = explain?.note ?? null;
    for (const s of this.events.withheld) s.withheld?.(reason, now, detail);
    if (this.events.log.length === 0) return;
    if (reason !== null)
      this.emitLog('warn', `quotes pulled (${reason}): ${detail ?? reason}`, { at: iso(now) });
    else if (prev !== null) this.emitLog('info', `quoting both sides again (was: ${prev})`, { at: iso(now) });
  }

  /** The re-quote timer (see the class comment). */
  private requoteTick(): void {
    this.requoteTimer = null;
    if (this.stopped) return;
    const now = this.now();
    const due = this.lastStepMs + this.requoteMs;
    if (now < due) {
      this.requoteTimer = this.clock.setTimeout(this.onRequoteTimer, due - now);
      return;
    }
    const lq = this.loop.lastQuote;
    if (this.venue.isIdle?.() === true && lq !== null && !lq.bid && !lq.ask) return; // the next event re-arms
    this.step(() => {
      this.timeMoved(now);
      this.clockFunding(now);
      this.venue.tick(now);
      if (this.inbox.length > 0) this.applyInbox();
      // No risk check here: stale data and the loss limits are the housekeeping timer's (and every fill's), at
      // the same cadence in wall time as before a fast replay's bot time runs 600× faster than the wall clock.
      this.send(this.loop.poll(now));
    });
    if (this.requoteTimer === null && !this.stopped)
      this.requoteTimer = this.clock.setTimeout(this.onRequoteTimer, this.requoteMs);
  }

  /** The housekeeping timer (live and paper; see the class comment). */
  private onTimer(): void {
    this.step(() => {
      const now = this.now();
      if (!Number.isFinite(now)) return;
      this.clockFunding(now);
      this.venue.tick(now);
      this.drain();
      this.checkRisk();
      this.send(this.loop.poll(now));
      if (this.wallNow() - this.lastSnapshotWall >= (this.opts.snapshotIntervalMs ?? 5_000))
        this.snapshot(false);
    });
  }

  private checkRisk(): void {
    const now = this.now();
    if (!Number.isFinite(now)) return;
    const a = this.accounting.snapshot();
    if (a.drawdownQuote > this.maxDrawdown) this.maxDrawdown = a.drawdownQuote;
    const v = this.guard.evaluate(a, now);
    if (v.tripped !== null)
      this.killSwitchTripped(v.tripped, a.drawdownQuote, this.opts.risk.maxDrawdownQuote);
    if (v.staleChanged === true) {
      const lastMs = this.guard.lastMarketMs ?? now;
      const detail = `no market data for ${((now - lastMs) / 1000).toFixed(1)} s (limit ${this.opts.risk.staleDataMs / 1000} s)`;
      this.emitLog('warn', `stale data: ${detail}; quotes pulled`);
      this.riskEvent('stale_data', detail, (now - lastMs) / 1000, this.opts.risk.staleDataMs / 1000);
      this.pullQuotes('stale data', null);
    } else if (v.staleChanged === false) {
      this.resumed('market data fresh again');
    }
  }

  private killSwitchTripped(reason: string, value: number, limit: number | null): void {
    this.emitLog(
      'error',
      `KILL SWITCH: ${reason}; orders cancelled, quoting stopped (process stays up for inspection)`,
    );
    this.riskEvent('kill_switch', reason, value, limit);
    this.pullQuotes('kill switch', null);
    if (this.flattener.settings.onKillSwitch)
      this.flattener.request({ orderType: 'market', origin: 'kill switch' });
  }

  /**
   * Trips the kill switch from outside this coin (the account's limits over several coins, account-risk.ts): the
   * same stop as this coin's own limits. A no-op when it is already tripped.
   */
  tripKillSwitch(reason: string): void {
    if (this.guard.killSwitch.tripped || this.stopped) return;
    this.step(() => {
      const now = this.now();
      this.guard.killSwitch = { tripped: true, reason, atMs: Number.isFinite(now) ? now : null };
      this.killSwitchTripped(reason, this.accounting.snapshot().drawdownQuote, null);
    });
  }

  /** Cancels our quotes now (the gated strategy keeps them off while the reason lasts). */
  private pullQuotes(why: string, kind: RiskEventKind | null): void {
    if (kind) this.riskEvent(kind, why);
    this.pulledFor = why;
    // Through the loop, not the OrderManager alone: the loop must forget the pulled quotes, else a confirmed
    // cancel would make it reconcile against them and place them again.
    this.send(this.loop.withdrawQuotes());
  }

  /**
   * Live reconciliation: the exchange's position differs from ours and no missed fill explains it; take the
   * exchange's. Cash moves as if the difference traded at the current mid, so equity does not jump.
   */
  adoptExchangePosition(positionBase: number, entryPx: number | null, detail: string): void {
    this.step(() => {
      const mid = this.accounting.mid;
      if (Number.isFinite(mid) && mid > 0)
        this.accounting.cashQuote -= (positionBase - this.accounting.positionBase) * mid;
      this.accounting.setPosition(positionBase, entryPx);
      this.loop.positionBase = positionBase;
      this.emitLog('warn', `position reconciled with the exchange: ${detail}`);
      this.riskEvent('reconcile', detail);
      this.snapshot(true);
    });
  }

  /** The store stopped writing (quotes pulled, the switch stays armed) or writes again (quoting resumes). */
  private onStoreEvent(e: StoreEvent): void {
    if (e.type === 'unhealthy' && this.guard.storeOk) {
      this.guard.storeOk = false;
      this.step(() => this.pullQuotes('store unavailable', 'quotes_pulled'));
    } else if (e.type === 'healthy' && !this.guard.storeOk) {
      this.guard.storeOk = true;
      this.step(() => this.resumed('store writable again'));
    }
  }

  private resumed(why: string): void {
    if (this.guard.pullReason() !== null) return;
    if (this.pulledFor !== null) {
      this.emitLog('info', `quoting resumed: ${why}`);
      this.riskEvent('quotes_resumed', why);
      this.pulledFor = null;
    }
  }

  private markLocalOrdersClosed(reason: string): void {
    if (!this.store || this.venue.mode !== 'dry') return;
    // Paper orders exist only in this process: whatever the store still calls open is gone with it.
    for (const o of this.store.openOrders(this.opts.coin)) {
      this.store.updateOrder({
        cloid: o.cloid,
        oid: o.oid,
        status: 'canceled',
        updatedMs: this.wallNow(),
        reason,
      });
    }
  }

  private snapshot(force: boolean): void {
    if (this.events.status.length === 0 && this.events.log.length === 0) return;
    const wall = this.wallNow();
    if (!force && wall - this.lastSnapshotWall < (this.opts.snapshotIntervalMs ?? 5_000)) return;
    this.lastSnapshotWall = wall;
    const a = this.accounting.snapshot();
    const now = this.now();
    const ts = Number.isFinite(now) ? Math.round(now) : wall;
    for (const s of this.events.status) s.status?.(a, ts, !force);
    if (!force) {
      const om = this.om.counts;
      this.emitLog('info', 'status', {
        at: iso(ts),
        position: round(a.positionBase, 8),
        realized: round(a.realizedPnlQuote, 4),
        unrealized: round(a.unrealizedPnlQuote, 4),
        fees: round(a.feesQuote, 4),
        equity: round(a.equityQuote, 4),
        fills: this.accounting.fills,
        placed: om.places,
        modifies: om.modifies,
        quoting: this.quotingState(),
      });
    }
  }

  /** The model values behind the current quote, on change, at most once per quoteLogIntervalMs of wall time. */
  private logQuote(q: DesiredQuotes): void {
    if (q.explain === null) return;
    const wall = this.wallNow();
    if (wall - this.lastQuoteLogWall < (this.opts.quoteLogIntervalMs ?? 1_000)) return;
    const key = `${q.bid?.px ?? '-'}|${q.ask?.px ?? '-'}|${q.explain.note ?? ''}`;
    if (key === this.lastQuoteKey) return;
    this.lastQuoteKey = key;
    this.lastQuoteLogWall = wall;
    const x = q.explain;
    const fields: LogFields = {
      at: iso(this.now()),
      bid: q.bid ? `${q.bid.sz}@${q.bid.px}` : '-',
      ask: q.ask ? `${q.ask.sz}@${q.ask.px}` : '-',
      ...explainFields(x),
    };
    if (x.inventoryTargetLots !== undefined) fields.qTarget = x.inventoryTargetLots;
    if (this.inUse !== null && this.online !== null) {
      fields.params = this.inUse.source;
      fields.A = sig(x.A);
    }
    // A ladder: every level, nearest the touch first ("size@price size@price …").
    if (q.bidLevels !== undefined && q.bidLevels.length > 1) fields.bids = levelText(q.bidLevels);
    if (q.askLevels !== undefined && q.askLevels.length > 1) fields.asks = levelText(q.askLevels);
    if (x.note) fields.note = x.note;
    this.emitLog('info', 'quote', fields);
    for (const s of this.events.quote) s.quote?.(q, this.now());
  }

  private riskEvent(kind: RiskEventKind, detail: string, value?: number | null, limit?: number | null): void {
    for (const s of this.events.risk) s.risk?.(kind, detail, value ?? null, limit ?? null);
  }

  private emitLog(level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: LogFields): void {
    for (const s of this.events.log) s.log?.(level, msg, fields);
  }

  /**
   * "on", "pulled (reason)" when nothing is quoted (a risk pull, or the strategy withholding both sides), or
   * "one side (reason)" when a side is withheld; never "on" while the strategy quotes nothing.
   */
  quotingState(): string {
    const pull = this.guard.pullReason();
    if (pull !== null) return `pulled (${pull})`;
    const q = this.loop.lastQuote;
    const reason = this.withheldReason;
    if (q !== null && q.bid === null && q.ask === null)
      return `pulled (${reason ?? q.explain?.note ?? 'no quote'})`;
    if (reason !== null) return `one side (${reason})`;
    return 'on';
  }

  // ------------------------------------------------------------------ BotView

  /** The bot clock (BotView): replayed exchange time against a replay, the wall clock live. */
  nowMs(): number {
    return this.now();
  }

  info(): BotInfo {
    return { ...this.opts.info, startedMs: this.startedMs };
  }

  account(): AccountState {
    const a = this.accounting.snapshot();
    return {
      positionBase: a.positionBase,
      cashQuote: a.cashQuote,
      startingBalanceQuote: a.startingBalanceQuote,
      realizedPnlQuote: a.realizedPnlQuote,
      unrealizedPnlQuote: a.unrealizedPnlQuote,
      feesQuote: a.feesQuote,
      fundingQuote: a.fundingQuote,
      equityQuote: a.equityQuote,
      mid: a.mid,
      bbo: this.loop.bbo,
      drawdownQuote: a.drawdownQuote,
      dayLossQuote: a.dayLossQuote,
    };
  }

  risk(): RiskState {
    const l = this.opts.risk;
    const state = this.quotingState();
    return {
      quoting: this.guard.pullReason() === null,
      state,
      stoppedByUser: this.guard.stoppedByUser,
      entriesStopped: this.guard.entriesStopped,
      killSwitch: { ...this.guard.killSwitch },
      staleData: this.guard.stale,
      lastMarketMs: this.guard.lastMarketMs,
      maxPositionLots: l.maxPositionLots,
      lotBase: l.lotBase,
      dailyLossLimitQuote: l.dailyLossLimitQuote,
      maxDrawdownQuote: l.maxDrawdownQuote,
    };
  }

  quotes(): DesiredQuotes | null {
    return this.loop.lastQuote;
  }

  openOrders(): OpenOrderView[] {
    return this.venue.restingOrders().map((o) => ({
      oid: o.oid ?? o.cid,
      cloid: o.cloid,
      side: o.side,
      px: o.px,
      sz: o.sz,
      filledSz: o.filledSz,
      createdMs: o.createdMs,
    }));
  }

  params(): ParamsView {
    return { ...this.paramsView };
  }

  recentLogs(limit: number): { tsMs: number; level: string; msg: string }[] {
    return this.view.recentLogs(limit);
  }

  subscribe(listener: (event: BotEvent) => void): () => void {
    return this.view.subscribe(listener);
  }

  async stopQuoting(reason: string): Promise<void> {
    this.step(() => {
      this.guard.stoppedByUser = true;
      this.emitLog('info', `quoting stopped by the operator: ${reason}`);
      this.pullQuotes(`stopped by the operator: ${reason}`, 'quotes_pulled');
    });
  }

  async startQuoting(): Promise<void> {
    this.step(() => {
      if (this.guard.killSwitch.tripped) {
        this.riskEvent(
          'kill_switch_reset',
          `kill switch reset by the operator (was: ${this.guard.killSwitch.reason})`,
        );
        this.guard.resetKillSwitch();
      }
      this.guard.stoppedByUser = false;
      this.guard.entriesStopped = false;
      this.loop.requestQuote();
      this.emitLog('info', 'quoting started by the operator');
      this.resumed('started by the operator');
      this.send(this.loop.poll(this.now()));
    });
  }

  /**
   * Closes the position, or `amountBase` of it, with reduce-only IOC limits within the slippage cap (flatten.ts).
   * One flatten works at a time: a second request while it works (a double click, two forceexit calls 10 ms
   * apart) joins it and sends nothing — two exits of the full size in flight at once used to flip a long into a
   * short. The answer comes at once; its `result` settles when the flatten ends.
   */
  async flatten(req: FlattenRequest = {}): Promise<FlattenOutcome> {
    let outcome: FlattenOutcome = { status: 'flat' };
    this.step(() => {
      outcome = this.flattener.request(req);
    });
    return outcome;
  }

  async reloadConfig(): Promise<void> {
    this.opts.reloadParams?.();
  }

  /** Freqtrade's stopentry: the risk gate keeps only exits; the next quote drops the side that would grow. */
  async stopEntries(): Promise<void> {
    this.step(() => {
      this.guard.entriesStopped = true;
      this.emitLog('info', 'entries stopped by the operator: only exits are quoted');
      this.loop.requestQuote();
      this.send(this.loop.poll(this.now()));
    });
  }

  /** Cancels every resting order now; the strategy re-quotes at its next step unless quoting is off. */
  async cancelOpenOrders(): Promise<number> {
    let n = 0;
    this.step(() => {
      n = this.venue.restingOrders().length;
      this.emitLog('info', `open orders cancelled by the operator (${n})`);
      this.send(this.loop.withdrawQuotes());
    });
    return n;
  }

  /** Freqtrade's forceenter: one IOC taker order of `sz` base units, risk-checked (src/engine/force-entry.ts). */
  async forceEnter(side: Side, sz: number, limitPx?: number): Promise<ForceEntryOutcome> {
    let outcome: ForceEntryOutcome = { status: 'refused', reason: 'not run' };
    this.step(() => {
      const plan = planForceEntry({
        side,
        sz,
        limitPx,
        positionBase: this.loop.positionBase,
        bbo: this.loop.bbo,
        limits: this.opts.risk,
        pull: this.guard.pullReason(),
        entriesStopped: this.guard.entriesStopped,
      });
      if (!plan.ok) {
        outcome = { status: 'refused', reason: plan.reason };
        this.emitLog('warn', `force entry refused: ${plan.reason}`);
        return;
      }
      const cid = this.forceEntryCid++;
      const size = Math.round(plan.sz * 1e9) / 1e9;
      this.emitLog('warn', `force entry: ${plan.side} ${size} at ${plan.px} (ioc taker)`);
      this.send([
        { type: 'place', cid, side: plan.side, px: plan.px, sz: size, tif: 'ioc', reduceOnly: false },
      ]);
      outcome = { status: 'sent', cid, side: plan.side, sz: size, px: plan.px };
    });
    return outcome;
  }

  /** Order counts of the order manager (places, modifies, cancels, rejects). */
  get orderCounts(): Readonly<OrderManager['counts']> {
    return this.om.counts;
  }

  summary(): EngineRunSummary {
    const a = this.accounting.snapshot();
    const om = this.om.counts;
    return {
      mode: this.opts.info.mode,
      ticker: this.opts.coin,
      orders_placed: om.places + om.modifies - this.actionsNotSent,
      modifies: om.modifies,
      cancels: om.cancels,
      rejects: om.rejects,
      fills: this.accounting.fills,
      duplicate_fills_ignored: this.duplicateFills,
      position: round(a.positionBase, 10),
      avg_entry_px: a.avgEntryPx,
      realized_pnl: round(a.realizedPnlQuote, 6),
      unrealized_pnl: round(a.unrealizedPnlQuote, 6),
      fees: round(a.feesQuote, 6),
      funding: round(a.fundingQuote, 6),
      cash: round(a.cashQuote, 6),
      equity: round(a.equityQuote, 6),
      pnl: round(a.equityQuote - a.startingBalanceQuote, 6),
      max_drawdown: round(Math.max(this.maxDrawdown, a.drawdownQuote), 6),
      kill_switch: this.guard.killSwitch.reason,
      market_events: this.marketEvents,
      quotes: this.loop.quoteCalls,
      run_seconds: round((this.wallNow() - this.startedMs) / 1000, 3),
    };
  }
}

function explainFields(x: QuoteExplain): LogFields {
  // No model quote (stale book, no params…): the note says why; r, δ, q and τ would only read NaN.
  if (Number.isNaN(x.reservationPrice))
    return { mid: round(x.mid, 2), sigma: sig(x.sigma), k: sig(x.k), gamma: sig(x.gamma) };
  return {
    mid: round(x.mid, 2),
    r: round(x.reservationPrice, 2),
    dBid: round(x.halfSpreadBid, 3),
    dAsk: round(x.halfSpreadAsk, 3),
    q: round(x.qLots, 3),
    tauS: Number.isNaN(x.tauS) ? 'inf' : Math.round(x.tauS),
    sigma: sig(x.sigma),
    k: sig(x.k),
    gamma: sig(x.gamma),
  };
}

/** 4 significant figures (γ ≈ 1.6e-5 reads better than 0.000015813646801840402). */
function sig(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(4)) : x;
}

function round(x: number, digits: number): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : '-';
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function levelText(levels: readonly QuoteIntent[]): string {
  return levels.map((l) => `${l.sz}@${l.px}`).join(' ');
}
