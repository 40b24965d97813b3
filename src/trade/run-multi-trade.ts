/**
 * `hlmm trade --tickers BTC,ETH,SOL` (paper): several coins, one process, one account, one store, one WebSocket.
 * Each coin runs the engine of `hlmm trade --ticker` (same strategy, per-coin limits, paper venue) with its own
 * parameters file from --params-dir (hot-reloaded); the account's limits (account-risk.ts) are checked over all
 * of them and its kill switch pulls every coin. A coin whose parameters are missing or refused does not quote,
 * the others go on.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { paperVenueFor, tradingEngineFor } from '../config/engine-setup.ts';
import { loadConfig } from '../config/load-config.ts';
import { runSettings } from '../config/run-settings.ts';
import type { HlmmConfig } from '../config/schema.ts';
import { UserError } from '../core/errors.ts';
import { createLogger } from '../core/log.ts';
import type { SavedAccount } from '../engine/account.ts';
import { AccountRisk, type AccountRiskState } from '../engine/account-risk.ts';
import { FillsCsv } from '../engine/fills-csv.ts';
import type { EngineRunSummary, TradingEngine } from '../engine/trading-engine.ts';
import { HttpTransport } from '../exchange/hyperliquid/http.ts';
import { InfoClient } from '../exchange/hyperliquid/info-client.ts';
import { fundingFor } from '../exchange/hyperliquid/trading/funding.ts';
import { SharedMarketFeed } from '../exchange/hyperliquid/trading/market-feed.ts';
import { readPerpInstrument } from '../exchange/hyperliquid/trading/perp-instrument.ts';
import type { FakeExchange } from '../fake-exchange/server.ts';
import { lockDatabase } from '../store/db-lock.ts';
import { StoreGuard } from '../store/store-guard.ts';
import { openStore, type TradeStore } from '../store/trade-store.ts';
import { type BotClock, MAX_REPLAY_SPEED, ReplayFollowClock, WallClock } from './bot-clock.ts';
import { ParamsWatcher } from './params-watch.ts';
import type { TradeCommandOptions } from './run-trade.ts';
import { armStopTriggers } from './stop-triggers.ts';

/** The account's run summary: every coin's engine summary and the account's risk state. */
export interface MultiRunSummary {
  tickers: string[];
  coins: Record<string, EngineRunSummary>;
  account: {
    starting_balance: number;
    /** Σ of the coins' pnl, USDC. */
    pnl: number;
    equity: number;
    fills: number;
    max_drawdown: number;
    max_total_notional: number;
    kill_switch: string | null;
  };
}

export interface RunningMultiBot {
  engines: Map<string, TradingEngine>;
  account: AccountRisk;
  store: TradeStore;
  fake: FakeExchange | null;
  /** Base URL of the monitoring API (one for every coin), null when it is off. */
  apiUrl: string | null;
  done: Promise<MultiRunSummary>;
  stop(reason: string): Promise<MultiRunSummary>;
  failure(): Error | null;
}

/** How often the account's limits are checked, wall ms (the per-coin checks run on each engine's own timer). */
const ACCOUNT_CHECK_WALL_MS = 100;

