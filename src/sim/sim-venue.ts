import type { Bbo, BookLevel, BookSnapshot, MarketEvent, Side, TradePrint } from '../core/market.ts';
import type { Liquidity, OrderAction, PlaceAction, VenueReport } from '../core/orders.ts';
import type { FeeModel } from './fees.ts';
import type { LatencyModel } from './latency.ts';
import type { QueueModel } from './queue.ts';

/**
 * SimVenue: the one fill model of hlmm, used by the backtester, by paper trading on the live feed, and by the
 * local fake exchange. Feed it market events in exchange-time order (`onEvent`) and our order actions
 * (`submit`); it keeps our virtual orders against the recorded/live market and appends reports (acks,
 * rejects, cancels, fills with cids) to `reports`. No I/O and no clock of its own: time is the exchange time of
 * the events it is given (and `advanceTo` for idle periods). The market assumptions live in the three
 * injected models (queue.ts, latency.ts, fees.ts) and in these rules, stated once here:
 *
 * - An action sent at t takes effect at the latency model's arrival time (its entry latency; delivering the reports
 *   after the response latency is the caller's: src/engine/paper-venue.ts). Arrivals strictly before an
 *   event's timestamp are applied before that event; an arrival at the same millisecond as an event is
 *   applied after it (the pessimistic order: an order racing a trade in the same millisecond misses it).
 * - On arrival an order that would cross the last known touch (bid ≥ best ask, ask ≤ best bid) is rejected
 *   when post-only (alo). Otherwise, while no order-book snapshot has been seen (BBO data only: no depth
 *   beyond the touch is known), it is filled IN FULL at the touch price as a taker.
 * - With depth known (an order-book snapshot has been seen), a crossing gtc/ioc order walks the other side
 *   level by level, best first, while the level is within its limit: the touch as the latest BBO shows it, then
 *   the snapshot's levels beyond the touch. Each level gives one taker fill at the level's price, of at most
 *   the level's displayed size less what our orders already took there. The rest: ioc → cancelled; gtc → rests
 *   at its limit price, first in its queue. What we took stays taken until the next snapshot (the recorded
 *   book refreshes and cannot know about us); a touch-through of a resting order by a BBO whose touch size we
 *   took entirely does not fill it.
 * - An ioc order that does not cross is cancelled; alo and gtc orders rest and follow the queue rules of
 *   queue.ts. Maker fills are at our order's price.
 * - Fills are bounded by the aggressor: a print at or through our price fills us with at most what is left of
 *   its size after the queue ahead of us (and after our own better-priced orders), partially otherwise
 *   (`onTrade`). A touch that moves through our price still fills all our remaining size (a BBO has no size of
 *   the trade that moved it).
 * - With order-book snapshots in the stream, the displayed size at our level is read from them as well, so
 *   a level behind the touch is tracked too.
 * - Market time never goes back: an event older than the last market event applied is ignored and counted in
 *   `ignoredOldEvents` (a re-sent trade must not fill an order that only existed later, nor rewind the book).
 *   The comparison is with the last EVENT's time, not `nowMs`: paper trading advances `nowMs` to the wall clock
 *   (`advanceTo`), and live exchange timestamps trail the wall clock by the network delay.
 */
export interface SimVenueConfig {
  queue: QueueModel;
  latency: LatencyModel;
  fees: FeeModel;
}

/** One of our resting orders as the simulated exchange sees it (read-only view for callers). */
export interface SimOrderView {
  readonly cid: number;
  readonly side: Side;
  readonly px: number;
  readonly origSz: number;
  readonly leavesSz: number;
  /** Size ahead of us at our price, base units; NaN while unknown (level not visible yet). */
  readonly aheadSz: number;
}

interface SimOrder {
  cid: number;
  side: Side;
  px: number;
  origSz: number;
  leavesSz: number;
  aheadSz: number;
  /** Displayed size at our price when last seen (NaN = never seen). */
  levelSz: number;
  /** Size traded at our price since `levelSz` was seen. */
  tradedSz: number;
}

interface Pending {
  arrivalMs: number;
  seq: number;
  action: OrderAction;
}

