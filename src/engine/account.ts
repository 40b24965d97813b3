import type { Side } from '../core/market.ts';
import type { AccountState } from './bot-view.ts';
import { TimeBucket } from './time-bucket.ts';

/**
 * The bot's own accounting of one perp, in quote currency (USDC) unless named; positions in base units.
 * Average-cost method, the one Hyperliquid uses for `entryPx` and `closedPnl`:
 *
 *   cash     = starting balance − Σ buy notional + Σ sell notional − Σ fees + Σ funding
 *   realized = Σ over fills that reduce the position of (fill px − average entry) × closed size × (+1 long, −1 short)
 *   unrealized = position × (mid − average entry)
 *   equity   = cash + position × mid  =  starting balance + realized + unrealized − fees + funding
 *
 * A fill that flips the position closes the old side at the average entry and opens the rest at the fill price.
 * Fees (negative = rebate) and funding (positive = received) are kept apart from `realized` so that each shows.
 */
/** What the bot exposes (AccountState, without the book) plus what the risk rules need. */
export interface AccountSnapshot extends Omit<AccountState, 'bbo'> {
  avgEntryPx: number | null;
  /**
   * Highest equity seen since start, quote. After a restore: the highest of the equity at the first mark and the
   * equity the store recorded earlier on that UTC day (so a restart does not reset the drawdown).
   */
  peakEquityQuote: number;
  /** peak − equity, ≥ 0. */
  drawdownQuote: number;
  /** Equity at the first mark of the current UTC day (after a restore: the store's first of that day), quote. */
  dayStartEquityQuote: number;
  /** dayStart − equity (positive = a loss today). */
  dayLossQuote: number;
}

/** Restorable state (paper restart from the store). */
export interface SavedAccount {
  positionBase: number;
  avgEntryPx: number | null;
  cashQuote: number;
  realizedPnlQuote: number;
  feesQuote: number;
  fundingQuote: number;
}

/**
 * What the store recorded earlier on the UTC day of the first mark after a restore (see `restore`). Null fields
 * (or a null answer) = nothing recorded that day.
 */
export interface EarlierToday {
  /** Equity of the day's first PnL snapshot, quote. */
  dayStartEquityQuote: number | null;
  /** Highest equity of the day's snapshots, quote. */
  peakEquityQuote: number | null;
}

/** Looks up the store's snapshots of the UTC day [dayStartMs, nowMs]. */
export type EarlierTodayLookup = (dayStartMs: number, nowMs: number) => EarlierToday | null;

const DAY_MS = 86_400_000;
/** Positions smaller than this are flat (float dust after 0.003 − 0.001 − 0.002). */
const FLAT_BASE = 1e-12;

export class Account {
  positionBase = 0;
  avgEntryPx = Number.NaN;
  cashQuote: number;
  realizedPnlQuote = 0;
  feesQuote = 0;
  fundingQuote = 0;
  mid = Number.NaN;
  fills = 0;
  private peakEquity: number;
  private day = Number.NaN;
  private readonly dayOf = new TimeBucket(DAY_MS);
  private dayStartEquity: number;
  /** Set by restore until the first mark: the peak and day start wait for a price (see restore). */
  private restored: { earlierToday: EarlierTodayLookup | null } | null = null;

  constructor(readonly startingBalanceQuote: number) {
    this.cashQuote = startingBalanceQuote;
    this.peakEquity = startingBalanceQuote;
    this.dayStartEquity = startingBalanceQuote;
  }

  /**
   * Restores a saved state (paper restart, or the exchange's account live). The peak and the day start are NOT
   * taken now: without a price the equity would be cash alone (for a short, cash is equity + the position's
   * value, so the first mark would show that value as a drawdown). They are set at the first mark after the
   * restore: the day start is the store's first equity of that UTC day (so a restart, or a crash loop, keeps the
   * loss made earlier that day), else the equity at that mark; the peak is the highest of that equity and the
   * store's highest of that day. Until that mark, drawdown and day loss read 0.
   */
  restore(s: SavedAccount, earlierToday: EarlierTodayLookup | null = null): void {
    this.positionBase = s.positionBase;
    this.avgEntryPx = s.avgEntryPx ?? Number.NaN;
    this.cashQuote = s.cashQuote;
    this.realizedPnlQuote = s.realizedPnlQuote;
    this.feesQuote = s.feesQuote;
    this.fundingQuote = s.fundingQuote;
    this.mid = Number.NaN;
    this.restored = { earlierToday };
    this.day = Number.NaN;
  }

