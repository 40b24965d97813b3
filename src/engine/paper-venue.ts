import { randomBytes } from 'node:crypto';
import type { MarketEvent } from '../core/market.ts';
import type { OrderAction } from '../core/orders.ts';
import { RateFeeModel } from '../sim/fees.ts';
import { ConstantLatency } from '../sim/latency.ts';
import { createQueueModel, type QueueModelName } from '../sim/queue.ts';
import { SimVenue } from '../sim/sim-venue.ts';
import type { RestingOrder, Venue, VenueReportEvent } from './venue.ts';

/**
 * Paper trading (--dry-run, and plain --replay): our orders are virtual and matched by SimVenue — the same fill
 * model as the backtester, queue position included — against the market events of the live or replayed feed.
 * Nothing is sent to the exchange. Assumptions beyond SimVenue's: the order-entry latency is constant in bot
 * time (`latencyMs`, default 100 ms); paper fills get ids from `tidBase` upwards (the wall-clock µs at start,
 * so ids never repeat across restarts and the store's idempotency by tid never drops a new paper fill). Client
 * order ids are 8 random bytes per venue followed by the cid (Hyperliquid's 16-byte cloid), computed on demand so
 * a day-long backtest keeps no map of half a million orders.
 */
export interface PaperVenueOptions {
  makerFeeRate: number;
  takerFeeRate: number;
  /** Order-entry latency, bot ms. Default 100. */
  latencyMs?: number;
  /** Cancel latency, bot ms. Default: latencyMs. */
  cancelLatencyMs?: number;
  queue?: QueueModelName;
  /** Exponent of the prob queue model. Default 3. */
  queuePower?: number;
  tidBase?: number;
}

export class PaperVenue implements Venue {
  readonly mode = 'dry' as const;
  onReports: (events: VenueReportEvent[]) => void = () => {};
  readonly sim: SimVenue;
  /** Bot time each of our live orders was sent (removed when the order is done). */
  private readonly created = new Map<number, number>();
  private readonly cloidHead = randomBytes(8).toString('hex');
  private nextTid: number;
  private readonly oidBase: number;
  private readonly cancelLatencyMs: number;

  constructor(opts: PaperVenueOptions) {
    const latency = opts.latencyMs ?? 100;
    this.cancelLatencyMs = opts.cancelLatencyMs ?? latency;
    this.sim = new SimVenue({
      queue: createQueueModel(opts.queue ?? 'risk-averse', opts.queuePower ?? 3),
      latency: new ConstantLatency(latency, this.cancelLatencyMs),
      fees: new RateFeeModel(opts.makerFeeRate, opts.takerFeeRate),
    });
    this.nextTid = opts.tidBase ?? Date.now() * 1000;
    this.oidBase = this.nextTid;
  }

  /** Paper order ids: unique across runs too (the store keys orders by oid as well as cloid). */
  oidOf(cid: number): number {
    return this.oidBase + cid;
  }

  onMarket(ev: MarketEvent): void {
    this.sim.onEvent(ev);
    this.flush();
  }

  submit(actions: readonly OrderAction[], nowMs: number): void {
    for (const a of actions) {
      const cid = a.type === 'modify' ? a.newCid : a.type === 'place' ? a.cid : -1;
      if (cid > 0) this.created.set(cid, nowMs);
      // The venue clock never runs behind the bot's: an action sent now cannot arrive in the past.
      this.sim.submit(a, Number.isFinite(this.sim.nowMs) ? Math.max(nowMs, this.sim.nowMs) : nowMs);
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
    return this.sim.openOrders().length === 0 && this.sim.pendingCount === 0;
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
    this.sim.advanceTo(t + this.cancelLatencyMs);
    this.flush();
  }

  async stop(): Promise<void> {}

  private flush(): void {
    const reports = this.sim.reports;
    if (reports.length === 0) return;
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
    this.onReports(events);
  }
}
