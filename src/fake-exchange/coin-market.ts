/**
 * What the fake exchange knows about one coin at the replay clock's current time: the top of book, the
 * order book and the most recent trades, plus their Hyperliquid wire forms (WsBbo, WsTrade, WsBook).
 *
 * Assumptions where the recorded files hold less than the wire does (each stated once, here):
 * - `n` (orders at a level) is not recorded → 1 for every level.
 * - A trade's `hash` and `users` are not recorded → the zero hash (the real exchange also sends it for some
 *   trades) and two zero addresses.
 * - Without an orderbooks file the book is synthesised around the recorded BBO (`syntheticSide`): the recorded
 *   touch, then SYNTHETIC_DEPTH_LEVELS − 1 more levels one price tick apart, each holding the recorded touch
 *   size of its side (a flat profile: no depth is recorded, so none is assumed larger than what is shown).
 * - Our takers consume displayed liquidity (`consume`): the levels (and the BBO touch) they took are shown
 *   smaller until the recorded book refreshes — the next orderbooks snapshot, or without an orderbooks file
 *   the next recorded BBO — which cannot know about our trades and shows the recorded sizes again.
 */
import type { Bbo, BookLevel, TradePrint } from '../core/market.ts';
import { priceAbove, priceBelow, priceDecimalsAt } from '../exchange/hyperliquid/rules.ts';
import { szDecimalsOf } from '../exchange/hyperliquid/universe.ts';
import type { WsBbo, WsBook, WsLevel, WsTrade } from '../exchange/hyperliquid/ws-messages.ts';
import { channelFrame, wireDecimal } from '../exchange/hyperliquid/ws-messages.ts';
import { aggregateLevels, type BookAggregation } from './book-aggregation.ts';

/** Levels per side of the synthetic book (Hyperliquid's l2Book shows at most 20 per side). */
export const SYNTHETIC_DEPTH_LEVELS = 20;

/**
 * One side of the synthetic book, best first: the recorded touch (px, sz), then deeper levels one tick apart
 * (ticks of Hyperliquid's price grid for this szDecimals) with the same size.
 */
export function syntheticSide(
  touchPx: number,
  touchSz: number,
  isBid: boolean,
  szDecimals: number,
  levels = SYNTHETIC_DEPTH_LEVELS,
): BookLevel[] {
  const side: BookLevel[] = [{ px: touchPx, sz: touchSz }];
  // Fast path: the whole range on the touch's grid (integer tick counts divided by a power of ten, exact).
  const decimals = priceDecimalsAt(touchPx, szDecimals);
  const scale = 10 ** decimals;
  const units = Math.round(touchPx * scale);
  const lastPx = (units + (isBid ? -1 : 1) * (levels - 1)) / scale;
  if (Math.abs(units / scale - touchPx) <= 1e-9 * touchPx && lastPx > 0) {
    if (priceDecimalsAt(lastPx, szDecimals) === decimals) {
      for (let i = 1; i < levels; i++) side.push({ px: (units + (isBid ? -i : i)) / scale, sz: touchSz });
      return side;
    }
  }
  // Across a power of ten the grid changes: step one valid price at a time.
  let px = touchPx;
  for (let i = 1; i < levels; i++) {
    px = isBid ? priceBelow(px, szDecimals) : priceAbove(px, szDecimals);
    if (!(px > 0)) break;
    side.push({ px, sz: touchSz });
  }
  return side;
}

function samePx(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.abs(b);
}

function levelsText(levels: readonly BookLevel[]): string {
  let text = '[';
  for (let i = 0; i < levels.length; i++) {
    if (i > 0) text += ',';
    text += `{"px":"${wireDecimal(levels[i].px)}","sz":"${wireDecimal(levels[i].sz)}","n":1}`;
  }
  return `${text}]`;
}

function takenAt(taken: readonly BookLevel[], px: number): number {
  for (const l of taken) if (samePx(l.px, px)) return l.sz;
  return 0;
}

