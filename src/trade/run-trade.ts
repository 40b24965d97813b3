import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FeedCollector } from '../collect/collector.ts';
import { coinRunSettings } from '../config/coin-settings.ts';
import { paperVenueFor } from '../config/engine-setup.ts';
import { loadConfig } from '../config/load-config.ts';
import { runSettings } from '../config/run-settings.ts';
import type { HlmmConfig } from '../config/schema.ts';
import { UserError } from '../core/errors.ts';
import { createLogger, type Logger } from '../core/log.ts';
import type { SavedAccount } from '../engine/account.ts';
import { BotInsight } from '../engine/bot-insight.ts';
import { FillsCsv } from '../engine/fills-csv.ts';
import type { EngineRunSummary, TradingEngine } from '../engine/trading-engine.ts';
import type { Venue } from '../engine/venue.ts';
import { HttpTransport } from '../exchange/hyperliquid/http.ts';
import { InfoClient } from '../exchange/hyperliquid/info-client.ts';
import { checkLeverage, leverageSetting } from '../exchange/hyperliquid/trading/leverage.ts';
import type { LiveStart } from '../exchange/hyperliquid/trading/live-start.ts';
import { HyperliquidFeed } from '../exchange/hyperliquid/trading/market-feed.ts';
import { readPerpInstrument } from '../exchange/hyperliquid/trading/perp-instrument.ts';
import type { Wallet } from '../exchange/hyperliquid/wallet.ts';
import type { FakeExchange } from '../fake-exchange/server.ts';
import { describeFillModel, type FillModelStatement } from '../sim/fill-model-config.ts';
import type { TradeStore } from '../store/trade-store.ts';
import { type BotClock, ReplayFollowClock, WallClock } from './bot-clock.ts';
import { refuseCollectIntoReplay } from './collect-dir-check.ts';
import { explainStartupRejection } from './startup-rejection.ts';
import { armStopTriggers } from './stop-triggers.ts';
import { monitoringApiSettings, type TradeCommandOptions } from './trade-options.ts';
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

export interface RunningBot {
  engine: TradingEngine;
  store: TradeStore | null;
  fake: FakeExchange | null;
  /** Base URL of the monitoring API (e.g. http://127.0.0.1:3004), null when it is off. */
  apiUrl: string | null;
  /** Resolves with the summary once the bot stopped (signal, --duration-s, end of replay). */
  done: Promise<EngineRunSummary>;
  stop(reason: string): Promise<EngineRunSummary>;
  /** Why the run failed although it stopped in order (the replay could not read its files), else null. */
  failure(): Error | null;
  /** What the results depend on: the paper fill model (null live, where the exchange fills). */
  assumptions: { fill_model: FillModelStatement | null };
}

export async function runTradeCommand(o: TradeCommandOptions): Promise<void> {
  if (o.tickers !== undefined && o.ticker !== undefined)
    throw new UserError('pass --ticker (one coin) or --tickers (several), not both.');
  const tickers = o.tickers ?? (o.ticker === undefined ? loadConfig(o.config).tickers : null);
  if (tickers !== null) {
    const { startMultiTrading, formatMultiSummary } = await import('./run-multi-trade.ts');
    const multi = await startMultiTrading(
      o,
      tickers.map((t) => t.trim()),
      { handleSignals: true },
    );
    const summary = await multi.done;
    if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else process.stdout.write(formatMultiSummary(summary, formatSummary));
    const failed = multi.failure();
    if (failed !== null)
      throw new UserError(
        `--replay ${o.replay}: the replay stopped on an error (${failed.message}); check the files in it.`,
      );
    process.exitCode = 0;
    return;
  }
  if (o.paramsDir !== undefined)
    throw new UserError('--params-dir goes with --tickers; for one coin pass --params FILE.');
  const bot = await startTrading(o, { handleSignals: true });
  const summary = await bot.done;
  if (o.json) process.stdout.write(`${JSON.stringify({ ...summary, assumptions: bot.assumptions })}\n`);
  else process.stdout.write(formatSummary(summary));
  // The summary is printed first: whatever was received or filled before the failure is never lost.
  const failure = bot.failure();
  if (failure !== null) {
    throw failure instanceof UserError
      ? failure
      : new UserError(
          `--replay ${o.replay}: the replay stopped on an error (${failure.message}); check the files in it.`,
        );
  }
  process.exitCode = 0;
}

