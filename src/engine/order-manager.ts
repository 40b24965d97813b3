import type { Side } from '../core/market.ts';
import type { OrderAction, TimeInForce, VenueReport } from '../core/orders.ts';
import type { DesiredQuotes, QuoteIntent } from '../strategy/types.ts';

/**
 * OrderManager: turns the strategy's desired quotes into order actions against what we believe is resting,
 * and keeps that belief up to date from the venue's reports. Shared by backtest, paper and live: it is pure
 * and synchronous — it only emits actions; the venue adapter executes them and feeds the reports back.
 *
 * Rules:
 * - At most one order per side, and never more than one action per side in flight: while a side waits for
 *   an ack, a cancel or a modify, reconcile leaves it alone.
 * - An open order is kept when its price is within the tolerance of the desired price and the desired size
 *   equals the size it was placed with (a partly filled order keeps its queue place with what is left).
 * - Otherwise it is replaced: by one `modify` action (atomic on Hyperliquid) or, with
 *   `replaceWith: 'cancel-then-place'`, by a cancel now and a place on the first reconcile after the cancel
 *   is confirmed (never two live orders on one side).
 * - No desired quote on a side → cancel the open order there.
 */
export interface OrderManagerConfig {
  /** Keep an order whose price is within this many quote units of the desired price. Default 0. */
  priceToleranceQuote?: number;
  /** Also keep it when within this many basis points of the desired price. Default 0. */
  priceToleranceBps?: number;
  /** How a mispriced order is replaced. Default 'modify'. */
  replaceWith?: 'modify' | 'cancel-then-place';
  /** Time in force of our quotes. Default 'alo' (post-only). */
  tif?: TimeInForce;
  /** First client id to use (ids then increase by one). Default 1. */
  firstCid?: number;
}

export type TrackedState = 'pending-new' | 'open' | 'pending-cancel' | 'pending-modify';

export interface TrackedOrder {
  cid: number;
  side: Side;
  px: number;
  /** Size placed, base units. */
  sz: number;
  /** Size filled so far, base units. */
  filledSz: number;
  state: TrackedState;
  /** While `pending-modify`: the order that will replace this one. */
  replacement: { cid: number; px: number; sz: number } | null;
}

export interface OrderManagerCounts {
  places: number;
  cancels: number;
  modifies: number;
  rejects: number;
  /** Reports naming a cid this manager does not track (late cancel-rejects and the like). */
  unknownReports: number;
}

const DUST_SZ = 1e-12;

export class OrderManager {
  readonly counts: OrderManagerCounts = { places: 0, cancels: 0, modifies: 0, rejects: 0, unknownReports: 0 };
  private bid: TrackedOrder | null = null;
  private ask: TrackedOrder | null = null;
  private nextCid: number;
  private readonly tolQuote: number;
  private readonly tolBps: number;
  private readonly replaceWith: 'modify' | 'cancel-then-place';
  private readonly tif: TimeInForce;

  constructor(cfg: OrderManagerConfig = {}) {
    this.tolQuote = cfg.priceToleranceQuote ?? 0;
    this.tolBps = cfg.priceToleranceBps ?? 0;
    this.replaceWith = cfg.replaceWith ?? 'modify';
    this.tif = cfg.tif ?? 'alo';
    this.nextCid = cfg.firstCid ?? 1;
  }

  /** The order we track on a side (open or in flight), or null. */
  order(side: Side): Readonly<TrackedOrder> | null {
    return side === 'buy' ? this.bid : this.ask;
  }

  /** True when an action on `side` awaits the venue's answer. */
  inFlight(side: Side): boolean {
    const o = side === 'buy' ? this.bid : this.ask;
    return o !== null && o.state !== 'open';
  }

  /** Actions that bring our orders towards `desired`. */
  reconcile(desired: DesiredQuotes): OrderAction[] {
    const out: OrderAction[] = [];
    this.reconcileSide('buy', desired.bid, out);
    this.reconcileSide('sell', desired.ask, out);
    return out;
  }

  /** Cancels every open order (shutdown, kill switch). Sides with an action in flight are left to finish. */
  cancelAll(): OrderAction[] {
    return this.reconcile({ bid: null, ask: null, explain: null });
  }