/** Sizes below this are rounding dust (base units), e.g. 1 − 0.7 − 0.3. */
const DUST_SZ = 1e-12;

/**
 * Fill and remaining sizes are rounded to 1e-9 base units so float dust (2.4 − 2 = 0.3999…) never reaches the
 * position. Real size grids are far coarser (Hyperliquid: at most 5 decimals).
 */
function cleanSz(sz: number): number {
  return Math.round(sz * 1e9) / 1e9;
}

/** Price equality across parsed decimals and tick arithmetic (relative). */
function samePx(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.abs(b);
}

export class SimVenue {
  /** Reports in the order they happened; the consumer reads them and calls clearReports(). */
  readonly reports: VenueReport[] = [];
  /** Latest top of book, null before the first BBO. */
  bbo: Bbo | null = null;
  /** Exchange time of the last event or arrival processed, ms. */
  nowMs = Number.NEGATIVE_INFINITY;
  /** Market events ignored because they were older than the last event applied. */
  ignoredOldEvents = 0;
  /** Exchange time at which the last submitted action takes effect (its latency draw), ms. */
  lastArrivalMs = Number.NaN;
  private lastEventMs = Number.NEGATIVE_INFINITY;

  private readonly live: SimOrder[] = [];
  /** Scratch list of our orders a print reaches (reused: no allocation per print). */
  private readonly reached: SimOrder[] = [];
  private readonly pending: Pending[] = [];
  private seq = 0;
  /** Last order-book snapshot (null = depth unknown: BBO-only arrival rule). */
  private depth: BookSnapshot | null = null;
  /** Size our taker orders took per price since the last snapshot, per side of the book taken from. */
  private readonly takenBids: BookLevel[] = [];
  private readonly takenAsks: BookLevel[] = [];

  constructor(private readonly cfg: SimVenueConfig) {}

  /** Sends an action at exchange time `sentMs`; it takes effect after the latency model's delay. */
  submit(action: OrderAction, sentMs: number): void {
    const arrivalMs =
      action.type === 'cancel'
        ? this.cfg.latency.cancelArrivalMs(sentMs)
        : this.cfg.latency.orderArrivalMs(sentMs);
    this.lastArrivalMs = arrivalMs;
    if (arrivalMs <= this.nowMs && this.pending.length === 0) {
      this.apply(action, this.nowMs);
      return;
    }
    const p: Pending = { arrivalMs, seq: this.seq++, action };
    // Keep `pending` sorted by (arrival, sequence); it holds a handful of entries.
    let i = this.pending.length;
    while (i > 0 && this.pending[i - 1].arrivalMs > arrivalMs) i--;
    this.pending.splice(i, 0, p);
    if (arrivalMs <= this.nowMs) this.applyArrivals(this.nowMs, true);
  }

  /** Applies one market event (exchange-time order), after the actions that arrived strictly before it. */
  onEvent(ev: MarketEvent): void {
    const t = ev.exchMs;
    if (t < this.lastEventMs) {
      this.ignoredOldEvents++;
      return;
    }
    this.lastEventMs = t;
    if (this.pending.length > 0 && this.pending[0].arrivalMs < t) this.applyArrivals(t, false);
    if (t > this.nowMs) this.nowMs = t;
    if (ev.kind === 'bbo') this.onBbo(ev);
    else if (ev.kind === 'trade') this.onTrade(ev);
    else this.onBook(ev);
  }

  /** Moves the clock to `ms` with no market event, applying actions that arrive at or before it. */
  advanceTo(ms: number): void {
    if (this.pending.length > 0) this.applyArrivals(ms, true);
    if (ms > this.nowMs) this.nowMs = ms;
  }

  clearReports(): void {
    this.reports.length = 0;
  }

  openOrders(): readonly SimOrderView[] {
    return this.live;
  }

  /** Our takers took displayed liquidity since the last order-book snapshot. */
  get hasTaken(): boolean {
    return this.takenBids.length > 0 || this.takenAsks.length > 0;
  }

  /** Actions sent but not yet arrived. */
  get pendingCount(): number {
    return this.pending.length;
  }

