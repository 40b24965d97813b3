/**
 * Start-up of live trading: key, clients, reconciliation with the exchange, dead man's switch, user channels.
 *
 * Reconciliation after a restart (a clean stop or a SIGKILL), in this order — chosen so that nothing can fill
 * between reading the fills and reading the position (else a fill would be stored but not in the position, or in
 * the position but never stored):
 * 1. The dead man's switch is armed (before any order is sent, and before the orphans are touched).
 * 2. Open orders: an order with an hlmm cloid whose prefix this database does not know belongs to another running
 *    hlmm bot on the same account and coin (see foreign-orders.ts): start-up is REFUSED (one sentence, exit 2)
 *    and nothing is cancelled. Every other order resting on the exchange for this coin is an orphan (the
 *    OrderManager of the new process does not know it). Policy: CANCEL them all, never adopt: an adopted order's price comes from
 *    the dead process's market and parameters, and the new quotes follow within a second anyway; the store
 *    marks them cancelled. The open orders are read again until none is left (else start-up fails).
 *    Store orders marked open that the exchange no longer shows are closed in the store ("closed while down").
 * 3. Fills: /info userFills for the coin are written to the store (idempotent by tid), so fills that happened
 *    while the bot was down (an orphan's last fill included) are recorded once; they are in the exchange's
 *    position, so they are marked as seen and never counted again (no double counting when the userFills
 *    channel replays them).
 * 4. Position, read last: from /info clearinghouseState (the exchange is the truth), with its entry price; the
 *    account's cash is set so that equity = the exchange's account value.
 * 5. Funding: payments since the last one stored (or the last day) up to the moment the account was read are
 *    written to the store (once per coin and hour) but not added to PnL: they are already in the account value
 *    the engine starts from. Later payments are booked by the LiveFunding poller (funding.ts).
 * 6. The user channels (orderUpdates, userFills) start.
 */
import { UserError } from '../../../core/errors.ts';
import type { Logger } from '../../../core/log.ts';
import type { SavedAccount } from '../../../engine/account.ts';
import { StoreGuard } from '../../../store/store-guard.ts';
import type { TradeStore } from '../../../store/trade-store.ts';
import { ExchangeClient } from '../exchange-client.ts';
import type { HttpTransport } from '../http.ts';
import { InfoClient } from '../info-client.ts';
import type { FrontendOpenOrder } from '../info-schemas.ts';
import type { Wallet } from '../wallet.ts';
import type { ParsedServerMessage } from '../ws-messages.ts';
import { WsSession } from '../ws-session.ts';
import { AccountReads } from './account-reads.ts';
import { foreignBotOrders, foreignBotSentence, newCloidPrefix, prefixHex } from './foreign-orders.ts';
import { AccountFunding, LiveFunding, paymentOfEntry } from './funding.ts';
import { applyLeverage, type LeverageSetting } from './leverage.ts';
import type { HyperliquidVenueOptions } from './live-order.ts';
import { AccountPositionChecks, PositionCheck, type PositionHolder } from './position-check.ts';
import { HyperliquidVenue } from './venue.ts';

export interface LiveStartOptions {
  /** The trade command's flags this start-up reads: --dms-s and --position-check-s. */
  o: { dmsS?: number; positionCheckS?: number };
  apiUrl: string;
  wsUrl: string;
  ticker: string;
  assetIndex: number;
  szDecimals: number;
  transport: HttpTransport;
  store: TradeStore;
  logger: Logger;
  isMainnet: boolean;
  wallet: Wallet;
  /** The clock of signed times (scheduleCancel): the wall clock, as Hyperliquid judges them, also against a replay. */
  exchangeNowMs: () => number;
  /** Leverage to set on the coin before its first order (already checked against its maximum); null = leave it. */
  leverage?: LeverageSetting | null;
}

export interface LiveStart {
  venue: HyperliquidVenue;
  /** The account as the exchange reports it. */
  account: SavedAccount;
  position: { positionBase: number; entryPx: number | null };
  userSession: WsSession;
  startingBalanceQuote: number;
  /** Leverage in force on the coin, times: the one set at start, else the open position's; null = unknown. */
  leverage: number | null;
  /** Hands the running engine to the position check and the other-bot watch (call once it started). */
  attach(engine: LiveEngine): void;
  /** Stops the position check (before the engine stops). */
  detach(): Promise<void>;
}

