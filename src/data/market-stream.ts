/**
 * One time-ordered stream of market events for a symbol: a k-way merge of its prices, trades and (when present)
 * orderbooks files, as the backtester and the replaying fake exchange consume them.
 */

import { UserError } from '../core/errors.ts';
import type { MarketEvent } from '../core/market.ts';
import { findMarketFiles, type MarketFileKind, marketFileName } from './layout.ts';
import {
  type BatchReader,
  type RowStats,
  readBookEvents,
  readPriceEvents,
  readTradeEvents,
} from './reader.ts';
import { RecentTradeIds } from './trade-dedup.ts';

export interface MarketStreamOptions {
  /** Keep events with exchMs ≥ fromMs (Unix ms). */
  fromMs?: number;
  /** Keep events with exchMs < toMs (Unix ms, exclusive). */
  toMs?: number;
  /** Merge orderbooks_<SYM>.csv when it exists (default true); false leaves it unread. */
  books?: boolean;
  /** Told of every event the MONOTONIC RULE drops, in or out of the window (the event cache keeps their times). */
  onDrop?: (reason: 'duplicate' | 'out-of-order', exchMs: number) => void;
}

/** Events the merge dropped (only those inside [fromMs, toMs) are counted). */
export interface DroppedEvents {
  /** Trades whose tid was already emitted (Hyperliquid re-sends recent trades when a subscription starts). */
  duplicateTrades: number;
  /** Events older than the last event merged (a re-send with a new tid, or a file stepping back in time). */
  outOfOrder: number;
}

export interface MarketStream extends AsyncIterable<MarketEvent[]> {
  /** Row statistics of each file read (prices, trades, then orderbooks when merged); final once iteration ends. */
  readonly stats: RowStats[];
  /** Duplicate and out-of-order events dropped so far; final once iteration ends. */
  readonly dropped: DroppedEvents;
}

/** One line for stderr, e.g. "dropped 13 re-sent trades (…)", or null when nothing was dropped. */
export function describeDropped(d: DroppedEvents): string | null {
  if (d.duplicateTrades === 0 && d.outOfOrder === 0) return null;
  return (
    `dropped ${d.duplicateTrades} duplicate trade${d.duplicateTrades === 1 ? '' : 's'} (tid already seen) and ` +
    `${d.outOfOrder} out-of-order event${d.outOfOrder === 1 ? '' : 's'} (older than the event before them)`
  );
}

/**
 * Tie order at equal exchange time. Hyperliquid publishes a block's trades before the BBO that results from
 * them, so a resting order at the old touch must see the trade before the book moves: trades, then BBO, then
 * full book snapshots.
 */
export const TIE_RANK: Record<MarketEvent['kind'], number> = { trade: 0, bbo: 1, book: 2 };

/**
 * How far a file may step back in exchange time. Recorded files are in exchange-time order except for trades
 * Hyperliquid re-sends when a subscription starts (the sample steps back by up to 5.6 s). The merge never reorders
 * within a file and drops such events (see MONOTONIC RULE below); this slack only decides when a file can stop
 * being read after `toMs`: once its events are a minute past `toMs`.
 */
const REORDER_SLACK_MS = 60_000;

const BATCH_SIZE = 8192;

/**
 * MONOTONIC RULE (the market assumption of this module): consumers get exchange time that never goes back and
 * each trade once. A trade whose tid is among the last TID_WINDOW tids merged is dropped as a duplicate; any
 * event older than the last event merged is dropped as out of order. Replaying such a re-send would let a print
 * from the past fill an order placed later and rewind the backtest's clock. Assumes a re-sent trade is never
 * more than TID_WINDOW trades late (Hyperliquid re-sends a few dozen). The rule is applied to every event read,
 * before the fromMs/toMs window, so a window is exactly a slice of the whole stream.
 */
const TID_WINDOW = 100_000;

/** What the MONOTONIC RULE says of one event read: kept, or dropped for which reason. */
export const KEEP = 0;
export const DUPLICATE = 1;
export const OUT_OF_ORDER = 2;

/**
 * The MONOTONIC RULE as a gate the events pass through in merged order (the object merge below and the column
 * merge of ./column-build.ts both use it). A trade's id is remembered even when the trade is then dropped as out
 * of order.
 */
export class MonotonicGate {
  private readonly tids = new RecentTradeIds(TID_WINDOW);
  private lastMs = Number.NEGATIVE_INFINITY;

  trade(exchMs: number, tid: number): number {
    if (!this.tids.admit(tid)) return DUPLICATE;
    return this.bbo(exchMs);
  }

  /** Also the rule for any event without a trade id (BBO, book). */
  bbo(exchMs: number): number {
    if (exchMs < this.lastMs) return OUT_OF_ORDER;
    this.lastMs = exchMs;
    return KEEP;
  }
}

/**
 * Merges the symbol's files in `dir` in exchange-time order (ties: trades, BBO, book; stable within a file).
 * Missing prices or trades file → UserError naming the directory, symbol and the file expected.
 */
export function readMarket(dir: string, symbol: string, opts: MarketStreamOptions = {}): MarketStream {
  const required = (kind: MarketFileKind): string[] => {
    const files = findMarketFiles(dir, kind, symbol);
    if (files.length === 0) {
      const name = marketFileName(kind, symbol);
      throw new UserError(
        `No ${kind} file for ${symbol} in ${dir}: expected ${name} or ${name}.gz (or one file per UTC day, ${name.replace(/\.csv$/, '_YYYY-MM-DD.csv')}); record one with "hlmm collect" or pick another directory.`,
      );
    }
    return files;
  };
  const readers: ChainedReader[] = [
    new ChainedReader(required('prices').map((f) => readPriceEvents(f))),
    new ChainedReader(required('trades').map((f) => readTradeEvents(f))),
  ];
  const booksFiles = opts.books === false ? [] : findMarketFiles(dir, 'orderbooks', symbol);
  if (booksFiles.length > 0) readers.push(new ChainedReader(booksFiles.map((f) => readBookEvents(f))));
  return new MergedStream(
    readers,
    opts.fromMs ?? Number.NEGATIVE_INFINITY,
    opts.toMs ?? Number.POSITIVE_INFINITY,
    opts.onDrop,
  );
}