export async function startMultiTrading(
  o: TradeCommandOptions,
  tickers: readonly string[],
  env: { handleSignals: boolean },
): Promise<RunningMultiBot> {
  const opened: (() => unknown)[] = [];
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
  env: { handleSignals: boolean },
  opened: (() => unknown)[],
): Promise<RunningMultiBot> {
  const cfg: HlmmConfig = loadConfig(o.config);
  if (o.live === true)
    throw new UserError(
      '--tickers trades paper only in this version; for live trading run one bot per coin with --ticker.',
    );
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
  const dbLock = lockDatabase(dbFile, {
    mode: o.replay !== undefined ? 'replay' : 'paper',
    ticker: tickers.join(','),
  });
  opened.push(() => dbLock?.release());
  const store = new StoreGuard(openStore(dbFile), { logger: logger.child('store') });
  opened.push(() => store.close());

  let wsUrl = o.wsUrl ?? cfg.exchange.ws_url;
  let apiUrl = o.apiUrl ?? cfg.exchange.api_url;
  const speed = o.speed ?? 1;
  if (!(speed > 0 && speed <= MAX_REPLAY_SPEED))
    throw new UserError(
      `--speed ${speed} is out of range; give a number above 0 and at most ${MAX_REPLAY_SPEED}.`,
    );
  let fake: FakeExchange | null = null;
  if (o.replay !== undefined) {
    if (!existsSync(o.replay))
      throw new UserError(
        `--replay ${o.replay}: no such directory; pass a folder recorded by "hlmm collect".`,
      );
    const { findMarketFile } = await import('../data/layout.ts');
    for (const ticker of tickers)
      for (const kind of ['prices', 'trades'] as const)
        if (findMarketFile(o.replay, kind, ticker) === null)
          throw new UserError(
            `--replay ${o.replay} holds no ${kind}_${ticker}.csv(.gz); drop ${ticker} from --tickers or record it there with "hlmm collect --symbols ${ticker}".`,
          );
    const { startFakeExchange } = await import('../fake-exchange/server.ts');
    fake = await startFakeExchange({
      dataDir: o.replay,
      symbols: [...tickers],
      port: 0,
      speed,
      loop: o.loop === true,
      idleTimeoutMs: 0,
      logger: logger.child('fake-exchange'),
    });
    opened.push(() => fake?.close());
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
  const info = new InfoClient({ transport: new HttpTransport({ baseUrl: apiUrl }) });
  const settings = runSettings(cfg, o);
  const paramsDir = o.paramsDir ?? o.replay ?? '.';
  const account = new AccountRisk(settings.account, settings.startingBalanceQuote);
  const engines = new Map<string, TradingEngine>();
  const watchers: ParamsWatcher[] = [];
  opened.push(() => {
    for (const w of watchers) w.stop();
  });
  // Paper fill ids from the wall µs, one range per coin: the store's fills are unique by tid across coins.
  const tidBase = Date.now() * 1000;
  for (const [i, ticker] of tickers.entries()) {
    const { instrument } = await readPerpInstrument({ info, apiUrl, ticker, live: false, logger });
    const venue = paperVenueFor(settings, tidBase + i * 1e13);
    const coinLog = logger.child(ticker);
    let watcher: ParamsWatcher | null = null;
    const engine = tradingEngineFor(settings, {
      info: {
        botName: cfg.bot_name,
        ticker,
        mode: 'dry',
        model: settings.strategy.model ?? cfg.strategy.model,
        stakeCurrency: 'USDC',
        version: '0.1.0',
        feed: fake ? `replay:${o.replay}` : wsUrl,
      },
      coin: ticker,
      instrument,
      venue,
      clock,
      wallNowMs: Date.now,
      store,
      logger: coinLog,
      quoteLogIntervalMs: (o.quoteLogS ?? cfg.logging.quote_log_interval_s) * 1000,
      snapshotIntervalMs: 5_000,
      reloadParams: () => watcher?.reload(),
      funding: fundingFor(venue, { coin: ticker, info, logger: coinLog.child('funding') }),
    });
    engines.set(ticker, engine);
    account.add({
      coin: ticker,
      pnlQuote: () => engine.accounting.equity() - engine.accounting.startingBalanceQuote,
      notionalQuote: () =>
        engine.accounting.mid > 0 ? Math.abs(engine.accounting.positionBase) * engine.accounting.mid : 0,
      tripKillSwitch: (reason) => engine.tripKillSwitch(reason),
    });
    const maxTotal = settings.account.maxTotalNotionalQuote;
    if (maxTotal !== null)
      engine.guard.accountNotional = {
        maxTotalNotionalQuote: maxTotal,
        othersNotionalQuote: () => account.othersNotionalQuote(ticker),
      };
    const file = join(paramsDir, `params_${ticker}.json`);
    watcher = new ParamsWatcher({
      file,
      ticker,
      orderSizeBase: cfg.strategy.mode === 'two-sided' ? settings.strategy.orderSizeBase : undefined,
      onAccept: (loaded) => {
        for (const note of loaded.notes) coinLog.warn(note, { params: file });
        engine.acceptParams(loaded, file);
      },
      onRefuse: (reason) => {
        coinLog.warn(`${ticker} does not quote until its parameters load; the other coins go on`, {
          params: file,
        });
        engine.refuseParams(reason, file);
      },
    });
    watchers.push(watcher);
    let restore: SavedAccount | undefined;
    const pnl = o.resetPaper ? null : store.latestPnl(ticker);
    if (pnl !== null) {
      restore = {
        positionBase: pnl.positionSz,
        avgEntryPx: store.latestPosition(ticker)?.entryPx ?? null,
        cashQuote: pnl.cashQuote,
        realizedPnlQuote: pnl.realizedQuote,
        feesQuote: pnl.feesQuote,
        fundingQuote: pnl.fundingQuote,
      };
    }
    watcher.reload();
    watcher.start();
    engine.start({ account: restore });
    opened.push(() => engine.stop('start-up failed'));
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
  const { startMultiApi } = await import('./multi-api.ts');
  const api = await startMultiApi({ o, cfg, engines, account, store, logger });
  if (api) opened.push(() => api.close());

  // ---- one WebSocket for every coin
  const feed = new SharedMarketFeed({
    url: wsUrl,
    coins: tickers,
    onEvent: (coin, ev) => {
      clock.observe(ev.exchMs);
      engines.get(coin)?.onMarket(ev);
    },
    onConnect: () => {
      for (const e of engines.values()) e.setFeedConnected(true);
    },
    logger: logger.child('feed'),
    stallTimeoutMs: Math.max(5_000, clock.wallMsFor((o.staleS ?? cfg.risk.stale_data_s) * 1000 * 3)),
  });
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
  logger.info('hlmm trade started (paper, several coins)', {
    tickers: tickers.join(','),
    feed: fake ? `replay ${o.replay} at ${speed}x` : wsUrl,
    paramsDir,
    db: dbFile,
  });

  let stopping: Promise<MultiRunSummary> | null = null;
  let resolveDone: (s: MultiRunSummary) => void = () => {};
  const done = new Promise<MultiRunSummary>((resolve) => {
    resolveDone = resolve;
  });
  const stop = (reason: string): Promise<MultiRunSummary> => {
    stopping ??= (async () => {
      logger.info('stopping', { reason });
      for (const t of timers) clearInterval(t);
      for (const w of watchers) w.stop();
      await feed.stop();
      const coins: Record<string, EngineRunSummary> = {};
      for (const [ticker, engine] of engines) coins[ticker] = await engine.stop(reason);
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
        coins,
        account: {
          starting_balance: settings.startingBalanceQuote,
          pnl: all.reduce((s, c) => s + c.pnl, 0),
          equity: final.equityQuote,
          fills: all.reduce((s, c) => s + c.fills, 0),
          max_drawdown: final.maxDrawdownQuote,
          max_total_notional: final.maxTotalNotionalQuote,
          kill_switch: account.killSwitch?.reason ?? null,
        },
      };
      logger.info('stopped', { reason, fills: summary.account.fills, pnl: summary.account.pnl });
      resolveDone(summary);
      return summary;
    })();
    return stopping;
  };
  const triggers = armStopTriggers({
    stop,
    stopping: () => stopping !== null,
    durationS: o.durationS,
    replayDone: fake ? fake.replayDone : null,
    handleSignals: env.handleSignals,
    timers,
    logger,
  });
  return { engines, account, store, fake, apiUrl: api?.url ?? null, done, stop, failure: triggers.failure };
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
      `  kill switch     ${a.kill_switch ?? 'not tripped'}`,
    ].join('\n'),
  );
  return `${parts.join('')}\n`;
}
