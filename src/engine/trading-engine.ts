import type { LogFields, Logger } from '../core/log.ts';
import { type MarketEvent, midPrice, type Side } from '../core/market.ts';
import type { ModelParams } from '../model/params.ts';
import type { LoadedParams } from '../model/params-file.ts';
import type { OrderAction, PlaceAction } from '../sim/orders.ts';
import type { RiskEventKind } from '../store/records.ts';
import { type StoreEvent, StoreGuard } from '../store/store-guard.ts';
import type { TradeStore } from '../store/trade-store.ts';
import type { DesiredQuotes, QuoteExplain, Strategy } from '../strategy/types.ts';
import type { FundingPayment, FundingSource } from '../trade/funding.ts';
import { Account, type EarlierToday, type SavedAccount } from './account.ts';
import type {
  AccountState,
  BotEvent,
  BotInfo,
  BotView,
  FillView,
  OpenOrderView,
  ParamsView,
  RiskState,
} from './bot-view.ts';
import { OrderManager } from './order-manager.ts';
import { QuotingLoop } from './quoting-loop.ts';
import { RiskGatedStrategy, RiskGuard, type RiskLimits } from './risk.ts';
import type { Venue, VenueReportEvent } from './venue.ts';

/**
 * The trading engine of `hlmm trade`: event-driven, one market. Each market event goes to the venue (the paper
 * fill model matches on it) and to the QuotingLoop shared with the backtester (strategy → OrderManager →
 * actions), whose actions go to the venue; venue reports come back into the loop. Around that loop: the risk
 * guard (kill switch, stale data, limits), the account (PnL with fees and funding), persistence of every order,
 * fill, PnL snapshot and parameter change, readable logs, and the BotView the REST API and dashboard read.
 *
 * Re-entrancy: venue reports may arrive while the engine is sending (the paper venue answers synchronously); they
 * are queued and applied after the current step, so the loop and the store always see them in order.
 */
export interface TradingEngineOptions {
  info: Omit<BotInfo, 'startedMs'>;
  coin: string;
  strategy: Strategy;
  /** One lot, base units (q = position ÷ lot). */
  lotBase: number;
  venue: Venue;
  nowMs: () => number;
  risk: RiskLimits;
  startingBalanceQuote: number;
  store: TradeStore | null;
  logger: Logger;
  /** Keep a resting quote within this many bps of the model price (fewer re-prices). */
  priceToleranceBps?: number;
  requoteIntervalMs?: number;
  /** At most one model-values log line per this many wall ms (and only when the quote changed). */
  quoteLogIntervalMs?: number;
  /** PnL snapshot to the store (and a status line) every this many wall ms. */
  snapshotIntervalMs?: number;
  /** Engine timer period, wall ms. */
  tickMs?: number;
  /** Called by the reloadConfig control. */
  reloadParams?: () => void;
  /** Funding payments (live: the exchange's; paper: simulated each hour). None when absent. */
  funding?: FundingSource | null;
  wallNowMs?: () => number;
}

export interface TradeSummary {
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
  max_drawdown: number;
  kill_switch: string | null;
  market_events: number;
  quotes: number;
  run_seconds: number;
}

/** Client ids for orders outside the OrderManager (flatten), far above any id it will hand out. */
const FLATTEN_CID_BASE = 1_000_000_000;

export class TradingEngine implements BotView {
  readonly loop: QuotingLoop;
  readonly guard: RiskGuard;
  readonly accounting: Account;
  readonly startedMs: number;
  private readonly om: OrderManager;
  private readonly opts: TradingEngineOptions;
  private readonly venue: Venue;
  /** Writes never throw: a failing store pulls the quotes until it writes again (see StoreGuard). */
  private readonly store: StoreGuard | null;
  private readonly log: Logger;
  private readonly wallNow: () => number;
  /** Mutated in place on a reload: QuotingLoop holds this object. */
  private readonly liveParams: ModelParams = {
    sigma: Number.NaN,
    A: Number.NaN,
    k: Number.NaN,
    gamma: Number.NaN,
  };
  private paramsView: ParamsView = { current: null, source: null, loadedMs: null };
  private readonly inbox: VenueReportEvent[] = [];
  private busy = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<(e: BotEvent) => void>();
  private readonly logRing: { tsMs: number; level: string; msg: string }[] = [];
  private readonly seenTids = new Set<number>();
  /** Funding hours booked by this process (the store dedupes across processes). */
  private readonly fundingHours = new Set<number>();
  private duplicateFills = 0;
  /** Places and modifies the venue refused without sending (they are not orders placed). */
  private actionsNotSent = 0;
  private marketEvents = 0;
  private lastQuoteLogWall = 0;
  private lastQuoteKey = '';
  private lastSnapshotWall = 0;
  private maxDrawdown = 0;
  private runId: number | null = null;
  private flattenCid = FLATTEN_CID_BASE;
  private stopped = false;
  private pulledFor: string | null = null;

