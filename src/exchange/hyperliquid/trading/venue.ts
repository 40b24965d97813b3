import { ThrottledCountWarning } from '../../../core/log-throttle.ts';
import type { MarketEvent, Side } from '../../../core/market.ts';
import type { OrderAction, RejectReason, TimeInForce, VenueReport } from '../../../core/orders.ts';
import type { FundingSource } from '../../../engine/funding.ts';
import type { RestingOrder, Venue, VenueReportEvent } from '../../../engine/venue.ts';
import { type Cloid, createCloidSource, type OrderSpec } from '../actions.ts';
import { RateLimitedError } from '../errors.ts';
import type { CancelStatus, HlOrderStatus } from '../exchange-client.ts';
import type { UserFill } from '../info-schemas.ts';
import { CancelRetry, stuckCancels } from './cancel-retry.ts';
import { DeadMansSwitch } from './dead-mans-switch.ts';
import { FillMapping } from './fill-mapping.ts';
import { newCloidPrefix, prefixHex } from './foreign-orders.ts';
import {
  type ExchangeApi,
  errText,
  type HyperliquidVenueOptions,
  type LiveOrder,
  LiveOrderBook,
  type LiveVenueCore,
  type LiveVenueCounts,
  outcomeKnown,
} from './live-order.ts';
import { OrderUpdates } from './order-updates.ts';
import { StopSweep } from './stop-sweep.ts';
import { UnknownOutcomes } from './unknown-outcome.ts';

export type { ExchangeApi, HyperliquidVenueOptions, OpenOrdersApi } from './live-order.ts';
export { outcomeKnown } from './live-order.ts';

const NOT_ARMED = "dead man's switch not armed";
const STOPPING = 'venue stopping: no new orders';

