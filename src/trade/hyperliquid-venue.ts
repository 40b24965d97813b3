import type { Logger } from '../core/log.ts';
import type { MarketEvent, Side } from '../core/market.ts';
import type { RestingOrder, Venue, VenueReportEvent } from '../engine/venue.ts';
import { type Cloid, createCloidSource, type OrderSpec } from '../exchange/hyperliquid/actions.ts';
import { RateLimitedError, TransportError } from '../exchange/hyperliquid/errors.ts';
import type { CancelStatus, OrderStatus } from '../exchange/hyperliquid/exchange-client.ts';
import type { FrontendOpenOrder, UserFill } from '../exchange/hyperliquid/info-schemas.ts';
import type { OrderAction, RejectReason, TimeInForce, VenueReport } from '../sim/orders.ts';
import type { FundingSource } from './funding.ts';

/**
 * Live orders on Hyperliquid (or on the fake exchange with --replay --live): OrderActions → signed /exchange
 * requests; the user channels (orderUpdates, userFills) and the exchange's answers → VenueReports.
 *
 * - Every order is a post-only (Alo) limit with a client order id (cloid) derived from the OrderManager's cid.
 * - Re-pricing: one `modify` per side; when both sides re-price in the same step, one `batchModify` (one
 *   request instead of two). New orders of one step go in one `order` batch, cancels in one `cancelByCloid`.
 * - Per-order errors inside a batch are reported per order (a rejected order never loses the others).
 * - Each order has one state here, and exactly one terminal report (cancelled or reject) is emitted per cid,
 *   whichever of the request's answer and the orderUpdates push comes first; fills come from userFills only,
 *   de-duplicated by tid.
 * - A request whose fate is unknown (network error) leaves its orders pending and asks /info which of them rest.
 * - Rate limits: the HTTP transport spends a weight budget per minute and waits out 429 cool-downs; a request that
 *   still fails with a rate-limit error rejects its orders (the OrderManager re-sends on its next reconcile, which
 *   waits for the cool-down) and is logged with the back-off.
 * - A modify that fails leaves the old order in an unknown state on the exchange: it is cancelled by cloid.
 * - Dead man's switch: `scheduleCancel(now + dmsMs)` at start and again every dmsMs/3, so if this process dies
 *   the exchange cancels every open order within dmsMs (default 30 s, pushed every 10 s). Hyperliquid requires
 *   the time to be ≥ 5 s ahead. On a clean stop the orders are cancelled and the schedule removed.
 */
export interface ExchangeApi {
  placeOrders(orders: OrderSpec[]): Promise<OrderStatus[]>;
  cancelByCloid(cancels: { asset: number; cloid: string }[]): Promise<CancelStatus[]>;
  modify(oid: number | string, order: OrderSpec): Promise<OrderStatus>;
  batchModify(modifies: { oid: number | string; order: OrderSpec }[]): Promise<OrderStatus[]>;
  scheduleCancel(timeMs?: number): Promise<void>;
}

export interface OpenOrdersApi {
  frontendOpenOrders(user?: string): Promise<FrontendOpenOrder[]>;
}

export interface HyperliquidVenueOptions {
  exchange: ExchangeApi;
  info: OpenOrdersApi;
  coin: string;
  asset: number;
  logger?: Logger;
  /** Dead man's switch horizon, ms (0 = off). Default 30,000. */
  dmsMs?: number;
  wallNowMs?: () => number;
  /**
   * The exchange's clock, which scheduleCancel times are in: the wall clock live, the replayed exchange time
   * against a replay (the bot clock). Pushes are paced on the wall clock, since a process dies in real time.
   */
  exchangeNowMs?: () => number;
  /** A rate-limit or other venue problem worth a risk event. */
  onIncident?: (kind: 'rate_limit' | 'reconcile', detail: string) => void;
}

type LiveState = 'pending-new' | 'resting' | 'modifying' | 'cancelling' | 'closed';

