import { UserError } from '../core/errors.ts';
import type { Instrument } from '../core/instrument.ts';
import type { Logger } from '../core/log.ts';
import { ENGINE_DEFAULTS, FILL_MODEL_DEFAULTS, RISK_DEFAULTS } from '../engine/defaults.ts';
import { FLATTEN_DEFAULTS, type FlattenSettings } from '../engine/flatten.ts';
import type { RiskLimits } from '../engine/risk.ts';
import type { ModelParams } from '../model/params.ts';
import { type FillModelConfig, fillModelConfig, scaleLatency } from '../sim/fill-model-config.ts';
import type { QueueModelName } from '../sim/queue.ts';
import type { OnlineParamsSettings } from '../strategy/online-params.ts';
import type { Strategy } from '../strategy/types.ts';

/** Everything one backtest run needs besides the market events. */
export interface BacktestConfig {
  /** A FRESH strategy for this run (strategies keep state, e.g. the long-only ping-pong). */
  strategy: Strategy;
  /** σ quote/√s, A 1/s, k and γ 1/quote — handed to the strategy in every QuoteContext. */
  params: ModelParams;
  /** One lot in base units (the strategy's orderSizeBase): q = position ÷ lot for the inventory stats. */
  orderSizeBase: number;
  /** The strategy's max position in lots (for "share of time at the limit"). */
  maxPositionLots: number;
  /** Queue model: 'risk-averse' (default) or 'prob'. */
  queue?: QueueModelName;
  /** Exponent n of the probabilistic queue model. Default 3. */
  queuePower?: number;
  /** Order-entry latency, ms (event seen → order live at the exchange). Default 100. */
  latencyMs?: number;
  /** Cancel latency, ms. Default: latencyMs. */
  cancelLatencyMs?: number;
  /** Default 0.00015 (Hyperliquid base tier). */
  makerFeeRate?: number;
  /** Default 0.00045 (Hyperliquid base tier). */
  takerFeeRate?: number;
  /**
   * The rest of the fill model (feed latency, response latency, measured latency samples, seed), and overrides of
   * the flat fields above: src/sim/fill-model-config.ts. `hlmm backtest` passes the whole configuration here.
   */
  fillModel?: Partial<FillModelConfig>;
  /** Keep a resting quote within this many bps of the desired price instead of replacing it. Default 1 (the bot's). */
  priceToleranceBps?: number;
  /** Replace a mispriced quote with one `modify` (default) or with cancel, then place. */
  replaceWith?: 'modify' | 'cancel-then-place';
  /** Ask the strategy at least this often, ms, even if the touch does not move. Default 1000. */
  requoteIntervalMs?: number;
  /** Flatten settings (the kill switch's optional flatten); default FLATTEN_DEFAULTS (off). */
  flatten?: FlattenSettings;
  /** Keep chart series (price, quotes, fills, inventory, equity) for a report. Default false. */
  series?: boolean;
  /** Max rows kept per chart series (downsampled beyond). Default 3000. */
  seriesPoints?: number;
  /**
   * The risk layer's limits (lot added from orderSizeBase). `hlmm backtest` passes the config's, as `hlmm trade`
   * does. Absent = the limit checks off (library callers such as the γ search, which judge the strategy alone).
   */
  risk?: Omit<RiskLimits, 'lotBase'> | null;
  /** Assumed hourly funding rate (recorded files carry none). Default 0: no funding booked. */
  fundingRatePerHour?: number;
  /** Account starting balance, quote (the risk layer's day loss and drawdown start here). Default 1000. */
  startingBalanceQuote?: number;
  /** Perp name, for the engine's info and logs. Default "BTC". */
  coin?: string;
  /** Where the engine's warnings go (quotes pulled and why). Default: nowhere. */
  logger?: Logger | null;
  /** Keep every fill (for --fills-out). Default false. */
  keepFills?: boolean;
  /**
   * Online σ, A, k re-estimated in the run (params_source online or blend), with the perp's size decimals for
   * the price tick of the depth grid. Absent or null = the calibrated `params` throughout.
   */
  online?: { settings: OnlineParamsSettings; instrument: Instrument } | null;
}

export type ResolvedBacktestConfig = Required<Omit<BacktestConfig, 'fillModel'>> & {
  fillModel: FillModelConfig;
};

export const DEFAULT_LATENCY_MS = FILL_MODEL_DEFAULTS.latencyMs;

