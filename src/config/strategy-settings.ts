import type { StrategyConfig } from '../strategy/config.ts';
import type { HlmmConfig } from './schema.ts';

/**
 * The config file's strategy keys in the strategy's own names, to pass to `strategyConfig(…)`. The venue's size
 * decimals and minimum order value are not here: they come from the exchange's `meta` at run time.
 */
export function strategySettings(cfg: HlmmConfig): Partial<StrategyConfig> {
  const s = cfg.strategy;
  return {
    model: s.model,
    glftXi: s.glft_xi,
    mode: s.mode,
    orderSizeBase: s.order_size,
    maxPositionLots: s.max_position_lots,
    minSpreadBps: s.min_spread_bps,
    makerFeeRate: cfg.fees.maker_rate,
    horizon: s.horizon,
    stakeQuote: s.stake_usdc,
    repriceAfterMs: s.reprice_after_s * 1000,
    inventoryTargetLots: s.inventory_target,
    filledOrderDelayMs: s.filled_order_delay_s * 1000,
    levels: s.levels,
    levelSpacingTicks: s.level_spacing_ticks,
    levelSpacingHalfSpread: s.level_spacing_half_spread,
    levelSizeFactor: s.level_size_factor,
  };
}
