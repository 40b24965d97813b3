import type { Side } from '../core/market.ts';
import { TimeBucket } from '../engine/time-bucket.ts';

/**
 * Backtest accounting, all in quote currency (USDC) unless named. Exact by construction:
 *
 *   equity = cash + position × mid                      (fees and funding are already in cash)
 *   equity − 0 = spreadCapture + inventoryPnl − fees + funding    (starting flat with zero cash)
 *
 * - spreadCapture: for each fill, its edge against the mid of the last BBO before it:
 *   buy (mid − px)·sz, sell (px − mid)·sz. Negative for taker fills.
 * - inventoryPnl: Σ position × Δmid over every mid change (the mark-to-market of inventory we held).
 * - fees: Σ fees paid (a rebate is negative).
 * - funding: Σ funding received (+) or paid (−) at the hourly settlements (a backtest assumes a rate).
 * Per-minute PnL, two series:
 * - clock minutes (`minutes`, `minutePnlMeanQuote`, `minutePnlStdQuote`, the calibration score's input): change of
 *   equity over each UTC minute from the first event's minute to the last's; minutes with no event count as 0.
 * - trading minutes (`activeMinutes`, Sharpe, Sortino): only the minutes that had book data (a BBO). A minute
 *   without any (a hole in the recording) is not a trading minute: it would add a zero-PnL, zero-risk minute that
 *   makes the ratios look better than the market allowed. PnL booked in such a minute (a fill, funding) is carried
 *   into the next trading minute, so nothing is lost.
 * Statistics stream (constant memory): mean and sum of squared deviations are updated with Welford's method (a
 * run of empty clock minutes joins as one batch of zeros, Chan et al.), so a flat series has a std of exactly 0
 * and a large PnL level does not cancel the variance away.
 */
export const MINUTES_PER_YEAR = 365 * 24 * 60;
const MINUTE_MS = 60_000;

export interface LedgerSnapshot {
  cashQuote: number;
  positionBase: number;
  lastMid: number;
  equityQuote: number;
  spreadCaptureQuote: number;
  inventoryPnlQuote: number;
  feesQuote: number;
  /** Funding received (+) or paid (−), quote. */
  fundingQuote: number;
  turnoverQuote: number;
  buyFills: number;
  sellFills: number;
  buyVolumeBase: number;
  sellVolumeBase: number;
  makerFills: number;
  takerFills: number;
  maxAbsPositionBase: number;
  /** Time-weighted mean of |position| ÷ lot. */
  meanAbsQLots: number;
  /** Share of time with |q| at (or beyond) the max position, 0–1. */
  timeAtLimitShare: number;
  maxDrawdownQuote: number;
  /** Minutes in the per-minute PnL series. */
  minutes: number;
  /** Mean of per-minute PnL, quote units; NaN with no minute. */
  minutePnlMeanQuote: number;
  /**
   * Sample standard deviation (n − 1) of per-minute PnL, quote units: 0 for a flat series, NaN with fewer than
   * 2 minutes. The calibration score uses it directly (src/calibrate/score.ts).
   */
  minutePnlStdQuote: number;
  /** Trading minutes: minutes that had book data (Sharpe and Sortino are over these). */
  activeMinutes: number;
  /**
   * Annualised (√525 600) mean ÷ std of PnL per trading minute; NaN with fewer than 2 trading minutes or zero
   * std.
   */
  sharpe: number;
  /** Annualised mean ÷ downside deviation (root mean square of negative PnL per trading minute); NaN when undefined. */
  sortino: number;
}

export class Ledger {
  cash = 0;
  position = 0;
  mid = Number.NaN;
  spreadCapture = 0;
  inventoryPnl = 0;
  fees = 0;
  funding = 0;
  turnover = 0;
  buyFills = 0;
  sellFills = 0;
  buyVolume = 0;
  sellVolume = 0;
  makerFills = 0;
  takerFills = 0;
  maxAbsPosition = 0;

