import type { Bbo, MarketEvent } from '../core/market.ts';
import type { OrderAction, VenueReport } from '../core/orders.ts';
import type { ModelParams } from '../model/params.ts';
import type { DesiredQuotes, OwnFill, QuoteContext, Strategy } from '../strategy/types.ts';
import type { OrderManager } from './order-manager.ts';

/**
 * The run loop shared by backtest, paper and live: market events and venue reports in, order actions out.
 * It owns the position (from fills), asks the strategy for quotes and lets the OrderManager turn them into
 * actions. No I/O and no clock: time is the event's exchange time (or the caller's clock live).
 *
 * When the strategy is asked (requote policy, one place):
 * - the best bid or ask price changed (size-only BBO updates and trades do not move A–S/GLFT quotes);
 * - one of our orders filled (the position changed);
 * - `requoteIntervalMs` passed since the last quote (the A–S horizon τ shrinks, long-only re-prices after 15 s),
 *   on ANY event, trades included: this is how the strategy's stale-book rule pulls quotes when the BBO feed stops
 *   while trades keep coming (a replayed recording with BBO holes, or a dead bbo subscription live);
 * - a BBO arrived while the last answer quoted nothing at all (stale or unusable book): a fresh book can end the
 *   pause even when its prices equal the old touch.
 * Acks, rejects and cancels only re-run the reconcile with the last desired quotes, since a side that had an
 * action in flight was skipped.
 */
export interface QuotingLoopConfig {
  strategy: Strategy;
  params: ModelParams;
  orderManager: OrderManager;
  /** Ask the strategy at least this often (exchange ms) even when the touch does not move. Default 1000. */
  requoteIntervalMs?: number;
}

const NO_ACTIONS: OrderAction[] = [];

export class QuotingLoop {
  /** Signed position, base units (positive = long). */
  positionBase = 0;
  bbo: Bbo | null = null;
  lastQuote: DesiredQuotes | null = null;
  /** Number of strategy.quote calls. */
  quoteCalls = 0;

  private lastQuoteMs = Number.NEGATIVE_INFINITY;
  private quotedBidPx = Number.NaN;
  private quotedAskPx = Number.NaN;
  private needQuote = true;
  private needReconcile = false;
  private readonly intervalMs: number;
  /**
   * The one context handed to the strategy, refilled before each call (no object per call on the hot path): a
   * strategy reads it during `quote` and keeps none of it but the fields' values (the Strategy contract).
   */
  private readonly ctx: QuoteContext;

  constructor(private readonly cfg: QuotingLoopConfig) {
    this.intervalMs = cfg.requoteIntervalMs ?? 1000;
    this.ctx = { nowMs: Number.NaN, bbo: null as unknown as Bbo, positionBase: 0, params: cfg.params };
  }

  get orderManager(): OrderManager {
    return this.cfg.orderManager;
  }

  /** A market event arrived (exchange time `ev.exchMs`): the actions to send now (often none). */
  onMarket(ev: MarketEvent): OrderAction[] {
    if (ev.kind === 'bbo') {
      this.bbo = ev;
      const lq = this.lastQuote;
      if (
        ev.bidPx !== this.quotedBidPx ||
        ev.askPx !== this.quotedAskPx ||
        (lq !== null && !lq.bid && !lq.ask)
      )
        this.needQuote = true;
    }
    return this.poll(ev.exchMs);
  }

  /** Applies a venue report; returns our fill when it is one (position already updated). */
  onReport(r: VenueReport): OwnFill | null {
    const changed = this.cfg.orderManager.onReport(r);
    if (r.type !== 'fill') {
      if (changed) this.needReconcile = true;
      return null;
    }
    this.positionBase += r.side === 'buy' ? r.sz : -r.sz;
    const fill: OwnFill = { side: r.side, px: r.px, sz: r.sz, exchMs: r.exchMs, feeQuote: r.feeQuote };
    this.cfg.strategy.onFill(fill);
    this.needQuote = true;
    return fill;
  }

  /**
   * Pulls our quotes (kill switch, stale data, stop): cancels every open order and forgets the last desired
   * quotes, so a report arriving later (a cancel confirmed, an ack) cannot re-place them; the next poll asks the
   * strategy afresh (the risk gate answers "no quote" while the reason lasts). Sides with an action in flight are
   * cancelled by that fresh answer once the venue has replied.
   */
  withdrawQuotes(): OrderAction[] {
    this.lastQuote = null;
    this.needReconcile = false;
    this.needQuote = true;
    return this.cfg.orderManager.cancelAll();
  }

  /** The next poll asks the strategy afresh (a rule behind the risk gate changed). */
  requestQuote(): void {
    this.needQuote = true;
  }

  /** Actions due at `nowMs` given what changed since the last call (call after reports and on timers). */
  poll(nowMs: number): OrderAction[] {
    const bbo = this.bbo;
    if (bbo === null) return NO_ACTIONS;
    if (this.needQuote || nowMs - this.lastQuoteMs >= this.intervalMs) {
      this.quoteCalls++;
      const ctx = this.ctx;
      ctx.nowMs = nowMs;
      ctx.bbo = bbo;
      ctx.positionBase = this.positionBase;
      ctx.params = this.cfg.params;
      this.lastQuote = this.cfg.strategy.quote(ctx);
      this.lastQuoteMs = nowMs;
      this.quotedBidPx = bbo.bidPx;
      this.quotedAskPx = bbo.askPx;
      this.needQuote = false;
      this.needReconcile = false;
      return this.cfg.orderManager.reconcile(this.lastQuote);
    }
    if (this.needReconcile && this.lastQuote !== null) {
      this.needReconcile = false;
      return this.cfg.orderManager.reconcile(this.lastQuote);
    }
    return NO_ACTIONS;
  }
}
