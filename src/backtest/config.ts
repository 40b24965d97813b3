import { UserError } from '../core/errors.ts';
import type { ModelParams } from '../model/params.ts';
import { HYPERLIQUID_BASE_MAKER_FEE_RATE, HYPERLIQUID_BASE_TAKER_FEE_RATE } from '../sim/fees.ts';
import type { QueueModelName } from '../sim/queue.ts';
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
  /** Keep a resting quote within this many bps of the desired price instead of replacing it. Default 0. */
  priceToleranceBps?: number;
  /** Replace a mispriced quote with one `modify` (default) or with cancel, then place. */
  replaceWith?: 'modify' | 'cancel-then-place';
  /** Ask the strategy at least this often, ms, even if the touch does not move. Default 1000. */
  requoteIntervalMs?: number;
  /** Keep chart series (price, quotes, fills, inventory, equity) for a report. Default false. */
  series?: boolean;
  /** Max rows kept per chart series (downsampled beyond). Default 3000. */
  seriesPoints?: number;
}

export type ResolvedBacktestConfig = Required<BacktestConfig>;

export const DEFAULT_LATENCY_MS = 100;

export function resolveBacktestConfig(cfg: BacktestConfig): ResolvedBacktestConfig {
  const latencyMs = cfg.latencyMs ?? DEFAULT_LATENCY_MS;
  const c: ResolvedBacktestConfig = {
    strategy: cfg.strategy,
    params: cfg.params,
    orderSizeBase: cfg.orderSizeBase,
    maxPositionLots: cfg.maxPositionLots,
    queue: cfg.queue ?? 'risk-averse',
    queuePower: cfg.queuePower ?? 3,
    latencyMs,
    cancelLatencyMs: cfg.cancelLatencyMs ?? latencyMs,
    makerFeeRate: cfg.makerFeeRate ?? HYPERLIQUID_BASE_MAKER_FEE_RATE,
    takerFeeRate: cfg.takerFeeRate ?? HYPERLIQUID_BASE_TAKER_FEE_RATE,
    priceToleranceBps: cfg.priceToleranceBps ?? 0,
    replaceWith: cfg.replaceWith ?? 'modify',
    requoteIntervalMs: cfg.requoteIntervalMs ?? 1000,
    series: cfg.series ?? false,
    seriesPoints: cfg.seriesPoints ?? 3000,
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
