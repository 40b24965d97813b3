import type { Instrument } from '../core/instrument.ts';
import type { Logger } from '../core/log.ts';
import type { BotInfo } from '../engine/bot-view.ts';
import { type Clock, SimulatedClock } from '../engine/clock.ts';
import type { FundingSource } from '../engine/funding.ts';
import { PaperVenue } from '../engine/paper-venue.ts';
import { TradingEngine, type TradingEngineOptions } from '../engine/trading-engine.ts';
import type { Venue } from '../engine/venue.ts';
import type { TradeStore } from '../store/trade-store.ts';
import { createStrategy } from '../strategy/index.ts';
import { OnlineParams } from '../strategy/online-params.ts';
import type { Strategy } from '../strategy/types.ts';
import type { RunSettings } from './run-settings.ts';

/**
 * How `hlmm trade` turns the one configuration (src/config/run-settings.ts) into its strategy, paper venue and
 * engine settings. The backtest builds its engine from the same settings (src/backtest/settings.ts); the parity
 * test drives both with the same events and expects the same orders and fills.
 */

/** The venue's instrument (price and lot grids, minimum order value) reaches the strategy here. */
export function strategyFor(s: RunSettings, instrument: Instrument): Strategy {
  return createStrategy({ ...s.strategy, instrument });
}

/** The online-parameters component of the configuration (null = calibrated parameters only). */
export function onlineParamsFor(s: RunSettings, instrument: Instrument): OnlineParams | null {
  return s.online === null ? null : new OnlineParams(s.online, instrument);
}

/**
 * The paper venue of the configured fill model (queue, latencies, fees). `clock`: the bot's clock, which delivers
 * reports after the response latency (required when it is above 0).
 */
export function paperVenueFor(s: RunSettings, tidBase?: number, clock?: Clock): PaperVenue {
  return new PaperVenue({ fillModel: s.fill, tidBase, clock });
}

/** The engine settings that come from the configuration (the caller adds venue, clock, store, logger, info). */
export function engineSettingsFor(
  s: RunSettings,
  instrument: Instrument,
): Pick<
  TradingEngineOptions,
  | 'lotBase'
  | 'risk'
  | 'startingBalanceQuote'
  | 'priceToleranceBps'
  | 'replaceWith'
  | 'requoteIntervalMs'
  | 'flatten'
> {
  const lotBase = s.strategy.orderSizeBase;
  return {
    lotBase,
    risk: { ...s.risk, lotBase, instrument },
    startingBalanceQuote: s.startingBalanceQuote,
    priceToleranceBps: s.priceToleranceBps,
    replaceWith: s.replaceWith,
    requoteIntervalMs: s.requoteIntervalMs,
    flatten: s.flatten,
  };
}

/**
 * The housekeeping timer (venue retries, risk checks, status snapshots) every 100 wall ms, in bot ms: a replay at
 * --speed 60 ticks every 6 s of bot time. A simulated clock has none: between two recorded events nothing outside
 * the simulation can happen (no network, no operator), and the re-quote timer covers silences.
 */
export function housekeepingMsFor(clock: Clock): number {
  if (clock instanceof SimulatedClock) return 0;
  const bot = clock as Clock & { botMsFor?: (wallMs: number) => number };
  return bot.botMsFor ? bot.botMsFor(100) : 100;
}

/** Where an engine of `hlmm trade` runs: everything that is not the configuration. */
export interface EngineWorld {
  venue: Venue;
  clock: Clock;
  coin: string;
  /** The traded contract as the venue states it. */
  instrument: Instrument;
  info: Omit<BotInfo, 'startedMs' | 'strategy'>;
  store: TradeStore | null;
  logger: Logger | null;
  /** The exchange account's balance live; default the configured paper wallet. */
  startingBalanceQuote?: number;
  funding?: FundingSource | null;
  wallNowMs?: () => number;
  quoteLogIntervalMs?: number;
  snapshotIntervalMs?: number;
  reloadParams?: () => void;
}

/** The trading engine of `hlmm trade` from the one configuration (and, in process, of the parity test). */
export function tradingEngineFor(s: RunSettings, w: EngineWorld): TradingEngine {
  const strategy = strategyFor(s, w.instrument);
  return new TradingEngine({
    info: { ...w.info, strategy: strategy.name },
    coin: w.coin,
    strategy,
    ...engineSettingsFor(s, w.instrument),
    startingBalanceQuote: w.startingBalanceQuote ?? s.startingBalanceQuote,
    venue: w.venue,
    clock: w.clock,
    wallNowMs: w.wallNowMs,
    tickMs: housekeepingMsFor(w.clock),
    store: w.store,
    logger: w.logger,
    quoteLogIntervalMs: w.quoteLogIntervalMs,
    snapshotIntervalMs: w.snapshotIntervalMs,
    reloadParams: w.reloadParams,
    funding: w.funding,
    onlineParams: onlineParamsFor(s, w.instrument),
  });
}
