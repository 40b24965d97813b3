/**
 * `hlmm trade --tickers BTC,ETH,SOL` (paper, or live with --live): several coins, one process, one account, one
 * store, one WebSocket. Each coin runs the engine of `hlmm trade --ticker` (same strategy, per-coin limits) with its
 * own parameters file from --params-dir (hot-reloaded); the account's limits (account-risk.ts) are checked over all
 * of them and its kill switch pulls every coin. A coin whose parameters are missing or refused does not quote,
 * the others go on.
 *
 * Live, what Hyperliquid keeps per address is shared by every coin, never one per coin:
 * - one key and one ExchangeClient (one nonce sequence: two clients of one signer could sign the same nonce);
 * - one HttpTransport, so one request budget (weight per minute, and the cool-down after a 429 or the address
 *   limit's refusal) for every coin's requests;
 * - one dead man's switch (scheduleCancel is the account's): armed once before the first coin's start-up, pushed
 *   by whichever coin ticks, removed only when every coin stopped with its coin swept clean;
 * - one WebSocket: every coin's market data and the account's user channels (orderUpdates, userFills), whose
 *   messages are routed to each coin's venue by coin (live-start.ts routeUserMessage), and the --collect recorder;
 * - the account's reads that answer for every coin (live-start.ts LiveAccount): one /info clearinghouseState per
 *   position-check period for every coin's position check (account-reads.ts, AccountPositionChecks), whose answers
 *   also carry the margin in use for the account risk; userFills once for the coins that look for missed fills
 *   together; one userFunding poll (AccountFunding) handing each coin its payments.
 * Per coin: leverage (updateLeverage before its first order) and the start-up checks (another bot's orders,
 * orphans, missed fills, the position from the exchange).
 */
import { join } from 'node:path';
import { coinRunSettings, unusedCoinEntries } from '../config/coin-settings.ts';
import { paperVenueFor } from '../config/engine-setup.ts';
import { loadConfig } from '../config/load-config.ts';
import { runSettings } from '../config/run-settings.ts';
import type { HlmmConfig } from '../config/schema.ts';
import { UserError } from '../core/errors.ts';
import { createLogger } from '../core/log.ts';
import type { SavedAccount } from '../engine/account.ts';
import { accountMember } from '../engine/account-member.ts';
import { AccountRisk, type AccountRiskState, defaultLeverage } from '../engine/account-risk.ts';
import { FillsCsv } from '../engine/fills-csv.ts';
import type { EngineRunSummary, TradingEngine } from '../engine/trading-engine.ts';
import type { Venue } from '../engine/venue.ts';
import { createCloidSource } from '../exchange/hyperliquid/actions.ts';
import { HttpTransport } from '../exchange/hyperliquid/http.ts';
import { InfoClient } from '../exchange/hyperliquid/info-client.ts';
import { AccountDeadMansSwitch } from '../exchange/hyperliquid/trading/dead-mans-switch.ts';
import { checkLeverage, leverageSetting } from '../exchange/hyperliquid/trading/leverage.ts';
import type { LiveAccount, LiveCoinStart } from '../exchange/hyperliquid/trading/live-start.ts';
import { SharedMarketFeed } from '../exchange/hyperliquid/trading/market-feed.ts';
import { readPerpInstrument } from '../exchange/hyperliquid/trading/perp-instrument.ts';
import type { HyperliquidVenue } from '../exchange/hyperliquid/trading/venue.ts';
import type { Wallet } from '../exchange/hyperliquid/wallet.ts';
import type { ParsedServerMessage, Subscription } from '../exchange/hyperliquid/ws-messages.ts';
import type { FakeExchange } from '../fake-exchange/server.ts';
import type { TradeStore } from '../store/trade-store.ts';
import { type BotClock, ReplayFollowClock, WallClock } from './bot-clock.ts';
import type { MultiCoinOps } from './multi-coin-ops.ts';
import type { ParamsWatcher } from './params-watch.ts';
import { explainStartupRejection } from './startup-rejection.ts';
import { armStopTriggers } from './stop-triggers.ts';
import type { TradeCommandOptions } from './trade-options.ts';
import {
  coinEngineAndParams,
  loadTradeWallet,
  openBotStore,
  replaySpeed,
  type StartupCleanup,
  savedPaperAccount,
  startReplayExchange,
  stopOnce,
  tradeEndpoints,
} from './trade-setup.ts';