/** The files of one kind (every day of a symbol) read one after the other, as one source of the merge. */
class ChainedReader implements AsyncIterable<MarketEvent[]> {
  constructor(readonly files: BatchReader<MarketEvent>[]) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<MarketEvent[]> {
    for (const file of this.files) yield* file;
  }
}

/** The head of one file in the merge: its current batch and position. */
interface Source {
  iterator: AsyncIterator<MarketEvent[]>;
  batch: MarketEvent[];
  index: number;
  rank: number;
}

class MergedStream implements MarketStream {
  readonly dropped: DroppedEvents = { duplicateTrades: 0, outOfOrder: 0 };
  private readonly readers: ChainedReader[];
  private readonly fromMs: number;
  private readonly toMs: number;
  private readonly onDrop: MarketStreamOptions['onDrop'];

  constructor(readers: ChainedReader[], fromMs: number, toMs: number, onDrop: MarketStreamOptions['onDrop']) {
    this.readers = readers;
    this.fromMs = fromMs;
    this.toMs = toMs;
    this.onDrop = onDrop;
  }

  get stats(): RowStats[] {
    return this.readers.flatMap((r) => r.files.map((f) => f.stats));
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<MarketEvent[]> {
    const { fromMs, toMs } = this;
    const stopAtMs = toMs + REORDER_SLACK_MS;
    const dropped = this.dropped;
    const onDrop = this.onDrop;
    const gate = new MonotonicGate();
    const sources: Source[] = [];
    try {
      for (const reader of this.readers) {
        const source: Source = { iterator: reader[Symbol.asyncIterator](), batch: [], index: 0, rank: 0 };
        sources.push(source);
        if (await refill(source, stopAtMs)) source.rank = TIE_RANK[source.batch[0].kind];
      }
      let live = sources.filter((s) => s.index < s.batch.length);
      let out: MarketEvent[] = [];
      while (live.length > 0) {
        // Pick the source whose head is earliest (rank breaks ties); with 2–3 sources a scan beats a heap.
        let best = live[0];
        let bestEvent = best.batch[best.index];
        for (let i = 1; i < live.length; i++) {
          const s = live[i];
          const e = s.batch[s.index];
          if (e.exchMs < bestEvent.exchMs || (e.exchMs === bestEvent.exchMs && s.rank < best.rank)) {
            best = s;
            bestEvent = e;
          }
        }
        // Emit from `best` while it stays ahead of every other head: whole runs leave without re-scanning.
        let limitMs = Number.POSITIVE_INFINITY;
        let limitRank = 0;
        for (const s of live) {
          if (s === best) continue;
          const e = s.batch[s.index];
          if (e.exchMs < limitMs || (e.exchMs === limitMs && s.rank < limitRank)) {
            limitMs = e.exchMs;
            limitRank = s.rank;
          }
        }
        const batch = best.batch;
        let i = best.index;
        const rankWins = best.rank < limitRank;
        while (i < batch.length) {
          const e = batch[i];
          if (e.exchMs > limitMs || (e.exchMs === limitMs && !rankWins)) break;
          i++;
          const inWindow = e.exchMs >= fromMs && e.exchMs < toMs;
          const verdict = e.kind === 'trade' ? gate.trade(e.exchMs, e.tid) : gate.bbo(e.exchMs);
          if (verdict === DUPLICATE) {
            if (inWindow) dropped.duplicateTrades++;
            onDrop?.('duplicate', e.exchMs);
            continue;
          }
          if (verdict === OUT_OF_ORDER) {
            if (inWindow) dropped.outOfOrder++;
            onDrop?.('out-of-order', e.exchMs);
            continue;
          }
          if (inWindow) {
            out.push(e);
            if (out.length >= BATCH_SIZE) {
              yield out;
              out = [];
            }
          }
        }
        best.index = i;
        if (i >= batch.length && !(await refill(best, stopAtMs))) live = live.filter((s) => s !== best);
      }
      if (out.length > 0) yield out;
    } finally {
      // Stopping early (toMs, or the consumer breaking out) must close the files still open.
      await Promise.all(sources.map((s) => s.iterator.return?.()));
    }
  }
}

/**
 * Loads the source's next non-empty batch; false at the end of its file, or once the file is past `stopAtMs`
 * (the rest of the batch is kept up to that point).
 */
async function refill(source: Source, stopAtMs: number): Promise<boolean> {
  for (;;) {
    const next = await source.iterator.next();
    if (next.done) {
      source.batch = [];
      source.index = 0;
      return false;
    }
    const batch = next.value;
    if (batch.length === 0) continue;
    let cut = batch.length;
    if (batch[cut - 1].exchMs >= stopAtMs) {
      cut = batch.findIndex((e) => e.exchMs >= stopAtMs);
      batch.length = cut;
      await source.iterator.return?.();
      source.iterator = emptyIterator;
    }
    source.batch = batch;
    source.index = 0;
    if (cut > 0) return true;
    if (source.iterator === emptyIterator) return false;
  }
}

const emptyIterator: AsyncIterator<MarketEvent[]> = {
  next: async () => ({ done: true, value: undefined }),
  return: async () => ({ done: true, value: undefined }),
};
