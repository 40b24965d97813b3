import type { Side } from '../core/market.ts';

/**
 * How market making maps onto Freqtrade's "trade": a round trip of the position from flat to flat.
 *
 * A trade opens when the position leaves 0 and closes when it returns to 0. Fills that grow the position add to
 * the trade's amount; fills that shrink it close part of it. A fill that crosses through 0 (long 0.3, sell 0.5) is
 * split: 0.3 closes the long trade, 0.2 opens a new short one, and its fee is shared pro rata by size. A position
 * not flat after the last fill is one open trade.
 *
 * Realized profit uses the average-cost method: a closing fill realizes (px − average cost)·size (sign flipped for
 * shorts), and every fill's fee is charged to its trade. Over a whole round trip this equals Σ sell notional −
 * Σ buy notional − Σ fees, whatever the order of the fills. Funding is paid on the position over time, not per
 * fill, so it is not in trades (it is in the equity curve).
 *
 * Units: prices in quote per base unit, sizes in base units, money in quote, times in Unix ms.
 */

/** The fields of a fill this module needs (the store's StoredFill and the strategy's fills both fit). */
export interface TradeFill {
  side: Side;
  px: number;
  sz: number;
  /** Fee paid, quote; negative for a rebate. */
  feeQuote: number;
  tsMs: number;
}

export interface RoundTrip {
  /** 1, 2, … in order of opening. */
  id: number;
  side: 'long' | 'short';
  isOpen: boolean;
  openMs: number;
  /** Time of the fill that brought the position back to 0; null while open. */
  closeMs: number | null;
  /** Σ size of the fills (or fill parts) that opened or grew the position, base units. */
  amountBase: number;
  /** Σ size of the fills (or fill parts) that reduced it, base units (= amountBase once closed). */
  closedAmountBase: number;
  /** Remaining position at the end, unsigned base units (0 once closed). */
  openPositionBase: number;
  /** Largest absolute position during the trade, base units. */
  maxPositionBase: number;
  /** Volume-weighted price of the opening fills, quote. */
  avgOpenPx: number;
  /** Volume-weighted price of the closing fills, quote; null if nothing was closed yet. */
  avgClosePx: number | null;
  /** Average cost of the position still open, quote; null once closed. */
  costBasisPx: number | null;
  /** Realized profit before fees, quote. */
  grossProfitQuote: number;
  /** Fees of every fill (part) in the trade so far, quote (negative = net rebates). */
  feesQuote: number;
  /** grossProfit − fees, quote. Freqtrade's profit_abs for a closed trade. */
  profitQuote: number;
  /** profitQuote ÷ (amountBase · avgOpenPx): profit per unit of notional opened. Freqtrade's profit_ratio. */
  profitRatio: number;
  /** Number of fills that touched the trade (a crossing fill counts in both trades). */
  fills: number;
}

export interface RoundTripOptions {
  /**
   * A position smaller than this (base units) counts as flat. Sizes are lot multiples summed in floating point,
   * so a "flat" position can be 1e-17 instead of 0. Default 1e-9 — far below any Hyperliquid lot.
   */
  flatToleranceBase?: number;
}