/** The account's run summary: every coin's engine summary and the account's risk state. */
export interface MultiRunSummary {
  tickers: string[];
  /** 'dry' = paper, 'live' = orders on the exchange. */
  mode: 'dry' | 'live';
  coins: Record<string, EngineRunSummary>;
  account: {
    starting_balance: number;
    /** Σ of the coins' pnl, USDC. */
    pnl: number;
    equity: number;
    fills: number;
    max_drawdown: number;
    max_total_notional: number;
    /** Margin in use (live: the exchange's last reading; paper: Σ |position| × mid ÷ leverage) and its largest, USDC. */
    margin_used: number | null;
    max_margin_used: number | null;
    kill_switch: string | null;
    /** Live: requests (and their weight) that went through the account's one request budget, all coins; null in paper. */
    requests: { count: number; weight: number } | null;
  };
}

export interface RunningMultiBot {
  engines: Map<string, TradingEngine>;
  account: AccountRisk;
  store: TradeStore;
  fake: FakeExchange | null;
  /** Live: each coin's venue (they share the transport, the switch and the cloid source); empty in paper. */
  venues: Map<string, HyperliquidVenue>;
  /** The one HTTP transport of every coin (its `budget` is the account's one request budget). */
  transport: HttpTransport;
  /** Live: the account's one dead man's switch; null in paper. */
  deadMansSwitch: AccountDeadMansSwitch | null;
  /** Live: the account's clients and its shared reads (position checks, funding poll); null in paper. */
  liveAccount: LiveAccount | null;
  feed: SharedMarketFeed;
  /** --collect, the coins' daily re-calibration and the alerts (multi-coin-ops.ts). */
  ops: MultiCoinOps;
  /** Base URL of the monitoring API (one for every coin), null when it is off. */
  apiUrl: string | null;
  done: Promise<MultiRunSummary>;
  stop(reason: string): Promise<MultiRunSummary>;
  failure(): Error | null;
}

/** How often the account's limits are checked, wall ms (the per-coin checks run on each engine's own timer). */
const ACCOUNT_CHECK_WALL_MS = 100;
/**
 * Live: how often the account's margin in use is read (/info clearinghouseState, weight 2: 12 per minute of the
 * 1200 budget), wall ms.
 */
const MARGIN_READ_WALL_MS = 10_000;

export async function startMultiTrading(
  o: TradeCommandOptions,
  tickers: readonly string[],
  env: { handleSignals: boolean; cliArgv?: string[] },
): Promise<RunningMultiBot> {
  const opened: StartupCleanup[] = [];
  try {
    return await startSteps(o, tickers, env, opened);
  } catch (err) {
    for (const close of opened.reverse()) await Promise.resolve(close()).catch(() => {});
    throw err;
  }
}