  private lastT = Number.NaN;
  private absQTimeSum = 0;
  private atLimitMs = 0;
  /** |position| ÷ lot and whether it is at the max position, as of the last fill (advance runs on every event). */
  private absQ = 0;
  private atLimit = false;
  private totalMs = 0;
  private peakEquity = 0;
  private maxDrawdown = 0;
  private minute = Number.NaN;
  private readonly minuteOf = new TimeBucket(MINUTE_MS);
  private minuteStartEquity = 0;
  private n = 0;
  private mean = 0;
  /** Σ (x − mean)² over the closed minutes (Welford). */
  private m2 = 0;
  /** Trading-minute statistics (minutes with book data), Welford as above. */
  private minuteHasBook = false;
  private activeStartEquity = Number.NaN;
  private an = 0;
  private amean = 0;
  private am2 = 0;
  private adownSq = 0;

  constructor(
    private readonly lotBase: number,
    private readonly maxPositionLots: number,
  ) {
    this.positionMoved();
  }

  get equity(): number {
    return this.position === 0 ? this.cash : this.cash + this.position * this.mid;
  }

  /** Time moves to `t` (exchange ms) with the state held since the last call. */
  advance(t: number): void {
    const last = this.lastT;
    if (!Number.isNaN(last)) {
      const dt = t - last;
      if (dt > 0) {
        this.absQTimeSum += this.absQ * dt;
        if (this.atLimit) this.atLimitMs += dt;
        this.totalMs += dt;
      }
    }
    this.lastT = t;
    const m = this.minuteOf.of(t);
    if (m !== this.minute) {
      if (!Number.isNaN(this.minute) && m > this.minute) {
        this.closeMinute();
        this.addZeroMinutes(m - this.minute - 1); // minutes without events: zero PnL
        if (this.minuteHasBook) this.closeActiveMinute();
      }
      this.minute = m;
      this.minuteHasBook = false;
      this.minuteStartEquity = !Number.isNaN(this.mid) ? this.equity : 0;
    }
  }

  onMid(mid: number): void {
    const prev = this.mid;
    if (!Number.isNaN(prev) && this.position !== 0) this.inventoryPnl += this.position * (mid - prev);
    this.mid = mid;
    if (Number.isNaN(prev)) this.minuteStartEquity = this.equity;
    if (Number.isNaN(this.activeStartEquity)) this.activeStartEquity = this.minuteStartEquity;
    this.minuteHasBook = true;
    this.markDrawdown();
  }

  onFill(side: Side, px: number, sz: number, feeQuote: number, taker: boolean): void {
    const notional = px * sz;
    const mid = this.mid;
    if (side === 'buy') {
      this.cash -= notional + feeQuote;
      this.position += sz;
      if (!Number.isNaN(mid)) this.spreadCapture += (mid - px) * sz;
      this.buyFills++;
      this.buyVolume += sz;
    } else {
      this.cash += notional - feeQuote;
      this.position -= sz;
      if (!Number.isNaN(mid)) this.spreadCapture += (px - mid) * sz;
      this.sellFills++;
      this.sellVolume += sz;
    }
    this.fees += feeQuote;
    this.turnover += notional;
    if (taker) this.takerFills++;
    else this.makerFills++;
    const absPos = Math.abs(this.position);
    if (absPos > this.maxAbsPosition) this.maxAbsPosition = absPos;
    this.positionMoved();
    this.markDrawdown();
  }

  private positionMoved(): void {
    this.absQ = Math.abs(this.position) / this.lotBase;
    this.atLimit = this.maxPositionLots > 0 && this.absQ >= this.maxPositionLots - 1e-9;
  }

  /** A funding payment (positive = received), quote. */
  onFunding(amountQuote: number): void {
    this.cash += amountQuote;
    this.funding += amountQuote;
    this.markDrawdown();
  }

