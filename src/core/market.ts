/**
 * Market events as every part of hlmm sees them, whatever the source (recorded files, Hyperliquid's WebSocket,
 * the fake exchange). Units: prices in quote currency (USDC), sizes in base units (e.g. BTC),
 * `exchMs` = exchange timestamp in Unix milliseconds, `recvS` = local receive time in Unix seconds (fractional).
 */

/** Aggressor side of a trade, or the side of one of our orders. */
export type Side = 'buy' | 'sell';

export interface Bbo {
  exchMs: number;
  recvS: number;
  bidPx: number;
  bidSz: number;
  askPx: number;
  askSz: number;
}

export interface TradePrint {
  exchMs: number;
  recvS: number;
  px: number;
  sz: number;
  /** The aggressor (Hyperliquid `B` → buy, `A` → sell). */
  side: Side;
  /** Hyperliquid `tid`. Observed values stay below 2^53, so a JS number holds them exactly. */
  tid: number;
}

export interface BookLevel {
  px: number;
  sz: number;
}

export interface BookSnapshot {
  exchMs: number;
  recvS: number;
  seq: number;
  /** Best first. */
  bids: BookLevel[];
  /** Best first. */
  asks: BookLevel[];
}

export type MarketEvent =
  | ({ kind: 'bbo' } & Bbo)
  | ({ kind: 'trade' } & TradePrint)
  | ({ kind: 'book' } & BookSnapshot);

export function midPrice(bbo: Pick<Bbo, 'bidPx' | 'askPx'>): number {
  return (bbo.bidPx + bbo.askPx) / 2;
}