  private applyArrivals(t: number, inclusive: boolean): void {
    const pending = this.pending;
    while (pending.length > 0) {
      const head = pending[0];
      if (inclusive ? head.arrivalMs > t : head.arrivalMs >= t) break;
      pending.shift();
      if (head.arrivalMs > this.nowMs) this.nowMs = head.arrivalMs;
      this.apply(head.action, this.nowMs);
    }
  }

  private apply(action: OrderAction, t: number): void {
    if (action.type === 'place') {
      this.place(action, t);
    } else if (action.type === 'cancel') {
      const i = this.indexOf(action.cid);
      if (i < 0) {
        this.reports.push({ type: 'cancel-reject', cid: action.cid, exchMs: t });
      } else {
        this.live.splice(i, 1);
        this.reports.push({ type: 'cancelled', cid: action.cid, exchMs: t, reason: 'user' });
      }
    } else {
      const i = this.indexOf(action.cid);
      if (i < 0) {
        this.reports.push({ type: 'reject', cid: action.newCid, exchMs: t, reason: 'order-not-open' });
        return;
      }
      this.live.splice(i, 1);
      this.reports.push({ type: 'cancelled', cid: action.cid, exchMs: t, reason: 'modified' });
      this.place(
        {
          type: 'place',
          cid: action.newCid,
          side: action.side,
          px: action.px,
          sz: action.sz,
          tif: action.tif,
        },
        t,
      );
    }
  }

  private place(a: PlaceAction, t: number): void {
    if (!(a.sz > 0) || !(a.px > 0) || !Number.isFinite(a.sz) || !Number.isFinite(a.px)) {
      this.reports.push({ type: 'reject', cid: a.cid, exchMs: t, reason: 'invalid-order' });
      return;
    }
    if (this.indexOf(a.cid) >= 0) {
      this.reports.push({ type: 'reject', cid: a.cid, exchMs: t, reason: 'duplicate-cid' });
      return;
    }
    const bbo = this.bbo;
    const isBid = a.side === 'buy';
    if (bbo !== null) {
      const crosses = isBid
        ? a.px >= bbo.askPx || samePx(a.px, bbo.askPx)
        : a.px <= bbo.bidPx || samePx(a.px, bbo.bidPx);
      if (crosses) {
        if (a.tif === 'alo') {
          this.reports.push({ type: 'reject', cid: a.cid, exchMs: t, reason: 'post-only-would-cross' });
          return;
        }
        if (this.depth === null) {
          this.fillReport(a.cid, a.side, isBid ? bbo.askPx : bbo.bidPx, a.sz, 0, 'taker', t);
          return;
        }
      }
    }
    let leavesSz = a.sz;
    let walked = false;
    if (this.depth !== null && a.tif !== 'alo') {
      leavesSz = this.walkBook(a, t);
      walked = leavesSz < a.sz;
      if (leavesSz === 0) return;
    }
    if (a.tif === 'ioc') {
      this.reports.push({ type: 'cancelled', cid: a.cid, exchMs: t, reason: 'ioc' });
      return;
    }
    const o: SimOrder = {
      cid: a.cid,
      side: a.side,
      px: a.px,
      origSz: a.sz,
      leavesSz,
      aheadSz: Number.NaN,
      levelSz: Number.NaN,
      tradedSz: 0,
    };
    if (walked) {
      o.aheadSz = o.levelSz = 0; // it took every level up to its price: nothing is left ahead of it
    } else if (bbo !== null) {
      const touchPx = isBid ? bbo.bidPx : bbo.askPx;
      if (samePx(a.px, touchPx)) {
        o.aheadSz = o.levelSz = isBid ? bbo.bidSz : bbo.askSz;
      } else if (isBid ? a.px > touchPx : a.px < touchPx) {
        o.aheadSz = o.levelSz = 0; // inside the spread: first in line
      }
    }
    this.live.push(o);
    this.reports.push({ type: 'ack', cid: a.cid, exchMs: t });
  }

