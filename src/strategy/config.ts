/**
 * What a strategy needs besides market data and parameters. Defaults follow the original system where it had
 * one (long-only stake 20 USDC, re-price after 15 s) and Hyperliquid's base fee tier (maker 0.015 %).
 */
import { UserError } from '../core/errors.ts';
import type { Instrument } from '../core/instrument.ts';
import type { GlftXi } from '../model/glft.ts';
import type { HorizonConfig } from '../model/horizon.ts';

export type QuotingModel = 'as' | 'glft';
export type StrategyMode = 'two-sided' | 'long-only';

export interface StrategyConfig {
  model: QuotingModel;
  /** GLFT only: ξ = γ (default) or the ξ = 0 variant. */
  glftXi: GlftXi;
  mode: StrategyMode;
  /** One lot in base units (e.g. 0.001 BTC). q = position ÷ orderSizeBase. Two-sided order size. */
  orderSizeBase: number;
  /** Stop quoting the side whose fill would take |q| above this many lots. */
  maxPositionLots: number;
  /**
   * Minimum total quoted spread, basis points of the mid (bps scale across assets and price levels; 0 = none).
   * Applied after the fee, before rounding, by widening both sides around the model's centre.
   */
  minSpreadBps: number;
  /** Maker fee rate (0.00015 = 0.015 %), added to each side's distance as feeRate × mid. */
  makerFeeRate: number;
  /** A–S horizon; ignored by GLFT. */
  horizon: HorizonConfig;
  /**
   * The traded contract's price and lot grids and minimum order value, supplied by the venue (never by the config
   * file): the strategy rounds with it and sizes up to its minimum order value.
   */
  instrument: Instrument;
  /** Long-only: value of each trade, quote units. */
  stakeQuote: number;
  /** Long-only: an unfilled order keeps its price this long, then is re-priced. */
  repriceAfterMs: number;
  /**
   * Stale-book rule: when the venue clock is more than this many ms past the last BBO's exchange time, quote
   * nothing (note "stale book"), so resting orders are cancelled. 0 turns the rule off. Default 5,000 ms: BTC's
   * touch changes many times a second (the bundled sample has 8 BBO gaps above 5 s in 6 days, 6 of them are
   * recording holes of hours), so 5 s without a BBO means the feed (or the recording) is broken, not that the
   * market is calm; quiet coins whose touch can rest longer need a larger value.
   */
  maxBookAgeMs: number;
  /**
   * Inventory target q*, lots: the reservation price skews around it instead of 0, r = s − (q − q*)·γσ²τ (GLFT
   * likewise with q − q*). The max-position limits stay around 0. Default 0.
   */
  inventoryTargetLots: number;
  /** No new order on a side for this long after a fill on that side, bot ms (0 = off). See fill-delay.ts. */
  filledOrderDelayMs: number;
  /** Order ladder: resting orders per side (two-sided mode; 1 = one bid and one ask). See ladder.ts. */
  levels: number;
  /** Ladder: distance between levels in ticks (used when levelSpacingHalfSpread is 0). */
  levelSpacingTicks: number;
  /** Ladder: distance between levels as a fraction of the model's half spread; 0 = use levelSpacingTicks. */
  levelSpacingHalfSpread: number;
  /** Ladder: level i is levelSizeFactor^i lots (1 = every level one lot). */
  levelSizeFactor: number;
}

/**
 * The contract a strategy built without one rounds with: Hyperliquid's BTC perp (lot 0.00001, prices ≤ 5
 * significant figures and ≤ 1 decimal, 10 USDC minimum order value). Every run of hlmm passes the venue's own;
 * a test checks this equals what the Hyperliquid adapter states for BTC.
 */
export const DEFAULT_INSTRUMENT: Instrument = {
  coin: 'BTC',
  szDecimals: 5,
  maxPriceDecimals: 1,
  priceSignificantFigures: 5,
  minOrderValueQuote: 10,
  maxLeverage: 50,
};

