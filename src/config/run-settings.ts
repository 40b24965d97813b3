import { UserError } from '../core/errors.ts';
import type { AccountRiskLimits } from '../engine/account-risk.ts';
import type { FlattenSettings } from '../engine/flatten.ts';
import type { RiskLimits } from '../engine/risk.ts';
import type { HorizonConfig } from '../model/horizon.ts';
import { parseHorizon } from '../model/horizon.ts';
import { type FeedLatencyMode, type FillModelConfig, fillModelConfig } from '../sim/fill-model-config.ts';
import { readLatencyFile } from '../sim/latency-file.ts';
import type { QueueModelName } from '../sim/queue.ts';
import type { StrategyConfig } from '../strategy/config.ts';
import type { OnlineParamsSettings, ParamsSource } from '../strategy/online-params.ts';
import type { HlmmConfig } from './schema.ts';
import { strategySettings } from './strategy-settings.ts';

/**
 * One configuration for `hlmm backtest` and `hlmm trade`: the config file (its defaults are the engine's, see
 * src/engine/defaults.ts) with the command-line flags both commands accept laid over it. Each command builds its
 * engine from these settings and nothing else, so a backtest runs the bot's strategy, risk and fill model.
 */
export interface SettingFlags {
  model?: 'as' | 'glft';
  mode?: 'two-sided' | 'long-only';
  /** "eod" or seconds (checked by the flag parser). */
  horizon?: string;
  orderSize?: number;
  /** Lots: the strategy's and the risk layer's max position. */
  maxPosition?: number;
  minSpreadBps?: number;
  toleranceBps?: number;
  replace?: 'modify' | 'cancel-then-place';
  requoteMs?: number;
  maxBookAgeMs?: number;
  queue?: QueueModelName;
  queuePower?: number;
  /** = entryLatencyMs (the older name). */
  latencyMs?: number;
  entryLatencyMs?: number;
  cancelLatencyMs?: number;
  responseLatencyMs?: number;
  feedLatency?: FeedLatencyMode;
  latencyFile?: string;
  latencySeed?: number;
  makerFee?: number;
  takerFee?: number;
  maxNotional?: number;
  killDrawdown?: number;
  dailyLoss?: number;
  staleS?: number;
  wallet?: number;
  fundingRate?: number;
  // Online parameters, inventory target, fill delay.
  paramsSource?: ParamsSource;
  onlineWindowS?: number;
  onlineRefreshS?: number;
  /** Lots. */
  inventoryTarget?: number;
  filledOrderDelayS?: number;
  /** Flatten slippage cap, bps from the touch. */
  flattenCapBps?: number;
  /** Order ladder: resting orders per side. */
  levels?: number;
  levelSpacingTicks?: number;
  levelSpacingHalfSpread?: number;
  levelSizeFactor?: number;
  // The account's limits over several coins (--tickers), USDC.
  accountMaxNotional?: number;
  accountKillDrawdown?: number;
  accountDailyLoss?: number;
  accountMaxMargin?: number;
}

export interface RunSettings {
  /** For createStrategy (size decimals and minimum order value come from the venue). */
  strategy: Partial<StrategyConfig> & { orderSizeBase: number; maxPositionLots: number };
  priceToleranceBps: number;
  replaceWith: 'modify' | 'cancel-then-place';
  requoteIntervalMs: number;
  /** The one fill-model configuration (src/sim/fill-model-config.ts). */
  fill: FillModelConfig;
  /** Risk limits without the lot (the engine adds it). */
  risk: Omit<RiskLimits, 'lotBase'>;
  startingBalanceQuote: number;
  /** Backtest: the assumed hourly funding rate (recorded files carry none). */
  fundingRatePerHour: number;
  /** Online σ, A, k (params_source online or blend); null = the calibrated parameters only. */
  online: OnlineParamsSettings | null;
  /** The flatten's slippage cap and whether the kill switch flattens. */
  flatten: FlattenSettings;
  /** The account's limits over several coins traded together (`--tickers`; account-risk.ts). */
  account: AccountRiskLimits;
}

function horizonOf(text: string): HorizonConfig {
  const h = parseHorizon(text);
  if (h === null)
    throw new UserError(`--horizon "${text}" is not a horizon; use eod or a number of seconds.`);
  return h;
}