interface LiveOrder {
  cid: number;
  cloid: Cloid;
  oid: number | null;
  side: Side;
  px: number;
  sz: number;
  filledSz: number;
  createdMs: number;
  state: LiveState;
  acked: boolean;
  tif: 'Alo' | 'Gtc' | 'Ioc';
  /** Reduce-only (flatten): the exchange refuses it if it would increase the position. */
  reduceOnly: boolean;
  /** A modify's replacement: the order it replaces (its 'modified' cancel is reported before our ack). */
  replaces: LiveOrder | null;
}

const CANCELLED_STATUSES = /cancel/i;

export class HyperliquidVenue implements Venue {
  readonly mode = 'live' as const;
  onReports: (events: VenueReportEvent[]) => void = () => {};
  /** The account's funding payments (set by live-start.ts; the engine books them, see funding.ts). */
  funding: FundingSource | null = null;
  readonly counts = { requests: 0, rateLimited: 0, batchModifies: 0, dmsPushes: 0, unknownFills: 0 };
  private readonly orders = new Map<number, LiveOrder>();
  private readonly byCloid = new Map<string, number>();
  private readonly byOid = new Map<number, number>();
  private readonly seenTids = new Set<number>();
  private readonly nextCloid = createCloidSource();
  private readonly wallNow: () => number;
  private readonly exchangeNow: () => number;
  private readonly dmsMs: number;
  private nextDmsAt = 0;
  private dmsInFlight = false;
  /**
   * Extra lead added after a "too early" refusal: against a fast replay our clock may lag the exchange's by
   * several exchange seconds, eating the ≥ 5 s lead Hyperliquid requires.
   */
  private dmsExtraMs = 0;
  private stopped = false;
  private inFlight = new Set<Promise<unknown>>();

  constructor(private readonly opts: HyperliquidVenueOptions) {
    this.wallNow = opts.wallNowMs ?? Date.now;
    this.exchangeNow = opts.exchangeNowMs ?? this.wallNow;
    this.dmsMs = opts.dmsMs ?? 30_000;
  }

  onMarket(_ev: MarketEvent): void {}

  cloidOf(cid: number): string | null {
    return this.orders.get(cid)?.cloid ?? null;
  }

  restingOrders(): RestingOrder[] {
    const out: RestingOrder[] = [];
    for (const o of this.orders.values()) {
      if (o.state === 'closed' || o.state === 'pending-new') continue;
      out.push({
        cid: o.cid,
        cloid: o.cloid,
        oid: o.oid,
        side: o.side,
        px: o.px,
        sz: o.sz,
        filledSz: o.filledSz,
        createdMs: o.createdMs,
      });
    }
    return out;
  }

  submit(actions: readonly OrderAction[], nowMs: number): void {
    if (this.counts.dmsPushes === 0 && !this.dmsInFlight) this.tick(nowMs); // arm before the first order
    const places: LiveOrder[] = [];
    const modifies: { old: LiveOrder; next: LiveOrder }[] = [];
    const cancels: LiveOrder[] = [];
    for (const a of actions) {
      if (a.type === 'place') {
        // The engine's flatten marks its IOC reduce-only (a property beyond PlaceAction's, see TradingEngine.flatten).
        const reduceOnly = a.reduceOnly === true;
        places.push(this.track(a.cid, a.side, a.px, a.sz, a.tif, reduceOnly));
      } else if (a.type === 'modify') {
        const old = this.orders.get(a.cid);
        const next = this.track(a.newCid, a.side, a.px, a.sz, a.tif);
        if (!old || old.state === 'closed') {
          this.emit([
            { report: { type: 'reject', cid: a.newCid, exchMs: this.wallNow(), reason: 'order-not-open' } },
          ]);
          next.state = 'closed';
          continue;
        }
        old.state = 'modifying';
        next.replaces = old;
        modifies.push({ old, next });
      } else {
        const o = this.orders.get(a.cid);
        if (!o || o.state === 'closed') {
          this.emit([{ report: { type: 'cancel-reject', cid: a.cid, exchMs: this.wallNow() } }]);
          continue;
        }
        o.state = 'cancelling';
        cancels.push(o);
      }
    }
    if (cancels.length > 0) this.track$(this.sendCancels(cancels));
    if (modifies.length > 0) this.track$(this.sendModifies(modifies));
    if (places.length > 0) this.track$(this.sendPlaces(places));
  }

