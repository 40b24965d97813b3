/**
 * Wire shapes of a user's orders and fills, as Hyperliquid sends them over /info and the user WebSocket
 * channels (field names and order from the real responses in test/fixtures/hyperliquid/api-responses/ and the
 * official docs' WsOrder / WsFill). Prices, sizes and USDC amounts are decimal strings; times Unix ms.
 */
import type { OrderStatusName } from '../exchange/hyperliquid/order-status.ts';
import { wireDecimal } from '../exchange/hyperliquid/ws-messages.ts';

/** Order statuses as Hyperliquid names them (orderUpdates, orderStatus, historicalOrders): see order-status.ts. */
export type { OrderStatusName };

export type WireTif = 'Alo' | 'Gtc' | 'Ioc';

/** One order the fake exchange has seen (open or closed). Sizes in base units, prices in USDC. */
export interface FakeOrderRecord {
  oid: number;
  user: string;
  coin: string;
  asset: number;
  isBuy: boolean;
  limitPx: number;
  origSz: number;
  /** Remaining size (0 once filled). */
  sz: number;
  tif: WireTif;
  reduceOnly: boolean;
  cloid?: string;
  /** Exchange ms when placed. */
  timestamp: number;
  status: OrderStatusName;
  statusTimestamp: number;
  /** Builder fee as a fraction of notional, when the order named a builder. */
  builderFeeRate?: number;
}

/** A USDC amount (PnL, fee) as Hyperliquid prints it: at most 6 decimals, "0.0" for zero. */
export function wireUsdc(value: number): string {
  const rounded = Math.round(value * 1e6) / 1e6;
  return wireDecimal(rounded === 0 ? 0 : rounded);
}

/** `openOrders` entry: {coin, limitPx, oid, side, sz, timestamp, origSz[, cloid]}. */
export function openOrderWire(o: FakeOrderRecord): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    coin: o.coin,
    limitPx: wireDecimal(o.limitPx),
    oid: o.oid,
    side: o.isBuy ? 'B' : 'A',
    sz: wireDecimal(o.sz),
    timestamp: o.timestamp,
    origSz: wireDecimal(o.origSz),
  };
  if (o.cloid !== undefined) wire.cloid = o.cloid;
  return wire;
}

/** `frontendOpenOrders` entry (and the order inside `orderStatus`): a plain limit order, no trigger, no children. */
export function frontendOrderWire(o: FakeOrderRecord): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    children: [],
    coin: o.coin,
    isPositionTpsl: false,
    isTrigger: false,
    limitPx: wireDecimal(o.limitPx),
    oid: o.oid,
    orderType: 'Limit',
    origSz: wireDecimal(o.origSz),
    reduceOnly: o.reduceOnly,
    side: o.isBuy ? 'B' : 'A',
    sz: wireDecimal(o.sz),
    tif: o.tif,
    timestamp: o.timestamp,
    triggerCondition: 'N/A',
    triggerPx: '0.0',
    // Here the docs' FrontendOrder always carries cloid: null when the order has none.
    cloid: o.cloid ?? null,
  };
  return wire;
}

/** WsOrder of the orderUpdates channel: {order:{coin, side, limitPx, sz, oid, timestamp, origSz[, cloid]}, status, statusTimestamp}. */
export function wsOrderWire(o: FakeOrderRecord): Record<string, unknown> {
  const order: Record<string, unknown> = {
    coin: o.coin,
    side: o.isBuy ? 'B' : 'A',
    limitPx: wireDecimal(o.limitPx),
    sz: wireDecimal(o.sz),
    oid: o.oid,
    timestamp: o.timestamp,
    origSz: wireDecimal(o.origSz),
  };
  if (o.cloid !== undefined) order.cloid = o.cloid;
  return { order, status: o.status, statusTimestamp: o.statusTimestamp };
}

/** A fill as /info userFills and the userFills / user channels carry it (WsFill). */
export interface FillWire {
  coin: string;
  px: string;
  sz: string;
  side: 'B' | 'A';
  time: number;
  startPosition: string;
  dir: string;
  closedPnl: string;
  hash: string;
  oid: number;
  crossed: boolean;
  fee: string;
  tid: number;
  feeToken: 'USDC';
  /** Set only for fills of TWAP slices: the fake has no TWAP orders, so always null. */
  twapId: number | null;
  /** The builder's share of `fee` when the order named a builder (USDC). */
  builderFee?: string;
  cloid?: string;
}
