/**
 * The merged BBO + trade stream of a symbol as typed columns (what the event cache, ./event-cache.ts, stores),
 * and its replay in the merged order. No Arrow here: backtest workers and the γ search load only this.
 */
import type { MarketEvent } from '../core/market.ts';

export interface BboColumns {
  exchMs: Float64Array;
  recvS: Float64Array;
  bidPx: Float64Array;
  bidSz: Float64Array;
  askPx: Float64Array;
  askSz: Float64Array;
}

export interface TradeColumns {
  exchMs: Float64Array;
  recvS: Float64Array;
  px: Float64Array;
  sz: Float64Array;
  /** 0 = buy aggressor, 1 = sell. */
  side: Uint8Array;
  tid: Float64Array;
  /** BBO rows before this trade in the merged stream. */
  bboIndex: Uint32Array;
}

/** First index in the non-decreasing `a` whose value is ≥ x (a.length if none). */
export function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Rows [bboFrom, bboTo) and [tradeFrom, tradeTo) of the columns: one contiguous stretch of the merged stream. */
export interface ColumnRange {
  bboFrom: number;
  bboTo: number;
  tradeFrom: number;
  tradeTo: number;
}

/** The rows with exchange time in [fromMs, toMs) (the merged stream never goes back in time, so they are contiguous). */
export function rangeOf(
  c: { bbo: BboColumns; trades: TradeColumns },
  fromMs: number,
  toMs: number,
): ColumnRange {
  return {
    bboFrom: lowerBound(c.bbo.exchMs, fromMs),
    bboTo: lowerBound(c.bbo.exchMs, toMs),
    tradeFrom: lowerBound(c.trades.exchMs, fromMs),
    tradeTo: lowerBound(c.trades.exchMs, toMs),
  };
}

/**
 * Calls `fn` with each event of `r` in the merged order: the BBO rows before each trade's `bbo_index`, then the
 * trade. A fresh object per event (the engine may keep the last BBO it saw), short-lived, so young-generation
 * garbage; no batches, no promises.
 */
export function replayColumns(
  c: { bbo: BboColumns; trades: TradeColumns },
  r: ColumnRange,
  fn: (ev: MarketEvent) => void,
): void {
  const { exchMs: bMs, recvS: bRecv, bidPx, bidSz, askPx, askSz } = c.bbo;
  const { exchMs: tMs, recvS: tRecv, px, sz, side, tid, bboIndex } = c.trades;
  let i = r.bboFrom;
  for (let j = r.tradeFrom; j < r.tradeTo; j++) {
    const until = Math.min(bboIndex[j] as number, r.bboTo);
    for (; i < until; i++) {
      fn({
        kind: 'bbo',
        exchMs: bMs[i] as number,
        recvS: bRecv[i] as number,
        bidPx: bidPx[i] as number,
        bidSz: bidSz[i] as number,
        askPx: askPx[i] as number,
        askSz: askSz[i] as number,
      });
    }
    fn({
      kind: 'trade',
      exchMs: tMs[j] as number,
      recvS: tRecv[j] as number,
      px: px[j] as number,
      sz: sz[j] as number,
      side: side[j] === 0 ? 'buy' : 'sell',
      tid: tid[j] as number,
    });
  }
  for (; i < r.bboTo; i++) {
    fn({
      kind: 'bbo',
      exchMs: bMs[i] as number,
      recvS: bRecv[i] as number,
      bidPx: bidPx[i] as number,
      bidSz: bidSz[i] as number,
      askPx: askPx[i] as number,
      askSz: askSz[i] as number,
    });
  }
}
