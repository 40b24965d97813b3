/**
 * Order entry of the fake exchange: the accounts, our users' orders, and their matching against the replayed
 * market with the SHARED fill model (one SimVenue per coin from src/sim/ — no second fill model here). It
 * executes already-authenticated L1 actions (exchange-endpoint.ts checks signatures, nonces and limits) and
 * answers them exactly as Hyperliquid's /exchange does; every change is pushed on the user channels
 * (orderUpdates, userFills, user/userEvents).
 *
 * How SimVenue is used (its assumptions are in src/sim/sim-venue.ts and queue.ts):
 * - Each coin has one SimVenue holding every user's resting orders; the venue's client id IS the Hyperliquid
 *   oid (unique across users), and this module maps oid → user, cloid → oid.
 * - Entry latency: the shared latency model (src/sim/latency.ts, from the one fill-model configuration) delays each
 *   order, modify and cancel action: one that reaches the fake at exchange time t (the replay clock) is executed —
 *   validated, matched, answered — at t + its entry (or cancel) delay, on the replay clock. SimVenue's rule for an
 *   arrival racing a market event holds: arrivals strictly before an event's time are executed before it, one at
 *   the same millisecond after it. The /exchange answer waits for that execution (Hyperliquid answers with the
 *   matching outcome: resting, filled or the error), so a client sees the delay as the exchange's processing time.
 *   SimVenue's own pending queue is not used: the answer needs the outcome of the whole action at its arrival,
 *   so the whole action is deferred here and the venue matches it with zero delay when it is executed.
 *   With 0 ms (the default) an action is executed when the request is handled, as before. The network delay is
 *   real on top (the client's round trip over loopback); the response latency of the model is not applied
 *   (answers and pushes cross the real socket).
 * - Users' orders do not interact with each other: each is matched against the recorded market only, as if it
 *   were alone (the recorded market never saw any of them).
 *
 * Validation, in Hyperliquid's order and words (docs, "Error responses"): size on the lot grid, price on the
 * tick grid, value ≥ $10, reduce-only, margin, then post-only crossing / IOC without a match at the matching
 * engine. Texts of errors the real exchange words differently are marked FAKE-ONLY where they are built.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Logger } from '../core/log.ts';
import type { MarketEvent } from '../core/market.ts';
import type { Cloid, L1Action, OrderWire } from '../exchange/hyperliquid/actions.ts';
import { ORDER_REJECTS, type OrderStatusName } from '../exchange/hyperliquid/order-status.ts';
import { isValidPrice, isValidSize, meetsMinOrderValue } from '../exchange/hyperliquid/rules.ts';
import type { PerpAssetMeta } from '../exchange/hyperliquid/universe.ts';
import { channelFrame, type WsTrade, wireDecimal } from '../exchange/hyperliquid/ws-messages.ts';
import {
  ConstantLatency,
  type LatencyModel,
  type QueueModel,
  RateFeeModel,
  RiskAverseQueue,
  SimVenue,
  type VenueReport,
} from '../sim/index.ts';
import { marginSummary, PerpAccount } from './accounts.ts';
import type { CoinMarket } from './coin-market.ts';
import type { BuilderField } from './extra-actions.ts';
import { publishBook } from './replay.ts';
import type { ReplayClock } from './replay-clock.ts';
import type { SubscriptionRegistry } from './subscriptions.ts';
import { type FakeOrderRecord, type FillWire, wireUsdc, wsOrderWire } from './user-wire.ts';

/** The body of an /exchange answer: {"status":"ok","response":{…}} or {"status":"err","response":"…"}. */
export type ExchangeAnswer =
  | {
      status: 'ok';
      response: { type: 'order' | 'cancel'; data: { statuses: unknown[] } } | { type: 'default' };
    }
  | { status: 'err'; response: string };

export interface AccountConfig {
  address: string;
  /** Starting USDC; default OrderEntryOptions.startUsdc. */
  usdc?: number;
}

export interface OrderEntryOptions {
  clock: ReplayClock;
  markets: Map<string, CoinMarket>;
  registry: SubscriptionRegistry;
  /** The perp universe `meta` reports: asset index = position. */
  universe: readonly PerpAssetMeta[];
  accounts?: readonly AccountConfig[];
  /** Starting USDC of each account (default 10,000). */
  startUsdc?: number;
  makerFeeRate?: number;
  takerFeeRate?: number;
  /** Queue model of the shared fill model (default risk-averse: only trades advance us). */
  queue?: QueueModel;
  /** Entry and cancel delays of order actions (the shared latency model; default 0 ms: executed on arrival). */
  latency?: LatencyModel;
  /** First oid handed out (default 1,000,000,000). */
  firstOid?: number;
  /** Traded volume (USDC) an account needs before scheduleCancel may be armed (default 0; see docs). */
  scheduleCancelMinVolumeUsdc?: number;
  wallNowMs?: () => number;
  /** Sees each public trade our takers make (the public trades feed already has it): candles are built here. */
  onPublicTrade?: (coin: string, px: number, sz: number, timeMs: number) => void;
  logger?: Logger;
}

/** Hyperliquid's limits on the dead man's switch: ≥ 5 s ahead, at most 10 triggers per UTC day. */
export const SCHEDULE_CANCEL_MIN_LEAD_MS = 5_000;
export const SCHEDULE_CANCEL_MAX_TRIGGERS_PER_DAY = 10;
/** /info userFills returns at most this many fills (Hyperliquid: 2000). */
const MAX_FILLS_KEPT = 2_000;
/** Closed orders remembered for orderStatus. */
const MAX_CLOSED_ORDERS = 20_000;
/** Fill tids start here: above real Hyperliquid tids (~1e15), below the replay's fresh tids (2^52). */
const FIRST_TID = 2 ** 51;
const ZERO_ADDRESS = `0x${'0'.repeat(40)}`;

