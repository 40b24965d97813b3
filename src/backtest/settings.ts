import type { RunSettings } from '../config/run-settings.ts';
import type { Logger } from '../core/log.ts';
import type { ModelParams } from '../model/params.ts';
import { strategyFor } from '../trade/engine-setup.ts';
import type { BacktestConfig } from './config.ts';

/**
 * The backtest of the one configuration (src/config/run-settings.ts): the same strategy factory, risk limits,
 * fill model and engine settings as `hlmm trade` builds from it (src/trade/engine-setup.ts).
 */
export function backtestConfigFor(
  s: RunSettings,
  o: {
    params: ModelParams;
    /** The venue's size decimals and minimum order value (Hyperliquid: 10 USDC). */
    venue: { szDecimals: number; minOrderValueQuote: number };
    coin: string;
    logger?: Logger | null;
    keepFills?: boolean;
    series?: boolean;
  },
): BacktestConfig {
  return {
    strategy: strategyFor(s, o.venue),
    params: o.params,
    orderSizeBase: s.strategy.orderSizeBase,
    maxPositionLots: s.strategy.maxPositionLots,
    fillModel: s.fill,
    priceToleranceBps: s.priceToleranceBps,
    replaceWith: s.replaceWith,
    requoteIntervalMs: s.requoteIntervalMs,
    risk: { ...s.risk, minOrderValueQuote: o.venue.minOrderValueQuote, szDecimals: o.venue.szDecimals },
    fundingRatePerHour: s.fundingRatePerHour,
    startingBalanceQuote: s.startingBalanceQuote,
    coin: o.coin,
    logger: o.logger ?? null,
    keepFills: o.keepFills ?? false,
    series: o.series ?? false,
  };
}
