/**
 * The order ladder: the model's one quote per side expanded into N resting orders per side, level 0 nearest the
 * touch. Pure functions; prices on the venue's tick grid, sizes on its lot grid.
 *
 * - Spacing between levels: `spacingHalfSpread` × the model's half spread for that side when it is > 0, else
 *   `spacingTicks` ticks (the tick at level 0's price). With `grid` (GLFT + levels > 1, as in hftbacktest's GLFT
 *   grid-trading example) the interval is the half spread rounded to whole ticks, at least one tick, and level 0
 *   is moved outwards onto a multiple of that interval (bid floored, ask ceiled), so the ladder only moves when
 *   the price moves by a whole interval.
 * - Never crossing: each bid level is strictly below the one before it (and level 0 is below the best ask, the
 *   pricing pipeline made sure); asks mirror that. A level that would round onto the previous one takes the next
 *   grid price outwards.
 * - Size of level i: one lot × `sizeFactor`^i on the lot grid (nearest), sized up to the venue's minimum order
 *   value when smaller (as level 0 is, see two-sided.ts).
 * - Max position: the sum of the sizes of levels 0..i on a side plus the position must stay within
 *   `maxPositionLots`; the first level that would exceed it, and every level after it, is dropped.
 */
import {
  type Instrument,
  meetsMinOrderValue,
  priceAbove,
  priceBelow,
  roundPrice,
  roundSize,
  sizeForNotional,
  tickSizeAt,
} from '../core/instrument.ts';
import type { Side } from '../core/market.ts';
import type { QuoteIntent } from './types.ts';

export interface LadderConfig {
  /** Resting orders per side (1 = no ladder). */
  levels: number;
  /** Distance between levels in ticks (used when spacingHalfSpread is 0). */
  spacingTicks: number;
  /** Distance between levels as a fraction of the model's half spread (0 = use spacingTicks). */
  spacingHalfSpread: number;
  /** Level i is sizeFactor^i lots (1 = flat). */
  sizeFactor: number;
  /** GLFT grid rule (see the module comment). */
  grid: boolean;
}

export interface LadderLimits {
  /** Signed position, base units. */
  positionBase: number;
  /** One lot, base units. */
  lotBase: number;
  maxPositionLots: number;
}

export interface LadderSide {
  levels: QuoteIntent[];
  /** Why the ladder has fewer than the configured levels, or null. */
  cut: string | null;
}

// Tolerance on the lot count, as in two-sided.ts (0.003 / 0.001 = 2.9999999999999996).
const LOT_EPSILON = 1e-9;

/** The distance between two levels, quote units, at level 0's price `px0`. */
export function levelSpacingQuote(
  cfg: Pick<LadderConfig, 'spacingTicks' | 'spacingHalfSpread' | 'grid'>,
  halfSpreadQuote: number,
  px0: number,
  instrument: Instrument,
): number {
  const tick = tickSizeAt(instrument, px0);
  if (cfg.grid) {
    const ticks = Number.isFinite(halfSpreadQuote) ? Math.round(halfSpreadQuote / tick) : 1;
    return Math.max(ticks, 1) * tick;
  }
  if (cfg.spacingHalfSpread > 0 && Number.isFinite(halfSpreadQuote) && halfSpreadQuote > 0)
    return cfg.spacingHalfSpread * halfSpreadQuote;
  return cfg.spacingTicks * tick;
}

/** Size of level `i` at `px`, base units: lot × factor^i on the lot grid, up to the minimum order value. */
export function levelSizeBase(
  lotBase: number,
  sizeFactor: number,
  i: number,
  px: number,
  instrument: Instrument,
): number {
  const sz = roundSize(instrument, lotBase * sizeFactor ** i, 'nearest');
  if (!(sz > 0)) return Number.NaN;
  if (meetsMinOrderValue(instrument, px, sz)) return sz;
  return sizeForNotional(instrument, instrument.minOrderValueQuote, px);
}

/** Level 0 on the grid interval, outwards (bid floored, ask ceiled); a valid price. */
function gridAligned(side: Side, px: number, intervalQuote: number, instrument: Instrument): number {
  const units = px / intervalQuote;
  const n = side === 'buy' ? Math.floor(units + 1e-9) : Math.ceil(units - 1e-9);
  return roundPrice(instrument, n * intervalQuote, side === 'buy' ? 'down' : 'up');
}

/**
 * The levels of one side, level 0 first, from the priced level-0 price `px0` (on the grid, post-only safe) and
 * the model's half spread for that side.
 */
export function ladderSide(
  side: Side,
  px0: number,
  halfSpreadQuote: number,
  cfg: LadderConfig,
  instrument: Instrument,
  limits: LadderLimits,
): LadderSide {
  const levels: QuoteIntent[] = [];
  if (!(px0 > 0)) return { levels, cut: null };
  const inst = instrument;
  const spacing = levelSpacingQuote(cfg, halfSpreadQuote, px0, inst);
  const sign = side === 'buy' ? 1 : -1;
  let px = cfg.grid && cfg.levels > 1 ? gridAligned(side, px0, spacing, inst) : px0;
  let cumBase = 0;
  for (let i = 0; i < cfg.levels; i++) {
    if (i > 0) {
      const start = levels[0].px - sign * i * spacing;
      let next = roundPrice(inst, start, side === 'buy' ? 'down' : 'up');
      const prev = levels[i - 1].px;
      if (side === 'buy' ? !(next < prev) : !(next > prev))
        next = side === 'buy' ? priceBelow(inst, prev) : priceAbove(inst, prev);
      if (!(next > 0)) return { levels, cut: `level ${i + 1} price at or below zero` };
      px = next;
    }
    if (!(px > 0)) return { levels, cut: null };
    const sz = levelSizeBase(limits.lotBase, cfg.sizeFactor, i, px, instrument);
    if (!(sz > 0)) return { levels, cut: `level ${i + 1} size rounds to zero on the lot grid` };
    const after = limits.positionBase + sign * (cumBase + sz);
    if (
      Math.abs(after) > Math.abs(limits.positionBase) &&
      Math.abs(after) / limits.lotBase > limits.maxPositionLots + LOT_EPSILON
    )
      return {
        levels,
        cut: `level ${i + 1}: resting levels would exceed max position ${limits.maxPositionLots} lots`,
      };
    cumBase += sz;
    levels.push({ side, px, sz });
  }
  return { levels, cut: null };
}
