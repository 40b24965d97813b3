import type { MarketEvent } from '../core/market.ts';
import type { RestingOrder, Venue, VenueReportEvent } from '../engine/venue.ts';
import { createCloidSource } from '../exchange/hyperliquid/actions.ts';
import { RateFeeModel } from '../sim/fees.ts';
import { ConstantLatency } from '../sim/latency.ts';
import type { OrderAction } from '../sim/orders.ts';
import { createQueueModel, type QueueModelName } from '../sim/queue.ts';
import { SimVenue } from '../sim/sim-venue.ts';

/**
 * Paper trading (--dry-run, and plain --replay): our orders are virtual and matched by SimVenue — the same fill
 * model as the backtester, queue position included — against the market events of the live or replayed feed.
 * Nothing is sent to the exchange. Assumptions beyond SimVenue's: the order-entry latency is constant in bot
 * time (`latencyMs`, default 100 ms); paper fills get ids from `tidBase` upwards (the wall-clock µs at start,
 * so ids never repeat across restarts and the store's idempotency by tid never drops a new paper fill).
 */
export interface PaperVenueOptions {
  makerFeeRate: number;
  takerFeeRate: number;
  latencyMs?: number;
  queue?: QueueModelName;
  tidBase?: number;
}

export class PaperVenue implements Venue {
  readonly mode = 'dry' as const;
  onReports: (events: VenueReportEvent[]) => void = () => {};
  readonly sim: SimVenue;
  private readonly cloids = new Map<number, string>();
  private readonly created = new Map<number, number>();
  private readonly nextCloid = createCloidSource();
  private nextTid: number;
  private readonly oidBase: number;
  private readonly latencyMs: number;

  constructor(opts: PaperVenueOptions) {
    const latency = opts.latencyMs ?? 100;
    this.latencyMs = latency;
    this.sim = new SimVenue({
      queue: createQueueModel(opts.queue ?? 'risk-averse'),
      latency: new ConstantLatency(latency, latency),
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
      if (cid > 0) {
        this.cloids.set(cid, this.nextCloid());
        this.created.set(cid, nowMs);
      }
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
    return this.cloids.get(cid) ?? null;
  }

  restingOrders(): RestingOrder[] {
    return this.sim.openOrders().map((o) => ({
      cid: o.cid,
      cloid: this.cloids.get(o.cid) ?? null,
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
    this.sim.advanceTo(t + this.latencyMs);
    this.flush();
  }

  async stop(): Promise<void> {}

  private flush(): void {
    const reports = this.sim.reports;
    if (reports.length === 0) return;
    const events: VenueReportEvent[] = new Array(reports.length);
    for (let i = 0; i < reports.length; i++) {
      const r = reports[i];
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
