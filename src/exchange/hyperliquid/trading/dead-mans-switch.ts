import type { LiveVenueCore } from './live-order.ts';
import { errText } from './live-order.ts';

/** Hyperliquid requires a scheduleCancel time at least this far ahead; a switch this close may fire any moment. */
export const DMS_MIN_LEAD_MS = 5_000;

/**
 * The dead man's switch: `scheduleCancel(now + dmsMs)` at start and again every dmsMs/3, so if this process dies
 * the exchange cancels every open order within dmsMs (default 30 s, pushed every 10 s). Hyperliquid requires the
 * time to be ≥ 5 s ahead. No order goes out before the first push succeeded, and places/modifies are refused while
 * the last successful push is older than `staleMs()` (the switch may be about to fire). While cancels keep
 * failing for longer than the horizon the switch is no longer pushed, so the exchange cancels everything.
 */
export class DeadMansSwitch {
  private nextAt = 0;
  /** The push in flight, if any. */
  pushing: Promise<void> | null = null;
  /** Wall time of the last successful schedule push (null: never armed). */
  lastOkWall: number | null = null;
  private suspendedLogged = false;
  /**
   * Extra lead added after a "too early" refusal: against a fast replay our clock may lag the exchange's by
   * several exchange seconds, eating the ≥ 5 s lead Hyperliquid requires.
   */
  private extraMs = 0;

  constructor(
    private readonly v: LiveVenueCore,
    /** Horizon, ms (0 = off). */
    readonly dmsMs: number,
    private readonly exchangeNow: () => number,
    /** Orders whose cancel has failed for longer than the horizon (see cancel-retry.ts). */
    private readonly stuckCancels: (nowWall: number, horizonMs: number) => number,
  ) {}

  /**
   * How long after the last successful push places/modifies are refused, wall ms: dmsMs − 5 s (the switch is
   * within Hyperliquid's minimum lead of firing), but never less than two push intervals (short horizons).
   */
  staleMs(): number {
    return Math.max(this.dmsMs - DMS_MIN_LEAD_MS, (2 * this.dmsMs) / 3);
  }

  /** True when the switch is on and no recent push covers new orders. */
  isStale(): boolean {
    if (this.dmsMs <= 0) return false;
    return this.lastOkWall === null || this.v.wallNow() - this.lastOkWall > this.staleMs();
  }

  /** Pushes the schedule when due (every dmsMs/3 wall ms); `stopped` venues push nothing. */
  push(stopped: boolean): void {
    if (stopped || this.dmsMs <= 0 || this.pushing !== null) return;
    const now = this.v.wallNow();
    if (now < this.nextAt) return;
    const exchNow = this.exchangeNow();
    if (!Number.isFinite(exchNow)) return;
    // A cancel failing for longer than the horizon: let the switch fire so the exchange cancels everything.
    const stuck = this.stuckCancels(now, this.dmsMs);
    if (stuck > 0) {
      if (!this.suspendedLogged) {
        this.suspendedLogged = true;
        this.v.opts.logger?.error(
          `cancels failing for over ${this.dmsMs} ms: no longer pushing the dead man's switch so the exchange cancels every order`,
          { orders: stuck },
        );
        this.v.opts.onIncident?.('reconcile', "cancels keep failing; letting the dead man's switch fire");
      }
      return;
    }
    this.suspendedLogged = false;
    const p = this.v.exchange
      .scheduleCancel(Math.round(exchNow + this.dmsMs + this.extraMs))
      .then(() => {
        this.v.counts.dmsPushes++;
        this.lastOkWall = now;
        this.nextAt = now + this.dmsMs / 3;
      })
      .catch((err: unknown) => {
        const tooEarly = /too early/i.test(errText(err));
        if (tooEarly) this.extraMs = Math.min(Math.max(5_000, this.extraMs * 2), 10 * this.dmsMs);
        this.nextAt = now + (tooEarly ? 100 : 1_000);
        this.v.opts.logger?.warn("dead man's switch push failed; retrying", {
          error: errText(err),
          extraLeadMs: this.extraMs,
        });
      })
      .finally(() => {
        this.pushing = null;
      });
    this.pushing = p;
    this.v.track$(p);
  }

  /**
   * Pushes the switch now (start-up) and waits for it. Against a replay the exchange clock is unknown until the
   * first market message: then the switch is armed by the first tick or the first order, whichever comes first.
   */
  async arm(): Promise<void> {
    if (this.dmsMs <= 0) return;
    const now = this.v.wallNow();
    const exchNow = this.exchangeNow();
    if (!Number.isFinite(exchNow)) return;
    await this.v.exchange.scheduleCancel(Math.round(exchNow + this.dmsMs));
    this.v.counts.dmsPushes++;
    this.lastOkWall = now;
    this.nextAt = now + this.dmsMs / 3;
  }

  /** Removes the schedule (nothing is open) so it does not count against the daily trigger limit. */
  async remove(): Promise<void> {
    await this.v.exchange.scheduleCancel().catch((err: unknown) => {
      this.v.opts.logger?.warn("could not remove the dead man's switch (it fires on no order)", {
        error: errText(err),
      });
    });
  }
}
