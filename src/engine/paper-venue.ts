import { randomBytes } from 'node:crypto';
import type { MarketEvent } from '../core/market.ts';
import type { OrderAction } from '../core/orders.ts';
import { type FillModelConfig, fillModelConfig, simVenueConfigFor } from '../sim/fill-model-config.ts';
import { type LatencyModel, RecordingLatency } from '../sim/latency.ts';
import type { QueueModelName } from '../sim/queue.ts';
import { SimVenue } from '../sim/sim-venue.ts';
import type { Clock, TimerId } from './clock.ts';
import type { RestingOrder, Venue, VenueReportEvent } from './venue.ts';

/**
 * Paper trading (--dry-run, and plain --replay) and the backtest's venue: our orders are virtual and matched by
 * SimVenue — the same fill model as the backtester, queue position included — against the market events of the
 * live, replayed or recorded feed. Nothing is sent to the exchange. The fill model is the one configuration of
 * src/sim/fill-model-config.ts; its latency model is applied here in bot time:
 * - entry latency: an action sent at bot time t takes effect at the matching engine at t + entry (SimVenue);
 * - response latency: a report the matching engine produces at T reaches the engine at T + response, in the order
 *   the reports happened (a later report never overtakes an earlier one). With a response latency the venue needs
 *   the bot's clock (`clock`): it wakes at each action's arrival and at each report's due time, so acks and fills
 *   reach the engine on time even when no market event comes in between. Without one (0 ms), reports reach the
 *   engine when the venue next runs (a market event or a timer tick), as they always did.
 * - feed latency is the feed's: live, events reach us late by nature; in a backtest the driver feeds the venue at
 *   exchange time (`matchMarket`, with `exchangeFeed`) and the engine at receive time (src/backtest/feed-latency.ts).
 * Paper fills get ids from `tidBase` upwards (the wall-clock µs at start, so ids never repeat across restarts and
 * the store's idempotency by tid never drops a new paper fill). Client order ids are 8 random bytes per venue
 * followed by the cid (Hyperliquid's 16-byte cloid), computed on demand so a day-long backtest keeps no map of
 * half a million orders.
 */
export interface PaperVenueOptions {
  /** The fill model (queue, latencies, fees); fields not given fall back to the flat options, then the defaults. */
  fillModel?: Partial<FillModelConfig>;
  makerFeeRate?: number;
  takerFeeRate?: number;
  /** Order-entry latency, bot ms. Default 100. */
  latencyMs?: number;
  /** Cancel latency, bot ms. Default: latencyMs. */
  cancelLatencyMs?: number;
  queue?: QueueModelName;
  /** Exponent of the prob queue model. Default 3. */
  queuePower?: number;
  tidBase?: number;
  /** The bot's clock: needed when reports have a response latency (the venue schedules their delivery). */
  clock?: Clock;
  /** The driver feeds exchange-time events through `matchMarket`; the engine's `onMarket` then matches nothing. */
  exchangeFeed?: boolean;
}

interface Outgoing {
  dueMs: number;
  event: VenueReportEvent;
}

export class PaperVenue implements Venue {
  readonly mode = 'dry' as const;
  onReports: (events: VenueReportEvent[]) => void = () => {};
  readonly sim: SimVenue;
  readonly fillModel: FillModelConfig;
  /** The latency model in use, recording the delays it handed out (backtest --json's latency block). */
  readonly latency: RecordingLatency;
  /** Bot time each of our live orders was sent (removed when the order is done). */
  private readonly created = new Map<number, number>();
  private readonly cloidHead = randomBytes(8).toString('hex');
  private nextTid: number;
  private readonly oidBase: number;
  private readonly clock: Clock | null;
  private readonly exchangeFeed: boolean;
  /** Reports on their way to the engine (response latency), due times never decreasing. */
  private readonly outbox: Outgoing[] = [];
  private outboxHead = 0;
  private lastDueMs = Number.NEGATIVE_INFINITY;
  private deliveryTimer: TimerId | null = null;
  private deliveryDueMs = Number.POSITIVE_INFINITY;
  private readonly onDeliveryTimer = () => {
    this.deliveryTimer = null;
    this.deliveryDueMs = Number.POSITIVE_INFINITY;
    this.deliverDue();
  };

  constructor(opts: PaperVenueOptions) {
    const entry = opts.fillModel?.entryLatencyMs ?? opts.latencyMs;
    this.fillModel = fillModelConfig({
      queue: opts.queue,
      queuePower: opts.queuePower,
      entryLatencyMs: entry,
      cancelLatencyMs: opts.cancelLatencyMs,
      makerFeeRate: opts.makerFeeRate,
      takerFeeRate: opts.takerFeeRate,
      ...definedOnly(opts.fillModel ?? {}),
    });
    const base = simVenueConfigFor(this.fillModel);
    this.latency = new RecordingLatency(base.latency);
    this.sim = new SimVenue({ ...base, latency: this.latency });
    this.clock = opts.clock ?? null;
    this.exchangeFeed = opts.exchangeFeed ?? false;
    if (!this.latency.instantReports && this.clock === null)
      throw new Error('PaperVenue: a response latency needs the bot clock (opts.clock)');
    this.nextTid = opts.tidBase ?? Date.now() * 1000;
    this.oidBase = this.nextTid;
  }

  /** The latency model (tests). */
  get latencyModel(): LatencyModel {
    return this.latency;
  }

  /** Paper order ids: unique across runs too (the store keys orders by oid as well as cloid). */
  oidOf(cid: number): number {
    return this.oidBase + cid;
  }

  /** A market event as the engine sees it: matched here unless the driver feeds exchange time (`exchangeFeed`). */
  onMarket(ev: MarketEvent): void {
    if (!this.exchangeFeed) this.sim.onEvent(ev);
    this.flush();
  }

