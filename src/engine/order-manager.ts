import type { Side } from '../core/market.ts';
import type { OrderAction, TimeInForce, VenueReport } from '../core/orders.ts';
import { type DesiredQuotes, levelsOf, type QuoteIntent } from '../strategy/types.ts';

/**
 * OrderManager: turns the strategy's desired quotes into order actions against what we believe is resting,
 * and keeps that belief up to date from the venue's reports. Shared by backtest, paper and live: it is pure
 * and synchronous — it only emits actions; the venue adapter executes them and feeds the reports back.
 *
 * Rules:
 * - `levels` slots per side (default 1: one bid, one ask), one order per slot, and never more than one action
 *   per slot in flight: while a slot waits for an ack, a cancel or a modify, reconcile leaves it alone.
 * - With several levels, desired levels are matched to resting orders by price first (an order already at a
 *   wanted price keeps its queue place whatever its level), the rest re-priced pairwise (all of one reconcile's
 *   modifies go out together, so the live venue sends them as one batchModify), and new orders are placed only
 *   while a side has fewer orders (resting or in flight) than desired levels.
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
  /** Order slots per side (the strategy's ladder levels). Default 1. */
  levels?: number;
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

type Slots = (TrackedOrder | null)[];

const NO_ACTIONS: OrderAction[] = [];

export class OrderManager {
  readonly counts: OrderManagerCounts = { places: 0, cancels: 0, modifies: 0, rejects: 0, unknownReports: 0 };
  readonly levels: number;
  private readonly bids: Slots;
  private readonly asks: Slots;
  private nextCid: number;
  private readonly tolQuote: number;
  private readonly tolBps: number;
  private readonly replaceWith: 'modify' | 'cancel-then-place';
  private readonly tif: TimeInForce;
  /** Reused by every reconcile: the actions it collects (copied out when there are any). */
  private readonly scratch: OrderAction[] = [];
  /** Reused per reconcile of a side (levels > 1): which desired levels an order already covers. */
  private readonly covered: boolean[];

  constructor(cfg: OrderManagerConfig = {}) {
    this.tolQuote = cfg.priceToleranceQuote ?? 0;
    this.tolBps = cfg.priceToleranceBps ?? 0;
    this.replaceWith = cfg.replaceWith ?? 'modify';
    this.tif = cfg.tif ?? 'alo';
    this.nextCid = cfg.firstCid ?? 1;
    this.levels = Math.max(1, Math.floor(cfg.levels ?? 1));
    this.bids = new Array<TrackedOrder | null>(this.levels).fill(null);
    this.asks = new Array<TrackedOrder | null>(this.levels).fill(null);
    this.covered = new Array<boolean>(this.levels).fill(false);
  }

  /** The order nearest the touch that we track on a side (open or in flight), or null. */
  order(side: Side): Readonly<TrackedOrder> | null {
    const slots = this.slotsOf(side);
    let best: TrackedOrder | null = null;
    for (const o of slots) {
      if (o === null) continue;
      if (best === null || (side === 'buy' ? o.px > best.px : o.px < best.px)) best = o;
    }
    return best;
  }

  /** Every order we track on a side (open or in flight), nearest the touch first. */
  orders(side: Side): Readonly<TrackedOrder>[] {
    const list = this.slotsOf(side).filter((o): o is TrackedOrder => o !== null);
    return list.sort((a, b) => (side === 'buy' ? b.px - a.px : a.px - b.px));
  }

  /** True when an action on `side` awaits the venue's answer (any of its slots). */
  inFlight(side: Side): boolean {
    for (const o of this.slotsOf(side)) if (o !== null && o.state !== 'open') return true;
    return false;
  }