/** What live start-up needs of the engine once it runs. */
export interface LiveEngine extends PositionHolder {
  stopQuoting(reason: string): Promise<void>;
}

/** Default period of the position re-read while trading, s. */
export const POSITION_CHECK_S = 30;
/**
 * For this long after start-up, another hlmm bot's order seen on our coin stops our quoting: the start-up check
 * can miss a bot that was between cancelling and re-placing its quotes, and the newer bot is the one to yield.
 */
const FOREIGN_WATCH_MS = 60_000;

export async function startLiveVenue(s: LiveStartOptions): Promise<LiveStart> {
  const account = openLiveAccount(s);
  const coin = await startLiveCoin(account, s);
  const { venue } = coin;
  const user = account.user;

  // 6. the user channels (the dead man's switch was armed first)
  const userSession = new WsSession({
    url: s.wsUrl,
    subscriptions: userChannelSubscriptions(user),
    liveness: 'any',
    logger: s.logger.child('user-ws'),
    onMessage: (msg) => routeUserMessage(msg, (c) => (c === s.ticker ? venue : undefined)),
    // After a reconnect, fills during the gap: the channel's snapshot replays them (de-duplicated by tid).
  });
  userSession.start();
  return { ...coin, userSession };
}

/** The account's clients and this run's cloid prefix: what every coin traded from one address shares. */
export interface LiveAccount {
  /** The trading account's address (the master account for an agent key). */
  user: string;
  info: InfoClient;
  /** One client for the account: one nonce sequence per signer (two clients could sign the same nonce). */
  exchange: ExchangeClient;
  /** This run's cloid prefix, stored before any order goes out. */
  cloidPrefix: Uint8Array;
  /** Prefixes of this database's runs, this one included: their orders are ours. */
  knownPrefixes: ReadonlySet<string>;
  /** Prefixes of earlier runs only (the venue adds its own). */
  earlierPrefixes: ReadonlySet<string>;
  /**
   * The account's reads that answer for every coin (clearinghouseState, userFills), one request per turn for all
   * coins; the periodic position re-read of every coin on one timer; the one userFunding poll of the account.
   */
  reads: AccountReads;
  positionChecks: AccountPositionChecks;
  funding: AccountFunding;
}

/** Opens the account's clients on one transport (one request budget) and stores this run's cloid prefix. */
export function openLiveAccount(
  s: Pick<LiveStartOptions, 'transport' | 'wallet' | 'isMainnet' | 'store' | 'logger' | 'apiUrl'> & {
    /** --position-check-s (default POSITION_CHECK_S). */
    o?: { positionCheckS?: number };
  },
): LiveAccount {
  const wallet = s.wallet;
  const user = wallet.accountAddress;
  const info = new InfoClient({ transport: s.transport, accountAddress: user });
  const exchange = new ExchangeClient({ transport: s.transport, wallet, isMainnet: s.isMainnet });
  s.logger.info('live trading account', {
    account: user,
    agent: wallet.isAgent ? wallet.address : 'no',
    api: s.apiUrl,
  });
  // This run's cloid prefix is stored before any order goes out: a later run of this database then knows them.
  const earlierPrefixes = new Set(s.store.cloidPrefixes());
  const cloidPrefix = newCloidPrefix();
  s.store.recordCloidPrefix(prefixHex(cloidPrefix), Date.now());
  return {
    user,
    info,
    exchange,
    cloidPrefix,
    earlierPrefixes,
    knownPrefixes: new Set([...earlierPrefixes, prefixHex(cloidPrefix)]),
    reads: new AccountReads(info),
    positionChecks: new AccountPositionChecks((s.o?.positionCheckS ?? POSITION_CHECK_S) * 1000),
    funding: new AccountFunding({ info, logger: s.logger.child('funding') }),
  };
}

/** One coin's live start-up on an opened account: steps 1–5 above (the user channels are the caller's). */
export type LiveCoinStart = Omit<LiveStart, 'userSession'> & {
  /** The account as /info clearinghouseState answered at start-up, quote. */
  accountValueQuote: number;
  marginUsedQuote: number;
};