async function startSteps(
  o: TradeCommandOptions,
  tickers: readonly string[],
  env: { handleSignals: boolean; cliArgv?: string[] },
  opened: StartupCleanup[],
): Promise<RunningMultiBot> {
  const cfg: HlmmConfig = loadConfig(o.config);
  const live = o.live === true;
  if (live && o.dryRun === true)
    throw new UserError('--live and --dry-run contradict each other; pass only one.');
  if (o.params !== undefined)
    throw new UserError(
      '--params is for one coin; with --tickers pass --params-dir DIR (params_<TICKER>.json).',
    );
  if (new Set(tickers).size !== tickers.length)
    throw new UserError(`--tickers ${tickers.join(',')} names a coin twice; list each coin once.`);
  const logger = createLogger({
    component: 'trade',
    level: o.logLevel ?? cfg.logging.level,
    file: o.logFile ?? cfg.logging.file ?? undefined,
    quiet: o.quiet === true,
  });
  const dbFile = o.db ?? cfg.db_file;
  const { store, dbLock } = openBotStore(
    dbFile,
    { mode: live ? 'live' : o.replay !== undefined ? 'replay' : 'paper', ticker: tickers.join(',') },
    logger,
    opened,
  );
  const wallet: Wallet | null = live ? await loadTradeWallet(o, cfg, logger) : null;

  let { wsUrl, apiUrl } = tradeEndpoints(o, cfg);
  const { network } = tradeEndpoints(o, cfg);
  const speed = replaySpeed(o);
  let fake: FakeExchange | null = null;
  if (o.replay !== undefined) {
    const replay = o.replay;
    fake = await startReplayExchange(
      { ...o, replay },
      {
        tickers,
        speed,
        cfg,
        logger,
        wallet,
        network,
        missingFile: (kind, ticker) =>
          `--replay ${replay} holds no ${kind}_${ticker}.csv(.gz); drop ${ticker} from --tickers or record it there with "hlmm collect --symbols ${ticker}".`,
      },
      opened,
    );
    wsUrl = fake.wsUrl;
    apiUrl = fake.url;
    logger.info('replay: fake exchange started', {
      data: o.replay,
      speed,
      ws: wsUrl,
      coins: tickers.join(','),
    });
  }
  const clock: BotClock = fake || o.clock === 'exchange' ? new ReplayFollowClock(speed) : new WallClock();
  // ONE transport for every coin: Hyperliquid counts requests per IP and per address, so one budget spends them.
  const transport = new HttpTransport({ baseUrl: apiUrl });
  const info = new InfoClient({ transport });
  const settings = runSettings(cfg, o);
  const paramsDir = o.paramsDir ?? o.replay ?? '.';

  // ---- every coin's rules, and its leverage checked against them, before anything is sent
  const leverage = leverageSetting(o, cfg);
  const perps = new Map<string, Awaited<ReturnType<typeof readPerpInstrument>>>();
  for (const ticker of tickers) {
    const perp = await readPerpInstrument({ info, apiUrl, ticker, live, logger });
    checkLeverage(leverage, ticker, perp.instrument.maxLeverage);
    perps.set(ticker, perp);
  }
  if (leverage !== null && !live)
    logger.info('paper: leverage recorded, not simulated', {
      leverage: leverage.leverage,
      margin: leverage.margin,
    });

  // ---- live: the account (clients, cloid prefix), its one switch armed first, then each coin's start-up checks
  const venues = new Map<string, HyperliquidVenue>();
  const liveStarts = new Map<string, LiveCoinStart>();
  let liveAccount: LiveAccount | null = null;
  let dms: AccountDeadMansSwitch | null = null;
  if (live) {
    const w = wallet as Wallet;
    const { openLiveAccount, startLiveCoin } = await import('../exchange/hyperliquid/trading/live-start.ts');
    const explain = (err: unknown) =>
      explainStartupRejection(err, {
        network,
        account: w.accountAddress,
        signer: w.address,
        isAgent: w.isAgent,
      });
    liveAccount = openLiveAccount({
      o,
      transport,
      wallet: w,
      isMainnet: network === 'mainnet',
      store,
      logger: logger.child('venue'),
      apiUrl,
    });
    dms = new AccountDeadMansSwitch(liveAccount.exchange, {
      dmsMs: (o.dmsS ?? 30) * 1000,
      // Signed times in wall time, also against a replay: Hyperliquid's clock is the wall clock.
      exchangeNowMs: Date.now,
      logger: logger.child('dead-mans-switch'),
      onIncident: (kind, detail) => store.recordRiskEvent({ tsMs: Date.now(), kind, detail }),
    });
    // Before the first coin's orphans are touched: should start-up die half-way, whatever rests is cancelled.
    await dms.switch.arm().catch((err: unknown) => {
      throw explain(err);
    });
    const nextCloid = createCloidSource(liveAccount.cloidPrefix);
    for (const ticker of tickers) {
      const perp = perps.get(ticker) as Awaited<ReturnType<typeof readPerpInstrument>>;
      const started = await startLiveCoin(liveAccount, {
        o,
        ticker,
        assetIndex: perp.assetIndex,
        szDecimals: perp.instrument.szDecimals,
        store,
        logger: logger.child(ticker).child('venue'),
        exchangeNowMs: Date.now,
        leverage,
        shared: { deadMansSwitch: dms, nextCloid },
      }).catch((err: unknown) => {
        throw explain(err);
      });
      started.venue.onLatency = (kind, latencyMs, atMs) =>
        store.recordLatency({ tsMs: atMs, kind, latencyMs, coin: ticker });
      venues.set(ticker, started.venue);
      liveStarts.set(ticker, started);
    }
  }

  // The account's starting balance: the exchange's account value live (read last), else the paper wallet.
  const lastLive = [...liveStarts.values()].at(-1);
  const account = new AccountRisk(
    settings.account,
    lastLive?.accountValueQuote ?? settings.startingBalanceQuote,
  );
  if (lastLive) account.noteExchangeMargin(lastLive.marginUsedQuote, lastLive.accountValueQuote, Date.now());
  // Said once when reached and once when back under (the reason's figure moves with every reading).
  account.onMarginLimit = (reason) => {
    if (reason !== null) logger.warn(reason);
    else logger.info('margin in use back under the account limit: the coins add to positions again');
    store.recordRiskEvent({
      tsMs: Date.now(),
      kind: reason !== null ? 'margin_limit' : 'margin_limit_cleared',
      detail: reason ?? 'margin in use back under the account limit',
      value: account.marginUsedQuote(),
      limit: account.limits.maxMarginQuote ?? null,
    });
  };
  const engines = new Map<string, TradingEngine>();
  const watchers: ParamsWatcher[] = [];
  const liveChecks: LiveCoinStart[] = [];
  opened.push(() => {
    for (const w of watchers) w.stop();
  });
  // Paper fill ids from the wall µs, one range per coin: the store's fills are unique by tid across coins.
  const tidBase = Date.now() * 1000;
  // Each coin's lot and limits: its config `coins.<TICKER>` entry over the shared settings (coin-settings.ts).
  const settingsOf = (ticker: string) => coinRunSettings(settings, cfg.coins, ticker);
  for (const name of unusedCoinEntries(cfg.coins, tickers))
    logger.warn(
      `the config's "coins.${name}" names no coin of --tickers ${tickers.join(',')}; it is not used`,
    );
  for (const [i, ticker] of tickers.entries()) {
    const coinSettings = settingsOf(ticker);
    const { instrument } = perps.get(ticker) as Awaited<ReturnType<typeof readPerpInstrument>>;
    const started = liveStarts.get(ticker);
    const venue: Venue = started?.venue ?? paperVenueFor(coinSettings, tidBase + i * 1e13);
    const coinLog = logger.child(ticker);
    const leverageInForce = started?.leverage ?? leverage?.leverage ?? null;
    const { engine, watcher } = coinEngineAndParams({
      settings: coinSettings,
      cfg,
      o,
      ticker,
      mode: live ? 'live' : 'dry',
      instrument,
      venue,
      clock,
      store,
      logger: coinLog,
      info,
      feed: fake ? `replay:${o.replay}` : wsUrl,
      leverage: leverageInForce,
      startingBalanceQuote: started?.startingBalanceQuote,
      paramsFile: join(paramsDir, `params_${ticker}.json`),
      onRefuse: () =>
        coinLog.warn(`${ticker} does not quote until its parameters load; the other coins go on`, {
          params: join(paramsDir, `params_${ticker}.json`),
        }),
    });
    engines.set(ticker, engine);
    account.add(accountMember(ticker, engine, leverageInForce ?? defaultLeverage(instrument.maxLeverage)));
    const maxTotal = settings.account.maxTotalNotionalQuote;
    if (maxTotal !== null)
      engine.guard.accountNotional = {
        maxTotalNotionalQuote: maxTotal,
        othersNotionalQuote: () => account.othersNotionalQuote(ticker),
      };
    watchers.push(watcher);
    // Live: the account as the exchange reports it; paper: the store's, unless --reset-paper.
    let restore: SavedAccount | undefined = started?.account;
    if (!live && !o.resetPaper)
      restore = savedPaperAccount(store.latestPnl(ticker), store.latestPosition(ticker)?.entryPx);
    watcher.reload();
    watcher.start();
    engine.start({ account: restore });
    opened.push(() => engine.stop('start-up failed'));
    if (started) {
      started.attach(engine);
      liveChecks.push(started);
      opened.push(() => started.detach());
    }
  }
  const fillsFiles: FillsCsv[] = [];
  if (o.fillsOut !== undefined) {
    const { fillsFileOf } = await import('../backtest/multi-cli.ts');
    for (const [ticker, engine] of engines) {
      const csv = new FillsCsv(fillsFileOf(o.fillsOut, ticker));
      engine.subscribeEvents(csv);
      fillsFiles.push(csv);
    }
  }
  // ---- --collect, the daily re-calibration of each coin and the alerts (multi-coin-ops.ts)
  const { startMultiCoinOps } = await import('./multi-coin-ops.ts');
  const ops = await startMultiCoinOps({
    cfg,
    tickers,
    engines,
    collectFlag: o.collect,
    replayDir: o.replay,
    paramsFileOf: (ticker) => join(paramsDir, `params_${ticker}.json`),
    settingsOf,
    nowMs: () => clock.nowMs(),
    logger,
    cliArgv: env.cliArgv,
  });
  opened.push(() => ops.stop());
  const { startMultiApi } = await import('./multi-api.ts');
  const api = await startMultiApi({ o, cfg, engines, account, store, logger });
  if (api) opened.push(() => api.close());

  // ---- one WebSocket for every coin, and live for the account's user channels too (routed by coin)
  let feedOpen = true;
  const userSubscriptions: Subscription[] = [];
  let routeUser: ((msg: ParsedServerMessage) => void) | undefined;
  if (liveAccount !== null) {
    const { routeUserMessage, userChannelSubscriptions } = await import(
      '../exchange/hyperliquid/trading/live-start.ts'
    );
    userSubscriptions.push(...userChannelSubscriptions(liveAccount.user));
    // After a reconnect, fills during the gap: the channel's snapshot replays them (de-duplicated by tid).
    routeUser = (msg) => {
      routeUserMessage(msg, (coin) => venues.get(coin));
    };
  }
  const feed = new SharedMarketFeed({
    url: wsUrl,
    coins: tickers,
    onEvent: (coin, ev) => {
      if (!feedOpen) return;
      clock.observe(ev.exchMs);
      engines.get(coin)?.onMarket(ev);
    },
    onConnect: () => {
      for (const e of engines.values()) e.setFeedConnected(true);
    },
    // --collect rides this socket too: its channels, and every market-data frame handed to its recorder.
    extraSubscriptions: [...userSubscriptions, ...(ops.collector?.subscriptions ?? [])],
    onMessage: routeUser,
    onFrame: ops.collector?.onFrame,
    logger: logger.child('feed'),
    stallTimeoutMs: Math.max(5_000, clock.wallMsFor((o.staleS ?? cfg.risk.stale_data_s) * 1000 * 3)),
  });
  ops.collector?.attach(feed.session);
  feed.start();
  opened.push(() => feed.stop());
  const timers: NodeJS.Timeout[] = [];
  opened.push(() => {
    for (const t of timers) clearInterval(t);
  });
  timers.push(
    setInterval(() => {
      if (!feed.connected) for (const e of engines.values()) e.setFeedConnected(false);
      const now = clock.nowMs();
      if (Number.isFinite(now)) account.evaluate(now);
    }, ACCOUNT_CHECK_WALL_MS),
  );
  if (liveAccount !== null) {
    const reads = liveAccount.reads;
    // Every clearinghouseState the account reads (the coins' position checks too) carries the margin in use: the
    // margin timer reads only when no other read brought one within half its period.
    reads.onState((st, atWallMs) =>
      account.noteExchangeMargin(
        Number(st.marginSummary.totalMarginUsed),
        Number(st.marginSummary.accountValue),
        atWallMs,
      ),
    );
    let reading = false;
    timers.push(
      setInterval(() => {
        if (reading || Date.now() - reads.lastStateAtMs < MARGIN_READ_WALL_MS / 2) return;
        reading = true;
        reads
          .clearinghouseState()
          .catch((err: unknown) =>
            logger.warn('reading the margin in use failed; the last reading stays', {
              error: (err as Error).message,
            }),
          )
          .finally(() => {
            reading = false;
          });
      }, MARGIN_READ_WALL_MS),
    );
  }
  logger.info(`hlmm trade started (${live ? 'LIVE' : 'paper'}, several coins)`, {
    tickers: tickers.join(','),
    feed: fake ? `replay ${o.replay} at ${speed}x` : wsUrl,
    paramsDir,
    db: dbFile,
    ...(liveAccount ? { account: liveAccount.user } : {}),
  });

  const { stop, stopping, done } = stopOnce(async (reason: string): Promise<MultiRunSummary> => {
    logger.info('stopping', { reason });
    for (const t of timers) clearInterval(t);
    for (const w of watchers) w.stop();
    for (const c of liveChecks) await c.detach();
    // No market event reaches an engine from here on; live, the socket stays up for the user channels while
    // every coin cancels (their fills and cancels still come through it).
    feedOpen = false;
    if (!live) await feed.stop();
    const coins: Record<string, EngineRunSummary> = {};
    const summaries = await Promise.all(
      [...engines].map(async ([t, e]) => [t, await e.stop(reason)] as const),
    );
    for (const [ticker, s] of summaries) coins[ticker] = s;
    await ops.stop();
    if (dms !== null) {
      const { closeStaleStoreOrders } = await import('../exchange/hyperliquid/trading/live-start.ts');
      for (const [t, v] of venues)
        if (v.sweptClean === true)
          closeStaleStoreOrders(store, t, new Set(), 'not open on the exchange at stop');
      const clean = new Map(
        [...venues].map(([t, v]) => [t, v.sweptClean === true && v.othersOnAccountAtStop() === 0]),
      );
      await dms.removeIfAllClean(clean, logger);
    }
    if (live) await feed.stop();
    for (const csv of fillsFiles) csv.close();
    await api?.close();
    if (fake) await fake.close();
    const final: AccountRiskState = account.evaluate(
      Number.isFinite(clock.nowMs()) ? clock.nowMs() : Date.now(),
    );
    store.close();
    dbLock?.release();
    const all = Object.values(coins);
    const summary: MultiRunSummary = {
      tickers: [...tickers],
      mode: live ? 'live' : 'dry',
      coins,
      account: {
        starting_balance: account.startingBalanceQuote,
        pnl: all.reduce((s, c) => s + c.pnl, 0),
        equity: final.equityQuote,
        fills: all.reduce((s, c) => s + c.fills, 0),
        max_drawdown: final.maxDrawdownQuote,
        max_total_notional: final.maxTotalNotionalQuote,
        margin_used: final.marginUsedQuote,
        max_margin_used: final.maxMarginUsedQuote,
        kill_switch: account.killSwitch?.reason ?? null,
        requests: live
          ? { count: transport.budget.totals.requests, weight: transport.budget.totals.weight }
          : null,
      },
    };
    logger.info('stopped', { reason, fills: summary.account.fills, pnl: summary.account.pnl });
    return summary;
  });
  const triggers = armStopTriggers({
    stop,
    stopping,
    durationS: o.durationS,
    replayDone: fake ? fake.replayDone : null,
    handleSignals: env.handleSignals,
    timers,
    logger,
  });
  return {
    engines,
    account,
    store,
    fake,
    venues,
    transport,
    deadMansSwitch: dms,
    liveAccount,
    feed,
    ops,
    apiUrl: api?.url ?? null,
    done,
    stop,
    failure: triggers.failure,
  };
}

export function formatMultiSummary(s: MultiRunSummary, formatOne: (c: EngineRunSummary) => string): string {
  const a = s.account;
  const parts = s.tickers.map((t) => formatOne(s.coins[t] as EngineRunSummary));
  parts.push(
    [
      `account (${s.tickers.join(', ')})`,
      `  pnl             ${a.pnl.toFixed(4)} USDC (equity ${a.equity.toFixed(4)}, starting balance ${a.starting_balance})`,
      `  fills           ${a.fills}`,
      `  max drawdown    ${a.max_drawdown.toFixed(4)} USDC, max total notional ${a.max_total_notional.toFixed(2)} USDC`,
      ...(a.margin_used !== null
        ? [
            `  margin in use   ${a.margin_used.toFixed(2)} USDC (largest read ${(a.max_margin_used ?? a.margin_used).toFixed(2)} USDC)`,
          ]
        : []),
      ...(a.requests !== null
        ? [`  requests        ${a.requests.count} (weight ${a.requests.weight}), one budget for every coin`]
        : []),
      `  kill switch     ${a.kill_switch ?? 'not tripped'}`,
    ].join('\n'),
  );
  return `${parts.join('')}\n`;
}