  /**
   * A crossing order meets the displayed liquidity of the other side, best first, within its limit: one taker
   * fill per level (at the level's price) of at most what is displayed less what we took there since the last
   * snapshot. Returns the size left (0 = done).
   */
  private walkBook(a: PlaceAction, t: number): number {
    const isBid = a.side === 'buy';
    const taken = isBid ? this.takenAsks : this.takenBids;
    let left = a.sz;
    for (const level of this.takerLevels(isBid)) {
      const within = isBid ? level.px <= a.px : level.px >= a.px;
      if (!within && !samePx(level.px, a.px)) break;
      const free = level.sz - takenAt(taken, level.px);
      if (free <= DUST_SZ) continue;
      const sz = cleanSz(Math.min(left, free));
      let leaves = cleanSz(left - sz);
      if (leaves <= DUST_SZ) leaves = 0;
      addTaken(taken, level.px, sz);
      this.fillReport(a.cid, a.side, level.px, sz, leaves, 'taker', t);
      left = leaves;
      if (left === 0) break;
    }
    return left;
  }

  /** The side of the book a buy (isBid) or sell takes from, best first: the BBO's touch, then the snapshot. */
  private takerLevels(isBid: boolean): BookLevel[] {
    const book = this.depth!;
    const side = isBid ? book.asks : book.bids;
    const bbo = this.bbo;
    if (bbo === null) return side;
    const touchPx = isBid ? bbo.askPx : bbo.bidPx;
    const levels: BookLevel[] = [{ px: touchPx, sz: isBid ? bbo.askSz : bbo.bidSz }];
    for (const l of side) {
      if (isBid ? l.px > touchPx : l.px < touchPx) {
        if (!samePx(l.px, touchPx)) levels.push(l);
      }
    }
    return levels;
  }

  /** True when the BBO's touch on the side an order of `side` would meet is all taken by our own takers. */
  private touchTaken(b: Bbo, side: Side): boolean {
    if (this.depth === null) return false;
    return side === 'buy'
      ? b.askSz - takenAt(this.takenAsks, b.askPx) <= DUST_SZ
      : b.bidSz - takenAt(this.takenBids, b.bidPx) <= DUST_SZ;
  }

  private onBbo(b: Bbo): void {
    this.bbo = b;
    const live = this.live;
    for (let i = 0; i < live.length; i++) {
      const o = live[i];
      if (o.side === 'buy') {
        if (b.askPx <= o.px || samePx(b.askPx, o.px)) {
          if (this.touchTaken(b, 'buy')) continue;
          if (this.fillResting(i, o.leavesSz, b.exchMs)) i--;
        } else if (samePx(o.px, b.bidPx)) {
          this.levelSeen(o, b.bidSz);
        } else if (o.px > b.bidPx) {
          this.levelSeen(o, 0);
        }
      } else if (b.bidPx >= o.px || samePx(b.bidPx, o.px)) {
        if (this.touchTaken(b, 'sell')) continue;
        if (this.fillResting(i, o.leavesSz, b.exchMs)) i--;
      } else if (samePx(o.px, b.askPx)) {
        this.levelSeen(o, b.askSz);
      } else if (o.px < b.askPx) {
        this.levelSeen(o, 0);
      }
    }
  }

