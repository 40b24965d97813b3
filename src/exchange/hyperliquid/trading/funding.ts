/**
 * Funding in the bot's PnL. Hyperliquid settles funding every hour on the hour: a position of signed size szi
 * receives −szi × price × rate (longs pay shorts when the hourly rate is positive).
 *
 * - Live (`LiveFunding`): the exchange's own payments, read from /info `userFunding` — after each hour boundary
 *   of the bot clock (plus a few seconds for the settlement to land) and every `pollMs` of wall time as a safety
 *   net. Each payment is booked once: the store keeps one row per coin and hour, and the engine adds a payment to
 *   PnL only when its row is new. Payments made before the account was read at start-up are already in the
 *   exchange's account value the engine starts from, so live-start.ts stores them without adding them to PnL, and
 *   this poller starts after that moment.
 * - Paper (`PaperFunding`): simulated at each hour boundary of the bot clock. PAPER ASSUMES: the rate is the
 *   coin's current hourly `funding` from /info `metaAndAssetCtxs` (polled every `pollMs` wall ms — on the real feed
 *   Hyperliquid's predicted rate for the hour; against the fake exchange its configured rate); the price is the
 *   bot's mid at the boundary (Hyperliquid uses the oracle price; they differ by the premium, a few bps of the
 *   payment); the position is the paper position held when the bot clock crosses the boundary. With no rate known
 *   yet (the poll failed) the hour is skipped with a warning rather than booked at a guessed rate.
 */

import type { Logger } from '../../../core/log.ts';
import type { FundingPayment, FundingSource } from '../../../engine/funding.ts';
import { HOUR_MS, HourlySettlement } from '../../../engine/hourly-funding.ts';
import type { Venue } from '../../../engine/venue.ts';
import type { MetaAndAssetCtxs, UserFundingEntry } from '../info-schemas.ts';

/** "Nothing due": one shared empty answer, so a clock tick allocates nothing. Never mutated. */
const NONE: FundingPayment[] = [];

/** The current hourly funding rate of `coin` in a metaAndAssetCtxs answer (null when the coin is not listed). */
export function fundingRateOf(answer: MetaAndAssetCtxs, coin: string): number | null {
  const [meta, ctxs] = answer;
  const i = meta.universe.findIndex((a) => a.name === coin);
  const ctx = i >= 0 ? ctxs[i] : undefined;
  if (ctx === undefined) return null;
  const rate = Number(ctx.funding);
  return Number.isFinite(rate) ? rate : null;
}

/** A userFunding entry of `coin` as a payment to book. */
export function paymentOfEntry(e: UserFundingEntry): FundingPayment {
  return {
    tsMs: e.time,
    amountQuote: Number(e.delta.usdc),
    rate: Number(e.delta.fundingRate),
    positionBase: Number(e.delta.szi),
    source: 'exchange',
  };
}

// ------------------------------------------------------------------------------------------------ paper

export interface PaperFundingOptions {
  coin: string;
  /** metaAndAssetCtxs of the feed's exchange (Hyperliquid, or the fake exchange of a replay). */
  info: { metaAndAssetCtxs(): Promise<MetaAndAssetCtxs> };
  /** Rate poll period, wall ms (default 60 s). */
  pollMs?: number;
  logger?: Logger;
}

export class PaperFunding implements FundingSource {
  // The hourly booking is the engine's (src/engine/hourly-funding.ts); this source only reads the rate.
  private readonly settlement: HourlySettlement;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;

  constructor(private readonly opts: PaperFundingOptions) {
    this.settlement = new HourlySettlement(opts.logger);
  }

  /** Latest hourly rate read, fraction (null until the first good answer). */
  get rate(): number | null {
    return this.settlement.rate;
  }
  set rate(rate: number | null) {
    this.settlement.rate = rate;
  }

