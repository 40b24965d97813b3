import { RecentTradeIds } from '../collect/trade-dedup.ts';
import type { Logger } from '../core/log.ts';
import type { MarketEvent } from '../core/market.ts';
import { type ParsedServerMessage, parseServerMessage } from '../exchange/hyperliquid/ws-messages.ts';
import { type BackoffPolicy, type DataGap, WsSession } from '../exchange/hyperliquid/ws-session.ts';

/**
 * Market data for one perp from Hyperliquid's WebSocket (or the fake exchange, same protocol): bbo, trades and
 * l2Book → MarketEvent with the exchange's timestamps. Assumptions, all here:
 * - Hyperliquid re-sends recent trades on every new `trades` subscription (so after each reconnect). Trades are
 *   de-duplicated by tid, and a trade older than the newest market time already passed on is dropped as stale:
 *   feeding it to the paper fill model would fill our current orders with a trade that printed before they existed.
 * - A bbo with an empty side (null level) carries no usable touch and is skipped (counted).
 */
export interface FeedStats {
  bbo: number;
  trades: number;
  books: number;
  duplicateTrades: number;
  staleTrades: number;
  skipped: number;
}

export interface MarketFeedOptions {
  url: string;
  coin: string;
  onEvent: (ev: MarketEvent) => void;
  /** The socket (re)connected: subscriptions were sent. */
  onConnect?: () => void;
  onGap?: (gap: DataGap) => void;
  logger?: Logger;
  stallTimeoutMs?: number;
  backoff?: BackoffPolicy;
  /** Subscribe to l2Book as well (queue position behind the touch). Default true. */
  books?: boolean;
}

export class HyperliquidFeed {
  readonly stats: FeedStats = { bbo: 0, trades: 0, books: 0, duplicateTrades: 0, staleTrades: 0, skipped: 0 };
  readonly session: WsSession;
  private readonly tids = new RecentTradeIds(20_000);
  private lastExchMs = Number.NEGATIVE_INFINITY;
  private seq = 0;

  constructor(private readonly opts: MarketFeedOptions) {
    const coin = opts.coin;
    const subscriptions = [
      { type: 'bbo', coin },
      { type: 'trades', coin },
    ];
    if (opts.books !== false) subscriptions.push({ type: 'l2Book', coin });
    this.session = new WsSession({
      url: opts.url,
      subscriptions,
      onMessage: (msg, recvS) => this.onMessage(msg, recvS),
      onOpen: opts.onConnect,
      onGap: opts.onGap,
      logger: opts.logger,
      stallTimeoutMs: opts.stallTimeoutMs,
      backoff: opts.backoff ?? { initialMs: 500, maxMs: 30_000, jitter: 0.2 },
    });
  }

  get connected(): boolean {
    return this.session.isOpen;
  }

  start(): void {
    this.session.start();
  }

  stop(): Promise<void> {
    return this.session.stop();
  }

  /** One text frame as received (what the session does per frame; the benchmark calls it directly). */
  handleFrame(text: string, recvS: number): void {
    this.onMessage(parseServerMessage(text, recvS), recvS);
  }

  private onMessage(msg: ParsedServerMessage, recvS: number): void {
    const coin = this.opts.coin;
    switch (msg.channel) {
      case 'bbo': {
        if (msg.coin !== coin) return;
        if (msg.bid === null || msg.ask === null) {
          this.stats.skipped++;
          return;
        }
        this.stats.bbo++;
        this.emit({
          kind: 'bbo',
          exchMs: msg.exchMs,
          recvS,
          bidPx: msg.bid.px,
          bidSz: msg.bid.sz,
          askPx: msg.ask.px,
          askSz: msg.ask.sz,
        });
        return;
      }
      case 'trades':
        for (const t of msg.trades) {
          if (t.coin !== coin) continue;
          if (!this.tids.admit(t.tid)) {
            this.stats.duplicateTrades++;
            continue;
          }
          if (t.exchMs < this.lastExchMs) {
            this.stats.staleTrades++;
            continue;
          }
          this.stats.trades++;
          this.emit({ kind: 'trade', exchMs: t.exchMs, recvS, px: t.px, sz: t.sz, side: t.side, tid: t.tid });
        }
        return;
      case 'l2Book':
        if (msg.coin !== coin) return;
        this.stats.books++;
        this.emit({
          kind: 'book',
          exchMs: msg.exchMs,
          recvS,
          seq: ++this.seq,
          bids: msg.bids,
          asks: msg.asks,
        });
        return;
      default:
        return;
    }
  }

  private emit(ev: MarketEvent): void {
    if (ev.exchMs > this.lastExchMs) this.lastExchMs = ev.exchMs;
    this.opts.onEvent(ev);
  }
}
