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

/**
 * BBO and trade columns filled row by row in stream order (order-book snapshots are left out): `bboIndex` is
 * counted as the rows come, so `replayColumns` over `columns()` gives back exactly the order pushed. What the
 * γ search keeps of a day read from CSV (~45–48 bytes per event instead of ~250 for an object), and what the
 * cache build fills straight from the CSV parsers (./column-build.ts: `bbo`/`trade` are its row sinks).
 */
export class EventColumnsBuilder {
  private nb = 0;
  private nt = 0;
  private b: BboColumns;
  private t: TradeColumns;

  constructor(bboCapacity = 65_536, tradeCapacity = bboCapacity) {
    this.b = bboColumns(bboCapacity);
    this.t = tradeColumns(tradeCapacity);
  }

  push(ev: MarketEvent): void {
    if (ev.kind === 'bbo') this.bbo(ev.exchMs, ev.recvS, ev.bidPx, ev.bidSz, ev.askPx, ev.askSz);
    else if (ev.kind === 'trade')
      this.trade(ev.exchMs, ev.recvS, ev.px, ev.sz, ev.side === 'buy' ? 0 : 1, ev.tid);
  }

  bbo(exchMs: number, recvS: number, bidPx: number, bidSz: number, askPx: number, askSz: number): void {
    if (this.nb === this.b.exchMs.length) this.b = copyInto(this.b, bboColumns(grownLength(this.nb)));
    const b = this.b;
    const i = this.nb++;
    b.exchMs[i] = exchMs;
    b.recvS[i] = recvS;
    b.bidPx[i] = bidPx;
    b.bidSz[i] = bidSz;
    b.askPx[i] = askPx;
    b.askSz[i] = askSz;
  }

  /** `side`: 0 = buy aggressor, 1 = sell. */
  trade(exchMs: number, recvS: number, px: number, sz: number, side: number, tid: number): void {
    if (this.nt === this.t.exchMs.length) this.t = copyInto(this.t, tradeColumns(grownLength(this.nt)));
    const t = this.t;
    const j = this.nt++;
    t.exchMs[j] = exchMs;
    t.recvS[j] = recvS;
    t.px[j] = px;
    t.sz[j] = sz;
    t.side[j] = side;
    t.tid[j] = tid;
    t.bboIndex[j] = this.nb;
  }

  /** The rows pushed so far, as views of the filled part (valid until the next push). */
  columns(): { bbo: BboColumns; trades: TradeColumns } {
    return { bbo: sliceColumns(this.b, 0, this.nb), trades: sliceColumns(this.t, 0, this.nt) };
  }

  /** The columns at their full capacity, handed over: the builder keeps none of them (it starts empty again). */
  release(): { bbo: BboColumns; trades: TradeColumns; bboRows: number; tradeRows: number } {
    const out = { bbo: this.b, trades: this.t, bboRows: this.nb, tradeRows: this.nt };
    this.b = bboColumns(1);
    this.t = tradeColumns(1);
    this.nb = 0;
    this.nt = 0;
    return out;
  }
}

/** A quarter more (a few hundred MB doubled would briefly need twice that), at least 1,024 rows more. */
function grownLength(n: number): number {
  return Math.ceil(n * 1.25) + 1024;
}

function bboColumns(n: number): BboColumns {
  const f = () => new Float64Array(Math.max(1, n));
  return { exchMs: f(), recvS: f(), bidPx: f(), bidSz: f(), askPx: f(), askSz: f() };
}

function tradeColumns(n: number): TradeColumns {
  const f = () => new Float64Array(Math.max(1, n));
  const m = Math.max(1, n);
  return {
    exchMs: f(),
    recvS: f(),
    px: f(),
    sz: f(),
    side: new Uint8Array(m),
    tid: f(),
    bboIndex: new Uint32Array(m),
  };
}

type ColumnSet = Record<string, Float64Array | Uint8Array | Uint32Array>;

/** `to` with `from`'s values at its start (to's columns are at least as long). */
function copyInto<T extends object>(from: T, to: T): T {
  for (const key of Object.keys(from)) (to as ColumnSet)[key]?.set((from as ColumnSet)[key] as never);
  return to;
}

/** Views of rows [a, b) of every column. */
function sliceColumns<T extends object>(c: T, a: number, b: number): T {
  const out: ColumnSet = {};
  for (const [key, col] of Object.entries(c as ColumnSet)) out[key] = col.subarray(a, b);
  return out as T;
}
