/**
 * Funding on the fake exchange: at every hour boundary of the replay clock each open position pays or receives
 *
 *   payment (USDC, + = received) = −szi × mark × rate
 *
 * so longs pay shorts when the rate is positive, as on Hyperliquid. Market assumptions, all here:
 * - The hourly rate is one configured number for every coin (`fundingRatePerHour`, default 0.0000125 = 0.00125 %
 *   per hour, Hyperliquid's interest-rate component alone, i.e. the rate when the premium is zero). The recordings
 *   hold no premium samples, so the fake does not derive a rate from the book.
 * - The price is the replay's mid at the boundary (Hyperliquid multiplies by the oracle price; the difference is
 *   the premium, a few bps of a payment that is itself a few bps of the notional).
 * - The position is the one held when exchange time reaches the boundary: the replay settles before it applies
 *   the first event stamped at or after the boundary, and a timer settles in quiet periods.
 * - The payment moves the account's USDC; it is listed by /info `userFunding` (and pushed on `userFundings` and
 *   the `user` channel) at the boundary time, with a zero transaction hash and nSamples null (no samples here).
 */
// The payment rule and the hour grid are the engine's (paper funding books the same way).
import { fundingPaymentQuote, hourBoundariesBetween } from '../engine/hourly-funding.ts';
import { channelFrame, wireDecimal } from '../exchange/hyperliquid/ws-messages.ts';
import type { PerpAccount } from './accounts.ts';
import type { SubscriptionRegistry } from './subscriptions.ts';
import { wireUsdc } from './user-wire.ts';

/** Hyperliquid's funding rate when the premium is zero: 0.01 % per 8 h, paid hourly. */
export const DEFAULT_FUNDING_RATE_PER_HOUR = 0.0000125;
/** Hyperliquid reports funding settlements with an all-zero hash. */
const ZERO_HASH = `0x${'0'.repeat(64)}`;

/** One settlement of one position, as the user's funding ledger keeps it. */
export interface FundingEntry {
  /** Settlement time, Unix ms, on the hour. */
  time: number;
  coin: string;
  /** Received (+) or paid (−), USDC. */
  usdc: number;
  /** Signed position the payment was computed on, base units. */
  szi: number;
  /** Hourly rate, fraction. */
  fundingRate: number;
}

/** `userFunding` answers hold at most this many entries (Hyperliquid: 500). */
const PAGE = 500;
/** Entries kept per user (oldest dropped). */
const MAX_KEPT = 10_000;

export interface FundingModelOptions {
  ratePerHour: number;
  accounts: ReadonlyMap<string, PerpAccount>;
  /** The coin's mark (the replay mid), NaN when unknown. */
  markPx: (coin: string) => number;
  registry: SubscriptionRegistry;
}

export class FundingModel {
  ratePerHour: number;
  private lastMs = Number.NaN;
  private readonly ledger = new Map<string, FundingEntry[]>();
  /** Σ paid (+) per `user:coin`: since the account started, since the position opened, since its size changed. */
  private readonly paid = new Map<
    string,
    { szi: number; allTime: number; sinceOpen: number; sinceChange: number }
  >();
  readonly counters = { settlements: 0, payments: 0 };

  constructor(private readonly opts: FundingModelOptions) {
    this.ratePerHour = opts.ratePerHour;
  }

  /** Exchange time reached `nowMs`: settles every hour boundary passed since the last call. */
  advanceTo(nowMs: number): void {
    if (!Number.isFinite(nowMs)) return;
    if (Number.isNaN(this.lastMs)) {
      this.lastMs = nowMs;
      return;
    }
    if (nowMs <= this.lastMs) return;
    for (const t of hourBoundariesBetween(this.lastMs, nowMs)) this.settle(t);
    this.lastMs = nowMs;
  }

