/**
 * Hyperliquid /exchange L1 actions in their wire format. The signature covers msgpack(action), whose bytes depend
 * on key order, so every builder here creates its object in the exchange's field order (the order of the official
 * docs and SDKs): order {a, b, p, s, r, t, c}, cancel {a, o}, cancelByCloid {asset, cloid}, modify {oid, order}, …
 * `canonicalAction` re-orders an incoming action the same way (the fake exchange hashes what Hyperliquid would).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

export type Tif = 'Alo' | 'Gtc' | 'Ioc';
/** A client order id: 0x + 32 lower-case hex digits (16 bytes). */
export type Cloid = `0x${string}`;

export interface OrderWire {
  /** Asset index (perps: position in meta.universe). */
  a: number;
  /** true = buy. */
  b: boolean;
  /** Limit price, decimal string. */
  p: string;
  /** Size in coins, decimal string. */
  s: string;
  /** Reduce-only. */
  r: boolean;
  t: { limit: { tif: Tif } };
  c?: Cloid;
}

export interface HlOrderAction {
  type: 'order';
  orders: OrderWire[];
  grouping: 'na';
}
export interface HlCancelAction {
  type: 'cancel';
  cancels: { a: number; o: number }[];
}
export interface HlCancelByCloidAction {
  type: 'cancelByCloid';
  cancels: { asset: number; cloid: Cloid }[];
}
export interface HlModifyAction {
  type: 'modify';
  oid: number | Cloid;
  order: OrderWire;
}
export interface HlBatchModifyAction {
  type: 'batchModify';
  modifies: { oid: number | Cloid; order: OrderWire }[];
}
export interface HlScheduleCancelAction {
  type: 'scheduleCancel';
  /** Ms timestamp at which all open orders are cancelled; absent = remove the scheduled cancel. */
  time?: number;
}
export interface HlUpdateLeverageAction {
  type: 'updateLeverage';
  asset: number;
  isCross: boolean;
  leverage: number;
}

export type L1Action =
  | HlOrderAction
  | HlCancelAction
  | HlCancelByCloidAction
  | HlModifyAction
  | HlBatchModifyAction
  | HlScheduleCancelAction
  | HlUpdateLeverageAction;

// ---- numbers on the wire ----

/**
 * A number as Hyperliquid's official SDK writes it (float_to_wire): 8 decimals, then trailing zeros (and a bare
 * '.') stripped; throws when 8 decimals would change the value by 1e-12 or more, so a size or price that was not
 * rounded to the market's tick/lot first is refused instead of silently altered.
 */
export function floatToWire(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`floatToWire: ${x} is not a finite number`);
  let rounded = x.toFixed(8);
  if (/e/i.test(rounded)) throw new RangeError(`floatToWire: ${x} is too large for the wire`);
  if (Math.abs(Number(rounded) - x) >= 1e-12)
    throw new RangeError(`floatToWire: ${x} loses precision at 8 decimals`);
  if (rounded === '-0.00000000') rounded = '0.00000000';
  return stripTrailingZeros(rounded);
}

function stripTrailingZeros(decimal: string): string {
  if (!decimal.includes('.')) return decimal;
  return decimal.replace(/0+$/, '').replace(/\.$/, '');
}

const DECIMAL_STRING = /^\d+(\.\d+)?$/;

/** A price or size for the wire: a number goes through floatToWire; a decimal string is validated and normalized. */
export function decimalToWire(value: number | string, what: string): string {
  if (typeof value === 'number') {
    if (!(value > 0)) throw new RangeError(`${what} must be positive, got ${value}`);
    return floatToWire(value);
  }
  if (!DECIMAL_STRING.test(value))
    throw new RangeError(`${what} must be a plain decimal string, got "${value}"`);
  const wire = stripTrailingZeros(value.replace(/^0+(?=\d)/, ''));
  if (Number(wire) <= 0) throw new RangeError(`${what} must be positive, got "${value}"`);
  const decimals = wire.split('.')[1]?.length ?? 0;
  if (decimals > 8) throw new RangeError(`${what} has more than 8 decimals: "${value}"`);
  return wire;
}

