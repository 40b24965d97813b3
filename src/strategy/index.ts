/** createStrategy: the one factory backtest, paper and live trading call (see types.ts for the contract). */
import { type StrategyConfig, strategyConfig } from './config.ts';
import { FillDelayStrategy } from './fill-delay.ts';
import { LongOnlyStrategy } from './long-only.ts';
import { TwoSidedStrategy } from './two-sided.ts';
import type { Strategy } from './types.ts';

export type { QuotingModel, StrategyConfig, StrategyMode } from './config.ts';
export { defaultStrategyConfig, strategyConfig } from './config.ts';

/** Builds the strategy; missing settings take the defaults, bad ones are a UserError naming the key. */
export function createStrategy(config: Partial<StrategyConfig> = {}): Strategy {
  const c = strategyConfig(config);
  const core = c.mode === 'long-only' ? new LongOnlyStrategy(c) : new TwoSidedStrategy(c);
  return c.filledOrderDelayMs > 0 ? new FillDelayStrategy(core, c.filledOrderDelayMs) : core;
}
