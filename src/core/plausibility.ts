/**
 * Prices that cannot be real are refused at the door: by the file reader (skipped and counted like any bad row)
 * and by the live feed (dropped before the strategy sees them). One file of 1e308 prices once turned a backtest's
 * +2.36 USDC into −166,667; a live bot quoting on a crossed or ×1000 book would hand its quotes away.
 *
 * What it assumes:
 * - A price is a finite number between `minPrice` and `maxPrice` (USDC). No perp on Hyperliquid trades outside
 *   1e-8 … 1e9.
 * - A book is never crossed or locked (best bid < best ask): Hyperliquid matches any crossing order at once, so
 *   a crossed BBO is a recording or feed fault.
 * - Between two consecutive events a price moves less than `maxJumpFraction` of the last accepted price (50 %
 *   by default: far beyond any real move between two updates, even across a recording hole). A jump beyond it is
 *   refused — unless the refused prices agree with each other for `reanchorAfter` events in a row: then the
 *   market really is there (or the first accepted price was the bad one) and the reference moves to it.
 * - A row's notional (price × size) is at most `maxNotional` USDC (1e9: no single level or print is larger).
 */
export interface PlausibilityRules {
  minPrice: number;
  maxPrice: number;
  maxJumpFraction: number;
  reanchorAfter: number;
  maxNotional: number;
}

export const DEFAULT_PLAUSIBILITY: PlausibilityRules = {
  minPrice: 1e-8,
  maxPrice: 1e9,
  maxJumpFraction: 0.5,
  reanchorAfter: 20,
  maxNotional: 1e9,
};

/** Reasons, spelled as the reader's bad-row counts and the feed's counters show them. */
export const IMPLAUSIBLE = {
  priceRange: 'price outside the plausible range',
  crossed: 'crossed or locked book (bid ≥ ask)',
  jump: 'price jump beyond the plausible band',
  notional: 'size beyond the plausible limit',
} as const;

/**
 * The reference a stream of prices is judged against. One per stream (a prices file, a trades file, a feed):
 * each event is judged against the last accepted one of its own kind.
 */
export class PriceSanity {
  private referencePx = Number.NaN;
  // Refused prices in a row, and the first of them: when they agree with each other the reference moves.
  private refusedRun = 0;
  private refusedAnchorPx = Number.NaN;

  constructor(private readonly rules: PlausibilityRules = DEFAULT_PLAUSIBILITY) {}

  /** Why a price (with its size) is implausible, or null; accepted prices become the new reference. */
  check(px: number, sz: number): string | null {
    const r = this.rules;
    if (!(px >= r.minPrice && px <= r.maxPrice)) return IMPLAUSIBLE.priceRange;
    if (px * sz > r.maxNotional) return IMPLAUSIBLE.notional;
    return this.judgeJump(px);
  }

  /** The same for a BBO: both sides in range, not crossed, the mid within the band. */
  checkBbo(bidPx: number, bidSz: number, askPx: number, askSz: number): string | null {
    const r = this.rules;
    if (!(bidPx >= r.minPrice && bidPx <= r.maxPrice && askPx >= r.minPrice && askPx <= r.maxPrice)) {
      return IMPLAUSIBLE.priceRange;
    }
    if (bidPx >= askPx) return IMPLAUSIBLE.crossed;
    if (bidPx * bidSz > r.maxNotional || askPx * askSz > r.maxNotional) return IMPLAUSIBLE.notional;
    return this.judgeJump((bidPx + askPx) / 2);
  }

  private judgeJump(px: number): string | null {
    const ref = this.referencePx;
    if (Number.isNaN(ref) || Math.abs(px - ref) <= this.rules.maxJumpFraction * ref) {
      this.referencePx = px;
      this.refusedRun = 0;
      return null;
    }
    const anchor = this.refusedAnchorPx;
    if (this.refusedRun > 0 && Math.abs(px - anchor) <= this.rules.maxJumpFraction * anchor) {
      this.refusedRun++;
    } else {
      this.refusedRun = 1;
      this.refusedAnchorPx = px;
    }
    if (this.refusedRun >= this.rules.reanchorAfter) {
      this.referencePx = px;
      this.refusedRun = 0;
    }
    return IMPLAUSIBLE.jump;
  }
}

/** Why a book snapshot is implausible (range, crossed, notional, jump of its mid), or null. */
export function checkBook(
  sanity: PriceSanity,
  bids: readonly { px: number; sz: number }[],
  asks: readonly { px: number; sz: number }[],
): string | null {
  if (bids.length === 0 || asks.length === 0) return null; // a one-sided book says nothing about the mid
  return sanity.checkBbo(bids[0].px, bids[0].sz, asks[0].px, asks[0].sz);
}