/**
 * Live orders on Hyperliquid (or on the fake exchange with --replay --live): OrderActions → signed /exchange
 * requests; the user channels (orderUpdates, userFills) and the exchange's answers → VenueReports. This class
 * sends and answers; each safety job is its own module: dead-mans-switch.ts, cancel-retry.ts, unknown-outcome.ts,
 * stop-sweep.ts, fill-mapping.ts, order-updates.ts (the orders they share: live-order.ts).
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
export class HyperliquidVenue implements Venue, LiveVenueCore {
  readonly mode = 'live' as const;
  onReports: (events: VenueReportEvent[]) => void = () => {};
  /** The account's funding payments (set by live-start.ts; the engine books them, see funding.ts). */
  funding: FundingSource | null = null;
  readonly counts: LiveVenueCounts = {
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
  readonly book = new LiveOrderBook();
  readonly exchange: ExchangeApi;
  private readonly nextCloid: () => Cloid;
  /** "0x" + 16 hex: the first 8 bytes of every cloid this process sends. */
  readonly cloidPrefixHex: string;
  /** Our cloids' per-process prefix ("0x" + 8 bytes): recognises our orders after their records were pruned. */
  private cloidPrefix: string | null = null;
  private orphanCid = 0;
  readonly wallNow: () => number;
  private readonly retryBaseMs: number;
  /** New places/modifies are refused from cancelAll or stop on. */
  stopping = false;
  /**
   * After a stop sweep (cancelAll, stop): true when /info showed none of the account's orders open on this coin
   * (or nothing was ever sent); null before any sweep.
   */
  sweptClean: boolean | null = null;
  private stopped = false;
  private inFlight = new Set<Promise<unknown>>();
  /** Exchange time now (the bot clock: replay time against the fake exchange's replay, wall time live). */
  private readonly exchangeNow: () => number;
  /**
   * Our own latencies as they are measured (`order_ack`: request sent → answer, `fill_report`: a fill's exchange
   * time → its receipt), for the store's latency_samples (hlmm latency). Set by whoever records them.
   */
  onLatency: (kind: 'order_ack' | 'fill_report', latencyMs: number, atMs: number) => void = () => {};
  // The jobs, each its own module.
  private readonly dms: DeadMansSwitch;
  private readonly cancelRetry: CancelRetry;
  private readonly unknown: UnknownOutcomes;
  private readonly stopSweep: StopSweep;
  private readonly fills: FillMapping;
  private readonly updates: OrderUpdates;

  constructor(readonly opts: HyperliquidVenueOptions) {
    this.exchange = opts.exchange;
    this.wallNow = opts.wallNowMs ?? Date.now;
    this.retryBaseMs = opts.retryBaseMs ?? 500;
    this.exchangeNow = opts.exchangeNowMs ?? this.wallNow;
    const prefix = opts.cloidPrefix ?? newCloidPrefix();
    this.nextCloid = opts.shared?.nextCloid ?? createCloidSource(prefix);
    this.cloidPrefixHex = prefixHex(prefix);
    // Prefixes whose orders are ours (this process, earlier runs of this database).
    const ourPrefixes = new Set([this.cloidPrefixHex, ...(opts.knownCloidPrefixes ?? [])]);
    if (opts.shared) opts.shared.deadMansSwitch.addBook(this.book);
    this.dms =
      opts.shared?.deadMansSwitch.switch ??
      new DeadMansSwitch(this, opts.dmsMs ?? 30_000, this.exchangeNow, (now, horizon) =>
        stuckCancels(this.book, now, horizon),
      );
    this.cancelRetry = new CancelRetry(this);
    this.unknown = new UnknownOutcomes(this, opts.unknownChecks ?? 3);
    this.stopSweep = new StopSweep(this, opts.sweepRounds ?? 5, ourPrefixes);
    this.fills = new FillMapping(this);
    this.updates = new OrderUpdates(this, ourPrefixes);
  }

  onMarket(_ev: MarketEvent): void {}

  cloidOf(cid: number): string | null {
    return this.book.get(cid)?.cloid ?? null;
  }

  restingOrders(): RestingOrder[] {
    const out: RestingOrder[] = [];
    for (const o of this.book.values()) {
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

  /** How long after the last successful dead man's switch push places/modifies are refused, wall ms. */
  dmsStaleMs(): number {
    return this.dms.staleMs();
  }

  submit(actions: readonly OrderAction[], nowMs: number): void {
    // Orders are stamped on the bot clock (the replayed exchange time against a replay), as the dashboard and API
    // measure their ages; the wall clock only if the bot clock has no time yet.
    const createdMs = Number.isFinite(nowMs) ? nowMs : this.wallNow();
    const places: LiveOrder[] = [];
    const modifies: { old: LiveOrder; next: LiveOrder }[] = [];
    const cancels: LiveOrder[] = [];
    for (const a of actions) {
      if (a.type === 'place') {
        // The engine's flatten marks its IOC reduce-only (a property beyond PlaceAction's, see TradingEngine.flatten).
        const reduceOnly = a.reduceOnly === true;
        places.push(this.track(a.cid, a.side, a.px, a.sz, a.tif, createdMs, reduceOnly));
      } else if (a.type === 'modify') {
        const old = this.book.get(a.cid);
        const next = this.track(a.newCid, a.side, a.px, a.sz, a.tif, createdMs);
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
        const o = this.book.get(a.cid);
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
    if (this.dms.dmsMs > 0 && this.dms.lastOkWall === null && !this.stopping) {
      // Arm before the first order: the orders wait for the first push and go out only if it succeeded.
      this.tick(nowMs);
      const push = this.dms.pushing;
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
    return this.dms.isStale() ? NOT_ARMED : null;
  }

  tick(_nowMs: number): void {
    this.dms.push(this.stopped);
    if (this.stopped) return;
    this.cancelRetry.retryDue();
    this.track$(this.unknown.check());
  }

  /** Pushes the dead man's switch now (start-up) and waits for it (see DeadMansSwitch.arm). */
  armDeadMansSwitch(): Promise<void> {
    return this.dms.arm();
  }

  /**
   * Shutdown or kill switch: refuses new places/modifies from now on, cancels our orders, then sweeps every
   * order the account has open on this coin (a fresh /info answer) until none is left or the rounds run out.
   */
  async cancelAll(_nowMs: number): Promise<void> {
    this.stopping = true;
    const open = [...this.book.values()].filter((o) => o.state !== 'closed');
    for (const o of open) o.state = 'cancelling';
    await Promise.allSettled([...this.inFlight]);
    const left = [...this.book.values()].filter((o) => o.state === 'cancelling' || o.state === 'resting');
    if (left.length > 0) await this.sendCancels(left);
    this.sweptClean = await this.stopSweep.sweep();
  }

  /** Another hlmm bot's orders (any coin) the last stop sweep saw on the account: they keep the switch armed. */
  othersOnAccountAtStop(): number {
    return this.stopSweep.othersOnAccount.length;
  }

  /**
   * Removes the dead man's switch only when a final /info answer shows no open order on this coin (after sweeping
   * again if needed); otherwise leaves it armed so the exchange cancels what is left within dmsMs.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopped = true;
    await Promise.allSettled([...this.inFlight]);
    if (this.dms.dmsMs <= 0 || this.dms.lastOkWall === null) {
      // Never armed: no order went out (they wait for the first push); switch off: cancelAll's sweep stands.
      if (this.dms.dmsMs > 0) this.sweptClean = true;
      return; // nothing to remove
    }
    const swept = await this.stopSweep.sweep();
    this.sweptClean = swept;
    // The account's switch: its owner removes it once every coin is clean (AccountDeadMansSwitch).
    if (this.opts.shared) return;
    if (swept) {
      const others = this.stopSweep.othersOnAccount;
      if (others.length > 0) {
        const coins = [...new Set(others.map((o) => o.coin))].join(', ');
        this.opts.logger?.warn(
          `leaving the dead man's switch armed: ${others.length} order(s) of another hlmm bot rest on the account (${coins}); that bot keeps pushing it`,
        );
        return;
      }
      // None open: remove the schedule so it does not count against the daily trigger limit.
      await this.dms.remove();
    } else {
      this.opts.logger?.error(
        `orders may still be open on ${this.opts.coin}: leaving the dead man's switch armed (the exchange cancels them within ${this.dms.dmsMs} ms)`,
      );
    }
  }

  // ------------------------------------------------------------------ user channels

  /** An `orderUpdates` push: an array of {order, status, statusTimestamp} (see order-updates.ts). */
  onOrderUpdates(data: unknown): void {
    this.updates.apply(data);
  }

  /** A `userFills` push ({isSnapshot?, user, fills}); the snapshot replays recent fills, de-duplicated by tid. */
  onUserFills(data: unknown): void {
    const fills = (data as { fills?: unknown })?.fills;
    if (!Array.isArray(fills)) return;
    const out: VenueReportEvent[] = [];
    for (const f of fills as UserFill[]) this.fills.report(f, out);
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
    for (const f of fills) this.fills.report(f, out);
    this.emit(out);
  }

  /** Marks tids already accounted for (restart: fills in the store or before the exchange's position). */
  markFillsSeen(tids: Iterable<number>): void {
    this.fills.markSeen(tids);
  }

  // ------------------------------------------------------------------ requests

  /** An order request answered: sent → answer received, wall ms. */
  private roundTrip(sentWall: number): void {
    const now = this.wallNow();
    this.onLatency('order_ack', now - sentWall, now);
  }

  private async sendPlaces(places: LiveOrder[]): Promise<void> {
    let statuses: HlOrderStatus[];
    const sentWall = this.wallNow();
    try {
      statuses = await this.request(() => this.exchange.placeOrders(places.map((o) => this.spec(o))));
      this.roundTrip(sentWall);
    } catch (err) {
      if (!outcomeKnown(err)) return this.unknown.mark(places, errText(err));
      const out: VenueReportEvent[] = [];
      for (const o of places) this.rejectOrder(o, errText(err), out);
      return this.emit(out);
    }
    const out: VenueReportEvent[] = [];
    for (let i = 0; i < places.length; i++) this.applyOrderStatus(places[i], statuses[i], out);
    this.emit(out);
  }

  private async sendModifies(mods: { old: LiveOrder; next: LiveOrder }[]): Promise<void> {
    let statuses: HlOrderStatus[];
    const sentWall = this.wallNow();
    try {
      if (mods.length === 1) {
        const m = mods[0];
        statuses = [
          await this.request(() => this.exchange.modify(m.old.oid ?? m.old.cloid, this.spec(m.next))),
        ];
      } else {
        this.counts.batchModifies++;
        statuses = await this.request(() =>
          this.exchange.batchModify(
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

  async sendCancels(cancels: LiveOrder[]): Promise<void> {
    let statuses: CancelStatus[];
    try {
      statuses = await this.request(() =>
        this.exchange.cancelByCloid(cancels.map((o) => ({ asset: this.opts.asset, cloid: o.cloid }))),
      );
    } catch (err) {
      // Nothing or something cancelled: the orders stay "cancelling" and are retried (tick) until answered.
      this.opts.logger?.warn('cancel request failed; retrying', {
        error: errText(err),
        orders: cancels.length,
      });
      const waitMs = err instanceof RateLimitedError ? err.retryAfterMs : 0;
      for (const o of cancels) this.cancelRetry.failed(o, waitMs);
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
        // "Order was never placed, already canceled, or filled": its fills (if any) come through userFills. The
        // exchange's text goes with the report (the store's reason for closing the order).
        this.close(o, { type: 'cancel-reject', cid: o.cid, exchMs: t }, out, s.message);
      } else {
        this.cancelRetry.failed(o, 0);
      }
    });
    this.emit(out);
  }

  async request<T>(fn: () => Promise<T>): Promise<T> {
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

  private applyOrderStatus(o: LiveOrder, s: HlOrderStatus | undefined, out: VenueReportEvent[]): void {
    if (o.state === 'closed') return;
    const t = this.wallNow();
    if (s === undefined || s.kind === 'unknown') {
      this.unknown.mark([o], 'no status in the answer');
      return;
    }
    if (s.kind === 'error') {
      this.rejectOrder(o, s.message, out);
      return;
    }
    if (s.kind === 'resting' || s.kind === 'filled') this.book.setOid(o, s.oid);
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

  rejectOrder(o: LiveOrder, message: string, out: VenueReportEvent[], reason?: RejectReason): void {
    const r: RejectReason =
      reason ??
      (/post only|would have immediately matched/i.test(message) ? 'post-only-would-cross' : 'invalid-order');
    this.close(o, { type: 'reject', cid: o.cid, exchMs: this.wallNow(), reason: r }, out, message);
  }

  /** Back-off after `n` failures, wall ms: base, 2×, 4× … capped at 16× base. */
  backoffMs(n: number): number {
    return this.retryBaseMs * 2 ** Math.min(Math.max(0, n), 4);
  }

  // ------------------------------------------------------------------ bookkeeping

  private track(
    cid: number,
    side: Side,
    px: number,
    sz: number,
    tif: TimeInForce,
    createdMs: number,
    reduceOnly = false,
  ): LiveOrder {
    const cloid = this.nextCloid();
    this.cloidPrefix ??= this.cloidPrefixHex;
    const liveTif = tif === 'alo' ? 'Alo' : tif === 'gtc' ? 'Gtc' : 'Ioc';
    const o = this.newOrder(cid, cloid, side, px, sz, liveTif, createdMs);
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
    createdMs: number,
  ): LiveOrder {
    const o: LiveOrder = {
      cid,
      cloid,
      oid: null,
      side,
      px,
      sz,
      filledSz: 0,
      createdMs,
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
    this.book.add(o);
    return o;
  }

  isOurCloid(cloid: string): boolean {
    return this.cloidPrefix !== null && cloid.startsWith(this.cloidPrefix);
  }

  /** A record for one of our orders that was pruned but is open again: cancelled silently (negative cid). */
  orphanStub(cloid: string, oid: number | null, ord: Record<string, unknown>): LiveOrder {
    const o = this.newOrder(
      -++this.orphanCid,
      cloid as Cloid,
      ord.side === 'B' ? 'buy' : 'sell',
      Number(ord.limitPx),
      Number(ord.sz),
      'Alo',
      this.wallNow(), // never shown: an orphan is not among the resting orders
    );
    if (oid !== null) this.book.setOid(o, oid);
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

  ack(o: LiveOrder, t: number, out: VenueReportEvent[]): void {
    if (o.acked) return;
    o.acked = true;
    out.push({ report: { type: 'ack', cid: o.cid, exchMs: t }, oid: o.oid });
  }

  /** Marks an order closed and reports it, unless its terminal report was emitted already (orphan). */
  close(o: LiveOrder, r: VenueReport, out: VenueReportEvent[], message?: string): void {
    if (o.state === 'closed' && r.type !== 'cancel-reject') return;
    o.state = 'closed';
    o.cancelRetryAtWall = null;
    o.cancelFailingSinceWall = null;
    if (o.orphan) {
      this.opts.logger?.info('untracked order settled', { cloid: o.cloid, outcome: r.type });
    } else {
      out.push(message === undefined ? { report: r } : { report: r, message });
    }
    this.book.prune();
  }

  emit(out: VenueReportEvent[]): void {
    if (out.length > 0) this.onReports(out);
  }

  track$(p: Promise<unknown>): void {
    const q = p.catch((err: unknown) =>
      this.opts.logger?.error('venue request failed', { error: errText(err) }),
    );
    this.inFlight.add(q);
    void q.finally(() => this.inFlight.delete(q));
  }
}
