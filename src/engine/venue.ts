import type { MarketEvent } from '../core/market.ts';
import type { OrderAction, VenueReport } from '../core/orders.ts';

/**
 * Where the engine's order actions go: the paper venue (the shared SimVenue fill model fed by the live or
 * replayed market) or Hyperliquid (signed orders over /exchange, reports from the user channels). The engine
 * sends actions and receives reports through this interface only, so paper and live run the same engine.
 */
/**
 * How many fill ids (tids) the engine and the live venue each remember to drop a fill reported twice (~80 bytes
 * each, under 1 MB). ASSUMES a venue re-sends a fill only while it is among the account's most recent fills:
 * Hyperliquid's userFills answers (/info and the channel's snapshot on subscribe) hold at most the latest 2,000,
 * so 10,000 leaves a wide margin. An older repeat is still caught by the store's one-row-per-tid check when the
 * bot has a store.
 */
export const FILL_IDS_REMEMBERED = 10_000;

export interface VenueFillMeta {
  /** Exchange trade id (paper: a synthetic id unique across runs). Fills are stored once per tid. */
  tid: number;
  oid: number | null;
  /** The exchange's closed PnL for the fill when it reports one. */
  closedPnlQuote?: number | null;
  hash?: string | null;
  /** The fill's client order id when the venue knows it (fills of orders from an earlier run). */
  cloid?: string | null;
}

export interface VenueReportEvent {
  report: VenueReport;
  /** Present on fills. */
  fill?: VenueFillMeta;
  /** Exchange order id, when the report established or carries one (acks). */
  oid?: number | null;
  /** Exchange text for a rejection. */
  message?: string;
  /**
   * The venue refused the action itself and sent nothing (stopping, no recent dead man's switch push): it is
   * not counted in `orders_placed`, which counts what reached the exchange.
   */
  notSent?: true;
}

export interface RestingOrder {
  cid: number;
  cloid: string | null;
  oid: number | null;
  side: 'buy' | 'sell';
  px: number;
  sz: number;
  filledSz: number;
  createdMs: number;
}

export interface Venue {
  readonly mode: 'dry' | 'live';
  /** Reports go here (set by the engine before any action is sent). */
  onReports: (events: VenueReportEvent[]) => void;
  /** A market event (the paper venue matches on it; live ignores it). */
  onMarket(ev: MarketEvent): void;
  /** Sends actions decided at bot time `nowMs`; their reports arrive later through `onReports`. */
  submit(actions: readonly OrderAction[], nowMs: number): void;
  /** Timer tick at bot time `nowMs` (paper: apply arrivals; live: dead man's switch, retries). */
  tick(nowMs: number): void;
  /** The client order id string of one of our orders (cloid), for the store. */
  cloidOf(cid: number): string | null;
  /**
   * True when nothing rests and nothing is in flight, so a timer tick cannot change anything until the next
   * market event (the paper venue knows; a live venue does not say and is never idle).
   */
  isIdle?(): boolean;
  /** Our orders the venue believes are resting. */
  restingOrders(): RestingOrder[];
  /** Cancels every resting order (shutdown, kill switch) and waits for the answers when it can. */
  cancelAll(nowMs: number): Promise<void>;
  stop(): Promise<void>;
}