/** An order action on its way to the matching engine (entry latency). */
interface DeferredAction {
  /** Exchange time at which it takes effect, ms. */
  dueMs: number;
  seq: number;
  account: PerpAccount;
  action: L1Action;
  builder: BuilderField | null;
  resolve: (answer: ExchangeAnswer) => void;
}

/** Actions that go to the matching engine and so carry its entry latency. */
function isMatchingAction(action: L1Action): boolean {
  const t = action.type;
  return t === 'order' || t === 'cancel' || t === 'cancelByCloid' || t === 'modify' || t === 'batchModify';
}

interface CoinBook {
  coin: string;
  asset: number;
  meta: PerpAssetMeta;
  venue: SimVenue;
  /** CoinMarket.bookVersion of the synthetic book last fed to the venue (−1 = none). */
  depthVersion: number;
}

/** Per-user messages gathered while handling one request or market event, sent together at the end. */
class Outbox {
  readonly orders = new Map<string, Record<string, unknown>[]>();
  readonly fills = new Map<string, FillWire[]>();
  readonly nonUserCancels = new Map<string, { coin: string; oid: number }[]>();
  /** Public trades our takers made, per coin (pushed on `trades`, with the book they consumed). */
  readonly publicTrades = new Map<string, WsTrade[]>();