  tick(_nowMs: number): void {
    if (this.stopped || this.dmsMs <= 0 || this.dmsInFlight) return;
    const now = this.wallNow();
    if (now < this.nextDmsAt) return;
    const exchNow = this.exchangeNow();
    if (!Number.isFinite(exchNow)) return;
    this.dmsInFlight = true;
    this.track$(
      this.opts.exchange
        .scheduleCancel(Math.round(exchNow + this.dmsMs + this.dmsExtraMs))
        .then(() => {
          this.counts.dmsPushes++;
          this.nextDmsAt = now + this.dmsMs / 3;
        })
        .catch((err: unknown) => {
          const tooEarly = /too early/i.test(errText(err));
          if (tooEarly) this.dmsExtraMs = Math.min(Math.max(5_000, this.dmsExtraMs * 2), 10 * this.dmsMs);
          this.nextDmsAt = now + (tooEarly ? 100 : 1_000);
          this.opts.logger?.warn("dead man's switch push failed; retrying", {
            error: errText(err),
            extraLeadMs: this.dmsExtraMs,
          });
        })
        .finally(() => {
          this.dmsInFlight = false;
        }),
    );
  }

  /**
   * Pushes the dead man's switch now (start-up) and waits for it. Against a replay the exchange clock is unknown
   * until the first market message: then the switch is armed by the first tick or the first order, whichever
   * comes first (no order is sent before a market message anyway).
   */
  async armDeadMansSwitch(): Promise<void> {
    if (this.dmsMs <= 0) return;
    const now = this.wallNow();
    const exchNow = this.exchangeNow();
    if (!Number.isFinite(exchNow)) return;
    await this.opts.exchange.scheduleCancel(Math.round(exchNow + this.dmsMs));
    this.counts.dmsPushes++;
    this.nextDmsAt = now + this.dmsMs / 3;
  }