// ---- client order ids ----

const CLOID = /^0x[0-9a-f]{32}$/;

export function isCloid(value: unknown): value is Cloid {
  return typeof value === 'string' && CLOID.test(value);
}

/** Validates and lower-cases a cloid written by a user or read back from the exchange. */
export function toCloid(value: string): Cloid {
  const lower = value.toLowerCase();
  if (!isCloid(lower)) throw new RangeError(`a cloid is 0x followed by 32 hex digits, got "${value}"`);
  return lower;
}

/**
 * A source of unique cloids: 8 random bytes chosen once per source (a process restart gets new ones) followed by
 * an 8-byte counter, so ids never repeat within a source and two sources collide with probability 2^-64.
 */
export function createCloidSource(prefix: Uint8Array = randomBytes(8)): () => Cloid {
  if (prefix.length !== 8) throw new RangeError('cloid prefix must be 8 bytes');
  const head = Buffer.from(prefix).toString('hex');
  let counter = 0n;
  return () => {
    counter += 1n;
    return `0x${head}${counter.toString(16).padStart(16, '0')}`;
  };
}

// ---- builders ----

/** An order as the bot thinks of it; `orderWire` turns it into wire fields. */
export interface OrderSpec {
  asset: number;
  isBuy: boolean;
  /** Limit price in USDC: already on the tick (see rules.ts); a number or a decimal string. */
  price: number | string;
  /** Size in coins: already on the lot; a number or a decimal string. */
  size: number | string;
  tif: Tif;
  reduceOnly?: boolean;
  cloid?: string;
}

function assetIndex(asset: number): number {
  if (!Number.isSafeInteger(asset) || asset < 0)
    throw new RangeError(`asset must be a non-negative integer index, got ${asset}`);
  return asset;
}

function orderId(oid: number): number {
  if (!Number.isSafeInteger(oid) || oid < 0)
    throw new RangeError(`oid must be a non-negative integer, got ${oid}`);
  return oid;
}

export function orderWire(spec: OrderSpec): OrderWire {
  const wire: OrderWire = {
    a: assetIndex(spec.asset),
    b: spec.isBuy,
    p: decimalToWire(spec.price, 'price'),
    s: decimalToWire(spec.size, 'size'),
    r: spec.reduceOnly ?? false,
    t: { limit: { tif: spec.tif } },
  };
  if (spec.cloid !== undefined) wire.c = toCloid(spec.cloid);
  return wire;
}

/** Places one or more orders (grouping "na": plain orders, no TP/SL). */
export function orderAction(orders: OrderSpec[]): HlOrderAction {
  if (orders.length === 0) throw new RangeError('an order action needs at least one order');
  return { type: 'order', orders: orders.map(orderWire), grouping: 'na' };
}

export function cancelAction(cancels: { asset: number; oid: number }[]): HlCancelAction {
  if (cancels.length === 0) throw new RangeError('a cancel action needs at least one order');
  return { type: 'cancel', cancels: cancels.map((c) => ({ a: assetIndex(c.asset), o: orderId(c.oid) })) };
}

export function cancelByCloidAction(cancels: { asset: number; cloid: string }[]): HlCancelByCloidAction {
  if (cancels.length === 0) throw new RangeError('a cancelByCloid action needs at least one order');
  return {
    type: 'cancelByCloid',
    cancels: cancels.map((c) => ({ asset: assetIndex(c.asset), cloid: toCloid(c.cloid) })),
  };
}

function modifyTarget(oid: number | string): number | Cloid {
  return typeof oid === 'number' ? orderId(oid) : toCloid(oid);
}

/** Replaces a resting order (by oid or cloid) with `order`: one request instead of cancel + place. */
export function modifyAction(oid: number | string, order: OrderSpec): HlModifyAction {
  return { type: 'modify', oid: modifyTarget(oid), order: orderWire(order) };
}

