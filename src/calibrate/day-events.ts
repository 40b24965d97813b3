/**
 * One day of BBO and trade events held for the γ search, in columns (typed arrays) instead of objects: ~58 bytes
 * per event instead of ~250, so a full-density day (≈ 1.2 M events) costs ~70 MB. Each backtest replays the day
 * as fresh, short-lived event objects (young-generation garbage, cheap), in the original order.
 */
import type { MarketEvent } from '../core/market.ts';
import {
  type BboColumns,
  type ColumnRange,
  replayColumns,
  type TradeColumns,
} from '../data/event-columns.ts';

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

/** One day's events in shared memory (SharedArrayBuffer-backed columns), as sent to backtest workers. */
export interface PackedDay {
  bbo: BboColumns;
  trades: TradeColumns;
}

/** Copies a day into shared-memory columns, in its replay order (what the workers replay). */
export function packDay(events: DayEvents): PackedDay {
  if (events instanceof ColumnDayEvents) return packColumns(events);
  let nb = 0;
  let nt = 0;
  events.replay((ev) => {
    if (ev.kind === 'bbo') nb++;
    else if (ev.kind === 'trade') nt++;
  });
  const f64 = (n: number) => new Float64Array(new SharedArrayBuffer(Math.max(1, n) * 8), 0, n);
  const bbo: BboColumns = {
    exchMs: f64(nb),
    recvS: f64(nb),
    bidPx: f64(nb),
    bidSz: f64(nb),
    askPx: f64(nb),
    askSz: f64(nb),
  };
  const trades: TradeColumns = {
    exchMs: f64(nt),
    recvS: f64(nt),
    px: f64(nt),
    sz: f64(nt),
    side: new Uint8Array(new SharedArrayBuffer(Math.max(1, nt)), 0, nt),
    tid: f64(nt),
    bboIndex: new Uint32Array(new SharedArrayBuffer(Math.max(1, nt) * 4), 0, nt),
  };
  let i = 0;
  let j = 0;
  events.replay((ev) => {
    if (ev.kind === 'bbo') {
      bbo.exchMs[i] = ev.exchMs;
      bbo.recvS[i] = ev.recvS;
      bbo.bidPx[i] = ev.bidPx;
      bbo.bidSz[i] = ev.bidSz;
      bbo.askPx[i] = ev.askPx;
      bbo.askSz[i] = ev.askSz;
      i++;
    } else if (ev.kind === 'trade') {
      trades.exchMs[j] = ev.exchMs;
      trades.recvS[j] = ev.recvS;
      trades.px[j] = ev.px;
      trades.sz[j] = ev.sz;
      trades.side[j] = ev.side === 'buy' ? 0 : 1;
      trades.tid[j] = ev.tid;
      trades.bboIndex[j] = i;
      j++;
    }
  });
  return { bbo, trades };
}

/** A column view packed column by column (typed-array copies, no event objects), bboIndex rebased to the range. */
function packColumns(events: ColumnDayEvents): PackedDay {
  const { bboFrom, bboTo, tradeFrom, tradeTo } = events.range;
  const { bbo, trades } = events.columns;
  const shared = <T extends Float64Array | Uint8Array | Uint32Array>(
    from: T,
    make: (buf: SharedArrayBuffer, n: number) => T,
    a: number,
    b: number,
  ): T => {
    const n = Math.max(0, b - a);
    const out = make(new SharedArrayBuffer(Math.max(1, n) * from.BYTES_PER_ELEMENT), n);
    out.set(from.subarray(a, a + n) as never);
    return out;
  };
  const f64 = (c: Float64Array, a: number, b: number) =>
    shared(c, (buf, n) => new Float64Array(buf, 0, n), a, b);
  const bboIndex = shared(trades.bboIndex, (buf, n) => new Uint32Array(buf, 0, n), tradeFrom, tradeTo);
  const nb = Math.max(0, bboTo - bboFrom);
  for (let k = 0; k < bboIndex.length; k++)
    bboIndex[k] = Math.min(Math.max((bboIndex[k] as number) - bboFrom, 0), nb);
  return {
    bbo: {
      exchMs: f64(bbo.exchMs, bboFrom, bboTo),
      recvS: f64(bbo.recvS, bboFrom, bboTo),
      bidPx: f64(bbo.bidPx, bboFrom, bboTo),
      bidSz: f64(bbo.bidSz, bboFrom, bboTo),
      askPx: f64(bbo.askPx, bboFrom, bboTo),
      askSz: f64(bbo.askSz, bboFrom, bboTo),
    },
    trades: {
      exchMs: f64(trades.exchMs, tradeFrom, tradeTo),
      recvS: f64(trades.recvS, tradeFrom, tradeTo),
      px: f64(trades.px, tradeFrom, tradeTo),
      sz: f64(trades.sz, tradeFrom, tradeTo),
      side: shared(trades.side, (buf, n) => new Uint8Array(buf, 0, n), tradeFrom, tradeTo),
      tid: f64(trades.tid, tradeFrom, tradeTo),
      bboIndex,
    },
  };
}

/** A packed day as DayEvents (in a worker). */
export class PackedDayEvents extends ColumnDayEvents {
  constructor(readonly packed: PackedDay) {
    super(packed, {
      bboFrom: 0,
      bboTo: packed.bbo.exchMs.length,
      tradeFrom: 0,
      tradeTo: packed.trades.exchMs.length,
    });
  }
}
