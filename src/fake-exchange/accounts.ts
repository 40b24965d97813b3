/**
 * Perp accounts of the fake exchange: USDC cash, one position per coin (signed size, average entry price),
 * realized PnL, fees and volume, and the margin figures `clearinghouseState` reports.
 *
 * Market assumptions, all here:
 * - One-way positions in cross margin (isolated leverage is recorded and reported but margined like cross).
 * - A fill that reduces a position realizes (fill px − entry px) × closed size × sign(position); one that
 *   flips it closes the whole position and opens the rest at the fill price; the entry price of an increased
 *   position is the size-weighted average. Fees are charged in USDC on each fill (Hyperliquid's feeToken).
 * - The mark price is the replay's mid price (the real exchange uses an oracle-weighted mark).
 * - Funding: hourly at a configured rate, see funding.ts (it moves `usdc` and feeds cumFunding).
 * - Maintenance margin = notional / (2 × maxLeverage), the rate of Hyperliquid's lowest margin tier.
 */

export type FillDirection =
  | 'Open Long'
  | 'Close Long'
  | 'Open Short'
  | 'Close Short'
  | 'Long > Short'
  | 'Short > Long';

/** The outcome of one fill on a position (sizes in base units, prices and PnL in USDC). */
export interface PositionChange {
  /** Signed size before the fill. */
  startSzi: number;
  szi: number;
  /** Average entry price after the fill (NaN when flat). */
  entryPx: number;
  /** PnL realized by the closing part of the fill, before fees. */
  closedPnl: number;
  dir: FillDirection;
}

/** Rounds away binary dust in sizes (Hyperliquid sizes have at most 5 decimals). */
function cleanSz(sz: number): number {
  const r = Math.round(sz * 1e9) / 1e9;
  return r === 0 ? 0 : r;
}

/**
 * Applies a fill of `sz` (> 0) at `px` on the `buy` or sell side to a position (szi, entryPx): pure, so the
 * accounting is tested with hand-computed values.
 */
export function applyFillToPosition(
  szi: number,
  entryPx: number,
  isBuy: boolean,
  px: number,
  sz: number,
): PositionChange {
  const signed = isBuy ? sz : -sz;
  const next = cleanSz(szi + signed);
  if (szi === 0 || Math.sign(szi) === Math.sign(signed)) {
    const entry = szi === 0 ? px : (Math.abs(szi) * entryPx + sz * px) / (Math.abs(szi) + sz);
    return {
      startSzi: szi,
      szi: next,
      entryPx: entry,
      closedPnl: 0,
      dir: isBuy ? 'Open Long' : 'Open Short',
    };
  }
  const closed = Math.min(Math.abs(szi), sz);
  const closedPnl = (px - entryPx) * closed * Math.sign(szi);
  if (next === 0) {
    return {
      startSzi: szi,
      szi: 0,
      entryPx: Number.NaN,
      closedPnl,
      dir: szi > 0 ? 'Close Long' : 'Close Short',
    };
  }
  if (Math.sign(next) === Math.sign(szi)) {
    return { startSzi: szi, szi: next, entryPx, closedPnl, dir: szi > 0 ? 'Close Long' : 'Close Short' };
  }
  return { startSzi: szi, szi: next, entryPx: px, closedPnl, dir: szi > 0 ? 'Long > Short' : 'Short > Long' };
}

export interface Position {
  coin: string;
  szi: number;
  entryPx: number;
  leverage: { type: 'cross' | 'isolated'; value: number };
  /** Realized PnL (before fees) since the position was opened, USDC. */
  realizedPnl: number;
}

export class PerpAccount {
  readonly address: string;
  /** Cash in USDC: deposits + realized PnL − fees. */
  usdc: number;
  realizedPnl = 0;
  feesPaid = 0;
  /** Traded notional, USDC (drives the address-based request allowance). */
  cumVolume = 0;
  /** Exchange actions counted against the address-based allowance. */
  requestsUsed = 0;
  readonly positions = new Map<string, Position>();
  /** Leverage per coin set by updateLeverage; others use the default. */
  readonly leverage = new Map<string, { type: 'cross' | 'isolated'; value: number }>();

