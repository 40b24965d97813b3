import type { RunSettings } from '../config/run-settings.ts';
import type { TradingEngineOptions } from '../engine/trading-engine.ts';
import { createStrategy } from '../strategy/index.ts';
import type { Strategy } from '../strategy/types.ts';
import { PaperVenue } from './paper-venue.ts';

/**
 * How `hlmm trade` turns the one configuration (src/config/run-settings.ts) into its strategy, paper venue and
 * engine settings. The backtest builds its engine from the same settings (src/backtest/settings.ts); the parity
 * test drives both with the same events and expects the same orders and fills.
 */

/** The venue's lot grid and minimum order value reach the strategy here (Hyperliquid: 10 USDC). */
export function strategyFor(
  s: RunSettings,
  venue: { szDecimals: number; minOrderValueQuote: number },
): Strategy {
  return createStrategy({
    ...s.strategy,
    szDecimals: venue.szDecimals,
    minOrderValueQuote: venue.minOrderValueQuote,
  });
}

/** The paper venue of the configured fill model (queue, latencies, fees). */
export function paperVenueFor(s: RunSettings, tidBase?: number): PaperVenue {
  return new PaperVenue({
    makerFeeRate: s.fill.makerFeeRate,
    takerFeeRate: s.fill.takerFeeRate,
    latencyMs: s.fill.latencyMs,
    cancelLatencyMs: s.fill.cancelLatencyMs,
    queue: s.fill.queue,
    queuePower: s.fill.queuePower,
    tidBase,
  });
}

/** The engine settings that come from the configuration (the caller adds venue, clock, store, logger, info). */
export function engineSettingsFor(
  s: RunSettings,
  venue: { szDecimals: number; minOrderValueQuote: number },
): Pick<
  TradingEngineOptions,
  'lotBase' | 'risk' | 'startingBalanceQuote' | 'priceToleranceBps' | 'replaceWith' | 'requoteIntervalMs'
> {
  const lotBase = s.strategy.orderSizeBase;
  return {
    lotBase,
    risk: { ...s.risk, lotBase, minOrderValueQuote: venue.minOrderValueQuote, szDecimals: venue.szDecimals },
    startingBalanceQuote: s.startingBalanceQuote,
    priceToleranceBps: s.priceToleranceBps,
    replaceWith: s.replaceWith,
    requoteIntervalMs: s.requoteIntervalMs,
  };
}
