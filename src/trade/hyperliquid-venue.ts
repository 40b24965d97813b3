import type { Logger } from '../core/log.ts';
import { ThrottledCountWarning } from '../core/log-throttle.ts';
import type { MarketEvent, Side } from '../core/market.ts';
import type { RestingOrder, Venue, VenueReportEvent } from '../engine/venue.ts';
import { type Cloid, createCloidSource, type OrderSpec } from '../exchange/hyperliquid/actions.ts';
import { ActionRejectedError, HttpStatusError, RateLimitedError } from '../exchange/hyperliquid/errors.ts';
import type { CancelStatus, OrderStatus } from '../exchange/hyperliquid/exchange-client.ts';
import type { FrontendOpenOrder, UserFill } from '../exchange/hyperliquid/info-schemas.ts';
import { orderStatusMeaning } from '../exchange/hyperliquid/order-status.ts';
import type { OrderAction, RejectReason, TimeInForce, VenueReport } from '../sim/orders.ts';
import { isForeignBotOrder, newCloidPrefix, prefixHex } from './foreign-orders.ts';
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
 * - Definitive vs unknown outcomes (see `outcomeKnown`): a rate limit, a refused action or an HTTP 4xx executed
 *   nothing; anything else (network error, timeout, HTTP 5xx, an answer we cannot parse) may have executed.
 *   Unknown places stay pending and /info frontendOpenOrders is asked (with back-off) whether they rest; only
 *   after several answers without them are they reported rejected. Any order we consider closed that a push shows
 *   open is cancelled by cloid ("orphan": the OrderManager already had its terminal report).
 * - A modify that fails definitively leaves the old order possibly resting: it is cancelled by cloid. One whose
 *   outcome is unknown may also have placed the replacement: both cloids are cancelled.
 * - A cancel that fails (or whose answer lacks a status) is retried with back-off from `tick` until the exchange
 *   answers success or "never placed, already canceled, or filled"; if it keeps failing for longer than the dead
 *   man's switch horizon, the switch is no longer pushed, so the exchange cancels everything.
 * - Rate limits: the HTTP transport spends a weight budget per minute and waits out 429 cool-downs; a request that
 *   still fails with a rate-limit error rejects its orders (the OrderManager re-sends on its next reconcile, which
 *   waits for the cool-down) and is logged with the back-off.
 * - Dead man's switch: `scheduleCancel(now + dmsMs)` at start and again every dmsMs/3, so if this process dies
 *   the exchange cancels every open order within dmsMs (default 30 s, pushed every 10 s). Hyperliquid requires
 *   the time to be ≥ 5 s ahead. No order goes out before the first push succeeded, and places/modifies are
 *   refused while the last successful push is older than `dmsStaleMs` (the switch may be about to fire).
 * - Stopping (cancelAll, stop): new places/modifies are refused; every order the account has open on this coin
 *   (ours = all of the account's orders on the coin, whoever placed them) is cancelled from a fresh /info answer,
 *   and the schedule is removed only when a final /info answer shows none open; otherwise it stays armed. It
 *   also stays armed while another hlmm bot's orders (any coin; see foreign-orders.ts) rest on the account: the
 *   schedule is the account's, and removing it would leave the other bot without its switch. Those orders are
 *   never cancelled by the sweep.
 */
export interface ExchangeApi {
  placeOrders(orders: OrderSpec[]): Promise<OrderStatus[]>;
  cancelByCloid(cancels: { asset: number; cloid: string }[]): Promise<CancelStatus[]>;
  /** Cancel by exchange order id: used by the stop sweep for the account's orders without a cloid. */
  cancel?(cancels: { asset: number; oid: number }[]): Promise<CancelStatus[]>;
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
  /** First back-off of cancel retries, open-order checks and stop-sweep rounds, wall ms (doubles, capped ×16). Default 500. */
  retryBaseMs?: number;
  /** /info answers without an unknown order before it is reported rejected. Default 3. */
  unknownChecks?: number;
  /** /info rounds of the stop sweep before giving up (the switch then stays armed). Default 5. */
  sweepRounds?: number;
  /** This process's cloid prefix (8 bytes: the hlmm marker + 4 random). Default: a new one. */
  cloidPrefix?: Uint8Array;
  /** Cloid prefixes of earlier runs of this database (their orders are ours, not another bot's). */
  knownCloidPrefixes?: Iterable<string>;
  /** An orderUpdates push showed another hlmm bot's order open on this coin (once per cloid prefix). */
  onForeignOrder?: (prefixCloid: string) => void;
}

type LiveState = 'pending-new' | 'unknown' | 'resting' | 'modifying' | 'cancelling' | 'closed';

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
  /** Its terminal report was emitted already: the venue alone cancels it, silently (fills are still reported). */
  orphan: boolean;
  /** Cancel retry: when the next attempt is due (wall ms), how many failed, since when it fails. */
  cancelRetryAtWall: number | null;
  cancelFailures: number;
  cancelFailingSinceWall: number | null;
  /** Unknown outcome: when the next /info check is due, how many answers did not show it, why it is unknown. */
  checkAtWall: number;
  checkMisses: number;
  checkFailures: number;
  unknownWhy: string;
}