  constructor(opts: TradingEngineOptions) {
    this.opts = opts;
    this.venue = opts.venue;
    this.log = opts.logger;
    this.store = opts.store ? StoreGuard.wrap(opts.store, { logger: opts.logger.child('store') }) : null;
    this.store?.subscribe((e) => this.onStoreEvent(e));
    this.wallNow = opts.wallNowMs ?? Date.now;
    this.startedMs = this.wallNow();
    this.guard = new RiskGuard(opts.risk);
    this.accounting = new Account(opts.startingBalanceQuote);
    this.om = new OrderManager({ priceToleranceBps: opts.priceToleranceBps ?? 0, tif: 'alo' });
    this.loop = new QuotingLoop({
      strategy: new RiskGatedStrategy(opts.strategy, this.guard),
      params: this.liveParams,
      orderManager: this.om,
      requoteIntervalMs: opts.requoteIntervalMs ?? 1000,
    });
    this.venue.onReports = (events) => {
      for (const e of events) this.inbox.push(e);
      if (!this.busy) this.step(() => {});
    };
  }

  // ------------------------------------------------------------------ lifecycle

  /** Restores paper state or the exchange position, records the run, starts the timer. */
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
    if (this.store)
      this.runId = this.store.startRun({
        startedMs: this.wallNow(),
        mode: this.opts.info.mode,
        ticker: this.opts.coin,
      });
    const tickMs = this.opts.tickMs ?? 100;
    this.timer = setInterval(() => this.onTimer(), tickMs);
    this.opts.funding?.start((p) => {
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
  async stop(reason: string): Promise<TradeSummary> {
    if (!this.stopped) {
      this.stopped = true;
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
      this.guard.stoppedByUser = true;
      // The loop forgets its quotes (its cancel actions are not sent: the venue's cancelAll below cancels every
      // resting order, these included), so the reports that cancelAll brings back re-place nothing.
      this.loop.withdrawQuotes();
      try {
        await this.venue.cancelAll(this.now());
      } catch (err) {
        this.emitLog('error', 'cancelling resting orders at shutdown failed', { error: errText(err) });
      }
      await this.opts.funding?.stop();
      this.step(() => {});
      this.markLocalOrdersClosed('shutdown');
      this.snapshot(true);
      if (this.store && this.runId !== null) this.store.stopRun(this.runId, this.wallNow(), reason);
      await this.venue.stop();
    }
    return this.summary();
  }

  // ------------------------------------------------------------------ inputs

  onMarket(ev: MarketEvent): void {
    this.step(() => {
      this.marketEvents++;
      this.guard.onMarket(ev.exchMs);
      const now = this.now();
      this.clockFunding(Number.isFinite(now) ? now : ev.exchMs);
      if (ev.kind === 'bbo') this.accounting.mark(midPrice(ev), Number.isFinite(now) ? now : ev.exchMs);
      this.venue.onMarket(ev);
      this.drain();
      if (this.guard.stale) this.checkRisk();
      this.send(this.loop.onMarket(ev));
    });
  }

  /** The market-data feed connected (true) or dropped (false). */
  setFeedConnected(connected: boolean): void {
    if (this.guard.connected === connected) return;
    this.step(() => {
      this.guard.connected = connected;
      if (!connected) this.pullQuotes('market data feed disconnected', 'quotes_pulled');
      else this.resumed('market data feed reconnected');
    });
  }

  /** New good parameters (hot reload): used from the next quote on. */
  acceptParams(loaded: LoadedParams, source: string): void {
    const prev = this.paramsView.current;
    Object.assign(this.liveParams, loaded.params);
    this.guard.paramsOk = true;
    this.paramsView = { current: { ...loaded.params }, source, loadedMs: this.wallNow() };
    const p = loaded.params;
    this.emitLog('info', prev ? 'parameters reloaded' : 'parameters loaded', {
      source,
      sigma: sig(p.sigma),
      A: sig(p.A),
      k: sig(p.k),
      gamma: sig(p.gamma),
    });
    this.store?.recordParams({ tsMs: this.wallNow(), source, ...p, accepted: true, reason: null });
    this.emit({ type: 'params', params: this.params() });
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

  /**
   * Books a funding payment into cash and PnL. An exchange payment is booked only if its (coin, hour) row is new
   * in the store (it may have been booked before a restart). A paper payment is the simulation of this process:
   * booked once per hour here, its store row written when new (a replay of the same hours into the same
   * database re-simulates them).
   */
  private bookFunding(p: FundingPayment): boolean {
    if (!Number.isFinite(p.amountQuote) || !Number.isFinite(p.tsMs)) return false;
    if (this.fundingHours.has(p.tsMs)) return false;
    const recorded =
      this.store?.recordFunding({
        tsMs: p.tsMs,
        coin: this.opts.coin,
        amountQuote: p.amountQuote,
        rate: Number.isFinite(p.rate) ? p.rate : 0,
        positionSz: p.positionBase,
      }) ?? true;
    this.fundingHours.add(p.tsMs);
    if (!recorded && p.source === 'exchange') {
      this.emitLog('debug', 'funding payment already booked', { at: iso(p.tsMs) });
      return false;
    }
    this.accounting.onFunding(p.amountQuote);
    const a = this.accounting.snapshot();
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
    await this.opts.funding?.poll();
  }

  /** The bot clock moved: paper funding falls due at hour boundaries (before the event at `nowMs` applies). */
  private clockFunding(nowMs: number): void {
    const f = this.opts.funding;
    if (!f || !Number.isFinite(nowMs)) return;
    const mid = this.accounting.mid;
    for (const p of f.onClock(nowMs, this.accounting.positionBase, Number.isNaN(mid) ? null : mid))
      this.bookFunding(p);
  }

  // ------------------------------------------------------------------ core

  private now(): number {
    return this.opts.nowMs();
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
      // A bug or a store failure must not kill a bot with resting orders: log it with its stack, keep running
      // (the dead man's switch and the next reconcile keep the exchange side safe).
      this.log.error('engine step failed', {
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
    } finally {
      this.busy = false;
    }
  }

  private drain(): void {
    for (let rounds = 0; this.inbox.length > 0 && rounds < 100; rounds++) {
      const batch = this.inbox.splice(0, this.inbox.length);
      // One report failing (a bug) must not drop the rest of its batch: each is applied on its own.
      for (const e of batch) {
        try {
          this.applyReport(e);
        } catch (err) {
          this.log.error('applying a venue report failed', {
            report: e.report.type,
            error: err instanceof Error ? (err.stack ?? err.message) : String(err),
          });
        }
      }
      this.send(this.loop.poll(this.now()));
    }
  }

  private applyReport(e: VenueReportEvent): void {
    if (e.notSent) this.actionsNotSent++;
    const r = e.report;
    if (r.type === 'fill' && e.fill) {
      const tid = e.fill.tid;
      if (this.seenTids.has(tid) || this.store?.hasFill(tid)) {
        this.duplicateFills++;
        return;
      }
      this.seenTids.add(tid);
    }
    const fill = this.loop.onReport(r);
    const cloid = this.venue.cloidOf(r.cid) ?? e.fill?.cloid ?? null;
    const t = r.exchMs;
    const store = this.store;
    switch (r.type) {
      case 'ack':
        if (cloid !== null) store?.updateOrder({ cloid, newOid: e.oid ?? null, updatedMs: t });
        return;
      case 'reject':
        store?.updateOrder({ cloid, status: 'rejected', updatedMs: t, reason: e.message ?? r.reason });
        // A post-only order that would cross, or a modify racing a fill, is routine market making: debug only.
        this.emitLog(
          r.reason === 'post-only-would-cross' || r.reason === 'order-not-open' ? 'debug' : 'warn',
          'order rejected',
          { cid: r.cid, reason: e.message ?? r.reason },
        );
        return;
      case 'cancelled':
        store?.updateOrder({
          cloid,
          status: 'canceled',
          updatedMs: t,
          reason: r.reason === 'modified' ? 'reprice' : r.reason,
        });
        return;
      case 'cancel-reject':
        return;
      case 'fill': {
        if (fill === null) return;
        this.accounting.onFill(r.side, r.px, r.sz, r.feeQuote);
        const mid = this.accounting.mid;
        if (mid > 0) this.accounting.mark(mid, this.now());
        const tid = e.fill?.tid ?? 0;
        const oid = e.fill?.oid ?? null;
        store?.recordFill({
          tid,
          coin: this.opts.coin,
          oid,
          cloid,
          side: r.side,
          px: r.px,
          sz: r.sz,
          feeQuote: r.feeQuote,
          liquidity: r.liquidity,
          tsMs: t,
          closedPnlQuote: e.fill?.closedPnlQuote ?? null,
          hash: e.fill?.hash ?? null,
          runId: this.runId,
        });
        const a = this.accounting.snapshot();
        this.emitLog('info', `FILL ${r.side === 'buy' ? 'BUY ' : 'SELL'} ${r.sz} @ ${r.px}`, {
          at: iso(t),
          liquidity: r.liquidity,
          fee: round(r.feeQuote, 4),
          position: round(a.positionBase, 8),
          realized: round(a.realizedPnlQuote, 4),
          unrealized: round(a.unrealizedPnlQuote, 4),
          equity: round(a.equityQuote, 4),
        });
        const view: FillView = {
          tid,
          oid: oid ?? r.cid,
          side: r.side,
          px: r.px,
          sz: r.sz,
          feeQuote: r.feeQuote,
          liquidity: r.liquidity,
          tsMs: t,
        };
        this.emit({ type: 'fill', fill: view, positionBase: a.positionBase });
        this.snapshot(true);
        this.checkRisk();
        return;
      }
    }
  }

  /** Sends actions to the venue and records new orders. */
  private send(actions: readonly OrderAction[]): void {
    // Stopped is final: only cancels may still leave (the gated strategy already answers no quote; this is the
    // last line should a late report reach the loop).
    const allowed = this.stopped ? actions.filter((a) => a.type === 'cancel') : actions;
    if (allowed.length === 0) return;
    const now = this.now();
    this.venue.submit(allowed, now);
    if (this.store) {
      for (const a of allowed) {
        if (a.type === 'cancel') continue;
        const cid = a.type === 'modify' ? a.newCid : a.cid;
        const cloid = this.venue.cloidOf(cid);
        if (cloid === null) continue;
        this.store.saveOrder({
          oid: null,
          cloid,
          coin: this.opts.coin,
          side: a.side,
          px: a.px,
          sz: a.sz,
          filledSz: 0,
          status: 'open',
          createdMs: Number.isFinite(now) ? now : this.wallNow(),
          updatedMs: Number.isFinite(now) ? now : this.wallNow(),
          reason: a.type === 'modify' ? 'reprice' : null,
          runId: this.runId,
        });
      }
    }
    this.logQuote();
  }

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
    if (v.tripped !== null) {
      this.emitLog(
        'error',
        `KILL SWITCH: ${v.tripped}; orders cancelled, quoting stopped (process stays up for inspection)`,
      );
      this.riskEvent('kill_switch', v.tripped, a.drawdownQuote, this.opts.risk.maxDrawdownQuote);
      this.pullQuotes('kill switch', null);
    }
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
    const wall = this.wallNow();
    if (!force && wall - this.lastSnapshotWall < (this.opts.snapshotIntervalMs ?? 5_000)) return;
    this.lastSnapshotWall = wall;
    const a = this.accounting.snapshot();
    const now = this.now();
    const ts = Number.isFinite(now) ? Math.round(now) : wall;
    if (this.store && a.mid !== null) {
      this.store.recordPnl({
        tsMs: ts,
        coin: this.opts.coin,
        midPx: a.mid,
        positionSz: a.positionBase,
        cashQuote: a.cashQuote,
        realizedQuote: a.realizedPnlQuote,
        unrealizedQuote: a.unrealizedPnlQuote,
        feesQuote: a.feesQuote,
        fundingQuote: a.fundingQuote,
        equityQuote: a.equityQuote,
      });
      this.store.recordPosition({
        tsMs: ts,
        coin: this.opts.coin,
        positionSz: a.positionBase,
        entryPx: a.avgEntryPx,
        accountValueQuote: a.equityQuote,
        withdrawableQuote: null,
        source: 'local',
      });
    }
    this.emit({ type: 'status', account: this.account(), risk: this.risk() });
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
        quoting: this.guard.pullReason() ?? 'on',
      });
    }
  }

