/**
 * Hyperliquid's order processing statuses (orderUpdates, orderStatus, historicalOrders), spelled exactly as the
 * official docs ("Info endpoint" → order status; WsOrder) spell them, and what each one means for whoever placed
 * the order: one table, read by the live venue (src/exchange/hyperliquid/trading/venue.ts, order-updates.ts) and written by the fake exchange.
 *
 * `outcome`:
 * - open: the order rests on the book (for `triggered`: a trigger order became a live order);
 * - filled: fully executed (the fills themselves arrive on userFills);
 * - rejected: never rested — refused when it arrived (tick, min value, margin, post-only cross, IOC without match…);
 * - cancelled: it rested, then was removed; `by` says who removed it.
 * `by` (cancelled only): user = the owner's own cancel; deadman = the owner's scheduleCancel switch; exchange = the
 * exchange's risk engine on its own (margin, reduce-only no longer reducing, self-trade prevention, a filled
 * sibling TP/SL, delisting, liquidation, open-interest cap, a vault withdrawal).
 */

export type OrderOutcome = 'open' | 'filled' | 'rejected' | 'cancelled';
export type CancelledBy = 'user' | 'deadman' | 'exchange';

export interface OrderStatusMeaning {
  outcome: OrderOutcome;
  by?: CancelledBy;
  /** The docs' one-line description. */
  why: string;
}

export const ORDER_STATUSES = {
  open: { outcome: 'open', why: 'active and waiting to be filled' },
  filled: { outcome: 'filled', why: 'fully executed' },
  canceled: { outcome: 'cancelled', by: 'user', why: 'canceled by the user' },
  triggered: { outcome: 'open', why: 'trigger order triggered and awaiting execution' },
  rejected: { outcome: 'rejected', why: 'rejected by the system' },
  marginCanceled: { outcome: 'cancelled', by: 'exchange', why: 'canceled: insufficient margin' },
  vaultWithdrawalCanceled: {
    outcome: 'cancelled',
    by: 'exchange',
    why: 'canceled: a user withdrawal from the vault',
  },
  openInterestCapCanceled: {
    outcome: 'cancelled',
    by: 'exchange',
    why: 'canceled: too aggressive while open interest was at its cap',
  },
  selfTradeCanceled: { outcome: 'cancelled', by: 'exchange', why: 'canceled: self-trade prevention' },
  reduceOnlyCanceled: {
    outcome: 'cancelled',
    by: 'exchange',
    why: 'canceled: a reduce-only order that no longer reduces the position',
  },
  siblingFilledCanceled: { outcome: 'cancelled', by: 'exchange', why: 'canceled: its sibling order filled' },
  delistedCanceled: { outcome: 'cancelled', by: 'exchange', why: 'canceled: the asset was delisted' },
  liquidatedCanceled: { outcome: 'cancelled', by: 'exchange', why: 'canceled: the account was liquidated' },
  scheduledCancel: {
    outcome: 'cancelled',
    by: 'deadman',
    why: "canceled: the scheduled cancel deadline passed (dead man's switch)",
  },
  tickRejected: { outcome: 'rejected', why: 'rejected: price not on the tick' },
  minTradeNtlRejected: { outcome: 'rejected', why: 'rejected: notional below the minimum' },
  perpMarginRejected: { outcome: 'rejected', why: 'rejected: insufficient margin' },
  reduceOnlyRejected: { outcome: 'rejected', why: 'rejected: reduce-only order would increase the position' },
  badAloPxRejected: { outcome: 'rejected', why: 'rejected: post-only order would have matched immediately' },
  iocCancelRejected: { outcome: 'rejected', why: 'rejected: IOC order could not match' },
  badTriggerPxRejected: { outcome: 'rejected', why: 'rejected: invalid TP/SL price' },
  marketOrderNoLiquidityRejected: { outcome: 'rejected', why: 'rejected: no liquidity for a market order' },
  positionIncreaseAtOpenInterestCapRejected: {
    outcome: 'rejected',
    why: 'rejected: position increase at the open interest cap',
  },
  positionFlipAtOpenInterestCapRejected: {
    outcome: 'rejected',
    why: 'rejected: position flip at the open interest cap',
  },
  tooAggressiveAtOpenInterestCapRejected: {
    outcome: 'rejected',
    why: 'rejected: price too aggressive at the open interest cap',
  },
  openInterestIncreaseRejected: { outcome: 'rejected', why: 'rejected: open interest increasing too fast' },
  insufficientSpotBalanceRejected: { outcome: 'rejected', why: 'rejected: insufficient spot balance' },
  oracleRejected: { outcome: 'rejected', why: 'rejected: price too far from the oracle' },
  perpMaxPositionRejected: {
    outcome: 'rejected',
    why: 'rejected: position would exceed the margin tier limit at this leverage',
  },
} as const satisfies Record<string, OrderStatusMeaning>;

export type OrderStatusName = keyof typeof ORDER_STATUSES;

export function isOrderStatusName(s: string): s is OrderStatusName {
  return Object.hasOwn(ORDER_STATUSES, s);
}

/**
 * What a status means. A status newer than this table is judged by its name, the way the docs build names:
 * "…Rejected" never rested, "…Canceled"/"…Cancel" was removed by the exchange; anything else is null (ignore it).
 */
export function orderStatusMeaning(status: string): OrderStatusMeaning | null {
  if (isOrderStatusName(status)) return ORDER_STATUSES[status];
  if (/Rejected$/.test(status)) return { outcome: 'rejected', why: `unlisted status ${status}` };
  if (/Cancel(ed)?$/.test(status))
    return { outcome: 'cancelled', by: 'exchange', why: `unlisted status ${status}` };
  return null;
}

/**
 * The per-order error of an /exchange `order` answer and the status the same order then carries in orderUpdates,
 * orderStatus and historicalOrders (docs, "Error responses": error type Tick → tickRejected, …). Texts as the docs
 * print them; `asset=N` is appended by the exchange.
 */
export const ORDER_REJECTS = {
  tick: { status: 'tickRejected', text: 'Price must be divisible by tick size.' },
  minTradeNtl: { status: 'minTradeNtlRejected', text: 'Order must have minimum value of $10.' },
  perpMargin: { status: 'perpMarginRejected', text: 'Insufficient margin to place order.' },
  reduceOnly: { status: 'reduceOnlyRejected', text: 'Reduce only order would increase position.' },
  badAloPx: { status: 'badAloPxRejected', text: 'Post only order would have immediately matched' },
  iocCancel: {
    status: 'iocCancelRejected',
    text: 'Order could not immediately match against any resting orders.',
  },
  marketOrderNoLiquidity: {
    status: 'marketOrderNoLiquidityRejected',
    text: 'No liquidity available for market order.',
  },
  oracle: {
    status: 'oracleRejected',
    text: 'Order price cannot be more than 80% away from the reference price',
  },
} as const satisfies Record<string, { status: OrderStatusName; text: string }>;