export const defaultStrategyConfig: StrategyConfig = {
  model: 'as',
  glftXi: 'gamma',
  mode: 'two-sided',
  orderSizeBase: 0.001,
  maxPositionLots: 5,
  minSpreadBps: 0,
  makerFeeRate: 0.00015,
  horizon: { kind: 'end-of-day-utc' },
  stakeQuote: 20,
  repriceAfterMs: 15_000,
  maxBookAgeMs: 5_000,
  inventoryTargetLots: 0,
  filledOrderDelayMs: 0,
  instrument: DEFAULT_INSTRUMENT,
  levels: 1,
  levelSpacingTicks: 1,
  levelSpacingHalfSpread: 0,
  levelSizeFactor: 1,
};

/** Most levels per side: each is a resting order counted against Hyperliquid's open-order allowance. */
export const MAX_LEVELS = 50;

/** Defaults + overrides, checked: a bad value is a UserError naming the key. */
export function strategyConfig(overrides: Partial<StrategyConfig> = {}): StrategyConfig {
  const c: StrategyConfig = { ...defaultStrategyConfig, ...overrides };
  const need = (ok: boolean, key: string, what: string) => {
    if (!ok) throw new UserError(`strategy setting "${key}" ${what}.`);
  };
  const pos = (x: number) => Number.isFinite(x) && x > 0;
  const nonNeg = (x: number) => Number.isFinite(x) && x >= 0;
  need(c.model === 'as' || c.model === 'glft', 'model', 'must be "as" or "glft"');
  need(c.glftXi === 'gamma' || c.glftXi === 'zero', 'glftXi', 'must be "gamma" or "zero"');
  need(c.mode === 'two-sided' || c.mode === 'long-only', 'mode', 'must be "two-sided" or "long-only"');
  need(pos(c.orderSizeBase), 'orderSizeBase', 'must be a number of base units greater than 0');
  need(nonNeg(c.maxPositionLots), 'maxPositionLots', 'must be a number of lots, 0 or more');
  need(nonNeg(c.minSpreadBps), 'minSpreadBps', 'must be basis points, 0 or more');
  need(
    nonNeg(c.makerFeeRate) && c.makerFeeRate < 0.01,
    'makerFeeRate',
    'must be a rate such as 0.00015 (0.015 %)',
  );
  const sz = c.instrument?.szDecimals;
  need(Number.isInteger(sz) && sz >= 0 && sz <= 6, 'szDecimals', 'must be 0–6');
  need(nonNeg(c.instrument.minOrderValueQuote), 'minOrderValueQuote', 'must be 0 or more quote units');
  need(pos(c.stakeQuote), 'stakeQuote', 'must be greater than 0 quote units');
  need(nonNeg(c.repriceAfterMs), 'repriceAfterMs', 'must be 0 or more milliseconds');
  need(nonNeg(c.maxBookAgeMs), 'maxBookAgeMs', 'must be 0 (off) or more milliseconds');
  need(
    Number.isFinite(c.inventoryTargetLots) && Math.abs(c.inventoryTargetLots) <= c.maxPositionLots,
    'inventoryTargetLots',
    `must be a number of lots within ±maxPositionLots (${c.maxPositionLots})`,
  );
  need(nonNeg(c.filledOrderDelayMs), 'filledOrderDelayMs', 'must be 0 (off) or more milliseconds');
  need(
    Number.isInteger(c.levels) && c.levels >= 1 && c.levels <= MAX_LEVELS,
    'levels',
    `must be a whole number of orders per side, 1–${MAX_LEVELS}`,
  );
  need(c.levels === 1 || c.mode === 'two-sided', 'levels', 'above 1 needs mode "two-sided"');
  need(
    Number.isInteger(c.levelSpacingTicks) && c.levelSpacingTicks >= 1,
    'levelSpacingTicks',
    'must be a whole number of ticks, 1 or more',
  );
  need(
    nonNeg(c.levelSpacingHalfSpread),
    'levelSpacingHalfSpread',
    'must be a fraction of the half spread, 0 or more',
  );
  need(
    pos(c.levelSizeFactor) && c.levelSizeFactor <= 10,
    'levelSizeFactor',
    'must be a factor above 0, at most 10',
  );
  need(
    c.horizon?.kind === 'end-of-day-utc' || (c.horizon?.kind === 'rolling' && pos(c.horizon.tauS)),
    'horizon',
    'must be end-of-day-utc or a rolling horizon with tauS > 0 seconds',
  );
  return c;
}