export function runSettings(cfg: HlmmConfig, f: SettingFlags): RunSettings {
  const strategy = strategySettings(cfg);
  const orderSizeBase = f.orderSize ?? cfg.strategy.order_size;
  const maxPositionLots = f.maxPosition ?? cfg.strategy.max_position_lots;
  const makerFeeRate = f.makerFee ?? cfg.fees.maker_rate;
  if (f.latencyMs !== undefined && f.entryLatencyMs !== undefined && f.latencyMs !== f.entryLatencyMs)
    throw new UserError(
      `--latency-ms ${f.latencyMs} and --entry-latency-ms ${f.entryLatencyMs} disagree; --latency-ms is the entry latency, pass one of them.`,
    );
  const latencyMs = f.entryLatencyMs ?? f.latencyMs ?? cfg.fill_model.latency_ms;
  const latencyFile = f.latencyFile ?? cfg.fill_model.latency_file;
  const target = f.inventoryTarget ?? strategy.inventoryTargetLots ?? 0;
  if (Math.abs(target) > maxPositionLots)
    throw new UserError(
      `--inventory-target / strategy.inventory_target ${target} lots is beyond the max position of ${maxPositionLots} lots; choose a target within ±${maxPositionLots} or raise --max-position.`,
    );
  // A max order size of one lot (the default) follows the venue minimum when one lot is worth less (risk.ts).
  const maxOrder = cfg.risk.max_order_size === cfg.strategy.order_size ? null : cfg.risk.max_order_size;
  return {
    strategy: {
      ...strategy,
      model: f.model ?? strategy.model,
      mode: f.mode ?? strategy.mode,
      horizon: f.horizon !== undefined ? horizonOf(f.horizon) : strategy.horizon,
      orderSizeBase,
      maxPositionLots,
      minSpreadBps: f.minSpreadBps ?? strategy.minSpreadBps,
      // The strategy prices the maker fee into its spread; a rebate (negative rate) is not priced in.
      makerFeeRate: Math.max(0, makerFeeRate),
      maxBookAgeMs: f.maxBookAgeMs ?? cfg.strategy.max_book_age_ms,
      inventoryTargetLots: target,
      filledOrderDelayMs:
        f.filledOrderDelayS !== undefined ? f.filledOrderDelayS * 1000 : strategy.filledOrderDelayMs,
      levels: f.levels ?? strategy.levels,
      levelSpacingTicks: f.levelSpacingTicks ?? strategy.levelSpacingTicks,
      levelSpacingHalfSpread: f.levelSpacingHalfSpread ?? strategy.levelSpacingHalfSpread,
      levelSizeFactor: f.levelSizeFactor ?? strategy.levelSizeFactor,
    },
    priceToleranceBps: f.toleranceBps ?? cfg.strategy.reprice_tolerance_bps,
    replaceWith: f.replace ?? cfg.strategy.replace_with,
    requoteIntervalMs: f.requoteMs ?? cfg.strategy.requote_interval_ms,
    fill: fillModelConfig({
      queue: f.queue ?? cfg.fill_model.queue,
      queuePower: f.queuePower ?? cfg.fill_model.queue_power,
      feedLatency: f.feedLatency ?? cfg.fill_model.feed_latency,
      entryLatencyMs: latencyMs,
      cancelLatencyMs: f.cancelLatencyMs ?? cfg.fill_model.cancel_latency_ms ?? latencyMs,
      responseLatencyMs: f.responseLatencyMs ?? cfg.fill_model.response_latency_ms,
      latencySamples: latencyFile !== null ? readLatencyFile(latencyFile) : null,
      latencyFile,
      latencySeed: f.latencySeed ?? cfg.fill_model.latency_seed,
      makerFeeRate,
      takerFeeRate: f.takerFee ?? cfg.fees.taker_rate,
    }),
    risk: {
      // --max-position is the strategy's and the hard limit's (a flag above the file's risk limit raises both).
      maxPositionLots: f.maxPosition ?? cfg.risk.max_position_lots,
      maxNotionalQuote: f.maxNotional ?? cfg.risk.max_notional_usdc,
      maxOrderSizeBase:
        f.orderSize !== undefined && maxOrder !== null ? Math.max(maxOrder, f.orderSize) : maxOrder,
      dailyLossLimitQuote: f.dailyLoss ?? cfg.risk.daily_loss_limit_usdc,
      maxDrawdownQuote: f.killDrawdown ?? cfg.risk.max_drawdown_usdc,
      staleDataMs: (f.staleS ?? cfg.risk.stale_data_s) * 1000,
    },
    startingBalanceQuote: f.wallet ?? cfg.dry_run_wallet,
    fundingRatePerHour: f.fundingRate ?? cfg.backtest.funding_rate,
    flatten: {
      slippageCapBps: f.flattenCapBps ?? cfg.risk.flatten_slippage_bps,
      onKillSwitch: cfg.risk.flatten_on_kill_switch,
    },
    online: onlineSettings(cfg, f),
    account: {
      maxTotalNotionalQuote: f.accountMaxNotional ?? cfg.account_risk.max_total_notional_usdc,
      maxDrawdownQuote: f.accountKillDrawdown ?? cfg.account_risk.max_drawdown_usdc,
      dailyLossLimitQuote: f.accountDailyLoss ?? cfg.account_risk.daily_loss_limit_usdc,
      maxMarginQuote: f.accountMaxMargin ?? cfg.account_risk.max_margin_usdc,
    },
  };
}

function onlineSettings(cfg: HlmmConfig, f: SettingFlags): OnlineParamsSettings | null {
  const source = f.paramsSource ?? cfg.strategy.params_source;
  if (source === 'calibrated') return null;
  const o = cfg.strategy.online;
  const windowS = f.onlineWindowS ?? o.window_s;
  const refreshS = f.onlineRefreshS ?? o.refresh_s;
  if (refreshS > windowS)
    throw new UserError(
      `--online-refresh-s (${refreshS} s) is longer than the online window (${windowS} s); refresh at least once per window.`,
    );
  return {
    source,
    windowS,
    refreshS,
    blendWeight: o.blend_weight,
    boundsFactor: o.bounds_factor,
    minSigmaCoverage: o.min_sigma_coverage,
    minOrders: o.min_orders,
  };
}
