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

export interface AccountFundingOptions {
  info: {
    allUserFunding(startTimeMs: number): Promise<UserFundingEntry[]>;
  };
  /** Safety-net poll period, wall ms (default 5 min). */
  pollMs?: number;
  /** Poll this long (bot-clock ms) after each hour boundary, once the settlement has landed (default 5 s). */
  settleDelayMs?: number;
  logger?: Logger;
}

interface FundingCoin {
  sinceMs: number;
  book: (p: FundingPayment) => void;
  payments: number;
}

/**
 * The live funding poll of one account: /info userFunding is per address (every coin's payments in one answer),
 * so the account reads it ONCE per poll — after each hour boundary of the bot clock and every `pollMs` — from the
 * earliest moment any coin still waits for, and hands each coin its own payments after its own `sinceMs`.
 */
export class AccountFunding {
  private readonly coins = new Map<string, FundingCoin>();
  private nextPollAtMs = Number.NaN;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  readonly counters = { polls: 0, payments: 0, failures: 0 };

  constructor(private readonly opts: AccountFundingOptions) {}

  /** Books `coin`'s payments after `accountAsOfMs` (already in the account it starts from) from now on. */
  add(coin: string, accountAsOfMs: number, book: (p: FundingPayment) => void): void {
    this.coins.set(coin, { sinceMs: accountAsOfMs + 1, book, payments: 0 });
    if (this.timer === null) {
      this.timer = setInterval(() => void this.poll(), this.opts.pollMs ?? 300_000);
      this.timer.unref();
    }
  }

  /** Payments handed to `coin` so far. */
  paymentsOf(coin: string): number {
    return this.coins.get(coin)?.payments ?? 0;
  }

  /** Stops booking `coin` (the poll ends with the last coin); resolves once a poll in flight is done. */
  async remove(coin: string): Promise<void> {
    this.coins.delete(coin);
    if (this.coins.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
    await this.inFlight;
  }

  /** The bot clock moved (any coin's engine): one poll per hour boundary for the account. */
  onClock(nowMs: number): void {
    if (!Number.isFinite(nowMs)) return;
    const delay = this.opts.settleDelayMs ?? 5_000;
    if (Number.isNaN(this.nextPollAtMs))
      this.nextPollAtMs = (Math.floor(nowMs / HOUR_MS) + 1) * HOUR_MS + delay;
    if (nowMs >= this.nextPollAtMs) {
      this.nextPollAtMs = (Math.floor(nowMs / HOUR_MS) + 1) * HOUR_MS + delay;
      void this.poll();
    }
  }

  /** Reads the account's payments since the earliest one a coin waits for and books each with its coin, once. */
  poll(): Promise<void> {
    if (this.coins.size === 0) return Promise.resolve();
    this.inFlight ??= (async () => {
      // After this turn: coins that start together (the several-coin start-up) are all in this one read.
      await new Promise<void>((r) => setImmediate(r));
      this.counters.polls++;
      try {
        if (this.coins.size === 0) return;
        let since = Number.POSITIVE_INFINITY;
        for (const c of this.coins.values()) since = Math.min(since, c.sinceMs);
        const entries = await this.opts.info.allUserFunding(since);
        for (const e of entries.sort((a, b) => a.time - b.time)) {
          const c = this.coins.get(e.delta.coin);
          // Another coin of the account (not traded here), or one this coin's start-up already stored.
          if (c === undefined || e.time < c.sinceMs) continue;
          c.payments++;
          this.counters.payments++;
          c.book(paymentOfEntry(e));
          c.sinceMs = e.time + 1;
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

export interface LiveFundingOptions extends AccountFundingOptions {
  coin: string;
  /** Payments at or before this exchange time are already in the account the engine starts from. */
  accountAsOfMs: number;
  /** The account's one poll, shared with its other coins; absent = a poll of this coin's own. */
  account?: AccountFunding;
}

/** One coin's live funding: its part of the account's poll (AccountFunding), as the engine's FundingSource. */
export class LiveFunding implements FundingSource {
  private readonly account: AccountFunding;
  private stopped = false;

  constructor(private readonly opts: LiveFundingOptions) {
    this.account = opts.account ?? new AccountFunding(opts);
  }

  /** The account's poll counters; `payments` = this coin's. */
  get counters(): { polls: number; payments: number; failures: number } {
    const c = this.account.counters;
    return { polls: c.polls, payments: this.account.paymentsOf(this.opts.coin), failures: c.failures };
  }

  start(book: (p: FundingPayment) => void): void {
    if (this.stopped) return;
    this.account.add(this.opts.coin, this.opts.accountAsOfMs, book);
    void this.account.poll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.account.remove(this.opts.coin);
  }

  onClock(nowMs: number, _positionBase: number, _markPx: number | null): FundingPayment[] {
    this.account.onClock(nowMs);
    return NONE;
  }

  /** Reads the payments since the last one seen and hands each to the engine (which books it once). */
  poll(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return this.account.poll();
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