/** Splits fills (oldest first) into round trips. Pure. */
export function roundTrips(fills: readonly TradeFill[], options: RoundTripOptions = {}): RoundTrip[] {
  const eps = options.flatToleranceBase ?? 1e-9;
  const trips: RoundTrip[] = [];
  let cur: Building | null = null;

  for (const fill of fills) {
    if (!(fill.sz > 0) || !Number.isFinite(fill.px) || !Number.isFinite(fill.feeQuote)) {
      throw new Error(
        `roundTrips: fill at ${fill.tsMs} has sz=${fill.sz} px=${fill.px} fee=${fill.feeQuote}`,
      );
    }
    const dir = fill.side === 'buy' ? 1 : -1;
    let remaining = fill.sz;

    if (cur !== null && dir !== cur.dir) {
      // Reduce (and maybe close) the current trade.
      const closeSz = Math.min(remaining, cur.position);
      const fee = (fill.feeQuote * closeSz) / fill.sz;
      const costPx = cur.cost / cur.position;
      cur.gross += cur.dir * (fill.px - costPx) * closeSz;
      cur.cost -= costPx * closeSz;
      cur.position -= closeSz;
      cur.closedSz += closeSz;
      cur.closeNotional += fill.px * closeSz;
      cur.fees += fee;
      cur.fills++;
      remaining -= closeSz;
      if (cur.position <= eps) {
        trips.push(finish(cur, fill.tsMs));
        cur = null;
      }
      if (remaining <= eps) continue;
    }

    // Open a new trade or grow the current one with what is left of the fill.
    const fee = (fill.feeQuote * remaining) / fill.sz;
    if (cur === null) {
      cur = {
        id: trips.length + 1,
        dir,
        openMs: fill.tsMs,
        position: 0,
        cost: 0,
        openSz: 0,
        openNotional: 0,
        closedSz: 0,
        closeNotional: 0,
        maxPosition: 0,
        gross: 0,
        fees: 0,
        fills: 0,
      };
    }
    cur.position += remaining;
    cur.cost += fill.px * remaining;
    cur.openSz += remaining;
    cur.openNotional += fill.px * remaining;
    cur.maxPosition = Math.max(cur.maxPosition, cur.position);
    cur.fees += fee;
    cur.fills++;
  }
  if (cur !== null) trips.push(finish(cur, null));
  return trips;
}

interface Building {
  id: number;
  /** +1 long, −1 short. */
  dir: 1 | -1;
  openMs: number;
  /** Unsigned open position, base. */
  position: number;
  /** Average-cost basis of the open position (Σ px·sz still held), quote. */
  cost: number;
  openSz: number;
  openNotional: number;
  closedSz: number;
  closeNotional: number;
  maxPosition: number;
  gross: number;
  fees: number;
  fills: number;
}

function finish(b: Building, closeMs: number | null): RoundTrip {
  const isOpen = closeMs === null;
  const avgOpenPx = b.openNotional / b.openSz;
  const profit = b.gross - b.fees;
  return {
    id: b.id,
    side: b.dir === 1 ? 'long' : 'short',
    isOpen,
    openMs: b.openMs,
    closeMs,
    amountBase: b.openSz,
    closedAmountBase: b.closedSz,
    openPositionBase: isOpen ? b.position : 0,
    maxPositionBase: b.maxPosition,
    avgOpenPx,
    avgClosePx: b.closedSz > 0 ? b.closeNotional / b.closedSz : null,
    costBasisPx: isOpen ? b.cost / b.position : null,
    grossProfitQuote: b.gross,
    feesQuote: b.fees,
    profitQuote: profit,
    profitRatio: profit / b.openNotional,
    fills: b.fills,
  };
}

/** Unrealized profit of an open trade at a mark price, quote (0 for a closed trade). */
export function unrealizedQuote(trip: RoundTrip, markPx: number): number {
  if (!trip.isOpen || trip.costBasisPx === null) return 0;
  const dir = trip.side === 'long' ? 1 : -1;
  return dir * (markPx - trip.costBasisPx) * trip.openPositionBase;
}

export interface Drawdown {
  /** Largest fall from a running peak, quote (≥ 0). */
  drawdownQuote: number;
  /** drawdownQuote ÷ peak value, when the peak is positive; else null (e.g. cumulative profit peaking at 0). */
  drawdownRatio: number | null;
  /** Value at the peak and at the trough of that fall; index of each in the series (−1 = the starting value). */
  peakValue: number;
  troughValue: number;
  peakIndex: number;
  troughIndex: number;
}

/**
 * Maximum drawdown of a series (equity, or cumulative profit). `start` is the value before the first point
 * (0 for cumulative profit, the starting balance for equity): a first point below it is a drawdown too.
 */
