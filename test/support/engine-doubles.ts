// Pieces the engine tests share: a strategy that always quotes the same, limits that never bind, a BBO event,
// the order-placing actions of a list, a recorder of what the engine sends and a venue the test answers for.
import type { MarketEvent } from '../../src/core/market.ts';
import type { OrderAction, PlaceAction, VenueReport } from '../../src/core/orders.ts';
import type { RiskLimits } from '../../src/engine/risk.ts';
import type { Venue, VenueReportEvent } from '../../src/engine/venue.ts';
import type { Strategy } from '../../src/strategy/types.ts';

/** Always bids 99 and offers 101, one unit (the touch does not matter to the tests that use it). */
export const FIXED_QUOTES: Strategy = {
  name: 'fixed',
  quote: () => ({
    bid: { side: 'buy', px: 99, sz: 1 },
    ask: { side: 'sell', px: 101, sz: 1 },
    explain: null,
  }),
  onFill: () => {},
};

/** Never quotes (tests of what the engine does around the strategy). */
export const NO_QUOTES: Strategy = {
  name: 'none',
  quote: () => ({ bid: null, ask: null, explain: null }),
  onFill: () => {},
};

/** Risk limits far from anything a test does: nothing is withheld by risk unless the test sets it. */
export const OPEN_LIMITS: RiskLimits = {
  maxPositionLots: 10,
  maxNotionalQuote: 1e9,
  maxOrderSizeBase: 10,
  dailyLossLimitQuote: null,
  maxDrawdownQuote: null,
  staleDataMs: 1e9,
  lotBase: 1,
};

/** A BBO event of size 1 a side, received at the exchange time. */
export function bboAt(exchMs: number, bidPx: number, askPx: number): MarketEvent {
  return { kind: 'bbo', exchMs, recvS: exchMs / 1000, bidPx, bidSz: 1, askPx, askSz: 1 };
}

/** The actions of a list that put a price on the book (places and modifies). */
export const placesIn = (a: readonly OrderAction[]) =>
  a.filter((x) => x.type === 'place' || x.type === 'modify');

/** Every action the engine sends to `venue` from now on, in order (the venue still gets them). */
export function recordSubmits(venue: Venue): OrderAction[] {
  const sent: OrderAction[] = [];
  const submit = venue.submit.bind(venue);
  venue.submit = (actions, nowMs) => {
    sent.push(...actions);
    submit(actions, nowMs);
  };
  return sent;
}

/** Records what the engine sends; the test answers for the exchange (`reply` numbers the fills' tids). */
export class HandVenue implements Venue {
  readonly mode = 'dry' as const;
  onReports: (events: VenueReportEvent[]) => void = () => {};
  readonly sent: OrderAction[] = [];
  onMarket(): void {}
  submit(actions: readonly OrderAction[]): void {
    this.sent.push(...actions);
  }
  tick(): void {}
  cloidOf(): string | null {
    return null;
  }
  restingOrders() {
    return [];
  }
  async cancelAll(): Promise<void> {}
  async stop(): Promise<void> {}
  exits(): PlaceAction[] {
    return this.sent.filter((a): a is PlaceAction => a.type === 'place' && a.reduceOnly === true);
  }
  reply(...reports: VenueReport[]): void {
    let tid = 500 + this.sent.length * 10;
    this.onReports(reports.map((report) => ({ report, fill: { tid: tid++, oid: null } })));
  }
}