export async function startLiveCoin(
  account: LiveAccount,
  s: Omit<LiveStartOptions, 'transport' | 'wallet' | 'isMainnet' | 'apiUrl' | 'wsUrl'> & {
    /** Several coins from one account: the account's switch (armed by the caller) and cloid source. */
    shared?: HyperliquidVenueOptions['shared'];
  },
): Promise<LiveCoinStart> {
  const { o, ticker, store, logger } = s;
  const { user, info, exchange, cloidPrefix } = account;
  const knownPrefixes = account.earlierPrefixes;

  const venue = new HyperliquidVenue({
    cloidPrefix,
    knownCloidPrefixes: knownPrefixes,
    exchange,
    info,
    coin: ticker,
    asset: s.assetIndex,
    logger,
    dmsMs: (o.dmsS ?? 30) * 1000,
    exchangeNowMs: s.exchangeNowMs,
    shared: s.shared,
    onIncident: (kind, detail) => {
      store.recordRiskEvent({ tsMs: Date.now(), kind, detail, coin: ticker });
      // An order whose outcome is unknown may have filled unseen: re-read the position soon.
      if (kind === 'reconcile') positionCheck.doubt(detail);
    },
    onForeignOrder: (cloid) => {
      const prefix = cloid.slice(0, 18);
      const early = Date.now() - startedWallMs < FOREIGN_WATCH_MS;
      const sentence = `another hlmm bot (cloid prefix ${prefix}) placed an order on ${ticker} on account ${user}; ${early ? 'this bot started last: quoting stopped, stop one of the two bots' : 'that bot should have refused to start: stop one of the two bots'}`;
      logger.error(sentence);
      store.recordRiskEvent({ tsMs: Date.now(), kind: 'reconcile', detail: sentence, coin: ticker });
      if (early) void hooks.engine?.stopQuoting(sentence);
    },
  });
  const startedWallMs = Date.now();
  const hooks: { engine: LiveEngine | null } = { engine: null };
  // Re-read on the account's one timer (every coin in one clearinghouseState), and alone on a doubt.
  const positionCheck = new PositionCheck({
    info: account.reads,
    venue,
    coin: ticker,
    intervalMs: 0,
    logger: logger.child('position'),
  });
  // A failed or refused store write: a fill may not be where it should; the exchange tells.
  if (store instanceof StoreGuard)
    store.subscribe((e) => {
      if (e.type !== 'healthy') positionCheck.doubt(`store ${e.type}`);
    });

  // 1. dead man's switch first: should this start-up die half-way, whatever rests is cancelled anyway. A shared
  //    (account) switch was armed by the caller before the first coin's start-up.
  if (s.shared === undefined) await venue.armDeadMansSwitch();

  // 2. orphans, cancelled before anything is read: once they are gone nothing of ours can fill, so the fills and
  //    the position read next describe one and the same state.
  const open = await cancelOrphans(info, exchange, ticker, s.assetIndex, logger, {
    known: account.knownPrefixes,
    account: user,
    dbFile: store.file,
    nowMs: s.exchangeNowMs,
  });

  // 2b. leverage for the coin, before its first order (checked against the instrument by run-trade.ts)
  const leverage = s.leverage ?? null;
  if (leverage !== null) {
    await applyLeverage(exchange, s.assetIndex, ticker, leverage);
    logger.info('leverage set', { coin: ticker, leverage: leverage.leverage, margin: leverage.margin });
  }

  // 3. fills: every fill up to now, orphans' last fills included
  const fills = (await info.userFills()).filter((f) => f.coin === ticker && typeof f.tid === 'number');
  const missed = store.recordFills(
    fills.map((f) => ({
      tid: f.tid as number,
      coin: f.coin,
      oid: f.oid,
      cloid: f.cloid ?? null,
      side: f.side === 'B' ? ('buy' as const) : ('sell' as const),
      px: Number(f.px),
      sz: Number(f.sz),
      feeQuote: Number(f.fee),
      liquidity: f.crossed ? ('taker' as const) : ('maker' as const),
      tsMs: f.time,
      closedPnlQuote: Number(f.closedPnl),
      hash: f.hash,
    })),
  );
  venue.markFillsSeen(fills.map((f) => f.tid as number));
  // After the fills: an orphan that filled before its cancel arrived is already marked filled by them.
  for (const x of open) {
    if (store.findOrder({ cloid: x.cloid ?? null, oid: x.oid })?.status === 'filled') continue;
    store.updateOrder({
      cloid: x.cloid ?? null,
      oid: x.oid,
      status: 'canceled',
      updatedMs: Date.now(),
      reason: 'orphan cancelled at restart',
    });
  }

  // 4. position, read last: it contains every fill recorded above and no other.
  const readAtWallMs = Date.now();
  const state = await info.clearinghouseState();
  // The exchange's time of the answer (the replayed time on the fake exchange), else our clock before asking.
  const accountAsOfMs = state.time ?? readAtWallMs;
  const ap = state.assetPositions.find((p) => p.position.coin === ticker);
  const positionBase = ap ? Number(ap.position.szi) : 0;
  const entryPx = ap?.position.entryPx ? Number(ap.position.entryPx) : null;
  const positionValue = ap ? Number(ap.position.positionValue) : 0;
  const accountValue = Number(state.marginSummary.accountValue);
  store.recordPosition({
    tsMs: Date.now(),
    coin: ticker,
    positionSz: positionBase,
    entryPx,
    accountValueQuote: accountValue,
    withdrawableQuote: Number(state.withdrawable),
    source: 'exchange',
  });

  const closedWhileDown = closeStaleStoreOrders(
    store,
    ticker,
    new Set(open.map((x) => x.oid)),
    'closed while the bot was down',
  );
  const detail = `position ${positionBase} ${ticker} from the exchange, ${missed} missed fill(s) recorded, ${open.length} orphan order(s) cancelled, ${closedWhileDown} stored order(s) closed`;
  logger.info(`reconciled with the exchange: ${detail}`);
  store.recordRiskEvent({ tsMs: Date.now(), kind: 'reconcile', detail, coin: ticker });

  // 5. funding before the account was read: stored, already in the account value
  const stored = store.fundingPayments().filter((f) => f.coin === ticker);
  const since = stored.length > 0 ? Math.max(...stored.map((f) => f.tsMs)) + 1 : accountAsOfMs - 86_400_000;
  let fundingStored = 0;
  try {
    for (const e of await info.allUserFunding(since, { endTimeMs: accountAsOfMs })) {
      if (e.delta.coin !== ticker || e.time > accountAsOfMs) continue;
      const p = paymentOfEntry(e);
      if (
        store.recordFunding({
          tsMs: p.tsMs,
          coin: ticker,
          amountQuote: p.amountQuote,
          rate: p.rate,
          positionSz: p.positionBase,
        })
      )
        fundingStored++;
    }
  } catch (err) {
    logger.warn('reading funding paid while the bot was down failed (it is in the account value anyway)', {
      error: (err as Error).message,
    });
  }
  if (fundingStored > 0) logger.info('funding paid before start recorded', { payments: fundingStored });
  venue.funding = new LiveFunding({
    coin: ticker,
    info,
    accountAsOfMs,
    logger: logger.child('funding'),
    account: account.funding,
  });

  const cash = accountValue - Math.sign(positionBase) * positionValue;
  return {
    venue,
    account: {
      positionBase,
      avgEntryPx: entryPx,
      cashQuote: cash,
      realizedPnlQuote: 0,
      feesQuote: 0,
      fundingQuote: 0,
    },
    position: { positionBase, entryPx },
    startingBalanceQuote: accountValue,
    accountValueQuote: accountValue,
    marginUsedQuote: Number(state.marginSummary.totalMarginUsed),
    leverage: leverage?.leverage ?? ap?.position.leverage.value ?? null,
    attach(engine) {
      hooks.engine = engine;
      positionCheck.start(engine);
      account.positionChecks.add(positionCheck);
    },
    detach: () => {
      account.positionChecks.remove(positionCheck);
      return positionCheck.stop();
    },
  };
}