  /**
   * Actions that bring our orders towards `desired`: a new array, or a shared empty one (do not add to it) when
   * nothing is to be done — most calls, as a quote within the tolerance keeps its order.
   */
  reconcile(desired: DesiredQuotes): OrderAction[] {
    const out = this.scratch;
    if (this.levels === 1) {
      this.reconcileSlot(this.bids, 0, 'buy', desired.bidLevels?.[0] ?? desired.bid, out);
      this.reconcileSlot(this.asks, 0, 'sell', desired.askLevels?.[0] ?? desired.ask, out);
    } else {
      this.reconcileLadder('buy', levelsOf(desired, 'buy'), out);
      this.reconcileLadder('sell', levelsOf(desired, 'sell'), out);
    }
    if (out.length === 0) return NO_ACTIONS;
    const actions = out.slice();
    out.length = 0;
    return actions;
  }

  /** Cancels every open order (shutdown, kill switch). Slots with an action in flight are left to finish. */
  cancelAll(): OrderAction[] {
    return this.reconcile({ bid: null, ask: null, explain: null });
  }

  /** Applies one venue report. Returns true when it changed what we track (worth a new reconcile). */
  onReport(r: VenueReport): boolean {
    let slots: Slots = this.bids;
    let i = this.slotOf(slots, r.cid);
    if (i < 0) {
      slots = this.asks;
      i = this.slotOf(slots, r.cid);
    }
    if (i < 0) {
      this.counts.unknownReports++;
      return false;
    }
    const o = slots[i] as TrackedOrder;
    const side = o.side;
    const isReplacement = o.replacement !== null && o.replacement.cid === r.cid;
    switch (r.type) {
      case 'ack':
        if (o.cid === r.cid && o.state === 'pending-new') o.state = 'open';
        return true;
      case 'reject':
        this.counts.rejects++;
        // A rejected new order, or a rejected replacement (the modified order is gone either way).
        if (isReplacement || o.state === 'pending-new') slots[i] = null;
        return true;
      case 'fill':
        if (isReplacement) {
          // The replacement filled on arrival before any ack (taker or immediate): promote it.
          this.promoteReplacement(slots, i, side, o);
          const n = slots[i] as TrackedOrder;
          n.filledSz += r.sz;
          if (r.leavesSz <= DUST_SZ) slots[i] = null;
          return true;
        }
        o.filledSz += r.sz;
        if (r.leavesSz <= DUST_SZ) {
          // Done. A pending modify still owes us an answer about its replacement.
          if (o.state === 'pending-modify') this.promoteReplacement(slots, i, side, o);
          else slots[i] = null;
        }
        return true;
      case 'cancelled':
        if (o.state === 'pending-modify' && r.reason === 'modified')
          this.promoteReplacement(slots, i, side, o);
        else slots[i] = null;
        return true;
      case 'cancel-reject':
        // The order is not open any more (its fills were reported before): forget it.
        if (o.state === 'pending-cancel') slots[i] = null;
        return true;
    }
  }

  /** One slot against one wanted order: the rule of a single level (today's one bid and one ask). */
  private reconcileSlot(
    slots: Slots,
    i: number,
    side: Side,
    want: QuoteIntent | null,
    out: OrderAction[],
  ): void {
    const o = slots[i];
    if (o !== null && o.state !== 'open') return; // one action in flight per slot
    if (o === null) {
      if (want === null || !(want.sz > 0)) return;
      this.place(slots, i, side, want, out);
      return;
    }
    if (want === null || !(want.sz > 0)) {
      this.cancel(o, out);
      return;
    }
    if (this.matches(o.px, o.sz, want)) return;
    this.replace(o, side, want, out);
  }

