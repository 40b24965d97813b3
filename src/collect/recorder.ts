/**
 * Turns parsed Hyperliquid frames into rows of the market-data files, one MarketDataWriter per symbol, with the
 * collector's bookkeeping: trade de-duplication by tid, counts per symbol, malformed/unknown frames counted and
 * logged at a bounded rate. No sockets and no timers here, so it is tested frame by frame.
 *
 * Order-book `sequence`: Hyperliquid's l2Book carries no sequence number (each push is a full snapshot), so the
 * collector writes its own: a per-symbol counter of snapshots written by this collector run, 1, 2, 3…
 * It restarts at 1 when a collector run starts (also when appending to an existing file); order rows by
 * exchange_timestamp, and read a reset to 1 as "a new recording run started here".
 *
 * Restarts: the trade-id window of each symbol is seeded from the tail of its existing trades file (at most
 * `dedupWindow` rows, read from the end), so trades re-sent on the new subscription are not appended twice.
 */
import { existsSync } from 'node:fs';
import type { Logger } from '../core/log.ts';
import { LogThrottle } from '../core/log-throttle.ts';
import { latestMarketFile } from '../data/layout.ts';
import { RecentTradeIds } from '../data/trade-dedup.ts';
import { readTradeTail } from '../data/trade-tail.ts';
import { MarketDataWriter } from '../data/writer.ts';
import type {
  ParsedBbo,
  ParsedBook,
  ParsedServerMessage,
  ParsedTrades,
} from '../exchange/hyperliquid/ws-messages.ts';
import type { SymbolCounts } from './summary.ts';

export interface RecorderOptions {
  symbols: string[];
  outDir: string;
  depth: number;
  /** Trade ids remembered per symbol for de-duplication. */
  dedupWindow?: number;
  logger?: Logger;
  /** Wall clock for the log throttle (tests). */
  nowMs?: () => number;
}

export interface RecorderCounters {
  /** Frames that were not JSON or had the wrong shape. */
  malformed: number;
  /** Trades left out of otherwise good trades frames because they were malformed. */
  malformedTrades: number;
  /** Frames on channels the collector does not record. */
  unknownChannel: number;
  /** Market data for a coin the collector did not subscribe to. */
  unexpectedCoin: number;
  /** BBO frames with an empty side (nothing to write: prices rows come in bid/ask pairs). */
  oneSidedBbo: number;
  /** BBO/l2Book frames identical to the last one written (the snapshot a resubscription sends). */
  repeatedSnapshots: number;
  serverErrors: number;
}

interface SymbolState {
  writer: MarketDataWriter;
  tradeIds: RecentTradeIds;
  counts: SymbolCounts;
  bookSeq: number;
  lastBbo: ParsedBbo | null;
  lastBook: ParsedBook | null;
}

export class MarketRecorder {
  readonly counters: RecorderCounters = {
    malformed: 0,
    malformedTrades: 0,
    unknownChannel: 0,
    unexpectedCoin: 0,
    oneSidedBbo: 0,
    repeatedSnapshots: 0,
    serverErrors: 0,
  };
  /** Trade ids per symbol read from the end of an existing trades file at start (0 for a new file). */
  readonly seededTradeIds: Record<string, number> = {};
  private readonly bySymbol = new Map<string, SymbolState>();
  private readonly throttle = new LogThrottle(10_000);
  private readonly nowMs: () => number;

  constructor(private readonly options: RecorderOptions) {
    this.nowMs = options.nowMs ?? Date.now;
    for (const symbol of options.symbols) {
      // The writer first: it checks the existing files' headers, so a foreign file fails before it is read.
      // One file per UTC day, so months of recording stay a set of day files to keep, compress or drop.
      const writer = new MarketDataWriter({
        dir: options.outDir,
        symbol,
        depth: options.depth,
        rotateDaily: true,
      });
      const tradeIds = new RecentTradeIds(options.dedupWindow ?? 50_000);
      const tradesFile = latestMarketFile(options.outDir, 'trades', symbol);
      const tail =
        tradesFile !== null && existsSync(tradesFile) ? readTradeTail(tradesFile, tradeIds.capacity) : [];
      tradeIds.seed(tail);
      this.seededTradeIds[symbol] = tail.length;
      if (tail.length > 0) {
        options.logger?.info('trade ids seeded from the existing file', { symbol, ids: tail.length });
      }
      this.bySymbol.set(symbol, {
        writer,
        tradeIds,
        counts: { bbo: 0, trades: 0, books: 0, duplicateTrades: 0 },
        bookSeq: 0,
        lastBbo: null,
        lastBook: null,
      });
    }
  }