/**
 * Closes the store's orders of `coin` still marked open that the exchange does not show (`openOids`: those it
 * does): filled when their stored fills complete them, else cancelled, with `reason`. Used at start-up (orders that
 * ended while the bot was down) and after a clean stop sweep (an order whose end the bot only learnt as "never
 * placed, already canceled, or filled", e.g. the old order of a modify whose replacement was refused). Returns
 * how many it closed.
 */
export function closeStaleStoreOrders(
  store: Pick<TradeStore, 'openOrders' | 'updateOrder'>,
  coin: string,
  openOids: ReadonlySet<number>,
  reason: string,
): number {
  let closed = 0;
  for (const r of store.openOrders(coin)) {
    if (r.oid !== null && openOids.has(r.oid)) continue;
    store.updateOrder({
      cloid: r.cloid,
      oid: r.oid,
      status: r.filledSz >= r.sz ? 'filled' : 'canceled',
      updatedMs: Date.now(),
      reason,
    });
    closed++;
  }
  return closed;
}

/** The account's user channels: every coin's order updates and fills come on these two (per address, not per coin). */
export function userChannelSubscriptions(user: string): { type: string; user: string }[] {
  return [
    { type: 'orderUpdates', user },
    { type: 'userFills', user },
  ];
}

/** What a user-channel message is routed to: the coin's venue. */
export interface UserChannelTarget {
  onOrderUpdates(data: unknown): void;
  onUserFills(data: unknown): void;
}

