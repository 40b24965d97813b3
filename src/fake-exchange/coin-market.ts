/**
 * What the fake exchange knows about one coin at the replay clock's current time: the top of book, the
 * order book and the most recent trades, plus their Hyperliquid wire forms (WsBbo, WsTrade, WsBook).
 *
 * Assumptions where the recorded files hold less than the wire does (each stated once, here):
 * - `n` (orders at a level) is not recorded → 1 for every level.
 * - A trade's `hash` and `users` are not recorded → the zero hash (the real exchange also sends it for some
 *   trades) and two zero addresses.
 * - Without an orderbooks file the book is synthesised from the BBO: one level per side (no invented depth).
 */
import type { Bbo, BookLevel, TradePrint } from '../core/market.ts';
import type { WsBbo, WsBook, WsLevel, WsTrade } from '../exchange/hyperliquid/ws-messages.ts';
import { wireDecimal } from '../exchange/hyperliquid/ws-messages.ts';

const ZERO_HASH = `0x${'0'.repeat(64)}`;
const ZERO_ADDRESS = `0x${'0'.repeat(40)}`;

function wireLevel(level: BookLevel): WsLevel {
  return { px: wireDecimal(level.px), sz: wireDecimal(level.sz), n: 1 };
}

export function wireTrade(coin: string, t: TradePrint): WsTrade {
  return {
    coin,
    side: t.side === 'buy' ? 'B' : 'A',
    px: wireDecimal(t.px),
    sz: wireDecimal(t.sz),
    hash: ZERO_HASH,
    time: t.exchMs,
    tid: t.tid,
    users: [ZERO_ADDRESS, ZERO_ADDRESS],
  };
}

export class CoinMarket {
  bbo: Bbo | null = null;
  bids: BookLevel[] = [];
  asks: BookLevel[] = [];
  bookExchMs = 0;
  private readonly recent: WsTrade[] = [];
  private readonly coinJson: string;

  constructor(
    readonly coin: string,
    /** The replay has an orderbooks file for this coin: books come from it, never from the BBO. */
    readonly hasBookFile: boolean,
    /** How many recent trades are kept for replays to new subscribers. */
    private readonly recentCapacity = 100,
  ) {
    this.coinJson = JSON.stringify(coin);
  }

  applyBbo(bbo: Bbo): void {
    this.bbo = bbo;
    if (!this.hasBookFile) {
      this.bids = [{ px: bbo.bidPx, sz: bbo.bidSz }];
      this.asks = [{ px: bbo.askPx, sz: bbo.askSz }];
      this.bookExchMs = bbo.exchMs;
    }
  }

  applyBook(exchMs: number, bids: BookLevel[], asks: BookLevel[]): void {
    this.bids = bids;
    this.asks = asks;
    this.bookExchMs = exchMs;
  }

  /** Records a trade and returns its wire form. */
  applyTrade(trade: TradePrint): WsTrade {
    const wire = wireTrade(this.coin, trade);
    this.recent.push(wire);
    if (this.recent.length > this.recentCapacity)
      this.recent.splice(0, this.recent.length - this.recentCapacity);
    return wire;
  }

  /** The last `n` trades, oldest first. */
  recentTrades(n: number): WsTrade[] {
    return n <= 0 ? [] : this.recent.slice(-n);
  }

  get hasBook(): boolean {
    return this.bids.length > 0 || this.asks.length > 0;
  }

  wireBbo(): WsBbo | null {
    if (this.bbo === null) return null;
    const b = this.bbo;
    return {
      coin: this.coin,
      time: b.exchMs,
      bbo: [wireLevel({ px: b.bidPx, sz: b.bidSz }), wireLevel({ px: b.askPx, sz: b.askSz })],
    };
  }

  /**
   * The `bbo` push as text, written out directly: the firehose sends tens of thousands a second and this is
   * several times faster than JSON.stringify of the WsBbo object (same bytes: see the coin-market test).
   */
  bboFrame(): string | null {
    const b = this.bbo;
    if (b === null) return null;
    return (
      `{"channel":"bbo","data":{"coin":${this.coinJson},"time":${b.exchMs},"bbo":[` +
      `{"px":"${wireDecimal(b.bidPx)}","sz":"${wireDecimal(b.bidSz)}","n":1},` +
      `{"px":"${wireDecimal(b.askPx)}","sz":"${wireDecimal(b.askSz)}","n":1}]}}`
    );
  }

  wireBook(): WsBook {
    return {
      coin: this.coin,
      time: this.bookExchMs,
      levels: [this.bids.map(wireLevel), this.asks.map(wireLevel)],
    };
  }

  /** Mid price, null before the first BBO or book. */
  mid(): number | null {
    if (this.bbo !== null) return (this.bbo.bidPx + this.bbo.askPx) / 2;
    if (this.bids.length > 0 && this.asks.length > 0) return (this.bids[0].px + this.asks[0].px) / 2;
    return null;
  }
}