  /** Applies one venue report. Returns true when it changed what we track (worth a new reconcile). */
  onReport(r: VenueReport): boolean {
    const side = this.sideOf(r.cid);
    if (side === null) {
      this.counts.unknownReports++;
      return false;
    }
    const o = (side === 'buy' ? this.bid : this.ask) as TrackedOrder;
    const isReplacement = o.replacement !== null && o.replacement.cid === r.cid;
    switch (r.type) {
      case 'ack':
        if (o.cid === r.cid && o.state === 'pending-new') o.state = 'open';
        return true;
      case 'reject':
        this.counts.rejects++;
        // A rejected new order, or a rejected replacement (the modified order is gone either way).
        if (isReplacement || o.state === 'pending-new') this.set(side, null);
        return true;
      case 'fill':
        if (isReplacement) {
          // The replacement filled on arrival before any ack (taker or immediate): promote it.
          this.promoteReplacement(side, o);
          const n = (side === 'buy' ? this.bid : this.ask) as TrackedOrder;
          n.filledSz += r.sz;
          if (r.leavesSz <= DUST_SZ) this.set(side, null);
          return true;
        }
        o.filledSz += r.sz;
        if (r.leavesSz <= DUST_SZ) {
          // Done. A pending modify still owes us an answer about its replacement.
          if (o.state === 'pending-modify') this.promoteReplacement(side, o);
          else this.set(side, null);
        }
        return true;
      case 'cancelled':
        if (o.state === 'pending-modify' && r.reason === 'modified') this.promoteReplacement(side, o);
        else this.set(side, null);
        return true;
      case 'cancel-reject':
        // The order is not open any more (its fills were reported before): forget it.
        if (o.state === 'pending-cancel') this.set(side, null);
        return true;
    }
  }

  private reconcileSide(side: Side, want: QuoteIntent | null, out: OrderAction[]): void {
    const o = side === 'buy' ? this.bid : this.ask;
    if (o !== null && o.state !== 'open') return; // one action in flight per side
    if (o === null) {
      if (want === null || !(want.sz > 0)) return;
      const cid = this.nextCid++;
      this.set(side, {
        cid,
        side,
        px: want.px,
        sz: want.sz,
        filledSz: 0,
        state: 'pending-new',
        replacement: null,
      });
      this.counts.places++;
      out.push({ type: 'place', cid, side, px: want.px, sz: want.sz, tif: this.tif });
      return;
    }
    if (want === null || !(want.sz > 0)) {
      o.state = 'pending-cancel';
      this.counts.cancels++;
      out.push({ type: 'cancel', cid: o.cid });
      return;
    }
    const tol = Math.max(this.tolQuote, (this.tolBps * want.px) / 10_000) + 1e-9 * want.px;
    if (Math.abs(o.px - want.px) <= tol && Math.abs(o.sz - want.sz) <= DUST_SZ) return;
    if (this.replaceWith === 'modify') {
      const newCid = this.nextCid++;
      o.state = 'pending-modify';
      o.replacement = { cid: newCid, px: want.px, sz: want.sz };
      this.counts.modifies++;
      out.push({ type: 'modify', cid: o.cid, newCid, side, px: want.px, sz: want.sz, tif: this.tif });
    } else {
      o.state = 'pending-cancel';
      this.counts.cancels++;
      out.push({ type: 'cancel', cid: o.cid });
    }
  }

  private promoteReplacement(side: Side, o: TrackedOrder): void {
    const r = o.replacement;
    if (r === null) {
      this.set(side, null);
      return;
    }
    this.set(side, {
      cid: r.cid,
      side,
      px: r.px,
      sz: r.sz,
      filledSz: 0,
      state: 'pending-new',
      replacement: null,
    });
  }

  private sideOf(cid: number): Side | null {
    const b = this.bid;
    if (b !== null && (b.cid === cid || (b.replacement !== null && b.replacement.cid === cid))) return 'buy';
    const a = this.ask;
    if (a !== null && (a.cid === cid || (a.replacement !== null && a.replacement.cid === cid))) return 'sell';
    return null;
  }

  private set(side: Side, o: TrackedOrder | null): void {
    if (side === 'buy') this.bid = o;
    else this.ask = o;
  }
}