  /**
   * A print is one maker fill of an aggressive order (Hyperliquid prints one trade per maker met), so its size is
   * what the aggressor had left when it reached that price: after every better-priced level and, at our price,
   * after the queue ahead. Our orders can take at most that, shared best price first:
   * - at our price: the print consumes the size ahead of us first, and the rest fills us (partially);
   * - through our price (a sell below our bid): the aggressor had emptied our level (the queue ahead is gone) and
   *   still had this print's size left, which would have met us first: it fills us up to that size.
   */
  private onTrade(tr: TradePrint): void {
    const hit = this.reached;
    if (hit.length !== 0) hit.length = 0; // most prints reach none of our orders: skip the length setter
    for (const o of this.live) {
      // A sell aggressor hits bids, a buy aggressor lifts asks.
      if (o.side === tr.side) continue;
      const isBid = o.side === 'buy';
      if (samePx(tr.px, o.px) || (isBid ? tr.px < o.px : tr.px > o.px)) hit.push(o);
    }
    if (hit.length === 0) return;
    // Price priority among our own orders: the aggressor meets the best bid (lowest ask) first.
    if (hit.length > 1) hit.sort((a, b) => (a.side === 'buy' ? b.px - a.px : a.px - b.px));
    let left = tr.sz; // what is left of the print for our orders
    for (const o of hit) {
      if (left <= DUST_SZ) break;
      if (samePx(tr.px, o.px)) {
        if (Number.isNaN(o.aheadSz)) continue; // our level is not visible yet: assume all of it is ahead
        o.tradedSz += tr.sz;
        const consumed = Math.min(o.aheadSz, left);
        o.aheadSz -= consumed;
        left -= consumed;
      } else {
        o.aheadSz = 0; // traded through our price: nothing at our price is left ahead of us
      }
      const sz = Math.min(left, o.leavesSz);
      if (sz > DUST_SZ) {
        this.fillResting(this.live.indexOf(o), sz, tr.exchMs);
        left -= sz;
      }
    }
  }

  private onBook(book: BookSnapshot): void {
    this.depth = book;
    this.takenBids.length = 0;
    this.takenAsks.length = 0;
    for (const o of this.live) {
      const sz = levelSize(o.side === 'buy' ? book.bids : book.asks, o.px, o.side === 'buy');
      if (!Number.isNaN(sz)) this.levelSeen(o, sz);
    }
  }

  private levelSeen(o: SimOrder, levelSz: number): void {
    if (Number.isNaN(o.aheadSz)) {
      o.aheadSz = levelSz; // first sight of a level we joined blind: everyone is ahead
    } else if (Number.isNaN(o.levelSz)) {
      o.aheadSz = Math.min(o.aheadSz, levelSz);
    } else if (levelSz !== o.levelSz || o.tradedSz > 0) {
      o.aheadSz = this.cfg.queue.onLevelChange(o.aheadSz, o.levelSz, levelSz, o.tradedSz);
    }
    o.levelSz = levelSz;
    o.tradedSz = 0;
  }

  /** Fills `sz` of the live order at index `i` as maker at its own price; true when that removed it. */
  private fillResting(i: number, sz: number, t: number): boolean {
    const o = this.live[i];
    sz = cleanSz(sz);
    let leaves = cleanSz(o.leavesSz - sz);
    if (leaves <= DUST_SZ) leaves = 0;
    o.leavesSz = leaves;
    if (leaves === 0) this.live.splice(i, 1);
    this.fillReport(o.cid, o.side, o.px, sz, leaves, 'maker', t);
    return leaves === 0;
  }

  private fillReport(
    cid: number,
    side: Side,
    px: number,
    sz: number,
    leavesSz: number,
    liquidity: Liquidity,
    t: number,
  ): void {
    const feeQuote = this.cfg.fees.feeQuote(px * sz, liquidity);
    this.reports.push({ type: 'fill', cid, side, px, sz, feeQuote, liquidity, exchMs: t, leavesSz });
  }

  private indexOf(cid: number): number {
    const live = this.live;
    for (let i = 0; i < live.length; i++) if (live[i].cid === cid) return i;
    return -1;
  }
}

/**
 * Displayed size at `px` in one side of a snapshot (best first): the level's size, 0 when `px` lies inside the
 * snapshot's range with no level there, NaN when it is beyond the deepest level shown (unknown).
 */
export function levelSize(levels: readonly BookLevel[], px: number, isBid: boolean): number {
  if (levels.length === 0) return Number.NaN;
  for (const l of levels) if (samePx(l.px, px)) return l.sz;
  const deepest = levels[levels.length - 1].px;
  const within = isBid ? px > deepest : px < deepest;
  return within ? 0 : Number.NaN;
}

function takenAt(taken: readonly BookLevel[], px: number): number {
  for (const l of taken) if (samePx(l.px, px)) return l.sz;
  return 0;
}

function addTaken(taken: BookLevel[], px: number, sz: number): void {
  for (const l of taken) {
    if (samePx(l.px, px)) {
      l.sz += sz;
      return;
    }
  }
  taken.push({ px, sz });
}
