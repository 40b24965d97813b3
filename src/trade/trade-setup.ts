/**
 * The start-up steps `hlmm trade` takes the same way for one coin (run-trade.ts) and for several from one account
 * (run-multi-trade.ts): the database lock and store, the key, the exchange endpoints and the network the orders
 * are signed for, the in-process fake exchange of --replay, the paper account restored from the store, and the
 * one stop that every trigger (signal, --duration-s, end of replay) calls.
 */
import { existsSync } from 'node:fs';
import { tradingEngineFor } from '../config/engine-setup.ts';
import type { RunSettings } from '../config/run-settings.ts';
import { type HlmmConfig, NETWORK_URLS } from '../config/schema.ts';
import { UserError } from '../core/errors.ts';
import type { Instrument } from '../core/instrument.ts';
import type { Logger } from '../core/log.ts';
import type { SavedAccount } from '../engine/account.ts';
import type { TradingEngine } from '../engine/trading-engine.ts';
import type { Venue } from '../engine/venue.ts';
import type { InfoClient } from '../exchange/hyperliquid/info-client.ts';
import { fundingFor } from '../exchange/hyperliquid/trading/funding.ts';
import type { Wallet } from '../exchange/hyperliquid/wallet.ts';
import type { FakeExchange } from '../fake-exchange/server.ts';
import { type DbLock, lockDatabase } from '../store/db-lock.ts';
import { StoreGuard } from '../store/store-guard.ts';
import { openStore, type TradeStore } from '../store/trade-store.ts';
import { type BotClock, MAX_REPLAY_SPEED } from './bot-clock.ts';
import { ParamsWatcher } from './params-watch.ts';
import type { TradeCommandOptions } from './trade-options.ts';

/** Closes one thing start-up opened (may return a promise); closed in reverse order should a later step fail. */
export type StartupCleanup = () => unknown;

/**
 * One bot per database: the lock before anything starts (a refusal leaves nothing running); then the store, so an
 * unwritable --db is one sentence before anything connects, in every mode. Every write goes through the guard: a
 * failing store pulls the quotes instead of throwing (store-guard.ts).
 */
export function openBotStore(
  dbFile: string,
  who: { mode: string; ticker: string },
  logger: Logger,
  opened: StartupCleanup[],
): { store: StoreGuard; dbLock: DbLock | null } {
  const dbLock = lockDatabase(dbFile, who);
  opened.push(() => dbLock?.release());
  const store = new StoreGuard(openStore(dbFile), { logger: logger.child('store') });
  opened.push(() => store.close());
  return { store, dbLock };
}

/** Live: the key (one clear sentence and exit 2 without it); it never reaches logs, db or errors. */
export async function loadTradeWallet(
  o: Pick<TradeCommandOptions, 'keyFile' | 'account'>,
  cfg: HlmmConfig,
  logger: Logger,
): Promise<Wallet> {
  const { loadWallet } = await import('../exchange/hyperliquid/wallet.ts');
  return loadWallet({
    keyFile: o.keyFile ?? cfg.exchange.private_key_file ?? undefined,
    envVar: cfg.exchange.private_key_env,
    accountAddress: o.account ?? cfg.exchange.account_address ?? undefined,
    removeFromEnv: true,
    warn: (m) => logger.warn(m),
  });
}

/**
 * Market endpoints from the flags, the config and the network. The network signatures are made for comes from the
 * config (or --testnet), never from the URL: a proxy or a stand-in at another URL must not silently turn mainnet
 * orders into testnet signatures (or back).
 */
export function tradeEndpoints(
  o: Pick<TradeCommandOptions, 'wsUrl' | 'apiUrl' | 'testnet'>,
  cfg: HlmmConfig,
): { wsUrl: string; apiUrl: string; network: 'mainnet' | 'testnet' } {
  let wsUrl = o.wsUrl ?? cfg.exchange.ws_url;
  let apiUrl = o.apiUrl ?? cfg.exchange.api_url;
  const network: 'mainnet' | 'testnet' = o.testnet ? 'testnet' : cfg.exchange.network;
  if (o.testnet && !o.wsUrl && !o.apiUrl) {
    wsUrl = NETWORK_URLS.testnet.ws;
    apiUrl = NETWORK_URLS.testnet.api;
  }
  const otherNetwork = network === 'mainnet' ? 'testnet' : 'mainnet';
  if (apiUrl.replace(/\/+$/, '') === NETWORK_URLS[otherNetwork].api) {
    throw new UserError(
      `the exchange URL ${apiUrl} is Hyperliquid ${otherNetwork} but orders would be signed for ${network}; set "exchange.network" to "${otherNetwork}"${otherNetwork === 'testnet' ? ' (or pass --testnet)' : ' and drop --testnet'}, or point --api-url at ${network}.`,
    );
  }
  return { wsUrl, apiUrl, network };
}

/** --speed within its range, else one sentence. */
export function replaySpeed(o: Pick<TradeCommandOptions, 'speed'>): number {
  const speed = o.speed ?? 1;
  if (!(speed > 0 && speed <= MAX_REPLAY_SPEED)) {
    throw new UserError(
      `--speed ${speed} is out of range; give a number above 0 and at most ${MAX_REPLAY_SPEED}.`,
    );
  }
  return speed;
}

/**
 * --replay DIR: the fake exchange in-process on a free loopback port, replaying `tickers` from DIR. With a wallet
 * (--replay --live) our account exists on it with the paper wallet's USDC, and it checks signatures for the network
 * the bot signs for, as Hyperliquid's mainnet or testnet would. `missingFile` words the refusal of a coin the folder
 * lacks (in trade's words: the fake exchange's own sentence names its --data flag, which trade lacks).
 */
