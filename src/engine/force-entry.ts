import type { Bbo, Side } from '../core/market.ts';
import type { PullReason, RiskLimits } from './risk.ts';

/**
 * Freqtrade's forceenter on a market maker: one immediate-or-cancel taker order for a size, checked against the
 * same limits the quotes obey. Pure: the engine sends the order this returns.
 *
 * MARKET ASSUMPTION: a taker order priced at the far touch (the best ask for a buy, the best bid for a sell)
 * fills against the resting book at that price up to its size there; what does not fill is cancelled (IOC), so
 * the order never rests and never pays more than `limitPx`.
 */
export type ForceEntryPlan = { ok: true; side: Side; sz: number; px: number } | { ok: false; reason: string };

const LOT_EPSILON = 1e-9;

export function planForceEntry(input: {
  side: Side;
  sz: number;
  limitPx?: number;
  positionBase: number;
  bbo: Bbo | null;
  limits: RiskLimits;
  pull: PullReason | null;
  entriesStopped: boolean;
}): ForceEntryPlan {
  const { side, positionBase: pos, bbo, limits: l } = input;
  // Down to the perp's size step: the exchange refuses a size off its grid.
  const step = 10 ** -(l.instrument?.szDecimals ?? 5);
  const sz = Math.floor(input.sz / step + 1e-9) * step;
  if (!(Number.isFinite(input.sz) && input.sz > 0))
    return { ok: false, reason: 'the size must be a positive number.' };
  if (!(sz > 0)) return { ok: false, reason: `the size ${input.sz} is below the size step ${step}.` };
  // Only a kill switch, an operator stop, an unwritable store or a dead feed forbid a taker order: it needs no
  // model parameters, and a stale quote is not what it trades against (it takes the book as it is).
  if (input.pull !== null && input.pull !== 'no-params' && input.pull !== 'stale-data')
    return { ok: false, reason: `trader is not running (${input.pull}).` };
  if (bbo === null) return { ok: false, reason: 'no market data yet to price the entry at.' };
  const px = input.limitPx ?? (side === 'buy' ? bbo.askPx : bbo.bidPx);
  if (!(Number.isFinite(px) && px > 0)) return { ok: false, reason: 'the price must be a positive number.' };
  const after = pos + (side === 'buy' ? sz : -sz);
  const grows = Math.abs(after) > Math.abs(pos) + LOT_EPSILON * l.lotBase;
  if (grows && input.entriesStopped)
    return { ok: false, reason: 'entries are stopped (stopentry); run /start to allow them again.' };
  if (grows && Math.abs(after) / l.lotBase > l.maxPositionLots + LOT_EPSILON)
    return {
      ok: false,
      reason: `the position after it (${round(after)}) would exceed the max position of ${l.maxPositionLots} lots (${round(l.maxPositionLots * l.lotBase)}).`,
    };
  const mid = (bbo.bidPx + bbo.askPx) / 2;
  if (grows && Math.abs(after) * mid > l.maxNotionalQuote)
    return {
      ok: false,
      reason: `the position after it would be worth ${round(Math.abs(after) * mid)} USDC, above the max notional of ${l.maxNotionalQuote} USDC.`,
    };
  return { ok: true, side, sz: round(sz), px };
}

function round(x: number): number {
  return Math.round(x * 1e8) / 1e8;
}