export function batchModifyAction(
  modifies: { oid: number | string; order: OrderSpec }[],
): HlBatchModifyAction {
  if (modifies.length === 0) throw new RangeError('a batchModify action needs at least one order');
  return {
    type: 'batchModify',
    modifies: modifies.map((m) => ({ oid: modifyTarget(m.oid), order: orderWire(m.order) })),
  };
}

/**
 * Dead man's switch: cancel every open order at `timeMs` unless pushed forward again; without a time, removes the
 * scheduled cancel. Hyperliquid wants the time at least 5 s in the future and counts triggers per day.
 */
export function scheduleCancelAction(timeMs?: number): HlScheduleCancelAction {
  if (timeMs === undefined) return { type: 'scheduleCancel' };
  if (!Number.isSafeInteger(timeMs) || timeMs < 0)
    throw new RangeError(`scheduleCancel time must be a ms timestamp, got ${timeMs}`);
  return { type: 'scheduleCancel', time: timeMs };
}

export function updateLeverageAction(
  asset: number,
  isCross: boolean,
  leverage: number,
): HlUpdateLeverageAction {
  if (!Number.isSafeInteger(leverage) || leverage < 1)
    throw new RangeError(`leverage must be an integer ≥ 1, got ${leverage}`);
  return { type: 'updateLeverage', asset: assetIndex(asset), isCross, leverage };
}

// ---- request weight ----

/** The batch length Hyperliquid's rate limit counts: orders, cancels or modifies in the action (else 1). */
export function actionBatchLength(action: L1Action): number {
  if (action.type === 'order') return action.orders.length;
  if (action.type === 'cancel' || action.type === 'cancelByCloid') return action.cancels.length;
  if (action.type === 'batchModify') return action.modifies.length;
  return 1;
}

/** Rate-limit weight of an /exchange request (Hyperliquid docs: 1 + floor(batch_length / 40)). */
export function exchangeRequestWeight(action: L1Action): number {
  return 1 + Math.floor(actionBatchLength(action) / 40);
}

// ---- canonical form of an incoming action (the fake exchange's parser) ----

const wireDecimal = z.string().regex(DECIMAL_STRING);
const cloidSchema = z.string().regex(/^0x[0-9a-fA-F]{32}$/);
const uint = z.number().int().nonnegative();

const orderWireSchema = z.object({
  a: uint,
  b: z.boolean(),
  p: wireDecimal,
  s: wireDecimal,
  r: z.boolean(),
  t: z.object({ limit: z.object({ tif: z.enum(['Alo', 'Gtc', 'Ioc']) }) }),
  c: cloidSchema.optional(),
});

const actionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('order'), orders: z.array(orderWireSchema).min(1), grouping: z.literal('na') }),
  z.object({ type: z.literal('cancel'), cancels: z.array(z.object({ a: uint, o: uint })).min(1) }),
  z.object({
    type: z.literal('cancelByCloid'),
    cancels: z.array(z.object({ asset: uint, cloid: cloidSchema })).min(1),
  }),
  z.object({ type: z.literal('modify'), oid: z.union([uint, cloidSchema]), order: orderWireSchema }),
  z.object({
    type: z.literal('batchModify'),
    modifies: z.array(z.object({ oid: z.union([uint, cloidSchema]), order: orderWireSchema })).min(1),
  }),
  z.object({ type: z.literal('scheduleCancel'), time: uint.optional() }),
  z.object({
    type: z.literal('updateLeverage'),
    asset: uint,
    isCross: z.boolean(),
    leverage: z.number().int().min(1),
  }),
]);

/**
 * Validates an action received as JSON and returns it with its keys in wire order (unknown keys dropped), or the
 * reason it is not an action we support (the fake exchange answers it as an error). Only limit orders are known.
 */
export function canonicalAction(
  raw: unknown,
): { ok: true; action: L1Action } | { ok: false; reason: string } {
  const parsed = actionSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `${issue?.path.join('.') || 'action'}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, action: parsed.data as L1Action };
}
