import type { VenueReportEvent } from '../../../engine/venue.ts';
import { orderStatusMeaning } from '../order-status.ts';
import { isForeignBotOrder } from './foreign-orders.ts';
import type { LiveOrder, LiveVenueCore } from './live-order.ts';

/**
 * The `orderUpdates` channel → acks and terminal reports. Each order gets exactly one terminal report, whichever
 * of the request's answer and this push comes first. Any order we consider closed that a push shows open is
 * cancelled by cloid ("orphan": the OrderManager already had its terminal report), as is one of ours whose record
 * was pruned; another hlmm bot's open order is reported once per cloid prefix and left alone.
 */
export class OrderUpdates {
  private readonly foreignSeen = new Set<string>();

  constructor(
    private readonly v: LiveVenueCore & {
      isOurCloid(cloid: string): boolean;
      orphanStub(cloid: string, oid: number | null, ord: Record<string, unknown>): LiveOrder;
    },
    /** Cloid prefixes whose orders are ours (this process, earlier runs of this database). */
    private readonly ourPrefixes: ReadonlySet<string>,
  ) {}

  /** An `orderUpdates` push: an array of {order, status, statusTimestamp}. */
  apply(data: unknown): void {
    if (!Array.isArray(data)) return;
    const v = this.v;
    const out: VenueReportEvent[] = [];
    const orphans: LiveOrder[] = [];
    for (const u of data as {
      order?: Record<string, unknown>;
      status?: string;
      statusTimestamp?: number;
    }[]) {
      const ord = u?.order;
      if (!ord || ord.coin !== v.opts.coin || typeof u.status !== 'string') continue;
      const cloid = typeof ord.cloid === 'string' ? ord.cloid.toLowerCase() : null;
      const oid = typeof ord.oid === 'number' ? ord.oid : null;
      const o = v.book.find(cloid, oid);
      if (!o) {
        // One of ours whose record was pruned, open again: it must not rest untracked.
        if (u.status === 'open' && cloid !== null && v.isOurCloid(cloid))
          orphans.push(v.orphanStub(cloid, oid, ord));
        else if (u.status === 'open' && isForeignBotOrder(cloid, this.ourPrefixes)) {
          const prefix = (cloid as string).slice(0, 18);
          if (!this.foreignSeen.has(prefix)) {
            this.foreignSeen.add(prefix);
            v.opts.onForeignOrder?.(cloid as string);
          }
        }
        continue;
      }
      if (oid !== null && o.oid === null) v.book.setOid(o, oid);
      const t = typeof u.statusTimestamp === 'number' ? u.statusTimestamp : v.wallNow();
      if (u.status === 'open') {
        if (o.state === 'pending-new' || o.state === 'unknown') {
          // The push can beat the modify's answer: report the replaced order first, as the OrderManager expects.
          const old = o.replaces;
          if (old !== null && old.state === 'modifying') {
            v.close(old, { type: 'cancelled', cid: old.cid, exchMs: t, reason: 'modified' }, out);
          }
          if (v.stopping) {
            // Landed after the stop began: it must not rest.
            o.state = 'cancelling';
            orphans.push(o);
          } else {
            o.state = 'resting';
            v.ack(o, t, out);
          }
        } else if (o.state === 'closed' && o.filledSz < o.sz) {
          // Open on the exchange though we reported it closed (unknown outcome, timed-out modify): cancel it.
          v.opts.logger?.warn('an order we consider closed is open on the exchange: cancelling it by cloid', {
            cloid: o.cloid,
            oid: o.oid,
          });
          v.opts.onIncident?.('reconcile', `untracked open order ${o.cloid}: cancelling`);
          o.orphan = true;
          o.state = 'cancelling';
          orphans.push(o);
        }
      } else {
        this.applyClosingStatus(o, u.status, t, out);
      }
    }
    v.emit(out);
    if (orphans.length > 0) {
      v.counts.orphansCancelled += orphans.length;
      v.track$(v.sendCancels(orphans));
    }
  }

  /**
   * A status that ends the order (order-status.ts says which): a refusal closes an order not yet acked; a cancel
   * by the user is reported by our own cancel or modify answer, while one by the exchange (dead man's switch,
   * margin, reduce-only, self-trade…) is reported here. `filled` needs nothing: fills come from userFills.
   */
  private applyClosingStatus(o: LiveOrder, status: string, t: number, out: VenueReportEvent[]): void {
    const v = this.v;
    const meaning = orderStatusMeaning(status);
    if (meaning === null || meaning.outcome === 'filled' || meaning.outcome === 'open') return;
    if (meaning.outcome === 'rejected') {
      if (o.state === 'pending-new' || o.state === 'unknown') {
        const reason = status === 'badAloPxRejected' ? 'post-only-would-cross' : 'invalid-order';
        v.close(o, { type: 'reject', cid: o.cid, exchMs: t, reason }, out, `${status}: ${meaning.why}`);
      }
      return;
    }
    if (meaning.by !== 'user') v.opts.logger?.info(`order ${o.cloid} ${meaning.why}`, { status });
    if (
      o.state === 'resting' ||
      o.state === 'pending-new' ||
      o.state === 'unknown' ||
      o.state === 'cancelling'
    )
      v.close(o, { type: 'cancelled', cid: o.cid, exchMs: t, reason: 'user' }, out);
  }
}
