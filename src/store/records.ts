import type { Side } from '../core/market.ts';
import type { Liquidity } from '../core/orders.ts';

/**
 * What the bot persists, as plain records. Units: prices (`px`) in quote currency (USDC), sizes (`sz`) in base
 * units (e.g. BTC), money in quote currency (`*Quote`), times in Unix milliseconds (`*Ms`). Positions are signed
 * base units (positive = long). No record has a field for a key, password or token: the store never holds secrets.
 */

export type OrderStatus = 'open' | 'filled' | 'canceled' | 'rejected';
export type { Liquidity };
export type RunMode = 'dry' | 'live';

/** One of our orders. Identified by its client order id when it has one, otherwise by the exchange's oid. */
export interface OrderRecord {
  /** Exchange order id; null until the exchange acknowledged the order (or for a rejected one). */
  oid: number | null;
  /** Client order id (Hyperliquid: 0x + 32 hex); null for an order adopted from the exchange without one. */
  cloid: string | null;
  coin: string;
  side: Side;
  px: number;
  /** Original size, base units. */
  sz: number;
  /** Size filled so far, base units. */
  filledSz: number;
  status: OrderStatus;
  createdMs: number;
  updatedMs: number;
  /** Why the order reached its status (e.g. "reprice", "kill switch", the exchange's rejection text). */
  reason: string | null;
  runId: number | null;
}

/** A change to a known order (found by cloid, else by oid). Omitted fields keep their stored value. */
export interface OrderUpdate {
  cloid?: string | null;
  oid?: number | null;
  /** Set the exchange oid (e.g. on acknowledgement, or the new oid after a modify). */
  newOid?: number | null;
  px?: number;
  sz?: number;
  filledSz?: number;
  status?: OrderStatus;
  updatedMs: number;
  reason?: string | null;
}

/** One fill of our orders. `tid` is the exchange's trade id and makes recording idempotent. */
export interface FillRecord {
  tid: number;
  coin: string;
  oid: number | null;
  cloid: string | null;
  side: Side;
  px: number;
  sz: number;
  /** Fee paid, quote currency; negative for a rebate. */
  feeQuote: number;
  liquidity: Liquidity;
  tsMs: number;
  /** The exchange's closed PnL for this fill (Hyperliquid `closedPnl`), when it reports one. */
  closedPnlQuote?: number | null;
  /** Exchange transaction hash, when known (public information, not a secret). */
  hash?: string | null;
  runId?: number | null;
}

/** A fill as stored: `id` is the store's own increasing sequence (for paging and "since id" queries). */
export interface StoredFill extends Required<FillRecord> {
  id: number;
}

/** Position and account balance at one time, from our own accounting or from the exchange's `/info`. */
export interface PositionSnapshot {
  tsMs: number;
  coin: string;
  /** Signed position, base units. */
  positionSz: number;
  /** Average entry price of the position, quote; null when flat or unknown. */
  entryPx: number | null;
  /** Account value (equity) in quote, as reported by the exchange or the paper wallet. */
  accountValueQuote: number | null;
  /** Free collateral in quote (Hyperliquid `withdrawable`), when known. */
  withdrawableQuote: number | null;
  source: 'local' | 'exchange';
}

/** Mark-to-market accounting at one time: one point of the equity curve. */
export interface PnlSnapshot {
  tsMs: number;
  coin: string;
  /** Mid price used to value the position, quote. */
  midPx: number;
  positionSz: number;
  /** Cash balance, quote (starting balance + sell notional − buy notional − fees + funding). */
  cashQuote: number;
  realizedQuote: number;
  unrealizedQuote: number;
  /** Cumulative fees paid since the start of the run's accounting, quote (negative = net rebates). */
  feesQuote: number;
  /** Cumulative funding received (positive) or paid (negative), quote. */
  fundingQuote: number;
  /** cash + position · mid, quote. */
  equityQuote: number;
}

/** One parameter set offered to the bot, and whether it took it. */
export interface ParamsRecord {
  tsMs: number;
  /** Where the parameters came from (params file path, "calibrate", …). */
  source: string;
  /** Quote currency per √second. */
  sigma: number;
  /** Aggressive orders per second per side. */
  A: number;
  /** Per quote unit. */
  k: number;
  /** Per quote unit. */
  gamma: number;
  accepted: boolean;
  /** Why refused (or a note on acceptance). */
  reason: string | null;
}

/** A funding payment; idempotent by (coin, tsMs) because Hyperliquid pays funding once per coin per hour. */
export interface FundingRecord {
  tsMs: number;
  coin: string;
  /** Received (positive) or paid (negative), quote. */
  amountQuote: number;
  /** Hourly funding rate as a fraction. */
  rate: number;
  /** Signed position the payment was computed on, base units. */
  positionSz: number;
}

/**
 * Risk and safety events. Known kinds: kill_switch, kill_switch_reset, stale_data, quotes_pulled, quotes_resumed,
 * limit_breach, rate_limit, reconcile, params_refused; other strings are allowed so new guards need no migration.
 */
export type RiskEventKind =
  | 'kill_switch'
  | 'kill_switch_reset'
  | 'stale_data'
  | 'quotes_pulled'
  | 'quotes_resumed'
  | 'limit_breach'
  | 'rate_limit'
  | 'reconcile'
  | 'params_refused'
  | (string & {});

export interface RiskEventRecord {
  tsMs: number;
  kind: RiskEventKind;
  /** One readable sentence. */
  detail: string;
  /** The measured value and the limit it was compared with, when the event is a threshold (quote, base or s). */
  value?: number | null;
  limit?: number | null;
  /** The coin concerned; null or absent = the account as a whole (and every row older than the column). */
  coin?: string | null;
}

export interface BotRun {
  id: number;
  startedMs: number;
  stoppedMs: number | null;
  mode: RunMode;
  ticker: string;
  /** Why the run stopped ("SIGINT", "kill switch", …); null while running or after a crash. */
  stopReason: string | null;
}

/** One UTC day of PnL, from the equity curve and the fills of that day. */
export interface DailyPnl {
  /** YYYY-MM-DD (UTC). */
  day: string;
  /** Unix ms of 00:00 UTC that day. */
  dayStartMs: number;
  /** Equity at the end of the previous recorded day (or the day's first snapshot for the first day), quote. */
  startEquityQuote: number;
  /** Equity at the day's last snapshot, quote. */
  endEquityQuote: number;
  /** endEquity − startEquity, quote. */
  pnlQuote: number;
  fills: number;
  /** Σ px·sz of the day's fills, quote. */
  volumeQuote: number;
  /** Σ fees of the day's fills, quote. */
  feesQuote: number;
}