  /** Handles one frame; `recvS` = local receive time, Unix s. Never throws on bad input. */
  record(msg: ParsedServerMessage, recvS: number): void {
    switch (msg.channel) {
      case 'bbo':
        this.recordBbo(msg, recvS);
        return;
      case 'trades':
        this.recordTrades(msg);
        return;
      case 'l2Book':
        this.recordBook(msg, recvS);
        return;
      case 'malformed':
        this.counters.malformed++;
        this.warn(`malformed:${msg.reason}`, 'malformed frame skipped', { reason: msg.reason });
        return;
      case 'other':
        this.counters.unknownChannel++;
        this.warn(`channel:${msg.name}`, 'frame on an unexpected channel skipped', {
          channel: msg.name.slice(0, 40),
        });
        return;
      case 'error':
        this.counters.serverErrors++;
        return; // the session logs server errors
      default:
        return; // pong, subscriptionResponse, post: nothing to record
    }
  }

  private state(coin: string): SymbolState | undefined {
    const state = this.bySymbol.get(coin);
    if (state === undefined) {
      this.counters.unexpectedCoin++;
      this.warn(`coin:${coin}`, 'data for a coin not subscribed to skipped', { coin: coin.slice(0, 20) });
    }
    return state;
  }

  private recordBbo(msg: ParsedBbo, recvS: number): void {
    const s = this.state(msg.coin);
    if (s === undefined) return;
    if (msg.bid === null || msg.ask === null) {
      this.counters.oneSidedBbo++;
      return;
    }
    const last = s.lastBbo;
    if (
      last !== null &&
      last.exchMs === msg.exchMs &&
      last.bid!.px === msg.bid.px &&
      last.bid!.sz === msg.bid.sz &&
      last.ask!.px === msg.ask.px &&
      last.ask!.sz === msg.ask.sz
    ) {
      this.counters.repeatedSnapshots++;
      return;
    }
    s.lastBbo = msg;
    s.writer.writeBbo({
      exchMs: msg.exchMs,
      recvS,
      bidPx: msg.bid.px,
      bidSz: msg.bid.sz,
      askPx: msg.ask.px,
      askSz: msg.ask.sz,
    });
    s.counts.bbo++;
  }

  private recordTrades(msg: ParsedTrades): void {
    if (msg.rejected > 0) {
      this.counters.malformedTrades += msg.rejected;
      this.warn('malformed:trade', 'malformed trades skipped', { count: msg.rejected });
    }
    for (const trade of msg.trades) {
      const s = this.state(trade.coin);
      if (s === undefined) continue;
      if (!s.tradeIds.admit(trade.tid)) {
        s.counts.duplicateTrades++;
        continue;
      }
      s.writer.writeTrade(trade);
      s.counts.trades++;
    }
  }

  private recordBook(msg: ParsedBook, recvS: number): void {
    const s = this.state(msg.coin);
    if (s === undefined) return;
    if (s.lastBook !== null && sameBook(s.lastBook, msg)) {
      this.counters.repeatedSnapshots++;
      return;
    }
    s.lastBook = msg;
    s.bookSeq++;
    s.writer.writeBook({ exchMs: msg.exchMs, recvS, seq: s.bookSeq, bids: msg.bids, asks: msg.asks });
    s.counts.books++;
  }

  private warn(kind: string, message: string, fields: Record<string, unknown>): void {
    const suppressed = this.throttle.shouldLog(kind, this.nowMs());
    if (suppressed === null || this.options.logger === undefined) return;
    this.options.logger.warn(
      message,
      suppressed > 0 ? { ...fields, alsoSinceLastWarning: suppressed } : fields,
    );
  }

  counts(): Record<string, SymbolCounts> {
    const out: Record<string, SymbolCounts> = {};
    for (const [symbol, s] of this.bySymbol) out[symbol] = { ...s.counts };
    return out;
  }

  /** Rows in memory, all symbols. */
  get bufferedRows(): number {
    let rows = 0;
    for (const s of this.bySymbol.values()) rows += s.writer.bufferedRows;
    return rows;
  }

  /** Records the writers refused (non-positive or non-finite values). */
  get droppedRecords(): number {
    let n = 0;
    for (const s of this.bySymbol.values()) n += s.writer.droppedRecords;
    return n;
  }

  flushSync(): void {
    for (const s of this.bySymbol.values()) s.writer.flushSync();
  }

  async close(): Promise<void> {
    for (const s of this.bySymbol.values()) await s.writer.close();
  }
}

/** Same exchange time and same levels: a repeat of the snapshot already written. */
function sameBook(a: ParsedBook, b: ParsedBook): boolean {
  if (a.exchMs !== b.exchMs || a.bids.length !== b.bids.length || a.asks.length !== b.asks.length)
    return false;
  for (let i = 0; i < a.bids.length; i++) {
    if (a.bids[i].px !== b.bids[i].px || a.bids[i].sz !== b.bids[i].sz) return false;
  }
  for (let i = 0; i < a.asks.length; i++) {
    if (a.asks[i].px !== b.asks[i].px || a.asks[i].sz !== b.asks[i].sz) return false;
  }
  return true;
}