/**
 * Routes one user-channel message (orderUpdates, userFills: per address, all coins in one message) to each
 * coin's venue with only that coin's entries; entries of a coin this process does not trade (another bot on the
 * account) go nowhere. Other channels are ignored. Returns true when the message was a user channel's.
 */
export function routeUserMessage(
  msg: ParsedServerMessage,
  venueOf: (coin: string) => UserChannelTarget | undefined,
): boolean {
  if (msg.channel !== 'other') return false;
  if (msg.name === 'orderUpdates') {
    if (!Array.isArray(msg.data)) return true;
    for (const [coin, updates] of groupByCoin(
      msg.data,
      (u) => (u as { order?: { coin?: unknown } })?.order?.coin,
    ))
      venueOf(coin)?.onOrderUpdates(updates);
    return true;
  }
  if (msg.name === 'userFills') {
    const data = msg.data as { fills?: unknown } | null;
    if (data === null || typeof data !== 'object' || !Array.isArray(data.fills)) return true;
    for (const [coin, fills] of groupByCoin(data.fills, (f) => (f as { coin?: unknown })?.coin))
      venueOf(coin)?.onUserFills({ ...data, fills });
    return true;
  }
  return false;
}

function groupByCoin(items: readonly unknown[], coinOf: (x: unknown) => unknown): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  for (const x of items) {
    const coin = coinOf(x);
    if (typeof coin !== 'string') continue;
    let list = out.get(coin);
    if (list === undefined) out.set(coin, (list = []));
    list.push(x);
  }
  return out;
}

/** Cancel rounds at start-up before giving up (an order can survive a round: a cancel lost in transport). */
const ORPHAN_CANCEL_ROUNDS = 3;

/**
 * Cancels every order resting on the exchange for `ticker` (the new process does not know them), then checks
 * that none is left: the fills and the position are read next and must not move after. Returns the orders found
 * first. Throws when some still rest after ORPHAN_CANCEL_ROUNDS rounds (no trading on an unknown state; the dead
 * man's switch, armed before, cancels them). Refuses (UserError, nothing cancelled) when another hlmm bot's
 * orders rest on the coin: cloids with the hlmm marker and a prefix not in `owner.known`.
 */
async function cancelOrphans(
  info: InfoClient,
  exchange: ExchangeClient,
  ticker: string,
  asset: number,
  logger: Logger,
  owner: { known: ReadonlySet<string>; account: string; dbFile: string; nowMs: () => number },
): Promise<FrontendOpenOrder[]> {
  const listed = async (): Promise<FrontendOpenOrder[]> => {
    const open = await info.frontendOpenOrders();
    const other = foreignBotOrders(open, ticker, owner.known);
    if (other !== null) {
      const now = owner.nowMs();
      throw new UserError(
        foreignBotSentence(other, {
          coin: ticker,
          account: owner.account,
          dbFile: owner.dbFile,
          nowMs: Number.isFinite(now) ? now : Date.now(),
        }),
      );
    }
    return open.filter((x) => x.coin === ticker);
  };
  const found = await listed();
  let left = found;
  let cancelled = 0;
  for (let round = 0; round < ORPHAN_CANCEL_ROUNDS && left.length > 0; round++) {
    // An error status means the order filled or was cancelled meanwhile: the re-read below tells.
    const statuses = await exchange.cancel(left.map((x) => ({ asset, oid: x.oid })));
    cancelled += statuses.filter((st) => st.kind === 'success').length;
    left = await listed();
  }
  if (found.length > 0)
    logger.warn('orphan orders found at start were cancelled', { found: found.length, cancelled });
  if (left.length > 0)
    throw new Error(
      `${left.length} ${ticker} order(s) still rest on the exchange after ${ORPHAN_CANCEL_ROUNDS} cancel rounds at start-up (oids ${left.map((x) => x.oid).join(', ')}); not trading: cancel them on Hyperliquid and start again`,
    );
  return found;
}