export async function startTrading(
  o: TradeCommandOptions,
  env: { handleSignals: boolean },
): Promise<RunningBot> {
  // What start-up has opened so far (the database lock included), closed in reverse order should a later step
  // fail: a refused --db, another bot's lock or a taken API port must end the process with its one sentence, not
  // leave a fake exchange or a socket keeping it alive (and in-process callers may start again).
  const opened: StartupCleanup[] = [];
  try {
    return await startTradingSteps(o, env, opened);
  } catch (err) {
    for (const close of opened.reverse()) await Promise.resolve(close()).catch(() => {});
    throw err;
  }
}

async function startTradingSteps(
  o: TradeCommandOptions,
  env: { handleSignals: boolean },
  opened: StartupCleanup[],
): Promise<RunningBot> {
  const cfg: HlmmConfig = loadConfig(o.config);
  // Before anything opens: recording into the folder being replayed would corrupt it.
  refuseCollectIntoReplay(
    o.collect ?? cfg.collector.collect_dir,
    o.collect !== undefined ? '--collect' : 'collector.collect_dir in the config',
    o.replay,
  );
  const apiSettings = monitoringApiSettings(o, cfg);
  const live = o.live === true;
  if (live && o.dryRun === true)
    throw new UserError('--live and --dry-run contradict each other; pass only one.');
  const ticker = (o.ticker ?? cfg.ticker).trim();
  const logLevel = o.logLevel ?? cfg.logging.level;
  const logFile = o.logFile ?? cfg.logging.file ?? undefined;
  const logger = createLogger({
    component: 'trade',
    level: logLevel,
    file: logFile,
    quiet: o.quiet === true,
  });

  // ---- one bot per database (lock, then the store), before anything connects
  const dbFile = o.db ?? cfg.db_file;
  const { store, dbLock } = openBotStore(
    dbFile,
    { mode: live ? 'live' : o.replay !== undefined ? 'replay' : 'paper', ticker },
    logger,
    opened,
  );

  // ---- live: the key first (one clear sentence and exit 2 without it); it never reaches logs, db or errors
  const wallet: Wallet | null = live ? await loadTradeWallet(o, cfg, logger) : null;

  // ---- market endpoints: the fake exchange for --replay, else flags, config, network
  let fake: FakeExchange | null = null;
  let { wsUrl, apiUrl } = tradeEndpoints(o, cfg);
  const { network } = tradeEndpoints(o, cfg);
  const speed = replaySpeed(o);
  if (o.replay !== undefined) {
    const replay = o.replay;
    fake = await startReplayExchange(
      { ...o, replay },
      {
        tickers: [ticker],
        speed,
        cfg,
        logger,
        wallet,
        network,
        missingFile: (kind) =>
          `--replay ${replay} holds no ${kind}_${ticker}.csv(.gz); pass the --ticker the folder was recorded for, or record ${ticker} there with "hlmm collect --symbols ${ticker}".`,
      },
      opened,
    );
    wsUrl = fake.wsUrl;
    apiUrl = fake.url;
    logger.info('replay: fake exchange started', { data: o.replay, speed, ws: wsUrl });
  }
  // The bot clock follows the exchange's timestamps against a replay (ours, or an external fake exchange with
  // --clock exchange); live against Hyperliquid it is the wall clock.
  const clock: BotClock = fake || o.clock === 'exchange' ? new ReplayFollowClock(speed) : new WallClock();
  const mode: 'dry' | 'live' = live ? 'live' : 'dry';

  // ---- the perp's rules from /info meta (the fake exchange serves the real table)
  const transport = new HttpTransport({ baseUrl: apiUrl });
  const info = new InfoClient({ transport });
  const { instrument, assetIndex } = await readPerpInstrument({ info, apiUrl, ticker, live, logger });
  const maxLeverage = instrument.maxLeverage;

  // ---- leverage: checked against the instrument before anything is sent (live sets it in live-start.ts)
  const leverage = leverageSetting(o, cfg);
  checkLeverage(leverage, ticker, maxLeverage);
  let leverageInForce = leverage?.leverage ?? null;
  if (leverage !== null && !live)
    logger.info('paper: leverage recorded, not simulated', {
      leverage: leverage.leverage,
      margin: leverage.margin,
    });

  // ---- strategy, limits, fill model: the one configuration shared with hlmm backtest
  // The coin's `coins.<TICKER>` lot and limits over them, as with --tickers.
  const settings = coinRunSettings(runSettings(cfg, o), cfg.coins, ticker);
  const lotBase = settings.strategy.orderSizeBase;

  // ---- restore from the store (opened first of all, above)
  let restoreAccount: SavedAccount | undefined;
  if (!live && !o.resetPaper) {
    const pnl = store.latestPnl();
    if (pnl !== null && pnl.coin === ticker)
      restoreAccount = savedPaperAccount(pnl, store.latestPosition(ticker)?.entryPx);
  }
  let startingBalance = settings.startingBalanceQuote;

  // ---- venue
  let venue: Venue;
  let userSession: { stop(): Promise<void> } | null = null;
  let liveChecks: Pick<LiveStart, 'attach' | 'detach' | 'venue'> | null = null;
  if (live) {
    const { startLiveVenue } = await import('../exchange/hyperliquid/trading/live-start.ts');
    const liveWallet = wallet as Wallet;
    const started = await startLiveVenue({
      o,
      apiUrl,
      wsUrl,
      ticker,
      assetIndex,
      szDecimals: instrument.szDecimals,
      transport,
      store,
      logger: logger.child('venue'),
      isMainnet: network === 'mainnet',
      wallet: liveWallet,
      // Signed times (scheduleCancel) in wall time, also against a replay: Hyperliquid's clock is the wall clock.
      exchangeNowMs: Date.now,
      leverage,
    }).catch((err: unknown) => {
      throw explainStartupRejection(err, {
        network,
        account: liveWallet.accountAddress,
        signer: liveWallet.address,
        isAgent: liveWallet.isAgent,
      });
    });
    venue = started.venue;
    // The bot's own round trips go to the store; hlmm latency turns them into the backtest's latency file.
    started.venue.onLatency = (kind, latencyMs, atMs) =>
      store.recordLatency({ tsMs: atMs, kind, latencyMs, coin: ticker });
    restoreAccount = started.account;
    startingBalance = started.startingBalanceQuote;
    userSession = started.userSession;
    opened.push(() => started.userSession.stop());
    liveChecks = started;
    leverageInForce = started.leverage ?? leverageInForce;
  } else {
    venue = paperVenueFor(settings, undefined, clock);
  }

  // ---- parameters: --params, config, or the replay folder's params_<TICKER>.json
  let paramsFile = o.params ?? null;
  if (paramsFile === null) {
    const fromReplay = o.replay !== undefined ? join(o.replay, `params_${ticker}.json`) : null;
    paramsFile =
      fromReplay !== null && !existsSync(cfg.params_file) && existsSync(fromReplay)
        ? fromReplay
        : cfg.params_file;
  }
  const pf = paramsFile;

  // ---- engine, and the watcher of its parameters file
  const { engine, watcher } = coinEngineAndParams({
    settings,
    cfg,
    o,
    ticker,
    mode,
    instrument,
    venue,
    clock,
    store,
    logger,
    info,
    feed: fake ? `replay:${o.replay}` : wsUrl,
    leverage: leverageInForce,
    startingBalanceQuote: startingBalance,
    paramsFile: pf,
  });
  if (restoreAccount && !live) {
    logger.info('paper state restored from the store', {
      db: dbFile,
      position: restoreAccount.positionBase,
      cash: round(restoreAccount.cashQuote),
      realized: round(restoreAccount.realizedPnlQuote),
    });
  }

  watcher.reload();
  watcher.start();
  opened.push(() => watcher.stop());

  engine.start({ account: restoreAccount });
  opened.push(async () => {
    await engine.stop('start-up failed');
  });
  liveChecks?.attach(engine);
  logger.info(`hlmm trade started (${mode === 'dry' ? 'paper' : 'LIVE'})`, {
    ticker,
    feed: fake ? `replay ${o.replay} at ${speed}x` : wsUrl,
    params: pf,
    db: dbFile,
    orderSize: lotBase,
    szDecimals: instrument.szDecimals,
    toleranceBps: settings.priceToleranceBps,
    latencyMs: settings.fill.entryLatencyMs,
    responseLatencyMs: settings.fill.responseLatencyMs,
    queue: settings.fill.queue,
  });
  const fillsCsv = o.fillsOut !== undefined ? new FillsCsv(o.fillsOut) : null;
  if (fillsCsv) engine.subscribeEvents(fillsCsv);
  // The dashboard's history and markouts; the parameters already loaded count from the first bot time.
  const insight = new BotInsight(() => engine.openOrders());
  engine.subscribeEvents(insight);
  insight.params(engine.params());
  // ---- alerts (webhook, Telegram): a subscriber of the engine's events; delivery never blocks the run loop
  const { alertsFor } = await import('../alerts/setup.ts');
  const alerts = alertsFor(cfg, { botName: cfg.bot_name, coin: ticker, logger: logger.child('alerts') });
  if (alerts) {
    engine.subscribeEvents(alerts.subscriber);
    opened.push(() => alerts.dispatcher.close(0));
    logger.info('alerts on', { to: alerts.sinks.join(', ') });
  }

  // ---- optional collector in the bot: it rides the feed's socket (its channels, every frame), no socket of its own
  const collectDir = o.collect ?? cfg.collector.collect_dir;
  let collector: FeedCollector | null = null;
  if (collectDir) {
    const { startFeedCollector } = await import('../collect/collector.ts');
    opened.push(async () => {
      await collector?.stop();
    });
    collector = startFeedCollector({
      symbols: [ticker],
      outDir: collectDir,
      writer: `hlmm trade (collector.collect_dir, ${ticker})`,
      outDirFlag: 'collector.collect_dir in the config',
      logger: logger.child('collect'),
    });
    logger.info('collector recording', { dir: collectDir });
  }

  // ---- feed
  const feed = new HyperliquidFeed({
    extraSubscriptions: collector?.subscriptions,
    onFrame: collector?.onFrame,
    url: wsUrl,
    coin: ticker,
    onEvent: (ev) => {
      clock.observe(ev.exchMs);
      engine.onMarket(ev);
    },
    onConnect: () => engine.setFeedConnected(true),
    logger: logger.child('feed'),
    stallTimeoutMs: Math.max(5_000, clock.wallMsFor((o.staleS ?? cfg.risk.stale_data_s) * 1000 * 3)),
  });
  collector?.attach(feed.session);
  feed.start();
  opened.push(() => feed.stop());
  const timers: NodeJS.Timeout[] = [];
  opened.push(() => {
    for (const t of timers) clearInterval(t);
  });
  timers.push(
    setInterval(() => {
      if (!feed.connected) engine.setFeedConnected(false);
    }, 100),
  );

  // ---- the daily re-calibration on what the collector (or another recorder) records
  // Reading a directory someone else records (collector.read_dir) takes no writer lock: one writer, many readers.
  const recalibrateDir = collectDir || cfg.collector.read_dir;
  if (recalibrateDir && cfg.collector.recalibrate_daily) {
    const { DailyRecalibration, lotCalibrateArgs } = await import('./daily-recalibration.ts');
    const recal = new DailyRecalibration({
      dataDir: recalibrateDir,
      ticker,
      paramsFile: pf,
      logger: logger.child('recalibrate'),
      calibrateArgs: lotCalibrateArgs(settings),
    });
    timers.push(setInterval(() => recal.onTime(clock.nowMs()), 1_000));
  }

  // ---- monitoring API
  let api: { close(): Promise<void>; url: string } | null = null;
  if (apiSettings !== null) {
    const { startApiServer } = await import('../api/server.ts');
    const { MarketTape } = await import('../api/candles.ts');
    const tape = new MarketTape(() => engine.quotes());
    engine.subscribeEvents(tape);
    api = await startApiServer({
      tape,
      dataDir: o.replay ?? collectDir ?? undefined,
      view: engine,
      store,
      ...apiSettings,
      corsOrigins: o.apiCors ?? cfg.api_server.CORS_origins,
      wsToken: cfg.api_server.ws_token[0],
      allowedHosts: o.apiAllowedHosts ?? cfg.api_server.allowed_hosts,
      logger: logger.child('api'),
      webRoot: o.apiWebRoot,
      insight,
    });
    logger.info('monitoring API listening', { url: api.url, user: apiSettings.username });
  }

  // ---- stopping
  const { stop, stopping, done } = stopOnce(async (reason: string): Promise<EngineRunSummary> => {
    logger.info('stopping', { reason });
    for (const t of timers) clearInterval(t);
    watcher.stop();
    await feed.stop();
    if (collector) await collector.stop();
    await liveChecks?.detach();
    const summary = await engine.stop(reason);
    // The stop sweep saw nothing open on the coin: an order the store still marks open ended unseen.
    if (liveChecks?.venue.sweptClean === true) {
      const { closeStaleStoreOrders } = await import('../exchange/hyperliquid/trading/live-start.ts');
      closeStaleStoreOrders(store, ticker, new Set(), 'not open on the exchange at stop');
    }
    fillsCsv?.close();
    // The shutdown alert (and any still queued) gets a few seconds to leave.
    await alerts?.dispatcher.close(5_000);
    if (userSession) await userSession.stop();
    if (api) await api.close().catch(() => {});
    if (fake) await fake.close();
    store.close();
    dbLock?.release();
    logger.info('stopped', {
      reason,
      fills: summary.fills,
      position: summary.position,
      equity: summary.equity,
    });
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
  const assumptions = { fill_model: mode === 'dry' ? describeFillModel(settings.fill) : null };
  return {
    engine,
    store,
    fake,
    apiUrl: api?.url ?? null,
    done,
    stop,
    failure: triggers.failure,
    assumptions,
  };
}

export function formatSummary(s: EngineRunSummary): string {
  const lines = [
    `hlmm trade summary (${s.mode === 'dry' ? 'paper' : 'live'}, ${s.ticker}, ${s.run_seconds.toFixed(1)} s)`,
    `  orders placed   ${s.orders_placed} (modifies ${s.modifies}, cancels ${s.cancels}, rejects ${s.rejects})`,
    `  fills           ${s.fills}${s.duplicate_fills_ignored ? ` (+${s.duplicate_fills_ignored} duplicates ignored)` : ''}`,
    `  position        ${s.position} ${s.ticker}${s.avg_entry_px !== null ? ` @ ${s.avg_entry_px.toFixed(2)}` : ''}`,
    `  realized PnL    ${s.realized_pnl.toFixed(4)} USDC`,
    `  unrealized PnL  ${s.unrealized_pnl.toFixed(4)} USDC`,
    `  fees            ${s.fees.toFixed(4)} USDC`,
    `  funding         ${s.funding.toFixed(4)} USDC`,
    `  equity          ${s.equity.toFixed(4)} USDC (pnl ${s.pnl.toFixed(4)}, max drawdown ${s.max_drawdown.toFixed(4)})`,
    `  kill switch     ${s.kill_switch ?? 'not tripped'}`,
    `  market events   ${s.market_events}, strategy quotes ${s.quotes}`,
  ];
  return `${lines.join('\n')}\n`;
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

export type { Logger };