  /** Pays funding on every open position at hour `timeMs`. */
  settle(timeMs: number): void {
    this.counters.settlements++;
    for (const account of this.opts.accounts.values()) {
      const entries: FundingEntry[] = [];
      for (const p of account.positions.values()) {
        const mark = this.opts.markPx(p.coin);
        const px = Number.isFinite(mark) ? mark : p.entryPx;
        if (p.szi === 0 || !Number.isFinite(px)) continue;
        // Rounded to the micro-USDC the exchange books, so the ledger and the account agree exactly.
        const usdc = Math.round(fundingPaymentQuote(p.szi, px, this.ratePerHour) * 1e6) / 1e6;
        account.usdc += usdc;
        this.addPaid(`${account.address}:${p.coin}`, p.szi, -usdc);
        entries.push({ time: timeMs, coin: p.coin, usdc, szi: p.szi, fundingRate: this.ratePerHour });
      }
      if (entries.length === 0) continue;
      this.counters.payments += entries.length;
      let list = this.ledger.get(account.address);
      if (list === undefined) this.ledger.set(account.address, (list = []));
      list.push(...entries);
      if (list.length > MAX_KEPT) list.splice(0, list.length - MAX_KEPT);
      this.opts.registry.publish(
        `userFundings:${account.address}`,
        channelFrame('userFundings', { user: account.address, fundings: entries.map(wsFundingWire) }),
      );
      for (const funding of entries.map(fundingWire)) {
        const frame = channelFrame('user', { funding });
        this.opts.registry.publish(`userEvents:${account.address}`, frame);
        this.opts.registry.publish(`user:${account.address}`, frame);
      }
    }
  }

  private addPaid(key: string, szi: number, paidUsdc: number): void {
    const c = this.paid.get(key) ?? { szi: 0, allTime: 0, sinceOpen: 0, sinceChange: 0 };
    if (c.szi !== szi) c.sinceChange = 0;
    if (Math.sign(c.szi) !== Math.sign(szi)) c.sinceOpen = 0;
    c.szi = szi;
    c.allTime += paidUsdc;
    c.sinceOpen += paidUsdc;
    c.sinceChange += paidUsdc;
    this.paid.set(key, c);
  }

  /**
   * clearinghouseState's cumFunding of a position now of size `szi`: funding paid (+) since the account started,
   * since the position opened and since its size last changed. ASSUMES a position whose size equals the one of
   * the last settlement has not changed in between (a close and re-open to the same size is not seen).
   */
  cumFunding(
    user: string,
    coin: string,
    szi: number,
  ): { allTime: number; sinceOpen: number; sinceChange: number } {
    const c = this.paid.get(`${user.toLowerCase()}:${coin}`);
    if (c === undefined) return { allTime: 0, sinceOpen: 0, sinceChange: 0 };
    return {
      allTime: c.allTime,
      sinceOpen: Math.sign(c.szi) === Math.sign(szi) ? c.sinceOpen : 0,
      sinceChange: c.szi === szi ? c.sinceChange : 0,
    };
  }

  entriesOf(user: string): readonly FundingEntry[] {
    return this.ledger.get(user.toLowerCase()) ?? [];
  }

  /** /info userFunding: startTime ≤ time ≤ endTime, oldest first, at most 500. */
  userFundingWire(user: string, startTime: number, endTime: number): Record<string, unknown>[] {
    return this.entriesOf(user)
      .filter((e) => e.time >= startTime && e.time <= endTime)
      .slice(0, PAGE)
      .map((e) => ({ delta: { type: 'funding', ...fundingWire(e) }, hash: ZERO_HASH, time: e.time }));
  }
}

/** A payment in the `userFundings` channel: the ledger fields plus its time. */
export function wsFundingWire(e: FundingEntry): Record<string, unknown> {
  return { time: e.time, ...fundingWire(e) };
}

/** {coin, fundingRate, nSamples, szi, usdc}: the fields of a payment on every wire shape. */
function fundingWire(e: FundingEntry): Record<string, unknown> {
  return {
    coin: e.coin,
    fundingRate: rateWire(e.fundingRate),
    nSamples: null,
    szi: wireDecimal(e.szi),
    usdc: wireUsdc(e.usdc),
  };
}

/** A rate as a plain decimal string (never exponent notation: 1.25e-5 → "0.0000125"). */
export function rateWire(rate: number): string {
  if (rate === 0) return '0.0';
  const s = rate.toFixed(12).replace(/0+$/, '');
  return s.endsWith('.') ? `${s}0` : s;
}