  order(o: FakeOrderRecord): void {
    push(this.orders, o.user, wsOrderWire(o));
  }
  fill(user: string, f: FillWire): void {
    push(this.fills, user, f);
  }
  nonUserCancel(o: FakeOrderRecord): void {
    push(this.nonUserCancels, o.user, { coin: o.coin, oid: o.oid });
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** A refused order: the /exchange error text and the status orderUpdates / orderStatus then show. */
interface Refusal {
  text: string;
  status: OrderStatusName;
}

/** An order priced further than this fraction from the reference price is refused (docs: "80% away"). */
const ORACLE_MAX_DISTANCE = 0.8;

function refusal(kind: keyof typeof ORDER_REJECTS, asset: number): Refusal {
  const r = ORDER_REJECTS[kind];
  return { text: `${r.text} asset=${asset}`, status: r.status };
}

type PlaceOutcome =
  | { resting: { oid: number; cloid?: string } }
  | { filled: { totalSz: string; avgPx: string; oid: number; cloid?: string } }
  | { error: string };

/** Actions kept in OrderEntry.actionLog (a long replay sends millions; tests need the first few). */
const ACTION_LOG_MAX = 10_000;

export class OrderEntry {
  readonly accounts = new Map<string, PerpAccount>();
  readonly orders = new Map<number, FakeOrderRecord>();
  private readonly closedOrders: number[] = [];
  private readonly cloids = new Map<string, number>(); // `${user}:${cloid}` → oid
  private readonly fillsByUser = new Map<string, FillWire[]>();
  private readonly books = new Map<string, CoinBook>();
  private readonly deadlines = new Map<string, { wallMs: number }>();
  private readonly triggers = new Map<string, { day: number; count: number }>();
  private nextOid: number;
  private nextTid = FIRST_TID;
  private readonly startUsdc: number;
  private readonly wallNowMs: () => number;
  private timer: NodeJS.Timeout | null = null;
  readonly counters = { actions: 0, ordersPlaced: 0, fills: 0, scheduledCancels: 0, batchModifies: 0 };
  /**
   * The order of what each account did, for tests that check a sequence (leverage set before the first order):
   * the action type and, for updateLeverage, what was set. The first ACTION_LOG_MAX actions only.
   */
  readonly actionLog: { user: string; type: string; coin?: string; leverage?: number; isCross?: boolean }[] =
    [];
  private readonly latency: LatencyModel;
  /** Order actions not yet at the matching engine, by (due time, arrival order). */
  private readonly deferred: DeferredAction[] = [];
  private deferredSeq = 0;
  private deferredTimer: NodeJS.Timeout | null = null;
  private deferredTimerDueMs = Number.POSITIVE_INFINITY;
  /** Exchange time of the deferred action being executed (its arrival), NaN otherwise. */
  private processingMs = Number.NaN;
  /** Fee rates charged on fills (fractions of notional): maker and taker. */
  readonly feeRates: { maker: number; taker: number };

  constructor(private readonly opts: OrderEntryOptions) {
    this.startUsdc = opts.startUsdc ?? 10_000;
    this.nextOid = opts.firstOid ?? 1_000_000_000;
    this.wallNowMs = opts.wallNowMs ?? Date.now;
    this.latency = opts.latency ?? new ConstantLatency(0);
    const fees = new RateFeeModel(opts.makerFeeRate, opts.takerFeeRate);
    this.feeRates = { maker: fees.makerRate, taker: fees.takerRate };
    for (const [coin] of opts.markets) {
      const asset = opts.universe.findIndex((a) => a.name === coin);
      if (asset < 0) continue;
      const venue = new SimVenue({
        queue: opts.queue ?? new RiskAverseQueue(),
        latency: new ConstantLatency(0),
        fees,
      });
      this.books.set(coin, { coin, asset, meta: opts.universe[asset], venue, depthVersion: -1 });
    }
    for (const a of opts.accounts ?? []) this.addAccount(a.address, a.usdc);
  }

  /** Registers (or returns) an account; its address is what /info and the user channels are keyed by. */
  addAccount(address: string, usdc = this.startUsdc): PerpAccount {
    const key = address.toLowerCase();
    let account = this.accounts.get(key);
    if (account === undefined) this.accounts.set(key, (account = new PerpAccount(key, usdc)));
    return account;
  }

  /** Exchange time now, ms (the wall clock before the replay starts). */
  nowMs(): number {
    if (!Number.isNaN(this.processingMs)) return this.processingMs;
    const t = this.opts.clock.nowMs();
    return Math.round(Number.isNaN(t) ? this.wallNowMs() : t);
  }

  /** Mark price of a coin: the replay's mid (NaN before the first quote). */
  markPx(coin: string): number {
    return this.opts.markets.get(coin)?.mid() ?? Number.NaN;
  }

  maxLeverageOf(coin: string): number {
    return this.books.get(coin)?.meta.maxLeverage ?? 50;
  }

  /** Starts the dead man's switch watcher (wall clock). */
  start(): void {
    this.timer ??= setInterval(() => this.fireDueScheduledCancels(), 50);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.deferredTimer) clearTimeout(this.deferredTimer);
    this.deferredTimer = null;
    // Nobody waits for an answer forever: what is still on its way is executed at its time.
    this.applyDeferred(Number.POSITIVE_INFINITY, true);
  }

  /** Order actions sent but not yet at the matching engine (entry latency). */
  get deferredCount(): number {
    return this.deferred.length;
  }

  /**
   * Executes the deferred actions due by the replay clock's now (inclusive: the clock has reached them). The
   * timer calls it; so may a test driving the clock. When the replay still owes an event older than an action's
   * due time (its timer raced the replay), that action waits for the replay, which executes it before the next
   * later event.
   */
  applyDueActions(): void {
    const now = this.opts.clock.nowMs();
    if (Number.isNaN(now)) this.applyDeferred(Number.POSITIVE_INFINITY, true);
    else {
      const owed = this.opts.clock.nextEventMs; // NaN when the replay waits for no event
      if (owed < now) this.applyDeferred(owed, false);
      else this.applyDeferred(now, true);
    }
    this.armDeferredTimer();
  }

  /**
   * The replay has ended. In firehose mode (no timer: only events move its time) every action on its way is then
   * executed at its due time; at a real-time speed the timers keep running on the replay clock.
   */
  onReplayEnd(): void {
    if (this.opts.clock.firehose) this.applyDeferred(Number.POSITIVE_INFINITY, true);
    else this.applyDueActions();
  }

  /** Executes deferred actions due before `t` (`inclusive`: at or before), each at its due time. */
  private applyDeferred(t: number, inclusive: boolean): void {
    const q = this.deferred;
    while (q.length > 0 && (inclusive ? q[0].dueMs <= t : q[0].dueMs < t)) {
      const d = q.shift()!;
      for (const book of this.books.values()) book.venue.advanceTo(d.dueMs);
      this.processingMs = Math.round(d.dueMs);
      let answer: ExchangeAnswer;
      try {
        answer = this.executeNow(d.account, d.action, d.builder);
      } finally {
        this.processingMs = Number.NaN;
      }
      d.resolve(answer);
    }
  }

  /** Wakes at the next due time on the replay clock (not in firehose: there the replay's events move time). */
  private armDeferredTimer(): void {
    if (this.deferred.length === 0 || this.opts.clock.firehose) return;
    const due = this.deferred[0].dueMs;
    if (this.deferredTimer !== null) {
      if (this.deferredTimerDueMs <= due) return;
      clearTimeout(this.deferredTimer); // an earlier action came in (a faster cancel)
    }
    const wait = Math.max(1, Math.ceil(this.opts.clock.wallMsUntil(due)));
    this.deferredTimerDueMs = due;
    this.deferredTimer = setTimeout(() => {
      this.deferredTimer = null;
      this.applyDueActions();
    }, wait);
    this.deferredTimer.unref?.();
  }

  // ------------------------------------------------------------------ market events (from the replay)

  /** Feeds one replayed event to the coin's fill model and books what it filled. */
  onMarketEvent(coin: string, event: MarketEvent): void {
    // Actions that reached the matching engine strictly before this event are executed first (SimVenue's rule).
    if (this.deferred.length > 0 && this.deferred[0].dueMs < event.exchMs) {
      this.applyDeferred(event.exchMs, false);
      this.armDeferredTimer();
    }
    const book = this.books.get(coin);
    if (book === undefined) return;
    book.venue.onEvent(event);
    // Without an orderbooks file the depth the fill model walks is the synthetic book around the BBO; it is
    // fed when an order needs it, or at once when our takers took from the book it refreshes.
    if (event.kind === 'bbo' && book.venue.hasTaken) this.feedDepth(book, event.exchMs);
    if (book.venue.reports.length === 0) return;
    const out = new Outbox();
    this.drainReports(book, out, event.exchMs);
    this.flush(out);
  }

  /**
   * Gives the fill model the synthetic book of a coin replayed without an orderbooks file when the recorded
   * BBO changed since it last got one (with a file, the replay's snapshots reach it as events).
   */
  private feedDepth(book: CoinBook, exchMs: number): void {
    const market = this.opts.markets.get(book.coin);
    if (market === undefined || market.hasBookFile || !market.hasBook) return;
    if (book.depthVersion === market.bookVersion) return;
    book.depthVersion = market.bookVersion;
    const { bids, asks } = market.recordedBook();
    book.venue.onEvent({ kind: 'book', exchMs, recvS: exchMs / 1000, seq: market.bookVersion, bids, asks });
  }

  // ------------------------------------------------------------------ actions

  /**
   * Executes an authenticated action for `account` and returns Hyperliquid's answer: at once, or — for an order,
   * modify or cancel with an entry latency — a promise of the answer when it has taken effect.
   */
  execute(
    account: PerpAccount,
    action: L1Action,
    builder: BuilderField | null = null,
  ): ExchangeAnswer | Promise<ExchangeAnswer> {
    this.counters.actions++;
    if (this.actionLog.length < ACTION_LOG_MAX) {
      const entry: (typeof this.actionLog)[number] = { user: account.address, type: action.type };
      if (action.type === 'updateLeverage') {
        entry.coin = this.bookOfAsset(action.asset)?.coin;
        entry.leverage = action.leverage;
        entry.isCross = action.isCross;
      }
      this.actionLog.push(entry);
    }
    if (!isMatchingAction(action)) return this.executeNow(account, action, builder);
    const t = this.nowMs();
    const isCancel = action.type === 'cancel' || action.type === 'cancelByCloid';
    const dueMs = isCancel ? this.latency.cancelArrivalMs(t) : this.latency.orderArrivalMs(t);
    // No delay, and nothing due earlier still on its way: executed now (0 ms, the default, is the old behaviour).
    if (dueMs <= t && (this.deferred.length === 0 || this.deferred[0].dueMs > dueMs))
      return this.executeNow(account, action, builder);
    return new Promise<ExchangeAnswer>((resolve) => {
      const d: DeferredAction = { dueMs, seq: this.deferredSeq++, account, action, builder, resolve };
      const q = this.deferred;
      let i = q.length;
      while (i > 0 && q[i - 1].dueMs > dueMs) i--;
      q.splice(i, 0, d);
      this.armDeferredTimer();
    });
  }

  private executeNow(account: PerpAccount, action: L1Action, builder: BuilderField | null): ExchangeAnswer {
    const out = new Outbox();
    try {
      switch (action.type) {
        case 'order':
          return orderAnswer(action.orders.map((o) => this.placeOne(account, o, out, undefined, builder)));
        case 'cancel':
          return cancelAnswer(action.cancels.map((c) => this.cancelOne(account, c.a, c.o, out)));
        case 'cancelByCloid':
          return cancelAnswer(
            action.cancels.map((c) =>
              this.cancelOne(account, c.asset, this.oidOfCloid(account.address, c.cloid) ?? -1, out),
            ),
          );
        case 'modify': {
          const status = this.modifyOne(account, action.oid, action.order, out);
          return 'error' in status ? orderAnswer([status]) : { status: 'ok', response: { type: 'default' } };
        }
        case 'batchModify':
          this.counters.batchModifies++;
          return orderAnswer(action.modifies.map((m) => this.modifyOne(account, m.oid, m.order, out)));
        case 'scheduleCancel':
          return this.scheduleCancel(account, action.time);
        case 'updateLeverage':
          return this.updateLeverage(account, action.asset, action.isCross, action.leverage);
      }
    } finally {
      this.flush(out);
    }
  }

  private bookOfAsset(asset: number): CoinBook | undefined {
    const meta = this.opts.universe[asset];
    return meta === undefined ? undefined : this.books.get(meta.name);
  }

  /**
   * Static checks of an order against the market's rules: Hyperliquid's error text and the status the order
   * then carries, or null.
   */
  private ruleError(book: CoinBook, wire: OrderWire): Refusal | null {
    const px = Number(wire.p);
    const sz = Number(wire.s);
    const a = book.asset;
    // No documented error type for a size off the lot grid: the generic "rejected".
    if (!isValidSize(sz, book.meta.szDecimals))
      return { text: 'Order has invalid size.', status: 'rejected' };
    if (!(px > 0)) return { text: 'Order has invalid price.', status: 'rejected' };
    if (!isValidPrice(px, book.meta.szDecimals)) return refusal('tick', a);
    if (!meetsMinOrderValue(px, sz)) return refusal('minTradeNtl', a);
    // Reference price = the replay mid (Hyperliquid: its oracle/mark price).
    const ref = this.markPx(book.coin);
    if (ref > 0 && Math.abs(px - ref) / ref > ORACLE_MAX_DISTANCE) return refusal('oracle', a);
    return null;
  }

  /** Account checks: reduce-only direction and initial margin; Hyperliquid's refusal or null. */
  private accountError(
    account: PerpAccount,
    book: CoinBook,
    wire: OrderWire,
    replacingOid?: number,
  ): Refusal | null {
    const px = Number(wire.p);
    const sz = Number(wire.s);
    const szi = account.szi(book.coin);
    if (wire.r && (szi === 0 || szi > 0 === wire.b)) return refusal('reduceOnly', book.asset);
    if (wire.r) return null;
    const required =
      this.marginRequired(account, replacingOid) +
      (px * sz) / account.leverageOf(book.coin, book.meta.maxLeverage).value;
    if (required > this.accountValue(account)) return refusal('perpMargin', book.asset);
    return null;
  }

  /** Initial margin of positions and open (non-reduce-only) orders at their leverage, USDC. */
  private marginRequired(account: PerpAccount, exceptOid?: number): number {
    let required = marginSummary(
      account,
      (c) => this.markOr(c),
      (c) => this.maxLeverageOf(c),
    ).totalMarginUsed;
    for (const o of this.orders.values()) {
      if (o.user !== account.address || o.status !== 'open' || o.reduceOnly || o.oid === exceptOid) continue;
      required += (o.limitPx * o.sz) / account.leverageOf(o.coin, this.maxLeverageOf(o.coin)).value;
    }
    return required;
  }

  private accountValue(account: PerpAccount): number {
    return marginSummary(
      account,
      (c) => this.markOr(c),
      (c) => this.maxLeverageOf(c),
    ).accountValue;
  }

  /** Mark price, or the entry price while the market has no quote yet. */
  private markOr(coin: string): number {
    const mark = this.markPx(coin);
    if (!Number.isNaN(mark)) return mark;
    return 0;
  }

  private placeOne(
    account: PerpAccount,
    wire: OrderWire,
    out: Outbox,
    replacing?: FakeOrderRecord,
    builder: BuilderField | null = null,
  ): PlaceOutcome {
    const book = this.bookOfAsset(wire.a);
    // FAKE-ONLY text: the real exchange knows every listed asset; this one trades only the replayed coins.
    if (book === undefined)
      return { error: `Asset ${wire.a} is not traded on this fake exchange. asset=${wire.a}` };
    const refused = this.ruleError(book, wire) ?? this.accountError(account, book, wire, replacing?.oid);
    // A refused modify leaves the old order as it was; a refused new order is booked closed with its status.
    if (refused !== null && replacing !== undefined) return { error: refused.text };
    const cloid = wire.c?.toLowerCase();
    if (refused === null && cloid !== undefined && replacing?.cloid !== cloid) {
      const existing = this.oidOfCloid(account.address, cloid as Cloid);
      // FAKE-ONLY text: Hyperliquid refuses a cloid that is already in use by an open order.
      if (existing !== undefined && this.orders.get(existing)?.status === 'open') {
        return { error: `Duplicate cloid ${cloid}. asset=${book.asset}` };
      }
    }
    const now = this.nowMs();
    const record: FakeOrderRecord = {
      oid: this.nextOid++,
      user: account.address,
      coin: book.coin,
      asset: book.asset,
      isBuy: wire.b,
      limitPx: Number(wire.p),
      origSz: Number(wire.s),
      sz: Number(wire.s),
      tif: wire.t.limit.tif,
      reduceOnly: wire.r,
      cloid,
      timestamp: now,
      status: 'open',
      statusTimestamp: now,
    };
    // Builder fee: f tenths of a basis point of each fill's notional, on top of the exchange's fee.
    if (builder !== null && builder.f > 0) record.builderFeeRate = builder.f / 100_000;
    this.orders.set(record.oid, record);
    if (cloid !== undefined) this.cloids.set(`${account.address}:${cloid}`, record.oid);
    if (refused !== null) {
      this.close(record, refused.status, now);
      out.order(record);
      return { error: refused.text };
    }
    this.counters.ordersPlaced++;
    const venue = book.venue;
    if (record.tif !== 'Alo') this.preventSelfTrade(record, out, now);
    const tif = record.tif === 'Alo' ? 'alo' : record.tif === 'Gtc' ? 'gtc' : 'ioc';
    const side = record.isBuy ? 'buy' : 'sell';
    this.feedDepth(book, venue.nowMs);
    if (replacing) {
      venue.submit(
        {
          type: 'modify',
          cid: replacing.oid,
          newCid: record.oid,
          side,
          px: record.limitPx,
          sz: record.origSz,
          tif,
        },
        venue.nowMs,
      );
    } else {
      venue.submit(
        { type: 'place', cid: record.oid, side, px: record.limitPx, sz: record.origSz, tif },
        venue.nowMs,
      );
    }
    // What happened to this order (the reports may also close `replacing`).
    let outcome: PlaceOutcome = { resting: withCloid({ oid: record.oid }, cloid) };
    let status: OrderStatusName = 'rejected';
    // A crossing order may fill at several levels: the answer carries the total and the size-weighted price.
    let filledSz = 0;
    let filledNotional = 0;
    for (const r of venue.reports) {
      if (r.cid !== record.oid) continue;
      if (r.type === 'fill') {
        filledSz += r.sz;
        filledNotional += r.px * r.sz;
      }
      if (r.type === 'reject' && r.reason === 'post-only-would-cross') {
        const bbo = venue.bbo!;
        status = ORDER_REJECTS.badAloPx.status;
        outcome = {
          error: `${ORDER_REJECTS.badAloPx.text}, bbo was ${wireDecimal(bbo.bidPx)}@${wireDecimal(bbo.askPx)}. asset=${book.asset}`,
        };
      } else if (r.type === 'reject') {
        outcome = { error: `Order has invalid size.` };
      } else if (r.type === 'cancelled' && r.reason === 'ioc' && filledSz === 0) {
        status = ORDER_REJECTS.iocCancel.status;
        outcome = { error: `${ORDER_REJECTS.iocCancel.text} asset=${book.asset}` };
      } else if ((r.type === 'fill' && r.leavesSz === 0) || (r.type === 'cancelled' && r.reason === 'ioc')) {
        // Filled in full, or an ioc that filled in part: Hyperliquid answers `filled` with what did fill.
        outcome = {
          filled: withCloid(
            {
              totalSz: wireDecimal(Math.round(filledSz * 1e9) / 1e9),
              avgPx: wireDecimal(vwapPx(filledNotional, filledSz, book.meta.szDecimals)),
              oid: record.oid,
            },
            cloid,
          ),
        };
      }
    }
    if ('error' in outcome) {
      this.close(record, status, now);
      out.order(record);
    } else if ('resting' in outcome) {
      out.order(record);
    }
    this.drainReports(book, out, now, record.oid);
    // The unfilled rest of an ioc that filled in part is cancelled by the exchange (status ours: see docs).
    if (record.tif === 'Ioc' && record.status === 'open') {
      this.close(record, 'canceled', now);
      out.order(record);
    }
    return outcome;
  }

  /**
   * Books the venue's reports: fills (accounts, user fills), cancels; clears them. `skipRejectOf` is an order
   * whose reject the caller already handled.
   */
  private drainReports(book: CoinBook, out: Outbox, timeMs: number, skipRejectOf?: number): void {
    const reports = book.venue.reports;
    for (const r of reports) this.bookReport(book, r, out, timeMs, skipRejectOf);
    book.venue.clearReports();
  }

  private bookReport(
    book: CoinBook,
    r: VenueReport,
    out: Outbox,
    timeMs: number,
    skipRejectOf?: number,
  ): void {
    const record = this.orders.get(r.cid);
    if (record === undefined) return;
    const t = Math.round(timeMs);
    if (r.type === 'fill') {
      const account = this.accounts.get(record.user);
      if (account === undefined) return;
      const builderFee = Math.round(r.px * r.sz * (record.builderFeeRate ?? 0) * 1e6) / 1e6;
      const fee = r.feeQuote + builderFee;
      const change = account.fill(book.coin, record.isBuy, r.px, r.sz, fee, book.meta.maxLeverage);
      const tid = this.nextTid++;
      const fill: FillWire = {
        coin: book.coin,
        px: wireDecimal(r.px),
        sz: wireDecimal(r.sz),
        side: record.isBuy ? 'B' : 'A',
        time: t,
        startPosition: wireDecimal(change.startSzi),
        dir: change.dir,
        closedPnl: wireUsdc(change.closedPnl),
        hash: fillHash(tid),
        oid: record.oid,
        crossed: r.liquidity === 'taker',
        // The exchange's fee alone: the builder's part is `builderFee` (clients such as ccxt add the two).
        fee: wireUsdc(r.feeQuote),
        tid,
        feeToken: 'USDC',
        twapId: null,
      };
      if (record.builderFeeRate !== undefined) fill.builderFee = wireUsdc(builderFee);
      if (record.cloid !== undefined) fill.cloid = record.cloid;
      let fills = this.fillsByUser.get(record.user);
      if (fills === undefined) this.fillsByUser.set(record.user, (fills = []));
      fills.push(fill);
      if (fills.length > MAX_FILLS_KEPT) fills.splice(0, fills.length - MAX_FILLS_KEPT);
      out.fill(record.user, fill);
      this.counters.fills++;
      if (r.liquidity === 'taker') this.publicTrade(book, record, r.px, r.sz, t, tid, fill.hash, out);
      record.sz = r.leavesSz;
      if (r.leavesSz === 0) this.close(record, 'filled', t);
      else record.statusTimestamp = t;
      out.order(record);
      this.enforceAfterFill(account, out, t);
    } else if (r.type === 'cancelled' && r.reason !== 'ioc') {
      if (record.status === 'open') {
        this.close(record, 'canceled', t);
        out.order(record);
      }
    } else if (r.type === 'reject' && r.cid !== skipRejectOf && record.status === 'open') {
      this.close(record, 'rejected', t);
      out.order(record);
    }
  }

  /**
   * A fill of our taker is a trade of the market: it takes the displayed liquidity it met (until the recorded
   * book refreshes) and prints on the public trades feed as Hyperliquid prints it — aggressor side, the fill's
   * tid and hash, users [buyer, seller] with the zero address for the recorded maker we cannot name. Our maker
   * fills are not printed: the recorded print that filled them is already on the feed.
   */
  private publicTrade(
    book: CoinBook,
    record: FakeOrderRecord,
    px: number,
    sz: number,
    t: number,
    tid: number,
    hash: string,
    out: Outbox,
  ): void {
    const market = this.opts.markets.get(book.coin);
    if (market === undefined) return;
    market.consume(record.isBuy, px, sz, t);
    const trade: WsTrade = {
      coin: book.coin,
      side: record.isBuy ? 'B' : 'A',
      px: wireDecimal(px),
      sz: wireDecimal(sz),
      hash,
      time: t,
      tid,
      users: record.isBuy ? [record.user, ZERO_ADDRESS] : [ZERO_ADDRESS, record.user],
    };
    market.recordTrade(trade);
    push(out.publicTrades, book.coin, trade);
    this.opts.onPublicTrade?.(book.coin, px, sz, t);
  }

  private close(record: FakeOrderRecord, status: OrderStatusName, t: number): void {
    record.status = status;
    record.statusTimestamp = t;
    this.closedOrders.push(record.oid);
    if (this.closedOrders.length > MAX_CLOSED_ORDERS) {
      const old = this.orders.get(this.closedOrders.shift()!);
      if (old !== undefined) {
        this.orders.delete(old.oid);
        if (old.cloid !== undefined && this.cloids.get(`${old.user}:${old.cloid}`) === old.oid) {
          this.cloids.delete(`${old.user}:${old.cloid}`);
        }
      }
    }
  }

  /**
   * Self-trade prevention: the account's own resting orders on the other side that this order would trade
   * against are cancelled (selfTradeCanceled) before it matches — Hyperliquid cancels the resting order rather
   * than fill a user against themself. In the fake our orders are not in the displayed book, so "would trade
   * against" is read from the limit price alone.
   */
  private preventSelfTrade(incoming: FakeOrderRecord, out: Outbox, t: number): void {
    for (const o of this.openOrdersOf(incoming.user)) {
      if (o.coin !== incoming.coin || o.isBuy === incoming.isBuy) continue;
      const crosses = incoming.isBuy ? incoming.limitPx >= o.limitPx : incoming.limitPx <= o.limitPx;
      if (crosses) this.exchangeCancel(o, 'selfTradeCanceled', out, t);
    }
  }

  /**
   * After a fill moved the position: reduce-only orders that would now increase it are cancelled
   * (reduceOnlyCanceled), then, newest first, orders the account can no longer margin (marginCanceled).
   */
  private enforceAfterFill(account: PerpAccount, out: Outbox, t: number): void {
    const open = this.openOrdersOf(account.address);
    for (const o of open) {
      if (!o.reduceOnly) continue;
      const szi = account.szi(o.coin);
      if (szi === 0 || szi > 0 === o.isBuy) this.exchangeCancel(o, 'reduceOnlyCanceled', out, t);
    }
    let excess = this.marginRequired(account) - this.accountValue(account);
    for (const o of open) {
      if (excess <= 0) break;
      if (o.reduceOnly || o.status !== 'open') continue;
      excess -= (o.limitPx * o.sz) / account.leverageOf(o.coin, this.maxLeverageOf(o.coin)).value;
      this.exchangeCancel(o, 'marginCanceled', out, t);
    }
  }

  /** The exchange removes a resting order on its own, with the status saying why. */
  private exchangeCancel(o: FakeOrderRecord, status: OrderStatusName, out: Outbox, t: number): void {
    // Closed first, so the venue's cancel report is not booked again as the user's own cancel.
    this.close(o, status, t);
    out.order(o);
    const book = this.books.get(o.coin);
    book?.venue.submit({ type: 'cancel', cid: o.oid }, book.venue.nowMs);
  }

  oidOfCloid(user: string, cloid: string): number | undefined {
    return this.cloids.get(`${user.toLowerCase()}:${cloid.toLowerCase()}`);
  }

  /** The open order `oid` of `account` on `asset`, or undefined. */
  private openOrder(account: PerpAccount, asset: number, oid: number): FakeOrderRecord | undefined {
    const o = this.orders.get(oid);
    return o !== undefined && o.user === account.address && o.asset === asset && o.status === 'open'
      ? o
      : undefined;
  }

  private cancelOne(
    account: PerpAccount,
    asset: number,
    oid: number,
    out: Outbox,
  ): 'success' | { error: string } {
    const record = this.openOrder(account, asset, oid);
    const book = this.bookOfAsset(asset);
    if (record === undefined || book === undefined) {
      return { error: `Order was never placed, already canceled, or filled. asset=${asset}` };
    }
    book.venue.submit({ type: 'cancel', cid: oid }, book.venue.nowMs);
    this.drainReports(book, out, this.nowMs());
    return 'success';
  }

  private modifyOne(
    account: PerpAccount,
    target: number | string,
    wire: OrderWire,
    out: Outbox,
  ): PlaceOutcome {
    const oid = typeof target === 'number' ? target : this.oidOfCloid(account.address, target);
    const record = oid === undefined ? undefined : this.openOrder(account, wire.a, oid);
    if (record === undefined) return { error: 'Cannot modify canceled or filled order' };
    // The old order stays untouched when the new one breaks a static rule; past those checks the replacement
    // goes to the matching engine as one cancel-and-place (a post-only cross then loses both, as in SimVenue).
    return this.placeOne(account, wire, out, record);
  }

  // ------------------------------------------------------------------ dead man's switch

  /**
   * scheduleCancel. `time` is wall-clock ms, as on Hyperliquid (whose clock is wall time): it must be at least
   * 5 s ahead of now, and the switch fires when the wall clock reaches it, whatever the replay speed — it guards
   * against a process dying, which happens in real time. At most 10 triggers per UTC day (wall clock).
   */
  private scheduleCancel(account: PerpAccount, time: number | undefined): ExchangeAnswer {
    if (time === undefined) {
      this.deadlines.delete(account.address);
      return { status: 'ok', response: { type: 'default' } };
    }
    if (account.cumVolume < (this.opts.scheduleCancelMinVolumeUsdc ?? 0)) {
      // Hyperliquid's text, amounts included (as ccxt's hyperliquid client quotes a real answer).
      const required = this.opts.scheduleCancelMinVolumeUsdc ?? 0;
      return {
        status: 'err',
        response: `Cannot set scheduled cancel time until enough volume traded. Required: $${required}. Traded: $${Math.round(account.cumVolume * 1e5) / 1e5}.`,
      };
    }
    const wall = this.wallNowMs();
    if (time - wall < SCHEDULE_CANCEL_MIN_LEAD_MS) {
      return {
        status: 'err',
        response: 'Scheduled cancel time too early, must be at least 5 seconds from now.',
      };
    }
    const fired = this.triggers.get(account.address);
    if (
      fired !== undefined &&
      fired.day === utcDay(wall) &&
      fired.count >= SCHEDULE_CANCEL_MAX_TRIGGERS_PER_DAY
    ) {
      // FAKE-ONLY wording (the limit is Hyperliquid's; its text for it was not found in the docs).
      return { status: 'err', response: 'Too many scheduled cancel triggers today' };
    }
    this.deadlines.set(account.address, { wallMs: time });
    return { status: 'ok', response: { type: 'default' } };
  }

  /** Wall ms at which `user`'s dead man's switch fires, or undefined when none is armed. */
  scheduledCancelAt(user: string): number | undefined {
    return this.deadlines.get(user.toLowerCase())?.wallMs;
  }

  /** Cancels every open order of each user whose switch is due (status "scheduledCancel"). */
  fireDueScheduledCancels(): void {
    const wall = this.wallNowMs();
    for (const [user, deadline] of this.deadlines) {
      if (deadline.wallMs > wall) continue;
      this.deadlines.delete(user);
      const out = new Outbox();
      const now = this.nowMs();
      for (const o of [...this.orders.values()]) {
        if (o.user !== user || o.status !== 'open') continue;
        const book = this.books.get(o.coin)!;
        book.venue.submit({ type: 'cancel', cid: o.oid }, book.venue.nowMs);
        book.venue.clearReports();
        this.close(o, 'scheduledCancel', now);
        out.order(o);
        out.nonUserCancel(o);
      }
      const day = utcDay(wall);
      const fired = this.triggers.get(user);
      this.triggers.set(user, { day, count: fired?.day === day ? fired.count + 1 : 1 });
      this.counters.scheduledCancels++;
      this.opts.logger?.info('scheduled cancel fired', {
        user,
        cancelled: out.orders.get(user)?.length ?? 0,
      });
      this.flush(out);
    }
  }

  private updateLeverage(
    account: PerpAccount,
    asset: number,
    isCross: boolean,
    leverage: number,
  ): ExchangeAnswer {
    const book = this.bookOfAsset(asset);
    // FAKE-ONLY texts (the real exchange's wording for these was not found in its docs).
    if (book === undefined)
      return { status: 'err', response: `Asset ${asset} is not traded on this fake exchange.` };
    if (leverage > book.meta.maxLeverage) return { status: 'err', response: 'Invalid leverage value' };
    const value = { type: isCross ? ('cross' as const) : ('isolated' as const), value: leverage };
    account.leverage.set(book.coin, value);
    const position = account.positions.get(book.coin);
    if (position !== undefined) position.leverage = value;
    return { status: 'ok', response: { type: 'default' } };
  }

  // ------------------------------------------------------------------ queries

  openOrdersOf(user: string): FakeOrderRecord[] {
    const key = user.toLowerCase();
    const list: FakeOrderRecord[] = [];
    for (const o of this.orders.values()) if (o.user === key && o.status === 'open') list.push(o);
    // Newest first, as /info answers.
    return list.sort((a, b) => b.timestamp - a.timestamp || b.oid - a.oid);
  }

  /** Every remembered order of `user` (open and closed), newest first by status time. */
  ordersOf(user: string): FakeOrderRecord[] {
    const key = user.toLowerCase();
    const list: FakeOrderRecord[] = [];
    for (const o of this.orders.values()) if (o.user === key) list.push(o);
    return list.sort((a, b) => b.statusTimestamp - a.statusTimestamp || b.oid - a.oid);
  }

  fillsOf(user: string): readonly FillWire[] {
    return this.fillsByUser.get(user.toLowerCase()) ?? [];
  }

  // ------------------------------------------------------------------ pushes

  private flush(out: Outbox): void {
    const { registry } = this.opts;
    for (const [coin, trades] of out.publicTrades) {
      const market = this.opts.markets.get(coin)!;
      registry.publish(`trades:${coin}`, channelFrame('trades', trades));
      const bbo = market.bboFrame();
      if (bbo !== null) registry.publish(`bbo:${coin}`, bbo);
      publishBook(registry, coin, market);
    }
    for (const [user, orders] of out.orders) {
      registry.publish(`orderUpdates:${user}`, channelFrame('orderUpdates', orders));
    }
    for (const [user, fills] of out.fills) {
      registry.publish(`userFills:${user}`, channelFrame('userFills', { user, fills }));
      const frame = channelFrame('user', { fills });
      registry.publish(`userEvents:${user}`, frame);
      registry.publish(`user:${user}`, frame);
    }
    for (const [user, cancels] of out.nonUserCancels) {
      const frame = channelFrame('user', { nonUserCancel: cancels });
      registry.publish(`userEvents:${user}`, frame);
      registry.publish(`user:${user}`, frame);
    }
  }
}

function withCloid<T extends object>(value: T, cloid: string | undefined): T & { cloid?: string } {
  return cloid === undefined ? value : { ...value, cloid };
}

function orderAnswer(statuses: unknown[]): ExchangeAnswer {
  return { status: 'ok', response: { type: 'order', data: { statuses } } };
}

function cancelAnswer(statuses: unknown[]): ExchangeAnswer {
  return { status: 'ok', response: { type: 'cancel', data: { statuses } } };
}

/** Size-weighted average price, to two decimals finer than the finest price grid (the wire text stays short). */
function vwapPx(notional: number, sz: number, szDecimals: number): number {
  const decimals = Math.max(0, 6 - szDecimals) + 2;
  const scale = 10 ** decimals;
  return Math.round((notional / sz) * scale) / scale;
}

function utcDay(ms: number): number {
  return Math.floor(ms / 86_400_000);
}

/** A fill's transaction hash: the recordings hold none, so a stable 32-byte hash of the fill's tid. */
function fillHash(tid: number): string {
  return `0x${bytesToHex(keccak_256(new TextEncoder().encode(`hlmm-fake-fill-${tid}`)))}`;
}
