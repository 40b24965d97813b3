import type { Logger } from '../../../core/log.ts';
import { LogThrottle } from '../../../core/log-throttle.ts';
import type { MarketEvent } from '../../../core/market.ts';
import { checkBook, type PlausibilityRules, PriceSanity } from '../../../core/plausibility.ts';
import { RecentTradeIds } from '../../../data/trade-dedup.ts';
import { type ParsedServerMessage, parseServerMessage, type Subscription } from '../ws-messages.ts';
import { type BackoffPolicy, type DataGap, WsSession } from '../ws-session.ts';

/**
 * Market data for one perp from Hyperliquid's WebSocket (or the fake exchange, same protocol): bbo, trades and
 * l2Book → MarketEvent with the exchange's timestamps. Assumptions, all here:
 * - Hyperliquid re-sends recent trades on every new `trades` subscription (so after each reconnect). Trades are
 *   de-duplicated by tid, and a trade older than the newest market time already passed on is dropped as stale:
 *   feeding it to the paper fill model would fill our current orders with a trade that printed before they existed.
 * - A bbo with an empty side (null level) carries no usable touch and is skipped (counted).
 * - Prices that cannot be real (out of range, a crossed book, a jump far beyond any real move: the rules of
 *   src/core/plausibility.ts) are dropped and counted, with a rate-limited warning: the strategy keeps quoting on
 *   the last good book until the stale-data guard pulls the quotes.
 */
export interface FeedStats {
  bbo: number;
  trades: number;
  books: number;
  duplicateTrades: number;
  staleTrades: number;
  skipped: number;
  /** Events dropped as implausible (see PriceSanity). */
  implausible: number;
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
  /** What counts as a price that cannot be real (default DEFAULT_PLAUSIBILITY). */
  plausibility?: PlausibilityRules;
  /**
   * A socket shared with other coins (SharedMarketFeed) that carries this coin's subscriptions and hands every
   * frame to `handleMessage`; absent = this feed's own socket.
   */
  session?: WsSession;
  /**
   * Every frame the socket parses (the user channels' excepted on a shared socket), before the feeds read it (the bot's `--collect` recorder rides
   * the feed's socket this way instead of opening its own).
   */
  onFrame?: (msg: ParsedServerMessage, recvS: number) => void;
  /** More subscriptions on the feed's socket (the recorder's channels; kept across reconnects). */
  extraSubscriptions?: Subscription[];
}

/** The subscriptions of one coin's market data: bbo and trades, and l2Book unless `books` is false. */
export function feedSubscriptions(coin: string, books = true): { type: string; coin: string }[] {
  const subscriptions = [
    { type: 'bbo', coin },
    { type: 'trades', coin },
  ];
  if (books) subscriptions.push({ type: 'l2Book', coin });
  return subscriptions;
}

export class HyperliquidFeed {
  readonly stats: FeedStats = {
    bbo: 0,
    trades: 0,
    books: 0,
    duplicateTrades: 0,
    staleTrades: 0,
    skipped: 0,
    implausible: 0,
  };
  // One reference per stream: the touch, the prints and the book each judged against their own last good value.
  private readonly bboSanity: PriceSanity;
  private readonly tradeSanity: PriceSanity;
  private readonly bookSanity: PriceSanity;
  private readonly implausibleLog = new LogThrottle(10_000);
  readonly session: WsSession;
  private readonly tids = new RecentTradeIds(20_000);
  private lastExchMs = Number.NEGATIVE_INFINITY;
  private seq = 0;

  constructor(private readonly opts: MarketFeedOptions) {
    const coin = opts.coin;
    this.bboSanity = new PriceSanity(opts.plausibility);
    this.tradeSanity = new PriceSanity(opts.plausibility);
    this.bookSanity = new PriceSanity(opts.plausibility);
    this.session =
      opts.session ??
      new WsSession({
        url: opts.url,
        subscriptions: [...feedSubscriptions(coin, opts.books !== false), ...(opts.extraSubscriptions ?? [])],
        onMessage:
          opts.onFrame === undefined
            ? (msg, recvS) => this.onMessage(msg, recvS)
            : (msg, recvS) => {
                (opts.onFrame as NonNullable<MarketFeedOptions['onFrame']>)(msg, recvS);
                this.onMessage(msg, recvS);
              },
        onOpen: opts.onConnect,
        onGap: opts.onGap,
        logger: opts.logger,
        stallTimeoutMs: opts.stallTimeoutMs,
        backoff: opts.backoff ?? { initialMs: 500, maxMs: 30_000, jitter: 0.2 },
      });
  }