  /** The model values behind the current quote, on change, at most once per quoteLogIntervalMs of wall time. */
  private logQuote(): void {
    const q = this.loop.lastQuote;
    if (q === null || q.explain === null) return;
    const wall = this.wallNow();
    const key = `${q.bid?.px ?? '-'}|${q.ask?.px ?? '-'}|${q.explain.note ?? ''}`;
    if (key === this.lastQuoteKey || wall - this.lastQuoteLogWall < (this.opts.quoteLogIntervalMs ?? 1_000))
      return;
    this.lastQuoteKey = key;
    this.lastQuoteLogWall = wall;
    const x = q.explain;
    const fields: LogFields = {
      at: iso(this.now()),
      bid: q.bid ? `${q.bid.sz}@${q.bid.px}` : '-',
      ask: q.ask ? `${q.ask.sz}@${q.ask.px}` : '-',
      ...explainFields(x),
    };
    if (x.note) fields.note = x.note;
    this.emitLog('info', 'quote', fields);
    this.emit({ type: 'quotes', tsMs: this.now(), quotes: q });
  }

  private riskEvent(kind: RiskEventKind, detail: string, value?: number | null, limit?: number | null): void {
    this.store?.recordRiskEvent({
      tsMs: this.wallNow(),
      kind,
      detail,
      value: value ?? null,
      limit: limit ?? null,
    });
  }