  start(_book: (p: FundingPayment) => void): void {
    void this.pollRate();
    this.timer = setInterval(() => void this.pollRate(), this.opts.pollMs ?? 60_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  poll(): Promise<void> {
    return this.pollRate();
  }

  /** Reads the coin's current rate once (also used by tests to wait for it). */
  pollRate(): Promise<void> {
    this.inFlight ??= (async () => {
      try {
        const rate = fundingRateOf(await this.opts.info.metaAndAssetCtxs(), this.opts.coin);
        if (rate === null)
          this.opts.logger?.warn('funding: metaAndAssetCtxs lists no such coin', { coin: this.opts.coin });
        else this.rate = rate;
      } catch (err) {
        this.opts.logger?.warn(
          'funding: reading the rate from metaAndAssetCtxs failed (paper keeps the last one)',
          {
            error: err instanceof Error ? err.message : String(err),
          },
        );
      } finally {
        this.inFlight = null;
      }
    })();
    return this.inFlight;
  }

  onClock(nowMs: number, positionBase: number, markPx: number | null): FundingPayment[] {
    return this.settlement.onClock(nowMs, positionBase, markPx);
  }
}

// ------------------------------------------------------------------------------------------------ live

export interface LiveFundingOptions {
  coin: string;
  info: {
    allUserFunding(startTimeMs: number): Promise<UserFundingEntry[]>;
  };
  /** Payments at or before this exchange time are already in the account the engine starts from. */
  accountAsOfMs: number;
  /** Safety-net poll period, wall ms (default 5 min). */
  pollMs?: number;
  /** Poll this long (bot-clock ms) after each hour boundary, once the settlement has landed (default 5 s). */
  settleDelayMs?: number;
  logger?: Logger;
}

export class LiveFunding implements FundingSource {
  private sinceMs: number;
  private nextPollAtMs = Number.NaN;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private book: ((p: FundingPayment) => void) | null = null;
  private stopped = false;
  readonly counters = { polls: 0, payments: 0, failures: 0 };

  constructor(private readonly opts: LiveFundingOptions) {
    this.sinceMs = opts.accountAsOfMs + 1;
  }

  start(book: (p: FundingPayment) => void): void {
    this.book = book;
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.opts.pollMs ?? 300_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  onClock(nowMs: number, _positionBase: number, _markPx: number | null): FundingPayment[] {
    if (!Number.isFinite(nowMs)) return NONE;
    const delay = this.opts.settleDelayMs ?? 5_000;
    if (Number.isNaN(this.nextPollAtMs))
      this.nextPollAtMs = (Math.floor(nowMs / HOUR_MS) + 1) * HOUR_MS + delay;
    if (nowMs >= this.nextPollAtMs) {
      this.nextPollAtMs = (Math.floor(nowMs / HOUR_MS) + 1) * HOUR_MS + delay;
      void this.poll();
    }
    return NONE;
  }

  /** Reads the payments since the last one seen and hands each to the engine (which books it once). */
  poll(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.inFlight ??= (async () => {
      this.counters.polls++;
      try {
        const entries = (await this.opts.info.allUserFunding(this.sinceMs)).filter(
          (e) => e.delta.coin === this.opts.coin,
        );
        for (const e of entries.sort((a, b) => a.time - b.time)) {
          if (this.stopped) break;
          this.counters.payments++;
          this.book?.(paymentOfEntry(e));
          if (e.time >= this.sinceMs) this.sinceMs = e.time + 1;
        }
      } catch (err) {
        this.counters.failures++;
        this.opts.logger?.warn('funding: reading userFunding failed, retrying at the next poll', {
          error: err instanceof Error ? err.message : String(err),
        });
      } finally {
        this.inFlight = null;
      }
    })();
    return this.inFlight;
  }
}

/**
 * The funding source for the engine: the live venue's LiveFunding (built by live-start.ts, which knows when the
 * account was read), else paper funding at the rate `info` reports.
 */
export function fundingFor(
  venue: Venue,
  paper: { coin: string; info: PaperFundingOptions['info']; logger?: Logger },
): FundingSource {
  if (venue.mode === 'live')
    return (venue as Venue & { funding?: FundingSource | null }).funding ?? NO_FUNDING;
  return new PaperFunding(paper);
}

/** A venue that reports no funding (a live venue built without a poller). */
const NO_FUNDING: FundingSource = {
  onClock: () => [],
  start: () => {},
  poll: async () => {},
  stop: async () => {},
};
