import type { Bbo, Side } from '../core/market.ts';
import type { ModelParams } from '../model/params.ts';

/**
 * The contract between the strategy and the three worlds it runs in (backtest, paper, live). A strategy is
 * plain code: market state and own state in, desired quotes out. It never talks to a venue and never reads a
 * clock of its own: `nowMs` is the venue's clock (simulated exchange time in backtest and replay, wall clock live).
 */
export interface QuoteContext {
  /** Venue clock, Unix ms. */
  nowMs: number;
  /** Latest top of book. */
  bbo: Bbo;
  /** Signed position in base units (e.g. BTC); positive = long. */
  positionBase: number;
  /** Calibrated parameters (σ quote/√s, A 1/s, k 1/quote, γ 1/quote). */
  params: ModelParams;
}

/** One order the strategy wants resting. Prices already on the venue's tick grid, sizes on its lot grid. */
export interface QuoteIntent {
  side: Side;
  px: number;
  sz: number;
}

/** The model values behind a quote, for logs, the dashboard and reports (all in quote units unless named). */
export interface QuoteExplain {
  mid: number;
  reservationPrice: number;
  /** Distance of the model's bid/ask from the reservation price before fees and rounding. */
  halfSpreadBid: number;
  halfSpreadAsk: number;
  /** Inventory in lots (position ÷ order size). */
  qLots: number;
  /** The inventory target q* the model skews around, lots (absent when 0). */
  inventoryTargetLots?: number;
  /** Horizon in seconds (A–S); NaN for infinite-horizon models. */
  tauS: number;
  sigma: number;
  A: number;
  k: number;
  gamma: number;
  /** Why a side is not quoted, if it is not (max position, min spread, stale data…). */
  note?: string;
  /**
   * Short reason when a side is withheld for a configuration or risk reason ("max position", "max order size",
   * "stale book", "stale-data"…): the engine warns once per change of it and a backtest counts the time spent.
   */
  withheld?: string;
}

export interface DesiredQuotes {
  /** Level 0 of the bid side (the order nearest the touch), or null. */
  bid: QuoteIntent | null;
  ask: QuoteIntent | null;
  explain: QuoteExplain | null;
  /**
   * Order ladder (strategy.levels > 1): every bid level, nearest the touch first; `bidLevels[0]` is `bid`.
   * Absent = one level (`bid` alone). See ladder.ts.
   */
  bidLevels?: readonly QuoteIntent[];
  askLevels?: readonly QuoteIntent[];
}

/** The levels of one side of a desired quote, nearest the touch first (one level when no ladder is set). */
export function levelsOf(q: DesiredQuotes, side: Side): readonly QuoteIntent[] {
  const levels = side === 'buy' ? q.bidLevels : q.askLevels;
  if (levels !== undefined) return levels;
  const one = side === 'buy' ? q.bid : q.ask;
  return one === null ? NO_LEVELS : [one];
}

const NO_LEVELS: readonly QuoteIntent[] = [];

/** A fill of one of our orders, as the strategy sees it. */
export interface OwnFill {
  side: Side;
  px: number;
  sz: number;
  exchMs: number;
  feeQuote: number;
}

export interface Strategy {
  readonly name: string;
  /** Orders it may want resting per side (its ladder levels); absent = 1. The OrderManager keeps that many slots. */
  readonly levels?: number;
  /**
   * Desired resting quotes now. Must be a pure function of the context plus fills seen so far. The engine reuses
   * one context object across calls: read its fields, do not keep the object itself.
   */
  quote(ctx: QuoteContext): DesiredQuotes;
  /** Called for each of our fills, before the next `quote`. */
  onFill(fill: OwnFill): void;
}