  private emitLog(level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: LogFields): void {
    this.log[level](msg, fields);
    const line = fields
      ? `${msg} ${Object.entries(fields)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(' ')}`
      : msg;
    const entry = { tsMs: this.wallNow(), level, msg: line };
    this.logRing.push(entry);
    if (this.logRing.length > 500) this.logRing.shift();
    this.emit({ type: 'log', ...entry });
  }

  private emit(e: BotEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A broken listener (a closed socket) must never stop the engine.
      }
    }
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
    };
  }

  risk(): RiskState {
    const l = this.opts.risk;
    return {
      quoting: this.guard.pullReason() === null,
      stoppedByUser: this.guard.stoppedByUser,
      killSwitch: { ...this.guard.killSwitch },
      staleData: this.guard.stale,
      lastMarketMs: this.guard.lastMarketMs,
      maxPositionLots: l.maxPositionLots,
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
    return this.logRing.slice(-Math.max(0, limit));
  }

  subscribe(listener: (event: BotEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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
      this.emitLog('info', 'quoting started by the operator');
      this.resumed('started by the operator');
      this.send(this.loop.poll(this.now()));
    });
  }

  async flatten(): Promise<void> {
    this.step(() => {
      const pos = this.loop.positionBase;
      const bbo = this.loop.bbo;
      if (Math.abs(pos) < 1e-12 || bbo === null) return;
      const side: Side = pos > 0 ? 'sell' : 'buy';
      const px = side === 'sell' ? bbo.bidPx : bbo.askPx;
      const cid = this.flattenCid++;
      this.emitLog('warn', `flatten: ${side} ${Math.abs(pos)} at the touch ${px} (reduce-only ioc)`);
      // Reduce-only: if the position changed meanwhile, the exchange refuses rather than opens the other side.
      // PlaceAction has no such field yet; the live venue reads this one (the paper venue needs none: the
      // order is exactly the position, sent at once).
      const order: PlaceAction = {
        type: 'place',
        cid,
        side,
        px,
        sz: Math.round(Math.abs(pos) * 1e9) / 1e9,
        tif: 'ioc',
        reduceOnly: true,
      };
      this.send([order]);
    });
  }

  async reloadConfig(): Promise<void> {
    this.opts.reloadParams?.();
  }

  summary(): TradeSummary {
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
