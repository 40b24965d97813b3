import type { Logger } from '../../../core/log.ts';
import { stuckCancels } from './cancel-retry.ts';
import type { ExchangeApi, HyperliquidVenueOptions, LiveOrderBook } from './live-order.ts';
import { errText } from './live-order.ts';

/** What the switch needs of its owner: one coin's venue, or the account's host when several coins share it. */
export interface DmsHost {
  wallNow(): number;
  readonly exchange: Pick<ExchangeApi, 'scheduleCancel'>;
  readonly counts: { dmsPushes: number };
  readonly opts: Pick<HyperliquidVenueOptions, 'logger' | 'onIncident'>;
  track$(p: Promise<unknown>): void;
}

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
    private readonly v: DmsHost,
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

/**
 * The account's one dead man's switch when several coins trade from one address (`hlmm trade --tickers --live`).
 * Hyperliquid keeps ONE scheduleCancel per account: one switch per coin would have each coin's push overwrite the
 * others' and the first coin to stop would remove the schedule the others still rely on. So every coin's venue
 * pushes this one (each venue's tick may push; a push is sent at most every horizon/3), its stuck-cancel rule counts
 * the orders of every coin, and it is removed only once every coin's venue stopped with its coin swept clean
 * (`removeIfAllClean`).
 */
export class AccountDeadMansSwitch implements DmsHost {
  readonly counts = { dmsPushes: 0 };
  readonly switch: DeadMansSwitch;
  readonly opts: Pick<HyperliquidVenueOptions, 'logger' | 'onIncident'>;
  private readonly books: LiveOrderBook[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    readonly exchange: Pick<ExchangeApi, 'scheduleCancel'>,
    o: {
      /** Horizon, ms (0 = off). */
      dmsMs: number;
      exchangeNowMs: () => number;
      wallNowMs?: () => number;
      logger?: HyperliquidVenueOptions['logger'];
      onIncident?: HyperliquidVenueOptions['onIncident'];
    },
  ) {
    this.opts = { logger: o.logger, onIncident: o.onIncident };
    this.wallNow = o.wallNowMs ?? Date.now;
    this.switch = new DeadMansSwitch(this, o.dmsMs, o.exchangeNowMs, (now, horizon) => {
      let n = 0;
      for (const b of this.books) n += stuckCancels(b, now, horizon);
      return n;
    });
  }

  readonly wallNow: () => number;

  /** A coin's orders, counted by the stuck-cancel rule. */
  addBook(book: LiveOrderBook): void {
    this.books.push(book);
  }

  track$(p: Promise<unknown>): void {
    const q = p.catch((err: unknown) =>
      this.opts.logger?.error("dead man's switch request failed", { error: errText(err) }),
    );
    this.inFlight.add(q);
    void q.finally(() => this.inFlight.delete(q));
  }

  /**
   * After every coin's venue stopped: removes the schedule when each swept its coin clean (`clean` per coin),
   * else leaves it armed so the exchange cancels what is left within the horizon. Returns true when removed.
   */
  async removeIfAllClean(clean: ReadonlyMap<string, boolean>, logger?: Logger): Promise<boolean> {
    await Promise.allSettled([...this.inFlight]);
    if (this.switch.dmsMs <= 0 || this.switch.lastOkWall === null) return false;
    const dirty = [...clean].filter(([, ok]) => !ok).map(([coin]) => coin);
    if (dirty.length > 0) {
      logger?.error(
        `orders may still be open (or another hlmm bot's rest) on ${dirty.join(', ')}: leaving the account's dead man's switch armed (the exchange cancels them within ${this.switch.dmsMs} ms)`,
      );
      return false;
    }
    await this.switch.remove();
    return true;
  }
}