export function maxDrawdown(values: readonly number[], start?: number): Drawdown {
  let peak = start ?? (values.length > 0 ? values[0] : 0);
  let peakIndex = start === undefined ? 0 : -1;
  let best: Drawdown = {
    drawdownQuote: 0,
    drawdownRatio: null,
    peakValue: peak,
    troughValue: peak,
    peakIndex,
    troughIndex: peakIndex,
  };
  for (let i = start === undefined ? 1 : 0; i < values.length; i++) {
    const v = values[i];
    if (v > peak) {
      peak = v;
      peakIndex = i;
    } else if (peak - v > best.drawdownQuote) {
      best = {
        drawdownQuote: peak - v,
        drawdownRatio: peak > 0 ? (peak - v) / peak : null,
        peakValue: peak,
        troughValue: v,
        peakIndex,
        troughIndex: i,
      };
    }
  }
  return best;
}

export interface TradeSummary {
  tradeCount: number;
  closedTradeCount: number;
  /** Closed trades with profit > 0, < 0, = 0. */
  winningTrades: number;
  losingTrades: number;
  drawTrades: number;
  /** winning ÷ closed trades; 0 with no closed trade (as Freqtrade). */
  winrate: number;
  /** Σ profit of winners ÷ |Σ profit of losers|; null with no losing trade (undefined, not infinite). */
  profitFactor: number | null;
  /** Σ profit of closed trades, quote. */
  profitClosedQuote: number;
  /** Closed profit + realized part of the open trade + its unrealized profit at `markPx` (if given), quote. */
  profitAllQuote: number;
  feesQuote: number;
  /** Σ profit ÷ Σ opened notional over closed trades (0 with none). */
  profitClosedRatio: number;
  /** Average closed-trade duration, ms (0 with none). */
  avgDurationMs: number;
  firstTradeMs: number | null;
  lastCloseMs: number | null;
  /** Drawdown of the cumulative closed-trade profit, starting from 0 (and from `startingBalanceQuote` for the ratio). */
  maxDrawdownClosed: Drawdown;
}

/** Freqtrade-style statistics over round trips. Pure. */
export function summarizeTrades(
  trips: readonly RoundTrip[],
  options: { markPx?: number; startingBalanceQuote?: number } = {},
): TradeSummary {
  const closed = trips.filter((t) => !t.isOpen);
  let wins = 0;
  let losses = 0;
  let draws = 0;
  let winSum = 0;
  let lossSum = 0;
  let closedProfit = 0;
  let closedNotional = 0;
  let durationSum = 0;
  const base = options.startingBalanceQuote ?? 0;
  const curve: number[] = [];
  for (const t of closed) {
    if (t.profitQuote > 0) {
      wins++;
      winSum += t.profitQuote;
    } else if (t.profitQuote < 0) {
      losses++;
      lossSum += t.profitQuote;
    } else draws++;
    closedProfit += t.profitQuote;
    closedNotional += t.amountBase * t.avgOpenPx;
    durationSum += (t.closeMs ?? t.openMs) - t.openMs;
    curve.push(base + closedProfit);
  }
  let all = closedProfit;
  for (const t of trips) {
    if (!t.isOpen) continue;
    all += t.profitQuote;
    if (options.markPx !== undefined) all += unrealizedQuote(t, options.markPx);
  }
  let lastClose: number | null = null;
  for (const t of closed)
    if (t.closeMs !== null && (lastClose === null || t.closeMs > lastClose)) lastClose = t.closeMs;
  return {
    tradeCount: trips.length,
    closedTradeCount: closed.length,
    winningTrades: wins,
    losingTrades: losses,
    drawTrades: draws,
    winrate: closed.length > 0 ? wins / closed.length : 0,
    profitFactor: losses > 0 ? winSum / -lossSum : null,
    profitClosedQuote: closedProfit,
    profitAllQuote: all,
    feesQuote: trips.reduce((s, t) => s + t.feesQuote, 0),
    profitClosedRatio: closedNotional > 0 ? closedProfit / closedNotional : 0,
    avgDurationMs: closed.length > 0 ? durationSum / closed.length : 0,
    firstTradeMs: trips.length > 0 ? trips[0].openMs : null,
    lastCloseMs: lastClose,
    maxDrawdownClosed: maxDrawdown(curve, base),
  };
}
