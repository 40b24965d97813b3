/**
 * One day of BBO and trade events held for the γ search, in columns (typed arrays) instead of objects: ~58 bytes
 * per event instead of ~250, so a full-density day (≈ 1.2 M events) costs ~70 MB. Each backtest replays the day
 * as fresh, short-lived event objects (young-generation garbage, cheap), in the original order.
 */
import type { MarketEvent } from '../core/market.ts';
import { type BboColumns, type ColumnRange, replayColumns, type TradeColumns } from '../data/event-cache.ts';

const KIND_BBO = 0;
const KIND_TRADE = 1;

export interface DayEvents {
  readonly length: number;
  /** Exchange time of the first event, Unix ms (NaN when empty). */
  readonly firstMs: number;
  /** Calls `fn` with each event in order (a new object each time: the receiver may keep it). */
  replay(fn: (ev: MarketEvent) => void): void;
}

export class DayEventStore implements DayEvents {
  private n = 0;
  private kind: Uint8Array;
  private exchMs: Float64Array;
  private recvS: Float64Array;
  // BBO: bidPx, bidSz, askPx, askSz. Trade: px, sz, side (0 buy / 1 sell), tid.
  private c0: Float64Array;
  private c1: Float64Array;
  private c2: Float64Array;
  private c3: Float64Array;

  constructor(capacity = 65_536) {
    this.kind = new Uint8Array(capacity);
    this.exchMs = new Float64Array(capacity);
    this.recvS = new Float64Array(capacity);
    this.c0 = new Float64Array(capacity);
    this.c1 = new Float64Array(capacity);
    this.c2 = new Float64Array(capacity);
    this.c3 = new Float64Array(capacity);
  }

  get length(): number {
    return this.n;
  }

  get firstMs(): number {
    return this.n > 0 ? (this.exchMs[0] as number) : Number.NaN;
  }

  /** Keeps BBO and trade events (order-book snapshots are not used by the γ search). */
  push(ev: MarketEvent): void {
    if (ev.kind === 'book') return;
    if (this.n === this.kind.length) this.grow();
    const i = this.n++;
    this.exchMs[i] = ev.exchMs;
    this.recvS[i] = ev.recvS;
    if (ev.kind === 'bbo') {
      this.kind[i] = KIND_BBO;
      this.c0[i] = ev.bidPx;
      this.c1[i] = ev.bidSz;
      this.c2[i] = ev.askPx;
      this.c3[i] = ev.askSz;
    } else {
      this.kind[i] = KIND_TRADE;
      this.c0[i] = ev.px;
      this.c1[i] = ev.sz;
      this.c2[i] = ev.side === 'buy' ? 0 : 1;
      this.c3[i] = ev.tid;
    }
  }

  replay(fn: (ev: MarketEvent) => void): void {
    const { kind, exchMs, recvS, c0, c1, c2, c3 } = this;
    for (let i = 0; i < this.n; i++) {
      if (kind[i] === KIND_BBO) {
        fn({
          kind: 'bbo',
          exchMs: exchMs[i] as number,
          recvS: recvS[i] as number,
          bidPx: c0[i] as number,
          bidSz: c1[i] as number,
          askPx: c2[i] as number,
          askSz: c3[i] as number,
        });
      } else {
        fn({
          kind: 'trade',
          exchMs: exchMs[i] as number,
          recvS: recvS[i] as number,
          px: c0[i] as number,
          sz: c1[i] as number,
          side: c2[i] === 0 ? 'buy' : 'sell',
          tid: c3[i] as number,
        });
      }
    }
  }

  private grow(): void {
    const cap = this.kind.length * 2;
    const more = <T extends Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.kind = more(this.kind, (n) => new Uint8Array(n));
    const f = (n: number) => new Float64Array(n);
    this.exchMs = more(this.exchMs, f);
    this.recvS = more(this.recvS, f);
    this.c0 = more(this.c0, f);
    this.c1 = more(this.c1, f);
    this.c2 = more(this.c2, f);
    this.c3 = more(this.c3, f);
  }
}

/**
 * One day as a view of the event cache's columns (../data/event-cache.ts): no copy at all, the replay reads the
 * typed columns in place, in the merged order.
 */
export class ColumnDayEvents implements DayEvents {
  constructor(
    readonly columns: { bbo: BboColumns; trades: TradeColumns },
    readonly range: ColumnRange,
  ) {}

  get length(): number {
    const r = this.range;
    return r.bboTo - r.bboFrom + (r.tradeTo - r.tradeFrom);
  }

  get firstMs(): number {
    const r = this.range;
    const b = r.bboFrom < r.bboTo ? (this.columns.bbo.exchMs[r.bboFrom] as number) : Number.POSITIVE_INFINITY;
    const t =
      r.tradeFrom < r.tradeTo
        ? (this.columns.trades.exchMs[r.tradeFrom] as number)
        : Number.POSITIVE_INFINITY;
    const first = Math.min(b, t);
    return Number.isFinite(first) ? first : Number.NaN;
  }

  replay(fn: (ev: MarketEvent) => void): void {
    replayColumns(this.columns, this.range, fn);
  }
}
