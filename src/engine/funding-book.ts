import type { TradeStore } from '../store/trade-store.ts';
import type { FundingPayment, FundingSource } from './funding.ts';

/**
 * Funding in the engine: asks the funding source for payments as bot time moves and decides which payments are
 * new. An exchange payment is new only if its (coin, hour) row is new in the store (it may have been booked
 * before a restart); a paper or assumed-rate payment is this process's simulation, booked once per hour here
 * (its store row written when new: a replay of the same hours into the same database re-simulates them).
 */
export class FundingBook {
  /** Funding hours booked by this process (the store dedupes across processes). */
  private readonly hours = new Set<number>();

  constructor(
    readonly source: FundingSource | null,
    private readonly store: TradeStore | null,
    private readonly coin: string,
  ) {}

  /** Payments due now that bot time reached `nowMs` holding `positionBase` marked at `mid` (NaN = none yet). */
  due(nowMs: number, positionBase: number, mid: number): FundingPayment[] | null {
    const f = this.source;
    if (f === null || !Number.isFinite(nowMs)) return null;
    const due = f.onClock(nowMs, positionBase, Number.isNaN(mid) ? null : mid);
    return due.length > 0 ? due : null;
  }

  /** True when `p` should be booked into the account (and records it in the store). */
  admit(p: FundingPayment): 'book' | 'duplicate' | 'invalid' {
    if (!Number.isFinite(p.amountQuote) || !Number.isFinite(p.tsMs)) return 'invalid';
    if (this.hours.has(p.tsMs)) return 'duplicate';
    const recorded =
      this.store?.recordFunding({
        tsMs: p.tsMs,
        coin: this.coin,
        amountQuote: p.amountQuote,
        rate: Number.isFinite(p.rate) ? p.rate : 0,
        positionSz: p.positionBase,
      }) ?? true;
    this.hours.add(p.tsMs);
    if (!recorded && p.source === 'exchange') return 'duplicate';
    return 'book';
  }
}
