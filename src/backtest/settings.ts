import { strategyFor } from '../config/engine-setup.ts';
import type { RunSettings } from '../config/run-settings.ts';
import type { Instrument } from '../core/instrument.ts';
import type { Logger } from '../core/log.ts';
import type { ModelParams } from '../model/params.ts';
import type { BacktestConfig } from './config.ts';

/**
 * The backtest of the one configuration (src/config/run-settings.ts): the same strategy factory, risk limits,
 * fill model and engine settings as `hlmm trade` builds from it (src/config/engine-setup.ts).
 */
export function backtestConfigFor(
  s: RunSettings,
  o: {
    params: ModelParams;
    /** The traded contract (price and lot grids, minimum order value) as the venue states it. */
    instrument: Instrument;
    coin: string;
    logger?: Logger | null;
    keepFills?: boolean;
    series?: boolean;
  },
): BacktestConfig {
  return {
    strategy: strategyFor(s, o.instrument),
    params: o.params,
    orderSizeBase: s.strategy.orderSizeBase,
    maxPositionLots: s.strategy.maxPositionLots,
    fillModel: s.fill,
    priceToleranceBps: s.priceToleranceBps,
    replaceWith: s.replaceWith,
    requoteIntervalMs: s.requoteIntervalMs,
    risk: { ...s.risk, instrument: o.instrument },
    fundingRatePerHour: s.fundingRatePerHour,
    flatten: s.flatten,
    startingBalanceQuote: s.startingBalanceQuote,
    coin: o.coin,
    logger: o.logger ?? null,
    keepFills: o.keepFills ?? false,
    series: o.series ?? false,
    online: s.online === null ? null : { settings: s.online, instrument: o.instrument },
  };
}

/** The latency factors the report shows PnL at: none, the configured latency, twice it. */
export const LATENCY_FACTORS = [0, 1, 2] as const;
