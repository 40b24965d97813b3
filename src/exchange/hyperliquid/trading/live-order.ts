import type { Logger } from '../../../core/log.ts';
import type { Side } from '../../../core/market.ts';
import type { RejectReason, VenueReport } from '../../../core/orders.ts';
import type { VenueReportEvent } from '../../../engine/venue.ts';
import type { Cloid, OrderSpec } from '../actions.ts';
import { ActionRejectedError, HttpStatusError, RateLimitedError } from '../errors.ts';
import type { CancelStatus, HlOrderStatus } from '../exchange-client.ts';
import type { FrontendOpenOrder } from '../info-schemas.ts';
import type { AccountDeadMansSwitch } from './dead-mans-switch.ts';

/** What the live venue needs of /exchange (ExchangeClient, or a test double). */
export interface ExchangeApi {
  placeOrders(orders: OrderSpec[]): Promise<HlOrderStatus[]>;
  cancelByCloid(cancels: { asset: number; cloid: string }[]): Promise<CancelStatus[]>;
  /** Cancel by exchange order id: used by the stop sweep for the account's orders without a cloid. */
  cancel?(cancels: { asset: number; oid: number }[]): Promise<CancelStatus[]>;
  modify(oid: number | string, order: OrderSpec): Promise<HlOrderStatus>;
  batchModify(modifies: { oid: number | string; order: OrderSpec }[]): Promise<HlOrderStatus[]>;
  scheduleCancel(timeMs?: number): Promise<void>;
}

export interface OpenOrdersApi {
  frontendOpenOrders(user?: string): Promise<FrontendOpenOrder[]>;
}

export interface HyperliquidVenueOptions {
  exchange: ExchangeApi;
  info: OpenOrdersApi;
  coin: string;
  asset: number;
  logger?: Logger;
  /** Dead man's switch horizon, ms (0 = off). Default 30,000. */
  dmsMs?: number;
  wallNowMs?: () => number;
  /**
   * The exchange's clock, which scheduleCancel times are in: the wall clock live, the replayed exchange time
   * against a replay (the bot clock). Pushes are paced on the wall clock, since a process dies in real time.
   */
  exchangeNowMs?: () => number;
  /** A rate-limit or other venue problem worth a risk event. */
  onIncident?: (kind: 'rate_limit' | 'reconcile', detail: string) => void;
  /** First back-off of cancel retries, open-order checks and stop-sweep rounds, wall ms (doubles, capped ×16). Default 500. */
  retryBaseMs?: number;
  /** /info answers without an unknown order before it is reported rejected. Default 3. */
  unknownChecks?: number;
  /** /info rounds of the stop sweep before giving up (the switch then stays armed). Default 5. */
  sweepRounds?: number;
  /** This process's cloid prefix (8 bytes: the hlmm marker + 4 random). Default: a new one. */
  cloidPrefix?: Uint8Array;
  /** Cloid prefixes of earlier runs of this database (their orders are ours, not another bot's). */
  knownCloidPrefixes?: Iterable<string>;
  /** An orderUpdates push showed another hlmm bot's order open on this coin (once per cloid prefix). */
  onForeignOrder?: (prefixCloid: string) => void;
  /**
   * Several coins from one account: the account's one dead man's switch (dead-mans-switch.ts) instead of this
   * venue's own, and the process's one cloid source (one prefix, one counter: cloids stay unique on the account).
   * The venue then never removes the schedule at stop: the account's owner does, once every coin is clean.
   */
  shared?: { deadMansSwitch: AccountDeadMansSwitch; nextCloid: () => Cloid };
}

/** Where one of our live orders stands, as the venue sees it. */
export type LiveState = 'pending-new' | 'unknown' | 'resting' | 'modifying' | 'cancelling' | 'closed';

export interface LiveOrder {
  cid: number;
  cloid: Cloid;
  oid: number | null;
  side: Side;
  px: number;
  sz: number;
  filledSz: number;
  /** When the engine decided it, on the bot clock (exchange time against a replay), ms. */
  createdMs: number;
  state: LiveState;
  acked: boolean;
  tif: 'Alo' | 'Gtc' | 'Ioc';
  /** Reduce-only (flatten): the exchange refuses it if it would increase the position. */
  reduceOnly: boolean;
  /** A modify's replacement: the order it replaces (its 'modified' cancel is reported before our ack). */
  replaces: LiveOrder | null;
  /** Its terminal report was emitted already: the venue alone cancels it, silently (fills are still reported). */
  orphan: boolean;
  /** Cancel retry: when the next attempt is due (wall ms), how many failed, since when it fails. */
  cancelRetryAtWall: number | null;
  cancelFailures: number;
  cancelFailingSinceWall: number | null;
  /** Unknown outcome: when the next /info check is due, how many answers did not show it, why it is unknown. */
  checkAtWall: number;
  checkMisses: number;
  checkFailures: number;
  unknownWhy: string;
}

