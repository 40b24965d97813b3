import type { VenueReportEvent } from '../../../engine/venue.ts';
import type { FrontendOpenOrder } from '../info-schemas.ts';
import type { LiveOrder, LiveVenueCore } from './live-order.ts';
import { errText } from './live-order.ts';

/**
 * Unknown-outcome reconciliation. A place whose outcome is unknown (network error, timeout, HTTP 5xx, an answer
 * we cannot parse: see `outcomeKnown`) stays pending — the OrderManager sends nothing else on that side — while
 * /info frontendOpenOrders is asked, with back-off, whether it rests. Only `unknownChecks` answers without it
 * report it rejected; should it turn up open later, the orderUpdates push gets it cancelled.
 */
export class UnknownOutcomes {
  private checkInFlight = false;

  constructor(
    private readonly v: LiveVenueCore,
    /** /info answers without an unknown order before it is reported rejected. */
    private readonly unknownChecks: number,
  ) {}

  mark(orders: LiveOrder[], why: string): void {
    this.v.opts.onIncident?.('reconcile', `order request outcome unknown (${why}); checking open orders`);
    const now = this.v.wallNow();
    for (const o of orders) {
      if (o.state !== 'pending-new') continue;
      this.v.counts.unknownOutcomes++;
      o.state = 'unknown';
      o.unknownWhy = why;
      o.checkAtWall = now;
      o.checkMisses = 0;
      o.checkFailures = 0;
    }
    this.v.track$(this.check());
  }

  /** Asks /info about the unknown orders whose check is due. */
  async check(): Promise<void> {
    if (this.checkInFlight) return;
    const v = this.v;
    const now = v.wallNow();
    const due = [...v.book.values()].filter((o) => o.state === 'unknown' && o.checkAtWall <= now);
    if (due.length === 0) return;
    this.checkInFlight = true;
    try {
      let open: FrontendOpenOrder[];
      try {
        open = await v.opts.info.frontendOpenOrders();
      } catch (err) {
        // Still unknown: keep the orders pending and ask again later.
        v.opts.logger?.warn('could not list open orders for an unknown outcome; retrying', {
          error: errText(err),
        });
        for (const o of due) o.checkAtWall = v.wallNow() + v.backoffMs(o.checkFailures++);
        return;
      }
      const out: VenueReportEvent[] = [];
      for (const o of due) {
        if (o.state !== 'unknown') continue; // settled by a push meanwhile
        const found = open.find((x) => x.cloid?.toLowerCase() === o.cloid);
        if (found) {
          v.book.setOid(o, found.oid);
          if (v.stopping) {
            o.state = 'cancelling';
            v.track$(v.sendCancels([o]));
          } else {
            o.state = 'resting';
            v.ack(o, v.wallNow(), out);
          }
        } else if (++o.checkMisses >= this.unknownChecks) {
          v.rejectOrder(o, `${o.unknownWhy}; not open after ${o.checkMisses} checks`, out);
        } else {
          o.checkAtWall = v.wallNow() + v.backoffMs(o.checkMisses - 1);
        }
      }
      v.emit(out);
    } finally {
      this.checkInFlight = false;
    }
  }
}