/** Hyperliquid requires a scheduleCancel time at least this far ahead; a switch this close may fire any moment. */
const DMS_MIN_LEAD_MS = 5_000;
const NOT_ARMED = "dead man's switch not armed";
const STOPPING = 'venue stopping: no new orders';

export class HyperliquidVenue implements Venue {
  readonly mode = 'live' as const;
  onReports: (events: VenueReportEvent[]) => void = () => {};
  /** The account's funding payments (set by live-start.ts; the engine books them, see funding.ts). */
  funding: FundingSource | null = null;
  readonly counts = {
    requests: 0,
    rateLimited: 0,
    batchModifies: 0,
    dmsPushes: 0,
    unknownFills: 0,
    cancelRetries: 0,
    unknownOutcomes: 0,
    orphansCancelled: 0,
    refused: 0,
  };
  /** Local refusals, logged once per reason per 10 s with the count (a frozen exchange once produced 1,402 lines). */
  private readonly refusalLog = new ThrottledCountWarning(
    (message, fields) => this.opts.logger?.warn(message, fields),
    'orders refused',
  );
  private readonly orders = new Map<number, LiveOrder>();
  private readonly byCloid = new Map<string, number>();
  private readonly byOid = new Map<number, number>();
  private readonly seenTids = new Set<number>();
  private readonly nextCloid: () => Cloid;
  /** "0x" + 16 hex: the first 8 bytes of every cloid this process sends. */
  readonly cloidPrefixHex: string;
  /** Prefixes whose orders are ours (this process, earlier runs of this database). */
  private readonly ourPrefixes: Set<string>;
  /** hlmm orders of other processes seen on the account by the last stop sweep (any coin). */
  private othersOnAccount: FrontendOpenOrder[] = [];
  private readonly foreignSeen = new Set<string>();
  /** Our cloids' per-process prefix ("0x" + 8 bytes): recognises our orders after their records were pruned. */
  private cloidPrefix: string | null = null;
  private orphanCid = 0;
  private readonly wallNow: () => number;
  private readonly exchangeNow: () => number;
  private readonly dmsMs: number;
  private readonly retryBaseMs: number;
  private readonly unknownChecks: number;
  private readonly sweepRounds: number;
  private nextDmsAt = 0;
  private dmsPush: Promise<void> | null = null;
  /** Wall time of the last successful schedule push (null: never armed). */
  private lastDmsOkWall: number | null = null;
  private dmsSuspendedLogged = false;
  /**
   * Extra lead added after a "too early" refusal: against a fast replay our clock may lag the exchange's by
   * several exchange seconds, eating the ≥ 5 s lead Hyperliquid requires.
   */
  private dmsExtraMs = 0;
  private stopping = false;
  private stopped = false;
  private cancelRetryInFlight = false;
  private checkInFlight = false;
  private inFlight = new Set<Promise<unknown>>();
  /**
   * Our own latencies as they are measured (`order_ack`: request sent → answer, `fill_report`: a fill's exchange
   * time → its receipt), for the store's latency_samples (hlmm latency). Set by whoever records them.
   */
  onLatency: (kind: 'order_ack' | 'fill_report', latencyMs: number, atMs: number) => void = () => {};

  constructor(private readonly opts: HyperliquidVenueOptions) {
    this.wallNow = opts.wallNowMs ?? Date.now;
    this.exchangeNow = opts.exchangeNowMs ?? this.wallNow;
    this.dmsMs = opts.dmsMs ?? 30_000;
    this.retryBaseMs = opts.retryBaseMs ?? 500;
    this.unknownChecks = opts.unknownChecks ?? 3;
    this.sweepRounds = opts.sweepRounds ?? 5;
    const prefix = opts.cloidPrefix ?? newCloidPrefix();
    this.nextCloid = createCloidSource(prefix);
    this.cloidPrefixHex = prefixHex(prefix);
    this.ourPrefixes = new Set([this.cloidPrefixHex, ...(opts.knownCloidPrefixes ?? [])]);
  }