  constructor(address: string, startUsdc: number) {
    this.address = address.toLowerCase();
    this.usdc = startUsdc;
  }

  leverageOf(coin: string, maxLeverage: number): { type: 'cross' | 'isolated'; value: number } {
    // Hyperliquid's default for a new market: 20× cross, or the market's maximum when that is lower.
    return this.leverage.get(coin) ?? { type: 'cross', value: Math.min(20, maxLeverage) };
  }

  /** Signed position size in a coin (0 when none). */
  szi(coin: string): number {
    return this.positions.get(coin)?.szi ?? 0;
  }

  /** Books a fill; returns the position change (for the fill's startPosition, dir and closedPnl). */
  fill(
    coin: string,
    isBuy: boolean,
    px: number,
    sz: number,
    feeUsdc: number,
    maxLeverage: number,
  ): PositionChange {
    const position = this.positions.get(coin);
    const change = applyFillToPosition(position?.szi ?? 0, position?.entryPx ?? Number.NaN, isBuy, px, sz);
    this.usdc += change.closedPnl - feeUsdc;
    this.realizedPnl += change.closedPnl;
    this.feesPaid += feeUsdc;
    this.cumVolume += px * sz;
    if (change.szi === 0) {
      this.positions.delete(coin);
    } else {
      const reopened = position === undefined || Math.sign(change.startSzi) !== Math.sign(change.szi);
      this.positions.set(coin, {
        coin,
        szi: change.szi,
        entryPx: change.entryPx,
        leverage: this.leverageOf(coin, maxLeverage),
        realizedPnl: reopened ? 0 : (position?.realizedPnl ?? 0) + change.closedPnl,
      });
    }
    return change;
  }
}

/** Margin figures of one account at given mark prices (USDC). */
export interface MarginSummary {
  accountValue: number;
  totalNtlPos: number;
  totalMarginUsed: number;
  totalRawUsd: number;
  maintenanceMarginUsed: number;
}

export function marginSummary(
  account: PerpAccount,
  markOf: (coin: string) => number,
  maxLeverageOf: (coin: string) => number,
): MarginSummary {
  let unrealized = 0;
  let ntl = 0;
  let signedNtl = 0;
  let marginUsed = 0;
  let maintenance = 0;
  for (const p of account.positions.values()) {
    const mark = markOf(p.coin);
    unrealized += (mark - p.entryPx) * p.szi;
    ntl += Math.abs(p.szi) * mark;
    signedNtl += p.szi * mark;
    marginUsed += (Math.abs(p.szi) * mark) / p.leverage.value;
    maintenance += (Math.abs(p.szi) * mark) / (2 * maxLeverageOf(p.coin));
  }
  const accountValue = account.usdc + unrealized;
  return {
    accountValue,
    totalNtlPos: ntl,
    totalMarginUsed: marginUsed,
    // Hyperliquid's identity: accountValue = totalRawUsd + Σ szi × mark.
    totalRawUsd: accountValue - signedNtl,
    maintenanceMarginUsed: maintenance,
  };
}

/**
 * Liquidation price of a single position in a cross account whose other positions are ignored: the mark at
 * which account value equals maintenance margin. null when there is none (e.g. a long that cannot go under).
 */
export function liquidationPx(szi: number, rawUsd: number, maxLeverage: number): number | null {
  if (szi === 0) return null;
  const m = 1 / (2 * maxLeverage);
  // rawUsd + szi·p − |szi|·p·m = 0
  const px = -rawUsd / (szi - Math.abs(szi) * m);
  return Number.isFinite(px) && px > 0 ? px : null;
}