export function resolveBacktestConfig(cfg: BacktestConfig): ResolvedBacktestConfig {
  const flat: Partial<FillModelConfig> = {
    queue: cfg.queue,
    queuePower: cfg.queuePower,
    entryLatencyMs: cfg.latencyMs,
    cancelLatencyMs: cfg.cancelLatencyMs,
    makerFeeRate: cfg.makerFeeRate,
    takerFeeRate: cfg.takerFeeRate,
  };
  for (const [k, v] of Object.entries(cfg.fillModel ?? {}))
    if (v !== undefined) (flat as Record<string, unknown>)[k] = v;
  const fill = fillModelConfig(flat);
  const latencyMs = fill.entryLatencyMs;
  const c: ResolvedBacktestConfig = {
    strategy: cfg.strategy,
    params: cfg.params,
    orderSizeBase: cfg.orderSizeBase,
    maxPositionLots: cfg.maxPositionLots,
    queue: fill.queue,
    queuePower: fill.queuePower,
    latencyMs,
    cancelLatencyMs: fill.cancelLatencyMs,
    makerFeeRate: fill.makerFeeRate,
    takerFeeRate: fill.takerFeeRate,
    fillModel: fill,
    priceToleranceBps: cfg.priceToleranceBps ?? ENGINE_DEFAULTS.priceToleranceBps,
    replaceWith: cfg.replaceWith ?? ENGINE_DEFAULTS.replaceWith,
    requoteIntervalMs: cfg.requoteIntervalMs ?? ENGINE_DEFAULTS.requoteIntervalMs,
    series: cfg.series ?? false,
    seriesPoints: cfg.seriesPoints ?? 3000,
    risk: cfg.risk ?? null,
    fundingRatePerHour: cfg.fundingRatePerHour ?? 0,
    startingBalanceQuote: cfg.startingBalanceQuote ?? RISK_DEFAULTS.startingBalanceQuote,
    coin: cfg.coin ?? 'BTC',
    logger: cfg.logger ?? null,
    keepFills: cfg.keepFills ?? false,
    online: cfg.online ?? null,
    flatten: cfg.flatten ?? FLATTEN_DEFAULTS,
  };
  const need = (ok: boolean, key: string, what: string) => {
    if (!ok) throw new UserError(`backtest setting "${key}" ${what}.`);
  };
  const nonNeg = (x: number) => Number.isFinite(x) && x >= 0;
  need(Number.isFinite(c.orderSizeBase) && c.orderSizeBase > 0, 'orderSizeBase', 'must be > 0 base units');
  need(nonNeg(c.maxPositionLots), 'maxPositionLots', 'must be 0 or more lots');
  need(c.queue === 'risk-averse' || c.queue === 'prob', 'queue', 'must be "risk-averse" or "prob"');
  need(Number.isFinite(c.queuePower) && c.queuePower > 0, 'queuePower', 'must be > 0');
  need(nonNeg(c.latencyMs), 'latencyMs', 'must be 0 or more milliseconds');
  need(nonNeg(c.cancelLatencyMs), 'cancelLatencyMs', 'must be 0 or more milliseconds');
  need(
    Number.isFinite(c.makerFeeRate) && Math.abs(c.makerFeeRate) < 0.01,
    'makerFeeRate',
    'must be a rate like 0.00015',
  );
  need(
    Number.isFinite(c.takerFeeRate) && Math.abs(c.takerFeeRate) < 0.01,
    'takerFeeRate',
    'must be a rate like 0.00045',
  );
  need(nonNeg(c.priceToleranceBps), 'priceToleranceBps', 'must be 0 or more basis points');
  need(nonNeg(c.requoteIntervalMs), 'requoteIntervalMs', 'must be 0 or more milliseconds');
  need(
    Number.isFinite(c.fundingRatePerHour) && Math.abs(c.fundingRatePerHour) < 0.01,
    'fundingRatePerHour',
    'must be an hourly rate like 0.0000125',
  );
  need(
    Number.isInteger(c.seriesPoints) && c.seriesPoints >= 10,
    'seriesPoints',
    'must be a whole number ≥ 10',
  );
  for (const key of ['sigma', 'A', 'k', 'gamma'] as const) {
    need(
      Number.isFinite(c.params[key]) && c.params[key] > 0,
      `params.${key}`,
      'must be a number greater than 0',
    );
  }
  return c;
}

/**
 * The same backtest with every latency (feed, entry, cancel, response) multiplied by `factor`: 0 = no latency at
 * all, 1 = as configured, 2 = twice. Pass a fresh strategy for each run (strategies keep state).
 */
export function withLatencyScaled(cfg: BacktestConfig, factor: number): BacktestConfig {
  const fill = resolveBacktestConfig(cfg).fillModel;
  const scaled = scaleLatency(fill, factor);
  return {
    ...cfg,
    latencyMs: scaled.entryLatencyMs,
    cancelLatencyMs: scaled.cancelLatencyMs,
    fillModel: scaled,
  };
}
