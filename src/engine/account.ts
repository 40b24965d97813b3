import type { Side } from '../core/market.ts';
import type { AccountState } from './bot-view.ts';

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
  /** Highest equity seen since start (or restore), quote. */
  peakEquityQuote: number;
  /** peak − equity, ≥ 0. */
  drawdownQuote: number;
  /** Equity at the first mark of the current UTC day, quote. */
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
  private dayStartEquity: number;

  constructor(readonly startingBalanceQuote: number) {
    this.cashQuote = startingBalanceQuote;
    this.peakEquity = startingBalanceQuote;
    this.dayStartEquity = startingBalanceQuote;
  }

  /** Restores a saved state (paper restart); the peak and day start restart from the restored equity. */
  restore(s: SavedAccount): void {
    this.positionBase = s.positionBase;
    this.avgEntryPx = s.avgEntryPx ?? Number.NaN;
    this.cashQuote = s.cashQuote;
    this.realizedPnlQuote = s.realizedPnlQuote;
    this.feesQuote = s.feesQuote;
    this.fundingQuote = s.fundingQuote;
    const eq = this.equity();
    this.peakEquity = eq;
    this.dayStartEquity = eq;
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
    if (eq > this.peakEquity) this.peakEquity = eq;
    const day = Math.floor(nowMs / DAY_MS);
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
      peakEquityQuote: this.peakEquity,
      drawdownQuote: Math.max(0, this.peakEquity - eq),
      dayStartEquityQuote: this.dayStartEquity,
      dayLossQuote: this.dayStartEquity - eq,
    };
  }
}