/** The venue's counters (requests, retries, incidents), for the status line and the tests. */
export interface LiveVenueCounts {
  requests: number;
  rateLimited: number;
  batchModifies: number;
  dmsPushes: number;
  unknownFills: number;
  cancelRetries: number;
  unknownOutcomes: number;
  orphansCancelled: number;
  refused: number;
}

/** Our live orders by cid, with the cloid and oid indexes; closed orders are forgotten past 2,000 records. */
export class LiveOrderBook {
  readonly orders = new Map<number, LiveOrder>();
  private readonly byCloid = new Map<string, number>();
  private readonly byOid = new Map<number, number>();

  get(cid: number): LiveOrder | undefined {
    return this.orders.get(cid);
  }

  values(): IterableIterator<LiveOrder> {
    return this.orders.values();
  }

  add(o: LiveOrder): void {
    this.orders.set(o.cid, o);
    this.byCloid.set(o.cloid, o.cid);
  }

  setOid(o: LiveOrder, oid: number): void {
    o.oid = oid;
    this.byOid.set(oid, o.cid);
  }

  find(cloid: string | null, oid: number | null): LiveOrder | undefined {
    const cid =
      (cloid ? this.byCloid.get(cloid.toLowerCase()) : undefined) ??
      (oid !== null ? this.byOid.get(oid) : undefined);
    return cid === undefined ? undefined : this.orders.get(cid);
  }

  /** Keep recent ids for late pushes; forget old closed orders so memory stays bounded. */
  prune(): void {
    if (this.orders.size <= 2_000) return;
    for (const [cid, x] of this.orders) {
      if (this.orders.size <= 1_000) break;
      if (x.state === 'closed') {
        this.orders.delete(cid);
        this.byCloid.delete(x.cloid);
        if (x.oid !== null) this.byOid.delete(x.oid);
      }
    }
  }
}

/**
 * What the venue's jobs (dead man's switch, cancel retry, unknown outcomes, stop sweep, fills, order updates)
 * share: the orders, the options, the clock and the way reports and requests go out. HyperliquidVenue is it.
 */
export interface LiveVenueCore {
  readonly opts: HyperliquidVenueOptions;
  readonly exchange: ExchangeApi;
  readonly counts: LiveVenueCounts;
  readonly book: LiveOrderBook;
  /** New places/modifies are refused (cancelAll or stop began). */
  readonly stopping: boolean;
  wallNow(): number;
  emit(out: VenueReportEvent[]): void;
  /** Marks an order closed and reports it, unless its terminal report was emitted already (orphan). */
  close(o: LiveOrder, r: VenueReport, out: VenueReportEvent[], message?: string): void;
  ack(o: LiveOrder, t: number, out: VenueReportEvent[]): void;
  rejectOrder(o: LiveOrder, message: string, out: VenueReportEvent[], reason?: RejectReason): void;
  sendCancels(cancels: LiveOrder[]): Promise<void>;
  /** One exchange request, counted; a rate limit is logged and reported as an incident. */
  request<T>(fn: () => Promise<T>): Promise<T>;
  /** Keeps a request in flight until it settles (stop waits for them); a failure is logged. */
  track$(p: Promise<unknown>): void;
  /** Back-off after `n` failures, wall ms. */
  backoffMs(n: number): number;
}

/**
 * True when a failed request certainly executed nothing: a rate limit (HTTP 429 or the address limit), the
 * exchange refusing the whole action, or an HTTP 4xx. A network error, timeout, HTTP 5xx or an answer we could
 * not parse may have executed: unknown.
 */
export function outcomeKnown(err: unknown): boolean {
  return (
    err instanceof RateLimitedError ||
    err instanceof ActionRejectedError ||
    (err instanceof HttpStatusError && err.status < 500)
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