  /** A market event at its exchange time (backtest with feed latency): the matching engine sees it now. */
  matchMarket(ev: MarketEvent): void {
    this.sim.onEvent(ev);
    this.flush();
  }

  submit(actions: readonly OrderAction[], nowMs: number): void {
    for (const a of actions) {
      const cid = a.type === 'modify' ? a.newCid : a.type === 'place' ? a.cid : -1;
      if (cid > 0) this.created.set(cid, nowMs);
      // The venue clock never runs behind the bot's: an action sent now cannot arrive in the past.
      const sentMs = Number.isFinite(this.sim.nowMs) ? Math.max(nowMs, this.sim.nowMs) : nowMs;
      this.sim.submit(a, sentMs);
      // With a response latency the ack is due at arrival + response: wake at the arrival to produce it on time.
      const arrivalMs = this.sim.lastArrivalMs;
      if (this.clock !== null && !this.latency.instantReports && arrivalMs > sentMs)
        this.clock.setTimeout(() => this.wakeAt(arrivalMs), arrivalMs - this.clockNow(sentMs));
    }
    this.flush();
  }

  tick(nowMs: number): void {
    if (this.sim.pendingCount > 0 && Number.isFinite(nowMs)) {
      this.sim.advanceTo(nowMs);
      this.flush();
    }
  }

  cloidOf(cid: number): string | null {
    return cid > 0 ? `0x${this.cloidHead}${cid.toString(16).padStart(16, '0')}` : null;
  }

  isIdle(): boolean {
    return (
      this.sim.openOrders().length === 0 &&
      this.sim.pendingCount === 0 &&
      this.outboxHead === this.outbox.length
    );
  }

  restingOrders(): RestingOrder[] {
    return this.sim.openOrders().map((o) => ({
      cid: o.cid,
      cloid: this.cloidOf(o.cid),
      oid: this.oidOf(o.cid),
      side: o.side,
      px: o.px,
      sz: o.origSz,
      filledSz: o.origSz - o.leavesSz,
      createdMs: this.created.get(o.cid) ?? 0,
    }));
  }

  /** Cancels every paper order; they are gone once the cancel latency has passed (applied now). */
  async cancelAll(nowMs: number): Promise<void> {
    const t = Number.isFinite(this.sim.nowMs) ? Math.max(nowMs, this.sim.nowMs) : nowMs;
    for (const o of [...this.sim.openOrders()]) this.sim.submit({ type: 'cancel', cid: o.cid }, t);
    this.sim.advanceTo(t + this.fillModel.cancelLatencyMs);
    this.flush();
    // Shutdown waits for the answers: every report on its way is delivered now.
    this.deliverDue(Number.POSITIVE_INFINITY);
  }

  /** Delivers every report on its way now (the end of a backtest: the fills happened, the account needs them). */
  deliverAll(): void {
    this.deliverDue(Number.POSITIVE_INFINITY);
  }

  async stop(): Promise<void> {}

  private clockNow(fallbackMs: number): number {
    const now = this.clock?.nowMs() ?? Number.NaN;
    return Number.isFinite(now) ? now : fallbackMs;
  }

  private wakeAt(ms: number): void {
    this.sim.advanceTo(ms);
    this.flush();
  }

  private flush(): void {
    const reports = this.sim.reports;
    if (reports.length === 0) return;
    const instant = this.latency.instantReports;
    const events: VenueReportEvent[] = new Array(reports.length);
    for (let i = 0; i < reports.length; i++) {
      const r = reports[i];
      if (r.type === 'reject' || r.type === 'cancelled' || (r.type === 'fill' && r.leavesSz === 0))
        this.created.delete(r.cid);
      events[i] =
        r.type === 'fill'
          ? { report: r, fill: { tid: this.nextTid++, oid: this.oidOf(r.cid) } }
          : r.type === 'ack'
            ? { report: r, oid: this.oidOf(r.cid) }
            : { report: r };
    }
    this.sim.clearReports();
    if (instant) {
      this.onReports(events);
      return;
    }
    for (let i = 0; i < events.length; i++) {
      const due = Math.max(this.latency.reportArrivalMs(events[i].report.exchMs), this.lastDueMs);
      this.lastDueMs = due;
      this.outbox.push({ dueMs: due, event: events[i] });
    }
    this.deliverDue();
  }

  /** Hands the engine every report due by `untilMs` (default: the clock's now), then re-arms the timer. */
  private deliverDue(untilMs = this.clockNow(Number.NEGATIVE_INFINITY)): void {
    const box = this.outbox;
    let i = this.outboxHead;
    const start = i;
    while (i < box.length && box[i].dueMs <= untilMs) i++;
    if (i > start) {
      const events = new Array<VenueReportEvent>(i - start);
      for (let j = start; j < i; j++) events[j - start] = box[j].event;
      this.outboxHead = i;
      if (i === box.length) {
        box.length = 0;
        this.outboxHead = 0;
      } else if (i > 1024) {
        box.splice(0, i); // a report always in flight: drop the delivered ones now and then
        this.outboxHead = 0;
      }
      this.onReports(events);
    }
    this.armDelivery();
  }

  private armDelivery(): void {
    const clock = this.clock;
    if (clock === null || this.outboxHead >= this.outbox.length) return;
    const due = this.outbox[this.outboxHead].dueMs;
    if (this.deliveryTimer !== null) {
      if (this.deliveryDueMs <= due) return;
      clock.clearTimer(this.deliveryTimer);
    }
    this.deliveryDueMs = due;
    this.deliveryTimer = clock.setTimeout(this.onDeliveryTimer, due - this.clockNow(due));
  }
}

/** The keys of `o` whose value is not undefined (so a partial config does not blank the defaults). */
function definedOnly<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
