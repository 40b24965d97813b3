/**
 * Replays recorded market files as Hyperliquid would push them: reads each symbol's merged event stream
 * (src/data/market-stream.ts), merges the symbols by exchange time, waits for the replay clock, updates the
 * per-coin market state and publishes `bbo`, `trades` and `l2Book` frames to subscribers.
 *
 * Assumptions (stated once, here):
 * - Trades sharing a coin and an exchange time left in one WebSocket message (Hyperliquid batches a block's
 *   trades per coin); any other event starts a new message.
 * - Without an orderbooks file, an l2Book is synthesised around the BBO (coin-market.ts: the touch and a flat
 *   depth behind it), pushed at most every `bookIntervalMs` of exchange time per coin (500 ms; the real feed
 *   pushes about once per block when the book changes, and a book built from the BBO changes only with it).
 *   A book our takers consumed is pushed at once (order-entry.ts).
 * - Holes in the recording longer than `maxGapMs` of exchange time (the bundled sample has a 23-hour hole every
 *   day) are not waited out: the clock jumps so the next event comes `maxGapMs` after the hole starts. Event
 *   timestamps are never changed by this; only the clock skips.
 * - End of data: with `loop`, the files play again, shifted in time to follow on 1 s after the last event; in
 *   every pass after the first each trade gets a fresh tid (2^52 + a counter, above any real tid) so a collector's
 *   de-duplication does not mistake the second pass for a replay of the first. Without `loop` the feed goes quiet.
 * - Firehose (speed 0): events go out as fast as the slowest subscriber drains them (at any speed, send buffers
 *   above 1 MB pause the replay), yielding to the event loop every few hundred events so pings and /info stay answered.
 */
import type { Logger } from '../core/log.ts';
import type { MarketEvent } from '../core/market.ts';
import { readMarket } from '../data/market-stream.ts';
import { channelFrame } from '../exchange/hyperliquid/ws-messages.ts';
import { parseBookAggregation } from './book-aggregation.ts';
import type { CoinMarket } from './coin-market.ts';
import type { ReplayClock } from './replay-clock.ts';
import type { SubscriptionRegistry } from './subscriptions.ts';

export interface ReplayOptions {
  dataDir: string;
  symbols: string[];
  clock: ReplayClock;
  markets: Map<string, CoinMarket>;
  registry: SubscriptionRegistry;
  loop: boolean;
  bookIntervalMs: number;
  /** Longest wait between two events, exchange ms: longer holes in the data are skipped over. */
  maxGapMs: number;
  /** Start of the replay window, Unix ms (default: the start of the files). */
  fromMs?: number;
  /** Largest send buffer (bytes) any subscriber may hold before the firehose waits. */
  highWaterBytes?: number;
  /** Current send buffer of the slowest subscriber, bytes. */
  maxBufferedBytes: () => number;
  /** Sees every event as it is emitted, with its replay timestamp (order entry matches our orders here). */
  onEvent?: (coin: string, event: MarketEvent) => void;
  /** Called with an event's exchange time before the market state changes (hourly funding settles here). */
  beforeEvent?: (atMs: number) => void;
  logger?: Logger;
}

export interface ReplayStats {
  /** Frames published per channel (each counted once, however many subscribers got it). */
  bbo: number;
  trades: number;
  l2Book: number;
  /** Trade prints published. */
  tradePrints: number;
  /** Completed passes over the data. */
  passes: number;
  finished: boolean;
}

interface Sym {
  symbol: string;
  iterator: AsyncIterator<MarketEvent[]>;
  batch: MarketEvent[];
  index: number;
  done: boolean;
}