function addTaken(taken: BookLevel[], px: number, sz: number): void {
  for (const l of taken) {
    if (samePx(l.px, px)) {
      l.sz += sz;
      return;
    }
  }
  taken.push({ px, sz });
}

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
  /** Top of book as displayed: the recorded BBO less what our takers took at its touch. */
  bbo: Bbo | null = null;
  /** Exchange time of the displayed book, ms. */
  bookExchMs = 0;
  /** Bumped whenever the recorded book refreshes (a snapshot, or without an orderbooks file a BBO). */
  bookVersion = 0;
  private recordedBbo: Bbo | null = null;
  private recordedBids: BookLevel[] = [];
  private recordedAsks: BookLevel[] = [];
  /** Synthetic sides are built on first use after a BBO (the firehose sends BBOs far faster than books are read). */
  private syntheticStale = false;
  private readonly takenBids: BookLevel[] = [];
  private readonly takenAsks: BookLevel[] = [];
  private displayedBids: BookLevel[] | null = null;
  private displayedAsks: BookLevel[] | null = null;
  private readonly recent: WsTrade[] = [];
  private readonly coinJson: string;

  constructor(
    readonly coin: string,
    /** The replay has an orderbooks file for this coin: books come from it, never from the BBO. */
    readonly hasBookFile: boolean,
    /** How many recent trades are kept for replays to new subscribers. */
    private readonly recentCapacity = 100,
    /** Size decimals of the coin (its price grid for the synthetic depth); default from the perp universe. */
    readonly szDecimals = szDecimalsOf(coin) ?? 0,
  ) {
    this.coinJson = JSON.stringify(coin);
  }

  /** Displayed bids, best first (recorded or synthetic, less what our takers took). */
  get bids(): BookLevel[] {
    this.displayedBids ??= this.displayed(true);
    return this.displayedBids;
  }

  /** Displayed asks, best first. */
  get asks(): BookLevel[] {
    this.displayedAsks ??= this.displayed(false);
    return this.displayedAsks;
  }

  /** The recorded (or synthetic) book as it was before our takers: what the fill model is fed. */
  recordedBook(): { bids: BookLevel[]; asks: BookLevel[] } {
    this.buildSynthetic();
    return { bids: this.recordedBids, asks: this.recordedAsks };
  }

  applyBbo(bbo: Bbo): void {
    this.recordedBbo = bbo;
    if (!this.hasBookFile) {
      this.syntheticStale = true;
      this.bookExchMs = bbo.exchMs;
      this.refreshed();
    }
    this.bbo = this.takenBids.length === 0 && this.takenAsks.length === 0 ? bbo : this.displayedBbo();
  }

  applyBook(exchMs: number, bids: BookLevel[], asks: BookLevel[]): void {
    this.recordedBids = bids;
    this.recordedAsks = asks;
    this.bookExchMs = exchMs;
    this.refreshed();
    this.bbo = this.recordedBbo;
  }

  /**
   * Our taker took `sz` at `px` from the side a buy (`takerIsBuy`) or sell meets: the displayed level shrinks
   * (and goes when emptied), and so does the BBO touch at that price (the next displayed level becomes the
   * touch), until the recorded book refreshes.
   */
  consume(takerIsBuy: boolean, px: number, sz: number, exchMs: number): void {
    addTaken(takerIsBuy ? this.takenAsks : this.takenBids, px, sz);
    this.displayedBids = this.displayedAsks = null;
    this.bookExchMs = exchMs;
    this.bbo = this.displayedBbo();
    if (this.bbo !== null) this.bbo = { ...this.bbo, exchMs };
  }

  private refreshed(): void {
    this.bookVersion++;
    this.takenBids.length = 0;
    this.takenAsks.length = 0;
    this.displayedBids = this.displayedAsks = null;
  }

  private buildSynthetic(): void {
    const b = this.recordedBbo;
    if (!this.syntheticStale || b === null) return;
    this.syntheticStale = false;
    this.recordedBids = syntheticSide(b.bidPx, b.bidSz, true, this.szDecimals);
    this.recordedAsks = syntheticSide(b.askPx, b.askSz, false, this.szDecimals);
  }

  private displayed(isBid: boolean): BookLevel[] {
    this.buildSynthetic();
    const recorded = isBid ? this.recordedBids : this.recordedAsks;
    const taken = isBid ? this.takenBids : this.takenAsks;
    if (taken.length === 0) return recorded;
    const out: BookLevel[] = [];
    for (const l of recorded) {
      const left = Math.round((l.sz - takenAt(taken, l.px)) * 1e9) / 1e9;
      if (left > 1e-12) out.push(left === l.sz ? l : { px: l.px, sz: left });
    }
    return out;
  }

  /** The recorded BBO with each touch we took from replaced by what is left there, or the next displayed level. */
  private displayedBbo(): Bbo | null {
    const b = this.recordedBbo;
    if (b === null) return null;
    const bid = this.touch(b.bidPx, b.bidSz, true);
    const ask = this.touch(b.askPx, b.askSz, false);
    if (bid.px === b.bidPx && bid.sz === b.bidSz && ask.px === b.askPx && ask.sz === b.askSz) return b;
    return { ...b, bidPx: bid.px, bidSz: bid.sz, askPx: ask.px, askSz: ask.sz };
  }

  private touch(px: number, sz: number, isBid: boolean): BookLevel {
    const taken = isBid ? this.takenBids : this.takenAsks;
    const left = Math.round((sz - takenAt(taken, px)) * 1e9) / 1e9;
    if (left > 1e-12) return { px, sz: left };
    // Emptied: the next displayed level beyond it; with nothing displayed beyond, the recorded touch stays.
    const next = (isBid ? this.bids : this.asks).find((l) => (isBid ? l.px < px : l.px > px));
    return next ?? { px, sz };
  }

  /** Records one of our own trades (already in wire form) among the recent trades. */
  recordTrade(wire: WsTrade): void {
    this.recent.push(wire);
    if (this.recent.length > this.recentCapacity)
      this.recent.splice(0, this.recent.length - this.recentCapacity);
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
    if (!this.hasBookFile) return this.recordedBbo !== null;
    return this.recordedBids.length > 0 || this.recordedAsks.length > 0;
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

  /**
   * The `l2Book` push as text, written out directly like `bboFrame` (same bytes as channelFrame of wireBook: see
   * the coin-market test): a 20-level book per BBO is otherwise mostly JSON.stringify time in the firehose.
   */
  bookFrame(aggregation: BookAggregation | null = null): string {
    if (aggregation !== null) return channelFrame('l2Book', this.wireBook(aggregation));
    return `{"channel":"l2Book","data":{"coin":${this.coinJson},"time":${this.bookExchMs},"levels":[${levelsText(this.bids)},${levelsText(this.asks)}]}}`;
  }

  /** The l2Book in wire form, grouped by `aggregation` (nSigFigs/mantissa) when given. */
  wireBook(aggregation: BookAggregation | null = null): WsBook {
    const bids = this.bids.map(wireLevel);
    const asks = this.asks.map(wireLevel);
    return {
      coin: this.coin,
      time: this.bookExchMs,
      levels:
        aggregation === null
          ? [bids, asks]
          : [aggregateLevels(bids, true, aggregation), aggregateLevels(asks, false, aggregation)],
    };
  }

  /** Mid price, null before the first BBO or book. */
  mid(): number | null {
    if (this.bbo !== null) return (this.bbo.bidPx + this.bbo.askPx) / 2;
    if (this.bids.length > 0 && this.asks.length > 0) return (this.bids[0].px + this.asks[0].px) / 2;
    return null;
  }
}
