/**
 * Aggressive orders rebuilt from trade prints, and how deep each one reached into the book.
 *
 * Market assumption (Hyperliquid matching): one taker order matched in one block prints one trade per maker it
 * meets, all with the same exchange timestamp and the same aggressor side. So prints with equal (exchange ms,
 * side) are one aggressive order. Its depth δ is the distance from the mid just before it (the mid of the last
 * BBO strictly before that millisecond — Hyperliquid publishes a block's BBO after its trades) to its furthest
 * print: max price − mid for a buy, mid − min price for a sell. A per-day mid would make δ meaningless.
 * Each order carries the age of that reference BBO, so that the day estimate can drop orders measured from a
 * stale book (a recording whose BBO stream stopped while trades kept coming: src/calibrate/day-estimate.ts).
 */
import type { Side } from '../core/market.ts';

/** Oldest reference BBO an aggressive order's depth may be measured from, ms (src/calibrate/day-estimate.ts says why). */
export const DEFAULT_MAX_REF_AGE_MS = 5_000;

export interface AggressiveOrder {
  exchMs: number;
  side: Side;
  /** Distance of the furthest print from the mid just before, quote units (≥ 0 unless the book was stale). */
  depth: number;
  prints: number;
  /** Exchange ms of the BBO the depth is measured from (the last BBO strictly before `exchMs`). */
  refMs: number;
}

/**
 * Feeds on the merged market stream (BBO mids and prints, in exchange-time order) and emits aggressive orders.
 * It does not rely on the tie order at equal ms: the reference mid is the one in force when the millisecond
 * started. Prints seen before any BBO are dropped (no reference mid).
 */
export class AggressorGrouper {
  private readonly emit: (order: AggressiveOrder) => void;
  private currentMs = Number.NEGATIVE_INFINITY;
  /** Mid of the latest BBO seen. */
  private latestMid = Number.NaN;
  private latestMidMs = Number.NaN;
  /** Mid in force just before `currentMs`, and the exchange ms of its BBO. */
  private midBefore = Number.NaN;
  private midBeforeMs = Number.NaN;
  private buyMaxPx = Number.NaN;
  private buyPrints = 0;
  private sellMinPx = Number.NaN;
  private sellPrints = 0;
  private groupMidBuy = Number.NaN;
  private groupMidSell = Number.NaN;
  private groupRefBuyMs = Number.NaN;
  private groupRefSellMs = Number.NaN;
  private groupMs = Number.NaN;
  droppedNoMid = 0;

  constructor(emit: (order: AggressiveOrder) => void) {
    this.emit = emit;
  }

  private advance(exchMs: number): void {
    if (exchMs !== this.currentMs) {
      if (exchMs > this.currentMs) {
        this.flush();
        this.currentMs = exchMs;
        this.midBefore = this.latestMid;
        this.midBeforeMs = this.latestMidMs;
      } else {
        // An out-of-order row (e.g. a late duplicate): close the open groups, keep the clock where it is.
        this.flush();
      }
    }
  }

  onMid(exchMs: number, mid: number): void {
    this.advance(exchMs);
    this.latestMid = mid;
    this.latestMidMs = exchMs;
  }

  onPrint(exchMs: number, side: Side, px: number): void {
    const late = exchMs < this.currentMs;
    this.advance(exchMs);
    const ref = late ? Number.NaN : this.midBefore;
    if (!Number.isFinite(ref)) {
      this.droppedNoMid++;
      return;
    }
    this.groupMs = exchMs;
    if (side === 'buy') {
      if (this.buyPrints === 0 || px > this.buyMaxPx) this.buyMaxPx = px;
      this.buyPrints++;
      this.groupMidBuy = ref;
      this.groupRefBuyMs = this.midBeforeMs;
    } else {
      if (this.sellPrints === 0 || px < this.sellMinPx) this.sellMinPx = px;
      this.sellPrints++;
      this.groupMidSell = ref;
      this.groupRefSellMs = this.midBeforeMs;
    }
  }

  /** Emits the open groups (call at the end of the stream). */
  flush(): void {
    if (this.buyPrints > 0) {
      this.emit({
        exchMs: this.groupMs,
        side: 'buy',
        depth: this.buyMaxPx - this.groupMidBuy,
        prints: this.buyPrints,
        refMs: this.groupRefBuyMs,
      });
      this.buyPrints = 0;
    }
    if (this.sellPrints > 0) {
      this.emit({
        exchMs: this.groupMs,
        side: 'sell',
        depth: this.groupMidSell - this.sellMinPx,
        prints: this.sellPrints,
        refMs: this.groupRefSellMs,
      });
      this.sellPrints = 0;
    }
  }
}