export async function startReplayExchange(
  o: Pick<TradeCommandOptions, 'replay' | 'loop' | 'wallet'> & { replay: string },
  s: {
    tickers: readonly string[];
    speed: number;
    cfg: HlmmConfig;
    logger: Logger;
    wallet: Wallet | null;
    network: 'mainnet' | 'testnet';
    missingFile: (kind: 'prices' | 'trades', ticker: string) => string;
  },
  opened: StartupCleanup[],
): Promise<FakeExchange> {
  if (!existsSync(o.replay))
    throw new UserError(`--replay ${o.replay}: no such directory; pass a folder recorded by "hlmm collect".`);
  const { findMarketFile } = await import('../data/layout.ts');
  for (const ticker of s.tickers)
    for (const kind of ['prices', 'trades'] as const)
      if (findMarketFile(o.replay, kind, ticker) === null) throw new UserError(s.missingFile(kind, ticker));
  const { startFakeExchange } = await import('../fake-exchange/server.ts');
  const fake = await startFakeExchange({
    dataDir: o.replay,
    symbols: [...s.tickers],
    port: 0,
    speed: s.speed,
    loop: o.loop === true,
    idleTimeoutMs: 0,
    logger: s.logger.child('fake-exchange'),
    trading: s.wallet
      ? {
          accounts: [{ address: s.wallet.accountAddress, usdc: o.wallet ?? s.cfg.dry_run_wallet }],
          isMainnet: s.network === 'mainnet',
        }
      : undefined,
  });
  opened.push(() => fake.close());
  return fake;
}

/** The paper account saved in the store (a pnl row and the position's entry), to carry on after a restart. */
export function savedPaperAccount(
  pnl: {
    positionSz: number;
    cashQuote: number;
    realizedQuote: number;
    feesQuote: number;
    fundingQuote: number;
  } | null,
  entryPx: number | null | undefined,
): SavedAccount | undefined {
  if (pnl === null) return undefined;
  return {
    positionBase: pnl.positionSz,
    avgEntryPx: entryPx ?? null,
    cashQuote: pnl.cashQuote,
    realizedPnlQuote: pnl.realizedQuote,
    feesQuote: pnl.feesQuote,
    fundingQuote: pnl.fundingQuote,
  };
}

/**
 * The bot's one stop: the first call runs `run(reason)`, every later one gets the same promise; `done` resolves
 * with its summary.
 */
export function stopOnce<S>(run: (reason: string) => Promise<S>): {
  stop(reason: string): Promise<S>;
  stopping(): boolean;
  done: Promise<S>;
} {
  let stopping: Promise<S> | null = null;
  let resolveDone: (s: S) => void = () => {};
  const done = new Promise<S>((resolve) => {
    resolveDone = resolve;
  });
  return {
    done,
    stopping: () => stopping !== null,
    stop(reason) {
      stopping ??= run(reason).then((s) => {
        resolveDone(s);
        return s;
      });
      return stopping;
    },
  };
}

/**
 * One coin's engine as `hlmm trade` builds it (one coin or one of several) and the watcher of its parameters file
 * (created, not started: the caller reloads and starts it). `onRefuse` is told before the engine when the file is
 * refused (several coins: the warning that the other coins go on).
 */
export function coinEngineAndParams(s: {
  settings: RunSettings;
  cfg: HlmmConfig;
  o: Pick<TradeCommandOptions, 'quoteLogS'>;
  ticker: string;
  mode: 'dry' | 'live';
  instrument: Instrument;
  venue: Venue;
  clock: BotClock;
  store: TradeStore;
  logger: Logger;
  info: InfoClient;
  /** What the API reports as the feed: the WebSocket URL, or `replay:DIR`. */
  feed: string;
  /** Leverage in force (times), null = unknown. */
  leverage: number | null;
  /** Live: the exchange's account value; paper: the settings' wallet. */
  startingBalanceQuote?: number;
  paramsFile: string;
  onRefuse?: (reason: string) => void;
}): { engine: TradingEngine; watcher: ParamsWatcher } {
  const { settings, cfg, ticker, venue, logger } = s;
  let watcher: ParamsWatcher | null = null;
  const engine = tradingEngineFor(settings, {
    info: {
      botName: cfg.bot_name,
      ticker,
      mode: s.mode,
      model: settings.strategy.model ?? cfg.strategy.model,
      stakeCurrency: 'USDC',
      version: '0.1.0',
      feed: s.feed,
      ...(s.leverage !== null ? { leverage: s.leverage } : {}),
    },
    coin: ticker,
    instrument: s.instrument,
    venue,
    clock: s.clock,
    wallNowMs: Date.now,
    ...(s.startingBalanceQuote !== undefined ? { startingBalanceQuote: s.startingBalanceQuote } : {}),
    store: s.store,
    logger,
    quoteLogIntervalMs: (s.o.quoteLogS ?? cfg.logging.quote_log_interval_s) * 1000,
    snapshotIntervalMs: 5_000,
    reloadParams: () => watcher?.reload(),
    funding: fundingFor(venue, { coin: ticker, info: s.info, logger: logger.child('funding') }),
  });
  const file = s.paramsFile;
  watcher = new ParamsWatcher({
    file,
    ticker,
    // Long-only trades a fixed quote stake, not --order-size lots: its γ is not rescaled (as in the backtest).
    orderSizeBase: cfg.strategy.mode === 'two-sided' ? settings.strategy.orderSizeBase : undefined,
    onAccept: (loaded) => {
      for (const note of loaded.notes) logger.warn(note, { params: file });
      engine.acceptParams(loaded, file);
    },
    onRefuse: (reason) => {
      s.onRefuse?.(reason);
      engine.refuseParams(reason, file);
    },
  });
  return { engine, watcher };
}
