/**
 * Funding settled every hour on the hour, booked by this process (paper trading and the backtest): a position of
 * signed size szi receives −szi × price × rate (longs pay shorts when the hourly rate is positive). ASSUMES the
 * price is the bot's mid at the boundary (an exchange may use an oracle price; they differ by the premium, a few
 * bps of the payment) and the position is the one held when the bot clock crosses the boundary. With no rate
 * known yet the hour is skipped with a warning rather than booked at a guessed rate. The exchange-specific sources
 * (where the rate comes from, the exchange's own payments live) sit in the exchange adapters.
 */
import type { Logger } from '../core/log.ts';
import type { FundingPayment, FundingSource } from './funding.ts';

export const HOUR_MS = 3_600_000;
/** "Nothing due": one shared empty answer, so a clock tick allocates nothing. Never mutated. */
const NONE: FundingPayment[] = [];
/** Positions smaller than this are flat (float dust). */
const FLAT_BASE = 1e-12;

/** What a position receives (+) or pays (−) at one hourly settlement, quote: −position × price × rate. */
export function fundingPaymentQuote(positionBase: number, priceQuote: number, ratePerHour: number): number {
  const amount = -positionBase * priceQuote * ratePerHour;
  return amount === 0 ? 0 : amount;
}

/** The hour boundaries t with fromMs < t ≤ toMs, oldest first. */
export function hourBoundariesBetween(fromMs: number, toMs: number): number[] {
  const out: number[] = [];
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) return out;
  for (let t = Math.floor(fromMs / HOUR_MS) * HOUR_MS + HOUR_MS; t <= toMs; t += HOUR_MS) out.push(t);
  return out;
}

/** The payments due as the bot clock moves, at the current `rate` (null = unknown: the hour is skipped). */
export class HourlySettlement {
  /** Hourly rate, fraction (null until known). */
  rate: number | null = null;
  private lastMs = Number.NaN;
  private warnedNoRate = false;

  constructor(private readonly logger?: Logger) {}

  onClock(nowMs: number, positionBase: number, markPx: number | null): FundingPayment[] {
    if (!Number.isFinite(nowMs)) return NONE;
    if (Number.isNaN(this.lastMs) || nowMs <= this.lastMs) {
      if (Number.isNaN(this.lastMs)) this.lastMs = nowMs;
      return NONE;
    }
    // Same hour as the last call: nothing can be due (the hot path of a backtest, every event).
    if (Math.floor(nowMs / HOUR_MS) === Math.floor(this.lastMs / HOUR_MS)) {
      this.lastMs = nowMs;
      return NONE;
    }
    const due = hourBoundariesBetween(this.lastMs, nowMs);
    this.lastMs = nowMs;
    const out: FundingPayment[] = [];
    for (const t of due) {
      // Flat at the hour: nothing to pay (an exchange lists no entry either).
      if (Math.abs(positionBase) <= FLAT_BASE) continue;
      if (this.rate === null || markPx === null || !(markPx > 0)) {
        if (!this.warnedNoRate)
          this.logger?.warn('funding: no rate or mid known at the hour, paper funding not booked', {
            hour: new Date(t).toISOString(),
          });
        this.warnedNoRate = true;
        continue;
      }
      out.push({
        tsMs: t,
        amountQuote: fundingPaymentQuote(positionBase, markPx, this.rate),
        rate: this.rate,
        positionBase,
        source: 'paper',
      });
    }
    return out;
  }
}

/**
 * Backtest funding: recorded files carry no funding, so a backtest assumes one hourly rate for the whole run
 * (`--funding-rate`, config `backtest.funding_rate`; stated in `backtest --json` as `funding_rate`). ASSUMES the
 * payment is at the bot's mid at the hour on the position held when the simulated clock crosses the hour,
 * exactly as paper trading books it. Rate 0 books nothing.
 */
export class AssumedRateFunding implements FundingSource {
  private readonly settlement = new HourlySettlement();
  constructor(readonly ratePerHour: number) {
    this.settlement.rate = ratePerHour;
  }
  onClock(nowMs: number, positionBase: number, markPx: number | null): FundingPayment[] {
    if (this.ratePerHour === 0) return NONE;
    return this.settlement.onClock(nowMs, positionBase, markPx);
  }
  start(): void {}
  poll(): Promise<void> {
    return Promise.resolve();
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
}