  /** Sets the position from the exchange (live reconciliation); the average entry is the exchange's. */
  setPosition(positionBase: number, entryPx: number | null): void {
    this.positionBase = positionBase;
    this.avgEntryPx = entryPx ?? Number.NaN;
  }

  onFill(side: Side, px: number, sz: number, feeQuote: number): void {
    const signed = side === 'buy' ? sz : -sz;
    this.cashQuote -= signed * px + feeQuote;
    this.feesQuote += feeQuote;
    this.fills++;
    const pos = this.positionBase;
    if (Math.abs(pos) <= FLAT_BASE || Math.sign(pos) === Math.sign(signed)) {
      // Opening or adding: new average entry.
      const newPos = pos + signed;
      this.avgEntryPx = Math.abs(pos) <= FLAT_BASE ? px : (this.avgEntryPx * pos + px * signed) / newPos;
      this.positionBase = newPos;
      return;
    }
    const closed = Math.min(Math.abs(signed), Math.abs(pos));
    this.realizedPnlQuote += (px - this.avgEntryPx) * closed * Math.sign(pos);
    const newPos = pos + signed;
    if (Math.abs(newPos) <= FLAT_BASE) {
      this.positionBase = 0;
      this.avgEntryPx = Number.NaN;
    } else {
      this.positionBase = newPos;
      // Flipped: the rest opened at the fill price; merely reduced: the entry stays.
      if (Math.sign(newPos) !== Math.sign(pos)) this.avgEntryPx = px;
    }
  }

  /** A funding payment: positive = received. */
  onFunding(amountQuote: number): void {
    this.cashQuote += amountQuote;
    this.fundingQuote += amountQuote;
  }

  /** New mid at bot time `nowMs`: updates the peak and the UTC day's starting equity. */
  mark(mid: number, nowMs: number): void {
    if (!(mid > 0)) return;
    this.mid = mid;
    const eq = this.equity();
    const day = this.dayOf.of(nowMs);
    const r = this.restored;
    if (r !== null) {
      this.restored = null;
      const earlier = r.earlierToday?.(day * DAY_MS, nowMs) ?? null;
      this.day = day;
      this.dayStartEquity = finiteOr(earlier?.dayStartEquityQuote, eq);
      this.peakEquity = Math.max(eq, finiteOr(earlier?.peakEquityQuote, eq));
      return;
    }
    if (eq > this.peakEquity) this.peakEquity = eq;
    if (day !== this.day) {
      this.day = day;
      this.dayStartEquity = eq;
    }
  }

  /** cash + position × mid (the mid of the last mark; cash alone before the first). */
  equity(): number {
    return Number.isNaN(this.mid) ? this.cashQuote : this.cashQuote + this.positionBase * this.mid;
  }

  unrealized(): number {
    if (Math.abs(this.positionBase) <= FLAT_BASE || Number.isNaN(this.mid)) return 0;
    return this.positionBase * (this.mid - this.avgEntryPx);
  }

  snapshot(): AccountSnapshot {
    const eq = this.equity();
    // Restored but not marked yet: no baseline to measure a loss from (see restore).
    const peak = this.restored !== null ? eq : this.peakEquity;
    const dayStart = this.restored !== null ? eq : this.dayStartEquity;
    return {
      positionBase: this.positionBase,
      avgEntryPx: Number.isNaN(this.avgEntryPx) ? null : this.avgEntryPx,
      cashQuote: this.cashQuote,
      startingBalanceQuote: this.startingBalanceQuote,
      realizedPnlQuote: this.realizedPnlQuote,
      unrealizedPnlQuote: this.unrealized(),
      feesQuote: this.feesQuote,
      fundingQuote: this.fundingQuote,
      equityQuote: eq,
      mid: Number.isNaN(this.mid) ? null : this.mid,
      peakEquityQuote: peak,
      drawdownQuote: Math.max(0, peak - eq),
      dayStartEquityQuote: dayStart,
      dayLossQuote: dayStart - eq,
    };
  }
}

function finiteOr(x: number | null | undefined, fallback: number): number {
  return typeof x === 'number' && Number.isFinite(x) ? x : fallback;
}