  /**
   * Several slots against the wanted levels: keep orders already at a wanted price, re-price the other open ones
   * towards the uncovered levels (nearest the touch first), place into free slots while the side has fewer orders
   * than wanted levels, cancel open orders left over.
   */
  private reconcileLadder(side: Side, wants: readonly QuoteIntent[], out: OrderAction[]): void {
    const slots = this.slotsOf(side);
    const n = Math.min(wants.length, this.levels);
    const covered = this.covered;
    for (let j = 0; j < this.levels; j++) covered[j] = j >= n || !(wants[j].sz > 0);
    let wanted = 0;
    for (let j = 0; j < n; j++) if (!covered[j]) wanted++;
    // Orders in flight cover the level they are heading to; open orders at a wanted price keep it.
    const spare: number[] = [];
    let occupied = 0;
    for (let i = 0; i < slots.length; i++) {
      const o = slots[i];
      if (o === null) continue;
      occupied++;
      const px = o.state === 'pending-modify' && o.replacement !== null ? o.replacement.px : o.px;
      const sz = o.state === 'pending-modify' && o.replacement !== null ? o.replacement.sz : o.sz;
      // The closest wanted level within the tolerance (an order exactly at a wanted price keeps that level).
      let hit = -1;
      if (o.state !== 'pending-cancel')
        for (let j = 0; j < n; j++)
          if (
            !covered[j] &&
            this.matches(px, sz, wants[j]) &&
            (hit < 0 || Math.abs(px - wants[j].px) < Math.abs(px - wants[hit].px))
          )
            hit = j;
      if (hit >= 0) covered[hit] = true;
      else if (o.state === 'open') spare.push(i);
    }
    // Spare open orders, nearest the touch first, take the uncovered levels in order.
    spare.sort((a, b) => {
      const pa = (slots[a] as TrackedOrder).px;
      const pb = (slots[b] as TrackedOrder).px;
      return side === 'buy' ? pb - pa : pa - pb;
    });
    let s = 0;
    for (let j = 0; j < n; j++) {
      if (covered[j]) continue;
      covered[j] = true;
      if (s < spare.length) {
        this.replace(slots[spare[s++]] as TrackedOrder, side, wants[j], out);
        continue;
      }
      if (occupied >= wanted) continue;
      const free = slots.indexOf(null);
      if (free < 0) continue;
      this.place(slots, free, side, wants[j], out);
      occupied++;
    }
    for (; s < spare.length; s++) this.cancel(slots[spare[s]] as TrackedOrder, out);
  }

  private matches(px: number, sz: number, want: QuoteIntent): boolean {
    const tol = Math.max(this.tolQuote, (this.tolBps * want.px) / 10_000) + 1e-9 * want.px;
    return Math.abs(px - want.px) <= tol && Math.abs(sz - want.sz) <= DUST_SZ;
  }

  private place(slots: Slots, i: number, side: Side, want: QuoteIntent, out: OrderAction[]): void {
    const cid = this.nextCid++;
    slots[i] = {
      cid,
      side,
      px: want.px,
      sz: want.sz,
      filledSz: 0,
      state: 'pending-new',
      replacement: null,
    };
    this.counts.places++;
    out.push({ type: 'place', cid, side, px: want.px, sz: want.sz, tif: this.tif });
  }

  private cancel(o: TrackedOrder, out: OrderAction[]): void {
    o.state = 'pending-cancel';
    this.counts.cancels++;
    out.push({ type: 'cancel', cid: o.cid });
  }

  private replace(o: TrackedOrder, side: Side, want: QuoteIntent, out: OrderAction[]): void {
    if (this.replaceWith === 'modify') {
      const newCid = this.nextCid++;
      o.state = 'pending-modify';
      o.replacement = { cid: newCid, px: want.px, sz: want.sz };
      this.counts.modifies++;
      out.push({ type: 'modify', cid: o.cid, newCid, side, px: want.px, sz: want.sz, tif: this.tif });
    } else this.cancel(o, out);
  }

  private promoteReplacement(slots: Slots, i: number, side: Side, o: TrackedOrder): void {
    const r = o.replacement;
    if (r === null) {
      slots[i] = null;
      return;
    }
    slots[i] = {
      cid: r.cid,
      side,
      px: r.px,
      sz: r.sz,
      filledSz: 0,
      state: 'pending-new',
      replacement: null,
    };
  }

  private slotOf(slots: Slots, cid: number): number {
    for (let i = 0; i < slots.length; i++) {
      const o = slots[i];
      if (o !== null && (o.cid === cid || (o.replacement !== null && o.replacement.cid === cid))) return i;
    }
    return -1;
  }

  private slotsOf(side: Side): Slots {
    return side === 'buy' ? this.bids : this.asks;
  }
}