  snapshot(): LedgerSnapshot {
    // Close the running minute without disturbing the ledger (a snapshot may be taken mid-run).
    let n = this.n;
    let mean = this.mean;
    let m2 = this.m2;
    if (!Number.isNaN(this.minute) && !Number.isNaN(this.mid)) {
      const x = this.equity - this.minuteStartEquity;
      n++;
      const delta = x - mean;
      mean += delta / n;
      m2 += delta * (x - mean);
    }
    if (n === 0) mean = Number.NaN;
    const minuteStd = n > 1 ? Math.sqrt(Math.max(0, m2) / (n - 1)) : Number.NaN;
    let an = this.an;
    let amean = this.amean;
    let am2 = this.am2;
    let adownSq = this.adownSq;
    if (this.minuteHasBook && !Number.isNaN(this.mid)) {
      const x = this.equity - this.activeStartEquity;
      an++;
      const delta = x - amean;
      amean += delta / an;
      am2 += delta * (x - amean);
      if (x < 0) adownSq += x * x;
    }
    const activeStd = an > 1 ? Math.sqrt(Math.max(0, am2) / (an - 1)) : Number.NaN;
    // Sharpe is undefined (NaN) for a flat series: std 0.
    const std = activeStd > 0 ? activeStd : Number.NaN;
    const downDev = an > 0 && adownSq > 0 ? Math.sqrt(adownSq / an) : Number.NaN;
    const annual = Math.sqrt(MINUTES_PER_YEAR);
    return {
      cashQuote: this.cash,
      positionBase: this.position,
      lastMid: this.mid,
      equityQuote: !Number.isNaN(this.mid) ? this.equity : this.cash,
      spreadCaptureQuote: this.spreadCapture,
      inventoryPnlQuote: this.inventoryPnl,
      feesQuote: this.fees,
      fundingQuote: this.funding,
      turnoverQuote: this.turnover,
      buyFills: this.buyFills,
      sellFills: this.sellFills,
      buyVolumeBase: this.buyVolume,
      sellVolumeBase: this.sellVolume,
      makerFills: this.makerFills,
      takerFills: this.takerFills,
      maxAbsPositionBase: this.maxAbsPosition,
      meanAbsQLots: this.totalMs > 0 ? this.absQTimeSum / this.totalMs : 0,
      timeAtLimitShare: this.totalMs > 0 ? this.atLimitMs / this.totalMs : 0,
      maxDrawdownQuote: this.maxDrawdown,
      minutes: n,
      minutePnlMeanQuote: mean,
      minutePnlStdQuote: minuteStd,
      activeMinutes: an,
      sharpe: an > 1 ? (amean / std) * annual : Number.NaN,
      sortino: an > 1 ? (amean / downDev) * annual : Number.NaN,
    };
  }

  private closeMinute(): void {
    const x = (!Number.isNaN(this.mid) ? this.equity : 0) - this.minuteStartEquity;
    this.n++;
    const delta = x - this.mean;
    this.mean += delta / this.n;
    this.m2 += delta * (x - this.mean);
  }

  /** Closes a trading minute: its PnL is the equity change since the last trading minute closed. */
  private closeActiveMinute(): void {
    const x = this.equity - this.activeStartEquity;
    this.an++;
    const delta = x - this.amean;
    this.amean += delta / this.an;
    this.am2 += delta * (x - this.amean);
    if (x < 0) this.adownSq += x * x;
    this.activeStartEquity = this.equity;
  }

  /** `k` minutes of zero PnL at once: Chan et al.'s merge of (n, mean, m2) with (k, 0, 0). */
  private addZeroMinutes(k: number): void {
    if (k <= 0) return;
    const n = this.n + k;
    const delta = -this.mean;
    this.m2 += (delta * delta * this.n * k) / n;
    this.mean += (delta * k) / n;
    this.n = n;
  }

  private markDrawdown(): void {
    if (Number.isNaN(this.mid)) return;
    const eq = this.equity;
    if (eq > this.peakEquity) this.peakEquity = eq;
    else if (this.peakEquity - eq > this.maxDrawdown) this.maxDrawdown = this.peakEquity - eq;
  }
}