  onMarket(_ev: MarketEvent): void {}

  cloidOf(cid: number): string | null {
    return this.orders.get(cid)?.cloid ?? null;
  }

  restingOrders(): RestingOrder[] {
    const out: RestingOrder[] = [];
    for (const o of this.orders.values()) {
      if (o.orphan || o.state === 'closed' || o.state === 'pending-new' || o.state === 'unknown') continue;
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

  /**
   * How long after the last successful push places/modifies are refused, wall ms: dmsMs − 5 s (the switch is
   * within Hyperliquid's minimum lead of firing), but never less than two push intervals (short horizons).
   */
  dmsStaleMs(): number {
    return Math.max(this.dmsMs - DMS_MIN_LEAD_MS, (2 * this.dmsMs) / 3);
  }

  submit(actions: readonly OrderAction[], nowMs: number): void {
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
        if (!old || old.state === 'closed' || old.orphan) {
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
        if (!o || o.state === 'closed' || o.orphan) {
          this.emit([{ report: { type: 'cancel-reject', cid: a.cid, exchMs: this.wallNow() } }]);
          continue;
        }
        o.state = 'cancelling';
        cancels.push(o);
      }
    }
    if (cancels.length > 0) this.track$(this.sendCancels(cancels));
    if (modifies.length === 0 && places.length === 0) return;
    if (this.dmsMs > 0 && this.lastDmsOkWall === null && !this.stopping) {
      // Arm before the first order: the orders wait for the first push and go out only if it succeeded.
      this.tick(nowMs);
      const push = this.dmsPush;
      if (push !== null) {
        this.track$(push.then(() => this.dispatch(modifies, places)));
        return;
      }
    }
    this.dispatch(modifies, places);
  }

  /** Sends places/modifies, or refuses them (stopping, or no recent dead man's switch push). */
  private dispatch(modifies: { old: LiveOrder; next: LiveOrder }[], places: LiveOrder[]): void {
    const why = this.refusal();
    const out: VenueReportEvent[] = [];
    const send: LiveOrder[] = [];
    for (const o of places) {
      if (o.state !== 'pending-new') continue; // cancelled by a stop while waiting for the first push
      // A reduce-only IOC (flatten) never rests and can only shrink the position: allowed while stopping.
      if (why !== null && !(o.reduceOnly && o.tif === 'Ioc')) {
        this.counts.refused++;
        this.rejectOrder(o, why, out, 'invalid-order');
      } else send.push(o);
    }
    const sendMods: { old: LiveOrder; next: LiveOrder }[] = [];
    for (const m of modifies) {
      if (why === null) sendMods.push(m);
      else {
        this.counts.refused++;
        this.modifyFailed(m.old, m.next, why, out, false); // nothing sent: the old order still rests
      }
    }
    if (why !== null && out.length > 0) {
      for (const e of out) e.notSent = true;
      this.refusalLog.note(why, out.length, this.wallNow());
    }
    this.emit(out);
    if (sendMods.length > 0) this.track$(this.sendModifies(sendMods));
    if (send.length > 0) this.track$(this.sendPlaces(send));
  }

  private refusal(): string | null {
    if (this.stopping) return STOPPING;
    if (this.dmsMs <= 0) return null;
    if (this.lastDmsOkWall === null || this.wallNow() - this.lastDmsOkWall > this.dmsStaleMs())
      return NOT_ARMED;
    return null;
  }

  tick(_nowMs: number): void {
    this.pushDeadMansSwitch();
    if (this.stopped) return;
    this.retryDueCancels();
    this.track$(this.checkUnknown());
  }

  private pushDeadMansSwitch(): void {
    if (this.stopped || this.dmsMs <= 0 || this.dmsPush !== null) return;
    const now = this.wallNow();
    if (now < this.nextDmsAt) return;
    const exchNow = this.exchangeNow();
    if (!Number.isFinite(exchNow)) return;
    // A cancel failing for longer than the horizon: let the switch fire so the exchange cancels everything.
    const stuck = this.stuckCancels(now);
    if (stuck > 0) {
      if (!this.dmsSuspendedLogged) {
        this.dmsSuspendedLogged = true;
        this.opts.logger?.error(
          `cancels failing for over ${this.dmsMs} ms: no longer pushing the dead man's switch so the exchange cancels every order`,
          { orders: stuck },
        );
        this.opts.onIncident?.('reconcile', "cancels keep failing; letting the dead man's switch fire");
      }
      return;
    }
    this.dmsSuspendedLogged = false;
    const p = this.opts.exchange
      .scheduleCancel(Math.round(exchNow + this.dmsMs + this.dmsExtraMs))
      .then(() => {
        this.counts.dmsPushes++;
        this.lastDmsOkWall = now;
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
        this.dmsPush = null;
      });
    this.dmsPush = p;
    this.track$(p);
  }

  private stuckCancels(now: number): number {
    let n = 0;
    for (const o of this.orders.values()) {
      if (
        o.state === 'cancelling' &&
        o.cancelFailingSinceWall !== null &&
        now - o.cancelFailingSinceWall > this.dmsMs
      )
        n++;
    }
    return n;
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
    this.lastDmsOkWall = now;
    this.nextDmsAt = now + this.dmsMs / 3;
  }

  /**
   * Shutdown or kill switch: refuses new places/modifies from now on, cancels our orders, then sweeps every
   * order the account has open on this coin (a fresh /info answer) until none is left or the rounds run out.
   */
  async cancelAll(_nowMs: number): Promise<void> {
    this.stopping = true;
    const open = [...this.orders.values()].filter((o) => o.state !== 'closed');
    for (const o of open) o.state = 'cancelling';
    await Promise.allSettled([...this.inFlight]);
    const left = [...this.orders.values()].filter((o) => o.state === 'cancelling' || o.state === 'resting');
    if (left.length > 0) await this.sendCancels(left);
    await this.sweep();
  }

  /**
   * Removes the dead man's switch only when a final /info answer shows no open order on this coin (after sweeping
   * again if needed); otherwise leaves it armed so the exchange cancels what is left within dmsMs.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopped = true;
    await Promise.allSettled([...this.inFlight]);
    if (this.dmsMs <= 0 || this.lastDmsOkWall === null) return; // never armed: nothing to remove
    if (await this.sweep()) {
      if (this.othersOnAccount.length > 0) {
        const coins = [...new Set(this.othersOnAccount.map((o) => o.coin))].join(', ');
        this.opts.logger?.warn(
          `leaving the dead man's switch armed: ${this.othersOnAccount.length} order(s) of another hlmm bot rest on the account (${coins}); that bot keeps pushing it`,
        );
        return;
      }
      // None open: remove the schedule so it does not count against the daily trigger limit.
      await this.opts.exchange.scheduleCancel().catch((err: unknown) => {
        this.opts.logger?.warn("could not remove the dead man's switch (it fires on no order)", {
          error: errText(err),
        });
      });
    } else {
      this.opts.logger?.error(
        `orders may still be open on ${this.opts.coin}: leaving the dead man's switch armed (the exchange cancels them within ${this.dmsMs} ms)`,
      );
    }
  }

  /** Cancels every open order of the account on this coin until /info shows none. True when it saw none. */
  private async sweep(): Promise<boolean> {
    for (let round = 0; round < this.sweepRounds; round++) {
      if (round > 0) await sleep(this.backoffMs(round - 1));
      let open: FrontendOpenOrder[];
      try {
        // The whole account: another hlmm bot's orders (any coin) keep the switch armed and are never cancelled.
        const all = await this.opts.info.frontendOpenOrders();
        this.othersOnAccount = all.filter((o) => isForeignBotOrder(o.cloid, this.ourPrefixes));
        open = all.filter((o) => o.coin === this.opts.coin && !isForeignBotOrder(o.cloid, this.ourPrefixes));
      } catch (err) {
        this.opts.logger?.warn('could not list open orders to verify the cancels', { error: errText(err) });
        continue;
      }
      if (open.length === 0) {
        // Nothing rests: local orders whose cancel answer we never got are closed (their fills come from userFills).
        const out: VenueReportEvent[] = [];
        for (const o of this.orders.values()) {
          if (o.state !== 'closed')
            this.close(o, { type: 'cancelled', cid: o.cid, exchMs: this.wallNow(), reason: 'user' }, out);
        }
        this.emit(out);
        return true;
      }
      await this.cancelListed(open);
    }
    return false;
  }

  /** Cancels orders listed by /info: ours through sendCancels (reports), the others by oid (or cloid). */
  private async cancelListed(open: FrontendOpenOrder[]): Promise<void> {
    const mine: LiveOrder[] = [];
    const byOid: { asset: number; oid: number }[] = [];
    const byCloidOnly: { asset: number; cloid: string }[] = [];
    for (const x of open) {
      const cloid = x.cloid ? x.cloid.toLowerCase() : null;
      const o = this.find(cloid, x.oid);
      if (o && o.cloid === cloid) {
        if (o.state === 'closed') o.orphan = true;
        o.state = 'cancelling';
        if (o.oid === null) this.setOid(o, x.oid);
        mine.push(o);
      } else if (this.opts.exchange.cancel) byOid.push({ asset: this.opts.asset, oid: x.oid });
      else if (cloid) byCloidOnly.push({ asset: this.opts.asset, cloid });
      else this.opts.logger?.error(`cannot cancel order ${x.oid}: no cloid and no cancel-by-oid`);
    }
    this.opts.logger?.warn(`cancelling ${open.length} open order(s) on ${this.opts.coin} before stopping`, {
      ours: mine.length,
      others: byOid.length + byCloidOnly.length,
    });
    const tasks: Promise<unknown>[] = [];
    if (mine.length > 0) tasks.push(this.sendCancels(mine));
    if (byOid.length > 0 && this.opts.exchange.cancel)
      tasks.push(this.request(() => this.cancelByOid(byOid)));
    if (byCloidOnly.length > 0) tasks.push(this.request(() => this.opts.exchange.cancelByCloid(byCloidOnly)));
    for (const r of await Promise.allSettled(tasks)) {
      if (r.status === 'rejected')
        this.opts.logger?.warn('cancel during the stop sweep failed', { error: errText(r.reason) });
    }
  }

  private cancelByOid(cancels: { asset: number; oid: number }[]): Promise<CancelStatus[]> {
    const fn = this.opts.exchange.cancel;
    if (!fn) throw new Error('exchange has no cancel by oid');
    return fn.call(this.opts.exchange, cancels);
  }

  // ------------------------------------------------------------------ user channels

  /** An `orderUpdates` push: an array of {order, status, statusTimestamp}. */
  onOrderUpdates(data: unknown): void {
    if (!Array.isArray(data)) return;
    const out: VenueReportEvent[] = [];
    const orphans: LiveOrder[] = [];
    for (const u of data as {
      order?: Record<string, unknown>;
      status?: string;
      statusTimestamp?: number;
    }[]) {
      const ord = u?.order;
      if (!ord || ord.coin !== this.opts.coin || typeof u.status !== 'string') continue;
      const cloid = typeof ord.cloid === 'string' ? ord.cloid.toLowerCase() : null;
      const oid = typeof ord.oid === 'number' ? ord.oid : null;
      const o = this.find(cloid, oid);
      if (!o) {
        // One of ours whose record was pruned, open again: it must not rest untracked.
        if (u.status === 'open' && cloid !== null && this.isOurCloid(cloid))
          orphans.push(this.orphanStub(cloid, oid, ord));
        else if (u.status === 'open' && isForeignBotOrder(cloid, this.ourPrefixes)) {
          const prefix = (cloid as string).slice(0, 18);
          if (!this.foreignSeen.has(prefix)) {
            this.foreignSeen.add(prefix);
            this.opts.onForeignOrder?.(cloid as string);
          }
        }
        continue;
      }
      if (oid !== null && o.oid === null) this.setOid(o, oid);
      const t = typeof u.statusTimestamp === 'number' ? u.statusTimestamp : this.wallNow();
      if (u.status === 'open') {
        if (o.state === 'pending-new' || o.state === 'unknown') {
          // The push can beat the modify's answer: report the replaced order first, as the OrderManager expects.
          const old = o.replaces;
          if (old !== null && old.state === 'modifying') {
            this.close(old, { type: 'cancelled', cid: old.cid, exchMs: t, reason: 'modified' }, out);
          }
          if (this.stopping) {
            // Landed after the stop began: it must not rest.
            o.state = 'cancelling';
            orphans.push(o);
          } else {
            o.state = 'resting';
            this.ack(o, t, out);
          }
        } else if (o.state === 'closed' && o.filledSz < o.sz) {
          // Open on the exchange though we reported it closed (unknown outcome, timed-out modify): cancel it.
          this.opts.logger?.warn(
            'an order we consider closed is open on the exchange: cancelling it by cloid',
            {
              cloid: o.cloid,
              oid: o.oid,
            },
          );
          this.opts.onIncident?.('reconcile', `untracked open order ${o.cloid}: cancelling`);
          o.orphan = true;
          o.state = 'cancelling';
          orphans.push(o);
        }
      } else {
        this.applyClosingStatus(o, u.status, t, out);
      }
    }
    this.emit(out);
    if (orphans.length > 0) {
      this.counts.orphansCancelled += orphans.length;
      this.track$(this.sendCancels(orphans));
    }
  }

  /**
   * A status that ends the order (order-status.ts says which): a refusal closes an order not yet acked; a cancel
   * by the user is reported by our own cancel or modify answer, while one by the exchange (dead man's switch,
   * margin, reduce-only, self-trade…) is reported here. `filled` needs nothing: fills come from userFills.
   */
  private applyClosingStatus(o: LiveOrder, status: string, t: number, out: VenueReportEvent[]): void {
    const meaning = orderStatusMeaning(status);
    if (meaning === null || meaning.outcome === 'filled' || meaning.outcome === 'open') return;
    if (meaning.outcome === 'rejected') {
      if (o.state === 'pending-new' || o.state === 'unknown') {
        const reason = status === 'badAloPxRejected' ? 'post-only-would-cross' : 'invalid-order';
        this.close(o, { type: 'reject', cid: o.cid, exchMs: t, reason }, out, `${status}: ${meaning.why}`);
      }
      return;
    }
    if (meaning.by !== 'user') this.opts.logger?.info(`order ${o.cloid} ${meaning.why}`, { status });
    if (
      o.state === 'resting' ||
      o.state === 'pending-new' ||
      o.state === 'unknown' ||
      o.state === 'cancelling'
    )
      this.close(o, { type: 'cancelled', cid: o.cid, exchMs: t, reason: 'user' }, out);
  }

  /** A `userFills` push ({isSnapshot?, user, fills}); the snapshot replays recent fills, de-duplicated by tid. */
  onUserFills(data: unknown): void {
    const fills = (data as { fills?: unknown })?.fills;
    if (!Array.isArray(fills)) return;
    const out: VenueReportEvent[] = [];
    for (const f of fills as UserFill[]) this.fillReport(f, out);
    // A live push (not the snapshot of old fills): the fill's exchange time → now is the response path.
    if (out.length > 0 && (data as { isSnapshot?: unknown }).isSnapshot !== true) {
      const now = this.exchangeNow();
      for (const e of out) this.onLatency('fill_report', now - e.report.exchMs, now);
    }
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
      cid = Math.max(o.cid, 0); // a pruned order's stub has no OrderManager id
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

  /** An order request answered: sent → answer received, wall ms. */
  private roundTrip(sentWall: number): void {
    const now = this.wallNow();
    this.onLatency('order_ack', now - sentWall, now);
  }

  private async sendPlaces(places: LiveOrder[]): Promise<void> {
    let statuses: OrderStatus[];
    const sentWall = this.wallNow();
    try {
      statuses = await this.request(() => this.opts.exchange.placeOrders(places.map((o) => this.spec(o))));
      this.roundTrip(sentWall);
    } catch (err) {
      if (!outcomeKnown(err)) return this.markUnknown(places, errText(err));
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
    const sentWall = this.wallNow();
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
      this.roundTrip(sentWall);
    } catch (err) {
      const unknown = !outcomeKnown(err);
      if (unknown) this.counts.unknownOutcomes += mods.length;
      const out: VenueReportEvent[] = [];
      for (const m of mods) this.modifyFailed(m.old, m.next, errText(err), out, unknown);
      return this.emit(out);
    }
    const out: VenueReportEvent[] = [];
    mods.forEach((m, i) => {
      const s = statuses[i];
      if (s === undefined || s.kind === 'error' || s.kind === 'unknown') {
        // An error status is definitive (the replacement was refused); a missing one is not.
        const unknown = s?.kind !== 'error';
        this.modifyFailed(m.old, m.next, s?.kind === 'error' ? s.message : 'no status', out, unknown);
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
      // Nothing or something cancelled: the orders stay "cancelling" and are retried (tick) until answered.
      this.opts.logger?.warn('cancel request failed; retrying', {
        error: errText(err),
        orders: cancels.length,
      });
      const waitMs = err instanceof RateLimitedError ? err.retryAfterMs : 0;
      for (const o of cancels) this.cancelFailed(o, waitMs);
      return;
    }
    const out: VenueReportEvent[] = [];
    cancels.forEach((o, i) => {
      if (o.state !== 'cancelling') return; // settled meanwhile (push, fill)
      const s = statuses[i];
      const t = this.wallNow();
      if (s?.kind === 'success') {
        this.close(o, { type: 'cancelled', cid: o.cid, exchMs: t, reason: 'user' }, out);
      } else if (s?.kind === 'error') {
        // "Order was never placed, already canceled, or filled": its fills (if any) come through userFills.
        this.close(o, { type: 'cancel-reject', cid: o.cid, exchMs: t }, out);
      } else {
        this.cancelFailed(o, 0);
      }
    });
    this.emit(out);
  }

  /** Schedules the next cancel attempt for an order still "cancelling" (back-off, at least the rate-limit wait). */
  private cancelFailed(o: LiveOrder, minWaitMs: number): void {
    if (o.state !== 'cancelling') return;
    const now = this.wallNow();
    o.cancelFailingSinceWall ??= now;
    o.cancelRetryAtWall = now + Math.max(minWaitMs, this.backoffMs(o.cancelFailures));
    o.cancelFailures++;
    if (o.cancelFailures === 1)
      this.opts.onIncident?.('reconcile', `cancel of ${o.cloid} failed; retrying until the exchange answers`);
  }

  private retryDueCancels(): void {
    if (this.cancelRetryInFlight) return;
    const now = this.wallNow();
    const due: LiveOrder[] = [];
    for (const o of this.orders.values()) {
      if (o.state === 'cancelling' && o.cancelRetryAtWall !== null && o.cancelRetryAtWall <= now) {
        o.cancelRetryAtWall = null;
        due.push(o);
      }
    }
    if (due.length === 0) return;
    this.counts.cancelRetries += due.length;
    this.cancelRetryInFlight = true;
    this.track$(
      this.sendCancels(due).finally(() => {
        this.cancelRetryInFlight = false;
      }),
    );
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

  /**
   * A place whose outcome is unknown: it stays pending (the OrderManager sends nothing else on that side) while
   * /info is asked, with back-off, whether it rests. Only `unknownChecks` answers without it report it rejected;
   * should it turn up open later, the orderUpdates push gets it cancelled.
   */
  private markUnknown(orders: LiveOrder[], why: string): void {
    this.opts.onIncident?.('reconcile', `order request outcome unknown (${why}); checking open orders`);
    const now = this.wallNow();
    for (const o of orders) {
      if (o.state !== 'pending-new') continue;
      this.counts.unknownOutcomes++;
      o.state = 'unknown';
      o.unknownWhy = why;
      o.checkAtWall = now;
      o.checkMisses = 0;
      o.checkFailures = 0;
    }
    this.track$(this.checkUnknown());
  }

  private async checkUnknown(): Promise<void> {
    if (this.checkInFlight) return;
    const now = this.wallNow();
    const due = [...this.orders.values()].filter((o) => o.state === 'unknown' && o.checkAtWall <= now);
    if (due.length === 0) return;
    this.checkInFlight = true;
    try {
      let open: FrontendOpenOrder[];
      try {
        open = await this.opts.info.frontendOpenOrders();
      } catch (err) {
        // Still unknown: keep the orders pending and ask again later.
        this.opts.logger?.warn('could not list open orders for an unknown outcome; retrying', {
          error: errText(err),
        });
        for (const o of due) o.checkAtWall = this.wallNow() + this.backoffMs(o.checkFailures++);
        return;
      }
      const out: VenueReportEvent[] = [];
      for (const o of due) {
        if (o.state !== 'unknown') continue; // settled by a push meanwhile
        const found = open.find((x) => x.cloid?.toLowerCase() === o.cloid);
        if (found) {
          this.setOid(o, found.oid);
          if (this.stopping) {
            o.state = 'cancelling';
            this.track$(this.sendCancels([o]));
          } else {
            o.state = 'resting';
            this.ack(o, this.wallNow(), out);
          }
        } else if (++o.checkMisses >= this.unknownChecks) {
          this.rejectOrder(o, `${o.unknownWhy}; not open after ${o.checkMisses} checks`, out);
        } else {
          o.checkAtWall = this.wallNow() + this.backoffMs(o.checkMisses - 1);
        }
      }
      this.emit(out);
    } finally {
      this.checkInFlight = false;
    }
  }

  private applyOrderStatus(o: LiveOrder, s: OrderStatus | undefined, out: VenueReportEvent[]): void {
    if (o.state === 'closed') return;
    const t = this.wallNow();
    if (s === undefined || s.kind === 'unknown') {
      this.markUnknown([o], 'no status in the answer');
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

  /**
   * A modify that did not go through. The replacement is reported rejected (the OrderManager then forgets the
   * side), so the old order is cancelled by cloid; if the outcome is unknown the replacement may rest too, and
   * is cancelled by cloid as well (silently: its terminal report is the reject).
   */
  private modifyFailed(
    old: LiveOrder,
    next: LiveOrder,
    message: string,
    out: VenueReportEvent[],
    unknown: boolean,
  ): void {
    this.rejectOrder(next, message, out, 'order-not-open');
    const cancels: LiveOrder[] = [];
    if (old.state === 'modifying') {
      old.state = 'cancelling';
      cancels.push(old);
    }
    if (unknown) {
      this.opts.logger?.warn('modify outcome unknown: cancelling both the old and the new cloid', {
        old: old.cloid,
        next: next.cloid,
        error: message,
      });
      next.orphan = true;
      next.state = 'cancelling';
      cancels.push(next);
    }
    if (cancels.length > 0) this.track$(this.sendCancels(cancels));
  }

  private rejectOrder(o: LiveOrder, message: string, out: VenueReportEvent[], reason?: RejectReason): void {
    const r: RejectReason =
      reason ??
      (/post only|would have immediately matched/i.test(message) ? 'post-only-would-cross' : 'invalid-order');
    this.close(o, { type: 'reject', cid: o.cid, exchMs: this.wallNow(), reason: r }, out, message);
  }

  /** Back-off after `n` failures, wall ms: base, 2×, 4× … capped at 16× base. */
  private backoffMs(n: number): number {
    return this.retryBaseMs * 2 ** Math.min(Math.max(0, n), 4);
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
    const cloid = this.nextCloid();
    this.cloidPrefix ??= this.cloidPrefixHex;
    const o = this.newOrder(cid, cloid, side, px, sz, tif === 'alo' ? 'Alo' : tif === 'gtc' ? 'Gtc' : 'Ioc');
    o.reduceOnly = reduceOnly;
    return o;
  }

  private newOrder(
    cid: number,
    cloid: Cloid,
    side: Side,
    px: number,
    sz: number,
    tif: LiveOrder['tif'],
  ): LiveOrder {
    const o: LiveOrder = {
      cid,
      cloid,
      oid: null,
      side,
      px,
      sz,
      filledSz: 0,
      createdMs: this.wallNow(),
      state: 'pending-new',
      acked: false,
      replaces: null,
      tif,
      reduceOnly: false,
      orphan: false,
      cancelRetryAtWall: null,
      cancelFailures: 0,
      cancelFailingSinceWall: null,
      checkAtWall: 0,
      checkMisses: 0,
      checkFailures: 0,
      unknownWhy: '',
    };
    this.orders.set(cid, o);
    this.byCloid.set(o.cloid, cid);
    return o;
  }

  private isOurCloid(cloid: string): boolean {
    return this.cloidPrefix !== null && cloid.startsWith(this.cloidPrefix);
  }

  /** A record for one of our orders that was pruned but is open again: cancelled silently (negative cid). */
  private orphanStub(cloid: string, oid: number | null, ord: Record<string, unknown>): LiveOrder {
    const o = this.newOrder(
      -++this.orphanCid,
      cloid as Cloid,
      ord.side === 'B' ? 'buy' : 'sell',
      Number(ord.limitPx),
      Number(ord.sz),
      'Alo',
    );
    if (oid !== null) this.setOid(o, oid);
    o.orphan = true;
    o.state = 'cancelling';
    this.opts.logger?.warn('one of our pruned orders is open on the exchange: cancelling it by cloid', {
      cloid,
    });
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

  /** Marks an order closed and reports it, unless its terminal report was emitted already (orphan). */
  private close(o: LiveOrder, r: VenueReport, out: VenueReportEvent[], message?: string): void {
    if (o.state === 'closed' && r.type !== 'cancel-reject') return;
    o.state = 'closed';
    o.cancelRetryAtWall = null;
    o.cancelFailingSinceWall = null;
    if (o.orphan) {
      this.opts.logger?.info('untracked order settled', { cloid: o.cloid, outcome: r.type });
    } else {
      out.push(message === undefined ? { report: r } : { report: r, message });
    }
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

/**
 * True when a failed request certainly executed nothing: a rate limit (HTTP 429 or the address limit), the
 * exchange refusing the whole action, or an HTTP 4xx. A network error, timeout, HTTP 5xx or an answer we could
 * not parse may have executed: unknown.
 */
export function outcomeKnown(err: unknown): boolean {
  return (
    err instanceof RateLimitedError ||
    err instanceof ActionRejectedError ||
    (err instanceof HttpStatusError && err.status < 500)
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
