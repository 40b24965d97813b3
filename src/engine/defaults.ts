/**
 * The defaults of the engine, the fill model and the risk layer, defined once: the config file's schema
 * (src/config/schema.ts), `hlmm backtest`, `hlmm trade` and the backtest library all read them from here (the
 * strategy's own defaults are `defaultStrategyConfig` in src/strategy/config.ts). A backtest predicts the bot only
 * if both run with the same settings.
 */
export const ENGINE_DEFAULTS = {
  /** Keep a resting quote within this many bps of the model price (fewer re-prices, the queue place kept). */
  priceToleranceBps: 1,
  /** Ask the strategy at least this often even when the touch does not move, bot ms. */
  requoteIntervalMs: 1000,
  replaceWith: 'modify' as 'modify' | 'cancel-then-place',
} as const;

/** The fill model's defaults live with the fill model's one configuration (src/sim/fill-model-config.ts). */
export { FILL_MODEL_DEFAULTS } from '../sim/fill-model-config.ts';

export const RISK_DEFAULTS = {
  maxPositionLots: 10,
  maxNotionalQuote: 1000,
  dailyLossLimitQuote: 50,
  maxDrawdownQuote: 100,
  staleDataS: 10,
  /** Paper wallet / backtest starting balance, quote. */
  startingBalanceQuote: 1000,
} as const;
