/**
 * The operations around the several-coin bot (`hlmm trade --tickers`), as `hlmm trade --ticker` has them for one:
 * - `--collect DIR` (or `collector.collect_dir`): one collector records every traded coin into DIR, with the files
 *   `hlmm collect --symbols A,B,C` writes (prices_/trades_/orderbooks_<TICKER>, one set per coin), under DIR's
 *   one-writer lock. It rides the bot's one WebSocket (no socket of its own): the bot's feed subscribes to the
 *   recorder's channels and hands it every market-data frame (run-multi-trade.ts).
 * - the daily re-calibration (`collector.recalibrate_daily`): at each new UTC day of the bot clock every coin is
 *   re-calibrated from its own recorded files (DIR, or `collector.read_dir` that another process records) into its
 *   own params_<TICKER>.json, with its own lot and max position; each coin's watcher hot-reloads its file.
 * - alerts (webhook, Telegram): one dispatcher, one subscriber per coin, so every alert names its coin.
 */
import type { CoinsAlerts } from '../alerts/setup.ts';
import type { FeedCollector } from '../collect/collector.ts';
import type { RunSettings } from '../config/run-settings.ts';
import type { HlmmConfig } from '../config/schema.ts';
import type { Logger } from '../core/log.ts';
import type { TradingEngine } from '../engine/trading-engine.ts';
import { refuseCollectIntoReplay } from './collect-dir-check.ts';
import type { CoinsRecalibration } from './daily-recalibration.ts';

export interface MultiCoinOpsOptions {
  cfg: HlmmConfig;
  tickers: readonly string[];
  engines: ReadonlyMap<string, TradingEngine>;
  /** `--collect DIR`; undefined = the config's collector.collect_dir. */
  collectFlag: string | undefined;
  /** `--replay DIR`, whose files the fake exchange is reading. */
  replayDir: string | undefined;
  paramsFileOf: (ticker: string) => string;
  /** Each coin's settings (its lot and max position go to its calibration). */
  settingsOf: (ticker: string) => RunSettings;
  /** Bot time, Unix ms (the day change is the bot clock's). */
  nowMs: () => number;
  logger: Logger;
  /** argv that starts the hlmm CLI for the calibrations (tests); default this process's. */
  cliArgv?: string[];
}

export interface MultiCoinOps {
  /** The recorder of --collect, waiting for the bot's feed to hand it frames (`onFrame`, `subscriptions`). */
  collector: FeedCollector | null;
  collectDir: string | null;
  recalibration: CoinsRecalibration | null;
  alerts: CoinsAlerts | null;
  /** After the engines stopped (their shutdown alerts are queued): collector, timer, alert delivery (≤ 5 s). */
  stop(): Promise<void>;
}

/** How often the bot time is checked for a new UTC day, wall ms. */
const RECALIBRATION_CHECK_WALL_MS = 1_000;

export async function startMultiCoinOps(o: MultiCoinOpsOptions): Promise<MultiCoinOps> {
  const { cfg, tickers, logger } = o;
  const collectDir = o.collectFlag ?? cfg.collector.collect_dir;
  const collectKey = o.collectFlag !== undefined ? '--collect' : 'collector.collect_dir in the config';
  refuseCollectIntoReplay(collectDir, collectKey, o.replayDir);
  const closers: (() => Promise<unknown> | unknown)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => {});
    closers.length = 0;
  };
  try {
    // ---- alerts first: a sink turned on without what it needs is one sentence before anything records
    const { alertsForCoins } = await import('../alerts/setup.ts');
    const alerts = alertsForCoins(cfg, {
      botName: cfg.bot_name,
      coins: tickers,
      logger: logger.child('alerts'),
    });
    if (alerts) {
      for (const [coin, sub] of alerts.subscribers) o.engines.get(coin)?.subscribeEvents(sub);
      closers.push(() => alerts.dispatcher.close(5_000));
      logger.info('alerts on', { to: alerts.sinks.join(', '), coins: tickers.join(',') });
    }

    // ---- one collector for every coin
    let collector: FeedCollector | null = null;
    if (collectDir) {
      const { startFeedCollector } = await import('../collect/collector.ts');
      collector = startFeedCollector({
        symbols: [...tickers],
        outDir: collectDir,
        writer: `hlmm trade --tickers (${tickers.join(',')})`,
        outDirFlag: collectKey,
        logger: logger.child('collect'),
      });
      const c = collector;
      closers.push(() => c.stop());
      logger.info('collector recording', { dir: collectDir, coins: tickers.join(',') });
    }

    // ---- each coin re-calibrated from its own files once per UTC day
    let recalibration: CoinsRecalibration | null = null;
    const recalibrateDir = collectDir || cfg.collector.read_dir;
    if (recalibrateDir && cfg.collector.recalibrate_daily) {
      const { CoinsRecalibration, DailyRecalibration, lotCalibrateArgs } = await import(
        './daily-recalibration.ts'
      );
      if (!collectDir) {
        // Someone else records read_dir: say now which coins it lacks (their calibration would fail each day).
        const { findMarketFiles } = await import('../data/layout.ts');
        for (const t of tickers)
          if (findMarketFiles(recalibrateDir, 'trades', t).length === 0)
            logger.warn(
              `collector.read_dir ${recalibrateDir} holds no trades of ${t}; its daily re-calibration fails until that folder records ${t}`,
            );
      }
      recalibration = new CoinsRecalibration(
        tickers.map((ticker) => {
          const s = o.settingsOf(ticker);
          return new DailyRecalibration({
            dataDir: recalibrateDir,
            ticker,
            paramsFile: o.paramsFileOf(ticker),
            logger: logger.child('recalibrate').child(ticker),
            cliArgv: o.cliArgv,
            calibrateArgs: lotCalibrateArgs(s),
          });
        }),
      );
      const r = recalibration;
      const timer = setInterval(() => r.onTime(o.nowMs()), RECALIBRATION_CHECK_WALL_MS);
      closers.push(() => clearInterval(timer));
      logger.info('daily re-calibration on', { data: recalibrateDir, coins: tickers.join(',') });
    }

    let stopping: Promise<void> | null = null;
    return {
      collector,
      collectDir: collectDir || null,
      recalibration,
      alerts,
      stop: () => {
        stopping ??= close();
        return stopping;
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}
