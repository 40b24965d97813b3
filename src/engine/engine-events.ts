import type { LogFields } from '../core/log.ts';
import type { MarketEvent } from '../core/market.ts';
import type { OrderAction } from '../core/orders.ts';
import type { RiskEventKind } from '../store/records.ts';
import type { DesiredQuotes } from '../strategy/types.ts';
import type { AccountSnapshot } from './account.ts';
import type { ParamsView } from './bot-view.ts';
import type { FundingPayment } from './funding.ts';
import type { VenueReportEvent } from './venue.ts';

/**
 * The engine's one stream of events. Everything the engine causes besides orders — the store's rows, the API's
 * view, the backtest's ledger and report, the log lines — is a subscriber to it, so the engine does the same
 * work in backtest, paper and live and each world only adds or leaves out subscribers.
 *
 * A subscriber implements the hooks it needs. Hooks are methods, not event objects, so the hot path (a market
 * event every few µs in a backtest) allocates nothing. A hook that throws is a bug: the engine step logs it and
 * carries on (resting orders stay safe with the venue).
 */
export interface EngineFill {
  tid: number;
  oid: number | null;
  cid: number;
  cloid: string | null;
  side: 'buy' | 'sell';
  px: number;
  sz: number;
  /** Fee paid, quote (negative = rebate). */
  feeQuote: number;
  liquidity: 'maker' | 'taker';
  /** Exchange time of the fill, Unix ms. */
  exchMs: number;
  /** Signed position after the fill, base units. */
  positionBase: number;
  closedPnlQuote: number | null;
  hash: string | null;
}

export interface EngineSubscriber {
  /** Bot time moved to `nowMs` (before the market event or timer step at that time is applied). */
  clock?(nowMs: number): void;
  /** A market event, after the venue matched it and its fills were booked (before the strategy re-quotes). */
  market?(ev: MarketEvent): void;
  /** An order action left for the venue at bot time `nowMs`; `cloid` = the venue's client id string. */
  orderSent?(action: OrderAction, cloid: string | null, nowMs: number): void;
  /** A non-fill venue report (ack, reject, cancel, cancel-reject), after the order manager applied it. */
  orderUpdate?(e: VenueReportEvent, cloid: string | null): void;
  /** One of our fills, after the account booked it. */
  fill?(f: EngineFill, account: AccountSnapshot): void;
  /** A funding payment booked into the account. */
  funding?(p: FundingPayment, account: AccountSnapshot): void;
  /** The strategy (behind the risk gate) gave a new answer at bot time `nowMs`. */
  quote?(q: DesiredQuotes, nowMs: number): void;
  /**
   * Why quoting is withheld changed at bot time `nowMs` (a short reason such as "max order size"), or null:
   * both sides quote again.
   */
  withheld?(reason: string | null, nowMs: number, detail: string | null): void;
  /** A risk event (kill switch, stale data, pulled/resumed, parameters refused). */
  risk?(kind: RiskEventKind, detail: string, value: number | null, limit: number | null): void;
  /** A log line of the engine. */
  log?(level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: LogFields): void;
  /** A periodic status snapshot (live: every few seconds; forced after fills and funding). */
  status?(account: AccountSnapshot, nowMs: number, periodic: boolean): void;
  /** New model parameters in force. */
  params?(view: ParamsView): void;
  /** The market-data feed dropped (false) or came back (true), at bot time `nowMs`. */
  feed?(connected: boolean, nowMs: number): void;
  /** The engine stopped (`reason`: a signal, the end of a replay, --duration-s…), at bot time `nowMs`. */
  shutdown?(reason: string, nowMs: number): void;
}

type Hook = keyof EngineSubscriber;

/** The fan-out: one array of subscribers per hook, so an unused hook costs one empty loop. */
export class EngineEvents {
  readonly clock: EngineSubscriber[] = [];
  readonly market: EngineSubscriber[] = [];
  readonly orderSent: EngineSubscriber[] = [];
  readonly orderUpdate: EngineSubscriber[] = [];
  readonly fill: EngineSubscriber[] = [];
  readonly funding: EngineSubscriber[] = [];
  readonly quote: EngineSubscriber[] = [];
  readonly withheld: EngineSubscriber[] = [];
  readonly risk: EngineSubscriber[] = [];
  readonly log: EngineSubscriber[] = [];
  readonly status: EngineSubscriber[] = [];
  readonly params: EngineSubscriber[] = [];
  readonly feed: EngineSubscriber[] = [];
  readonly shutdown: EngineSubscriber[] = [];

  /** Adds a subscriber to every hook it implements; returns the unsubscribe function. */
  subscribe(s: EngineSubscriber): () => void {
    const hooks = (Object.keys(this) as Hook[]).filter((h) => typeof s[h] === 'function');
    for (const h of hooks) this[h].push(s);
    return () => {
      for (const h of hooks) {
        const i = this[h].indexOf(s);
        if (i >= 0) this[h].splice(i, 1);
      }
    };
  }
}