  /** One parsed message from a shared socket (messages of other coins are ignored). */
  handleMessage(msg: ParsedServerMessage, recvS: number): void {
    this.onMessage(msg, recvS);
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
        const implausible = this.bboSanity.checkBbo(msg.bid.px, msg.bid.sz, msg.ask.px, msg.ask.sz);
        if (implausible !== null) {
          this.dropImplausible('bbo', implausible, msg.exchMs);
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
          const implausible = this.tradeSanity.check(t.px, t.sz);
          if (implausible !== null) {
            this.dropImplausible('trade', implausible, t.exchMs);
            continue;
          }
          this.stats.trades++;
          this.emit({ kind: 'trade', exchMs: t.exchMs, recvS, px: t.px, sz: t.sz, side: t.side, tid: t.tid });
        }
        return;
      case 'l2Book':
        if (msg.coin !== coin) return;
        if (this.refusesBook(msg.bids, msg.asks, msg.exchMs)) return;
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

  private refusesBook(
    bids: readonly { px: number; sz: number }[],
    asks: readonly { px: number; sz: number }[],
    exchMs: number,
  ): boolean {
    const implausible = checkBook(this.bookSanity, bids, asks);
    if (implausible === null) return false;
    this.dropImplausible('l2Book', implausible, exchMs);
    return true;
  }

  private dropImplausible(channel: string, reason: string, exchMs: number): void {
    this.stats.implausible++;
    const suppressed = this.implausibleLog.shouldLog(`${channel}:${reason}`, Date.now());
    if (suppressed !== null) {
      this.opts.logger?.warn('market data refused as implausible', {
        channel,
        reason,
        exchTime: new Date(exchMs).toISOString(),
        sinceLastLine: suppressed,
      });
    }
  }

  private emit(ev: MarketEvent): void {
    if (ev.exchMs > this.lastExchMs) this.lastExchMs = ev.exchMs;
    this.opts.onEvent(ev);
  }
}

/**
 * Several coins on ONE WebSocket (`hlmm trade --tickers`): one session carrying every coin's subscriptions, each
 * frame handed to every coin's feed (a feed ignores the other coins' messages), so de-duplication, plausibility
 * and stale-trade rules stay per coin exactly as with one coin.
 */
export class SharedMarketFeed {
  readonly session: WsSession;
  readonly feeds: HyperliquidFeed[];

  constructor(
    opts: Omit<MarketFeedOptions, 'coin' | 'onEvent' | 'session'> & {
      coins: readonly string[];
      onEvent: (coin: string, ev: MarketEvent) => void;
      /** More subscriptions on the same socket (live: the account's user channels; the recorder's channels). */
      extraSubscriptions?: Subscription[];
      /** Frames of channels no market feed reads (live: the user channels, for their router). */
      onMessage?: (msg: ParsedServerMessage, recvS: number) => void;
    },
  ) {
    const feeds: HyperliquidFeed[] = [];
    const onOther = opts.onMessage;
    const onFrame = opts.onFrame;
    this.session = new WsSession({
      url: opts.url,
      subscriptions: [
        ...opts.coins.flatMap((c) => feedSubscriptions(c, opts.books !== false)),
        ...(opts.extraSubscriptions ?? []),
      ],
      onMessage: (msg, recvS) => {
        if (onOther !== undefined && msg.channel === 'other') {
          onOther(msg, recvS);
          return;
        }
        onFrame?.(msg, recvS);
        for (let i = 0; i < feeds.length; i++) (feeds[i] as HyperliquidFeed).handleMessage(msg, recvS);
      },
      onOpen: opts.onConnect,
      onGap: opts.onGap,
      logger: opts.logger,
      stallTimeoutMs: opts.stallTimeoutMs,
      backoff: opts.backoff ?? { initialMs: 500, maxMs: 30_000, jitter: 0.2 },
    });
    for (const coin of opts.coins)
      feeds.push(
        new HyperliquidFeed({
          ...opts,
          coin,
          onEvent: (ev) => opts.onEvent(coin, ev),
          onConnect: undefined,
          onFrame: undefined,
          session: this.session,
        }),
      );
    this.feeds = feeds;
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
}