  async cancelAll(_nowMs: number): Promise<void> {
    const open = [...this.orders.values()].filter((o) => o.state !== 'closed');
    for (const o of open) o.state = 'cancelling';
    await Promise.allSettled([...this.inFlight]);
    const left = [...this.orders.values()].filter((o) => o.state === 'cancelling' || o.state === 'resting');
    if (left.length > 0) await this.sendCancels(left);
    // Belt and braces: anything of ours the exchange still shows for this coin (an answer we never got).
    try {
      const still = (await this.opts.info.frontendOpenOrders()).filter((o) => o.coin === this.opts.coin);
      const ours = still.filter((o) => o.cloid && this.byCloid.has(o.cloid.toLowerCase()));
      if (ours.length > 0) {
        await this.opts.exchange.cancelByCloid(
          ours.map((o) => ({ asset: this.opts.asset, cloid: (o.cloid as string).toLowerCase() })),
        );
      }
    } catch (err) {
      this.opts.logger?.warn('could not verify that every order is cancelled', { error: errText(err) });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.inFlight]);
    if (this.dmsMs > 0) {
      // Orders are cancelled already: remove the schedule so it does not count against the daily trigger limit.
      await this.opts.exchange.scheduleCancel().catch(() => {});
    }
  }

  // ------------------------------------------------------------------ user channels

  /** An `orderUpdates` push: an array of {order, status, statusTimestamp}. */
  onOrderUpdates(data: unknown): void {
    if (!Array.isArray(data)) return;
    const out: VenueReportEvent[] = [];
    for (const u of data as {
      order?: Record<string, unknown>;
      status?: string;
      statusTimestamp?: number;
    }[]) {
      const ord = u?.order;
      if (!ord || ord.coin !== this.opts.coin || typeof u.status !== 'string') continue;
      const o = this.find(
        typeof ord.cloid === 'string' ? ord.cloid : null,
        typeof ord.oid === 'number' ? ord.oid : null,
      );
      if (!o) continue;
      if (typeof ord.oid === 'number' && o.oid === null) this.setOid(o, ord.oid);
      const t = typeof u.statusTimestamp === 'number' ? u.statusTimestamp : this.wallNow();
      if (u.status === 'open') {
        if (o.state === 'pending-new') {
          // The push can beat the modify's answer: report the replaced order first, as the OrderManager expects.
          const old = o.replaces;
          if (old !== null && old.state === 'modifying') {
            this.close(old, { type: 'cancelled', cid: old.cid, exchMs: t, reason: 'modified' }, out);
          }
          o.state = 'resting';
          this.ack(o, t, out);
        }
      } else if (u.status === 'rejected') {
        if (o.state === 'pending-new')
          this.close(o, { type: 'reject', cid: o.cid, exchMs: t, reason: 'invalid-order' }, out);
      } else if (CANCELLED_STATUSES.test(u.status)) {
        // Our own cancel or modify: its answer reports it. Anything else (dead man's switch, margin) we report here.
        if (o.state === 'resting' || o.state === 'pending-new')
          this.close(o, { type: 'cancelled', cid: o.cid, exchMs: t, reason: 'user' }, out);
        else if (o.state === 'cancelling')
          this.close(o, { type: 'cancelled', cid: o.cid, exchMs: t, reason: 'user' }, out);
      }
    }
    this.emit(out);
  }

  /** A `userFills` push ({isSnapshot?, user, fills}); the snapshot replays recent fills, de-duplicated by tid. */
  onUserFills(data: unknown): void {
    const fills = (data as { fills?: unknown })?.fills;
    if (!Array.isArray(fills)) return;
    const out: VenueReportEvent[] = [];
    for (const f of fills as UserFill[]) this.fillReport(f, out);
    this.emit(out);
  }

  /** Fills found through /info userFills (a restart or a gap): same path as the channel. */
  applyFills(fills: readonly UserFill[]): void {
    const out: VenueReportEvent[] = [];
    for (const f of fills) this.fillReport(f, out);
    this.emit(out);
  }

  /** Marks tids already accounted for (restart: fills in the store or before the exchange's position). */
  markFillsSeen(tids: Iterable<number>): void {
    for (const t of tids) this.seenTids.add(t);
  }

  private fillReport(f: UserFill, out: VenueReportEvent[]): void {
    if (f.coin !== this.opts.coin || typeof f.tid !== 'number') return;
    if (this.seenTids.has(f.tid)) return;
    this.seenTids.add(f.tid);
    const o = this.find(f.cloid ?? null, f.oid);
    const sz = Number(f.sz);
    const px = Number(f.px);
    const side: Side = f.side === 'B' ? 'buy' : 'sell';
    let cid = 0;
    let leaves = 0;
    if (o) {
      cid = o.cid;
      o.filledSz = Math.round((o.filledSz + sz) * 1e9) / 1e9;
      leaves = Math.max(0, Math.round((o.sz - o.filledSz) * 1e9) / 1e9);
      if (o.oid === null) this.setOid(o, f.oid);
      if (leaves <= 0 && o.state !== 'modifying') o.state = 'closed';
    } else {
      this.counts.unknownFills++;
    }
    const report: VenueReport = {
      type: 'fill',
      cid,
      side,
      px,
      sz,
      feeQuote: Number(f.fee),
      liquidity: f.crossed ? 'taker' : 'maker',
      exchMs: f.time,
      leavesSz: leaves,
    };
    out.push({
      report,
      fill: {
        tid: f.tid,
        oid: f.oid,
        closedPnlQuote: Number(f.closedPnl),
        hash: f.hash,
        cloid: f.cloid ?? null,
      },
    });
  }

  // ------------------------------------------------------------------ requests

  private async sendPlaces(places: LiveOrder[]): Promise<void> {
    let statuses: OrderStatus[];
    try {
      statuses = await this.request(() => this.opts.exchange.placeOrders(places.map((o) => this.spec(o))));
    } catch (err) {
      if (err instanceof TransportError) return this.verifyPending(places, errText(err));
      const out: VenueReportEvent[] = [];
      for (const o of places) this.rejectOrder(o, errText(err), out);
      return this.emit(out);
    }
    const out: VenueReportEvent[] = [];
    for (let i = 0; i < places.length; i++) this.applyOrderStatus(places[i], statuses[i], out);
    this.emit(out);
  }

  private async sendModifies(mods: { old: LiveOrder; next: LiveOrder }[]): Promise<void> {
    let statuses: OrderStatus[];
    try {
      if (mods.length === 1) {
        const m = mods[0];
        statuses = [
          await this.request(() => this.opts.exchange.modify(m.old.oid ?? m.old.cloid, this.spec(m.next))),
        ];
      } else {
        this.counts.batchModifies++;
        statuses = await this.request(() =>
          this.opts.exchange.batchModify(
            mods.map((m) => ({ oid: m.old.oid ?? m.old.cloid, order: this.spec(m.next) })),
          ),
        );
      }
    } catch (err) {
      const out: VenueReportEvent[] = [];
      for (const m of mods) this.modifyFailed(m.old, m.next, errText(err), out);
      return this.emit(out);
    }
    const out: VenueReportEvent[] = [];
    mods.forEach((m, i) => {
      const s = statuses[i];
      if (s === undefined || s.kind === 'error' || s.kind === 'unknown') {
        this.modifyFailed(m.old, m.next, s?.kind === 'error' ? s.message : 'no status', out);
        return;
      }
      const t = this.wallNow();
      if (m.old.state !== 'closed')
        this.close(m.old, { type: 'cancelled', cid: m.old.cid, exchMs: t, reason: 'modified' }, out);
      this.applyOrderStatus(m.next, s, out);
    });
    this.emit(out);
  }

  private async sendCancels(cancels: LiveOrder[]): Promise<void> {
    let statuses: CancelStatus[];
    try {
      statuses = await this.request(() =>
        this.opts.exchange.cancelByCloid(cancels.map((o) => ({ asset: this.opts.asset, cloid: o.cloid }))),
      );
    } catch (err) {
      // Unknown outcome: the orders stay "cancelling"; orderUpdates (or the shutdown sweep) settles them.
      this.opts.logger?.warn('cancel request failed', { error: errText(err), orders: cancels.length });
      return;
    }
    const out: VenueReportEvent[] = [];
    cancels.forEach((o, i) => {
      if (o.state === 'closed') return;
      const s = statuses[i];
      const t = this.wallNow();
      if (s?.kind === 'success')
        this.close(o, { type: 'cancelled', cid: o.cid, exchMs: t, reason: 'user' }, out);
      // "Order was never placed, already canceled, or filled": its fills (if any) come through userFills.
      else this.close(o, { type: 'cancel-reject', cid: o.cid, exchMs: t }, out);
    });
    this.emit(out);
  }

  private async request<T>(fn: () => Promise<T>): Promise<T> {
    this.counts.requests++;
    try {
      return await fn();
    } catch (err) {
      if (err instanceof RateLimitedError) {
        this.counts.rateLimited++;
        const detail = `rate limited (${err.kind}); backing off ${Math.round(err.retryAfterMs)} ms`;
        this.opts.logger?.warn(detail);
        this.opts.onIncident?.('rate_limit', detail);
      }
      throw err;
    }
  }

  /** After a request with an unknown outcome: which of these orders rest? The others are reported rejected. */
  private async verifyPending(orders: LiveOrder[], why: string): Promise<void> {
    this.opts.onIncident?.('reconcile', `order request outcome unknown (${why}); checking open orders`);
    let open: FrontendOpenOrder[] = [];
    try {
      open = await this.opts.info.frontendOpenOrders();
    } catch {
      // Still unknown: reject locally; orderUpdates will report any that rest after all (then cancel them).
    }
    const out: VenueReportEvent[] = [];
    for (const o of orders) {
      const found = open.find((x) => x.cloid?.toLowerCase() === o.cloid);
      if (found) {
        this.setOid(o, found.oid);
        o.state = 'resting';
        this.ack(o, this.wallNow(), out);
      } else this.rejectOrder(o, why, out);
    }
    this.emit(out);
  }

  private applyOrderStatus(o: LiveOrder, s: OrderStatus | undefined, out: VenueReportEvent[]): void {
    if (o.state === 'closed') return;
    const t = this.wallNow();
    if (s === undefined || s.kind === 'unknown') {
      void this.verifyPending([o], 'no status in the answer');
      return;
    }
    if (s.kind === 'error') {
      this.rejectOrder(o, s.message, out);
      return;
    }
    if (s.kind === 'resting' || s.kind === 'filled') this.setOid(o, s.oid);
    if (s.kind === 'filled') {
      // Filled on arrival: only possible for non-Alo orders; the fill itself arrives through userFills.
      if (!o.acked) this.ack(o, t, out);
      return;
    }
    if (o.state === 'pending-new') {
      o.state = 'resting';
      this.ack(o, t, out);
    }
  }

  private modifyFailed(old: LiveOrder, next: LiveOrder, message: string, out: VenueReportEvent[]): void {
    this.rejectOrder(next, message, out, 'order-not-open');
    if (old.state === 'modifying') {
      // Hyperliquid may have refused the new price (e.g. post-only) with the old order still resting or already
      // gone: cancel it by cloid so nothing rests that the OrderManager no longer tracks.
      old.state = 'cancelling';
      this.track$(this.sendCancels([old]));
    }
  }

  private rejectOrder(o: LiveOrder, message: string, out: VenueReportEvent[], reason?: RejectReason): void {
    const r: RejectReason =
      reason ??
      (/post only|would have immediately matched/i.test(message) ? 'post-only-would-cross' : 'invalid-order');
    this.close(o, { type: 'reject', cid: o.cid, exchMs: this.wallNow(), reason: r }, out, message);
  }

  // ------------------------------------------------------------------ bookkeeping

  private track(
    cid: number,
    side: Side,
    px: number,
    sz: number,
    tif: TimeInForce,
    reduceOnly = false,
  ): LiveOrder {
    const o: LiveOrder = {
      cid,
      cloid: this.nextCloid(),
      oid: null,
      side,
      px,
      sz,
      filledSz: 0,
      createdMs: this.wallNow(),
      state: 'pending-new',
      acked: false,
      replaces: null,
      tif: tif === 'alo' ? 'Alo' : tif === 'gtc' ? 'Gtc' : 'Ioc',
      reduceOnly,
    };
    this.orders.set(cid, o);
    this.byCloid.set(o.cloid, cid);
    return o;
  }

  private spec(o: LiveOrder): OrderSpec {
    return {
      asset: this.opts.asset,
      isBuy: o.side === 'buy',
      price: o.px,
      size: o.sz,
      tif: o.tif,
      cloid: o.cloid,
      reduceOnly: o.reduceOnly,
    };
  }

  private setOid(o: LiveOrder, oid: number): void {
    o.oid = oid;
    this.byOid.set(oid, o.cid);
  }

  private find(cloid: string | null, oid: number | null): LiveOrder | undefined {
    const cid =
      (cloid ? this.byCloid.get(cloid.toLowerCase()) : undefined) ??
      (oid !== null ? this.byOid.get(oid) : undefined);
    return cid === undefined ? undefined : this.orders.get(cid);
  }

  private ack(o: LiveOrder, t: number, out: VenueReportEvent[]): void {
    if (o.acked) return;
    o.acked = true;
    out.push({ report: { type: 'ack', cid: o.cid, exchMs: t }, oid: o.oid });
  }

  private close(o: LiveOrder, r: VenueReport, out: VenueReportEvent[], message?: string): void {
    if (o.state === 'closed' && r.type !== 'cancel-reject') return;
    o.state = 'closed';
    out.push(message === undefined ? { report: r } : { report: r, message });
    // Keep recent ids for late pushes; forget old closed orders so memory stays bounded.
    if (this.orders.size > 2_000) {
      for (const [cid, x] of this.orders) {
        if (this.orders.size <= 1_000) break;
        if (x.state === 'closed') {
          this.orders.delete(cid);
          this.byCloid.delete(x.cloid);
          if (x.oid !== null) this.byOid.delete(x.oid);
        }
      }
    }
  }

  private emit(out: VenueReportEvent[]): void {
    if (out.length > 0) this.onReports(out);
  }

  private track$(p: Promise<unknown>): void {
    const q = p.catch((err: unknown) =>
      this.opts.logger?.error('venue request failed', { error: errText(err) }),
    );
    this.inFlight.add(q);
    void q.finally(() => this.inFlight.delete(q));
  }
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