const FRESH_TID_BASE = 2 ** 52;
const YIELD_EVERY = 256;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class MarketReplay {
  readonly stats: ReplayStats = { bbo: 0, trades: 0, l2Book: 0, tradePrints: 0, passes: 0, finished: false };
  private stopped = false;
  private freshTid = FRESH_TID_BASE;
  private readonly lastBookPushMs = new Map<string, number>();
  /** Pending trades frame: same coin and exchange time. */
  private pending: { coin: string; exchMs: number; trades: unknown[] } | null = null;

  constructor(private readonly options: ReplayOptions) {}

  stop(): void {
    this.stopped = true;
  }

  /** Runs until the data ends (no loop) or `stop()`. */
  async run(): Promise<void> {
    const { clock } = this.options;
    let offsetMs = 0;
    let firstMs = Number.NaN;
    let lastMs = Number.NaN;
    let sinceYield = 0;
    while (!this.stopped) {
      const sources = await this.open();
      let event: MarketEvent | null;
      let symbol = '';
      while (!this.stopped) {
        // Refilling a source is async; picking among buffered heads is not (no await per event).
        if (needsRefill(sources)) await refill(sources);
        const next = pickNext(sources);
        if (next === null) break;
        [symbol, event] = next;
        const atMs = event.exchMs + offsetMs;
        if (Number.isNaN(firstMs)) firstMs = event.exchMs;
        if (!(event.exchMs <= lastMs)) lastMs = event.exchMs;
        if (!clock.started) clock.anchor(atMs);
        // A trade left pending goes out before anything else is waited for or sent.
        if (
          this.pending &&
          (event.kind !== 'trade' || this.pending.coin !== symbol || this.pending.exchMs !== atMs)
        ) {
          this.flushTrades();
        }
        // Yield now and then, or a backlog of due events (or the firehose) would starve pings and /info.
        if (++sinceYield >= YIELD_EVERY) {
          sinceYield = 0;
          await yieldToLoop();
          while (
            !this.stopped &&
            this.options.maxBufferedBytes() > (this.options.highWaterBytes ?? 1 << 20)
          ) {
            await sleep(1);
          }
        }
        clock.nextEventMs = atMs;
        if (!clock.firehose) {
          // A stretch without data longer than maxGapMs (recordings have hours-long holes) is cut short.
          if (atMs - clock.nowMs() > this.options.maxGapMs) clock.anchor(atMs - this.options.maxGapMs);
          for (
            let wait = clock.wallMsUntil(atMs);
            wait > 0 && !this.stopped;
            wait = clock.wallMsUntil(atMs)
          ) {
            await sleep(Math.min(wait, 250));
          }
        }
        this.options.beforeEvent?.(atMs);
        this.emit(symbol, event, atMs);
        clock.advanceTo(atMs);
        if (this.options.onEvent) {
          this.options.onEvent(symbol, atMs === event.exchMs ? event : { ...event, exchMs: atMs });
        }
        clock.nextEventMs = Number.NaN;
      }
      this.flushTrades();
      for (const s of sources) await s.iterator.return?.();
      if (this.stopped) break;
      this.stats.passes++;
      if (!this.options.loop || Number.isNaN(firstMs)) break;
      offsetMs += lastMs - firstMs + 1_000;
      this.options.logger?.info('replay looping', { pass: this.stats.passes + 1 });
    }
    clock.nextEventMs = Number.NaN;
    this.stats.finished = true;
  }

  private async open(): Promise<Sym[]> {
    const sources: Sym[] = [];
    for (const symbol of this.options.symbols) {
      const stream = readMarket(this.options.dataDir, symbol, { fromMs: this.options.fromMs });
      sources.push({ symbol, iterator: stream[Symbol.asyncIterator](), batch: [], index: 0, done: false });
    }
    return sources;
  }

  private emit(coin: string, event: MarketEvent, atMs: number): void {
    const market = this.options.markets.get(coin)!;
    const { registry } = this.options;
    switch (event.kind) {
      case 'bbo': {
        market.applyBbo({ ...event, exchMs: atMs });
        registry.publish(`bbo:${coin}`, market.bboFrame()!);
        this.stats.bbo++;
        // No book file: the synthesised book moves with the BBO, throttled like the real push rate.
        if (!market.hasBookFile) {
          const last = this.lastBookPushMs.get(coin) ?? Number.NEGATIVE_INFINITY;
          if (atMs - last >= this.options.bookIntervalMs) {
            this.lastBookPushMs.set(coin, atMs);
            this.publishBook(coin, market);
          }
        }
        return;
      }
      case 'book':
        market.applyBook(atMs, event.bids, event.asks);
        this.publishBook(coin, market);
        return;
      case 'trade': {
        const tid = this.stats.passes === 0 ? event.tid : this.freshTid++;
        const wire = market.applyTrade({ ...event, exchMs: atMs, tid });
        if (this.pending === null) this.pending = { coin, exchMs: atMs, trades: [] };
        this.pending.trades.push(wire);
        this.stats.tradePrints++;
        return;
      }
    }
  }

  private publishBook(coin: string, market: CoinMarket): void {
    publishBook(this.options.registry, coin, market);
    this.stats.l2Book++;
  }

  private flushTrades(): void {
    const p = this.pending;
    if (p === null) return;
    this.pending = null;
    this.options.registry.publish(`trades:${p.coin}`, channelFrame('trades', p.trades));
    this.stats.trades++;
  }
}

/** Pushes a coin's l2Book to its subscribers, each grouped as its subscription asks (nSigFigs/mantissa). */
export function publishBook(registry: SubscriptionRegistry, coin: string, market: CoinMarket): void {
  const frames = new Map<string, string>();
  registry.publishEach(`l2Book:${coin}`, (subscription) => {
    const aggregation = parseBookAggregation(subscription as Record<string, unknown>);
    const agg = typeof aggregation === 'string' ? null : aggregation;
    const id = agg === null ? '' : `${agg.nSigFigs}:${agg.mantissa}`;
    let frame = frames.get(id);
    if (frame === undefined) frames.set(id, (frame = market.bookFrame(agg)));
    return frame;
  });
}

function needsRefill(sources: Sym[]): boolean {
  for (const s of sources) if (!s.done && s.index >= s.batch.length) return true;
  return false;
}

async function refill(sources: Sym[]): Promise<void> {
  for (const s of sources) {
    while (!s.done && s.index >= s.batch.length) {
      const next = await s.iterator.next();
      if (next.done) s.done = true;
      else {
        s.batch = next.value;
        s.index = 0;
      }
    }
  }
}

/** The earliest buffered head among the symbols' streams (symbols are few: a scan is enough). */
function pickNext(sources: Sym[]): [string, MarketEvent] | null {
  let best: Sym | null = null;
  for (const s of sources) {
    if (s.index >= s.batch.length) continue;
    if (best === null || s.batch[s.index].exchMs < best.batch[best.index].exchMs) best = s;
  }
  if (best === null) return null;
  return [best.symbol, best.batch[best.index++]];
}
