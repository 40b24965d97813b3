/**
 * One day of BBO and trade events held for the γ search, in columns (typed arrays) instead of objects: ~48 bytes
 * per event instead of ~250, so a full-density day (≈ 1.2 M events) costs ~60 MB. Each backtest replays the day
 * as fresh, short-lived event objects (young-generation garbage, cheap), in the original order.
 */
import type { MarketEvent } from '../core/market.ts';
import {
  type BboColumns,
  type ColumnRange,
  EventColumnsBuilder,
  replayColumns,
  type TradeColumns,
} from '../data/event-columns.ts';

export interface DayEvents {
  readonly length: number;
  /** Exchange time of the first event, Unix ms (NaN when empty). */
  readonly firstMs: number;
  /** Calls `fn` with each event in order (a new object each time: the receiver may keep it). */
  replay(fn: (ev: MarketEvent) => void): void;
}

/** A day read from CSV, kept as it streams by: growing columns (../data/event-columns.ts), replayed in order. */
export class DayEventStore implements DayEvents {
  private readonly builder: EventColumnsBuilder;

  constructor(capacity = 65_536) {
    this.builder = new EventColumnsBuilder(capacity);
  }

  /** Keeps BBO and trade events (order-book snapshots are not used by the γ search). */
  push(ev: MarketEvent): void {
    this.builder.push(ev);
  }

  /** The events pushed so far as a column view (valid until the next push). */
  view(): ColumnDayEvents {
    const c = this.builder.columns();
    return new ColumnDayEvents(c, {
      bboFrom: 0,
      bboTo: c.bbo.exchMs.length,
      tradeFrom: 0,
      tradeTo: c.trades.exchMs.length,
    });
  }

  get length(): number {
    return this.view().length;
  }

  get firstMs(): number {
    return this.view().firstMs;
  }

  replay(fn: (ev: MarketEvent) => void): void {
    this.view().replay(fn);
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
  if (events instanceof DayEventStore) return packColumns(events.view());
  if (events instanceof ColumnDayEvents) return packColumns(events);
  throw new Error('packDay: a day is a DayEventStore or a column view');
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
