import type { LiveOrder, LiveOrderBook, LiveVenueCore } from './live-order.ts';

/**
 * Cancel retry: a cancel that fails (or whose answer lacks a status) is retried with back-off from `tick` until
 * the exchange answers success or "never placed, already canceled, or filled". An order stays "cancelling" the
 * whole time, so no second terminal report can go out; the dead man's switch stops being pushed once one has
 * failed for longer than its horizon (`stuckCancels`).
 */
export class CancelRetry {
  private inFlight = false;

  constructor(private readonly v: LiveVenueCore) {}

  /** Schedules the next cancel attempt for an order still "cancelling" (back-off, at least the rate-limit wait). */
  failed(o: LiveOrder, minWaitMs: number): void {
    if (o.state !== 'cancelling') return;
    const now = this.v.wallNow();
    o.cancelFailingSinceWall ??= now;
    o.cancelRetryAtWall = now + Math.max(minWaitMs, this.v.backoffMs(o.cancelFailures));
    o.cancelFailures++;
    if (o.cancelFailures === 1)
      this.v.opts.onIncident?.(
        'reconcile',
        `cancel of ${o.cloid} failed; retrying until the exchange answers`,
      );
  }

  /** Re-sends the cancels whose retry is due (one request at a time). */
  retryDue(): void {
    if (this.inFlight) return;
    const now = this.v.wallNow();
    const due: LiveOrder[] = [];
    for (const o of this.v.book.values()) {
      if (o.state === 'cancelling' && o.cancelRetryAtWall !== null && o.cancelRetryAtWall <= now) {
        o.cancelRetryAtWall = null;
        due.push(o);
      }
    }
    if (due.length === 0) return;
    this.v.counts.cancelRetries += due.length;
    this.inFlight = true;
    this.v.track$(
      this.v.sendCancels(due).finally(() => {
        this.inFlight = false;
      }),
    );
  }
}

/** Orders whose cancel has been failing for longer than `horizonMs` at wall time `now`. */
export function stuckCancels(book: LiveOrderBook, now: number, horizonMs: number): number {
  let n = 0;
  for (const o of book.values()) {
    if (
      o.state === 'cancelling' &&
      o.cancelFailingSinceWall !== null &&
      now - o.cancelFailingSinceWall > horizonMs
    )
      n++;
  }
  return n;
}
