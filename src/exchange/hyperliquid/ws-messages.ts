/**
 * Hyperliquid WebSocket messages (wss://api.hyperliquid.xyz/ws), as the official API docs describe them
 * ("Websocket → Subscriptions", "Timeouts and heartbeats"): the wire types, tolerant parsers for what the server
 * sends, and builders/parsers for what a client sends. Used by the collector, the trading bot's market feed and
 * the fake exchange, so both ends of the wire share one definition.
 *
 * Server → client frames are `{"channel": <name>, "data": <payload>}`:
 *   subscriptionResponse  data = {method:"subscribe"|"unsubscribe", subscription:{...}}   (the ack)
 *   bbo                   data = WsBbo    {coin, time, bbo:[bid|null, ask|null]}
 *   trades                data = WsTrade[] {coin, side:"B"|"A", px, sz, hash, time, tid, users:[buyer, seller]}
 *   l2Book                data = WsBook   {coin, time, levels:[bids, asks]} with levels {px, sz, n}, best first
 *   pong                  (no data) — the answer to {"method":"ping"}
 *   error                 data = a string explaining what the server rejected
 * Prices and sizes travel as decimal strings; the parsers turn them into numbers (USDC, base units) because the
 * collector writes them straight back out and every consumer computes with numbers. Times are Unix ms.
 *
 * The parsers never throw: a frame that is not JSON, or whose shape is wrong, comes back as `malformed` with a
 * reason; a channel this module does not know comes back as `other` with its raw data (user channels such as
 * orderUpdates/userFills are parsed by the trading bot's own code).
 */
import type { BookLevel, Side, TradePrint } from '../../core/market.ts';

// ---------------------------------------------------------------- wire types (strings, as sent)

export interface WsLevel {
  px: string;
  sz: string;
  /** Number of resting orders at the level. */
  n: number;
}

export interface WsBbo {
  coin: string;
  time: number;
  bbo: [WsLevel | null, WsLevel | null];
}

export interface WsTrade {
  coin: string;
  /** Aggressor side: "B" = buyer lifted the ask, "A" = seller hit the bid. */
  side: 'B' | 'A';
  px: string;
  sz: string;
  hash: string;
  time: number;
  tid: number;
  /** [buyer, seller]. */
  users: [string, string];
}

export interface WsBook {
  coin: string;
  time: number;
  /** [bids, asks], best first. */
  levels: [WsLevel[], WsLevel[]];
}

/** A subscription body. Market-data types are spelled out; user channels (orderUpdates, userFills…) pass through. */
export type Subscription =
  | { type: 'bbo'; coin: string }
  | { type: 'trades'; coin: string }
  | { type: 'l2Book'; coin: string; nSigFigs?: number | null; mantissa?: number | null }
  | { type: string; [key: string]: unknown };

// ---------------------------------------------------------------- parsed (numeric) server messages

export interface ParsedBbo {
  channel: 'bbo';
  coin: string;
  exchMs: number;
  /** null when the book side is empty (Hyperliquid sends null then). */
  bid: BookLevel | null;
  ask: BookLevel | null;
}

export interface ParsedTrades {
  channel: 'trades';
  trades: Array<TradePrint & { coin: string }>;
  /** Entries of the array that were malformed and left out. */
  rejected: number;
}

export interface ParsedBook {
  channel: 'l2Book';
  coin: string;
  exchMs: number;
  bids: BookLevel[];
  asks: BookLevel[];
}

export type ParsedServerMessage =
  | ParsedBbo
  | ParsedTrades
  | ParsedBook
  | { channel: 'subscriptionResponse'; method: string; subscription: Subscription }
  | { channel: 'pong' }
  | { channel: 'error'; message: string }
  | { channel: 'post'; data: unknown }
  /** A well-formed frame on a channel this module does not parse (user channels, allMids, candle…). */
  | { channel: 'other'; name: string; data: unknown }
  | { channel: 'malformed'; reason: string };

/** Channels that carry market data: these, and only these, feed the collector's stall watchdog. */
export function isMarketData(msg: ParsedServerMessage): msg is ParsedBbo | ParsedTrades | ParsedBook {
  return msg.channel === 'bbo' || msg.channel === 'trades' || msg.channel === 'l2Book';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A decimal string (or number) → finite number, else NaN. Empty strings are NaN, not 0. */
function decimal(v: unknown): number {
  if (typeof v === 'string') return v.length === 0 ? Number.NaN : Number(v);
  if (typeof v === 'number') return v;
  return Number.NaN;
}

/** A price level, or null when it is not a positive price with a non-negative size. */
export function parseLevel(v: unknown): BookLevel | null {
  if (!isObject(v)) return null;
  const px = decimal(v.px);
  const sz = decimal(v.sz);
  if (!(px > 0) || !(sz >= 0) || !Number.isFinite(px) || !Number.isFinite(sz)) return null;
  return { px, sz };
}

function parseLevels(v: unknown): BookLevel[] | null {
  if (!Array.isArray(v)) return null;
  const out: BookLevel[] = new Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const level = parseLevel(v[i]);
    if (level === null) return null;
    out[i] = level;
  }
  return out;
}

function isTime(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}

function parseBbo(data: unknown): ParsedBbo | string {
  if (!isObject(data)) return 'bbo data is not an object';
  if (typeof data.coin !== 'string' || !isTime(data.time)) return 'bbo without coin or time';
  const bbo = data.bbo;
  if (!Array.isArray(bbo) || bbo.length !== 2) return 'bbo is not a [bid, ask] pair';
  const bid = bbo[0] === null ? null : parseLevel(bbo[0]);
  const ask = bbo[1] === null ? null : parseLevel(bbo[1]);
  if ((bbo[0] !== null && bid === null) || (bbo[1] !== null && ask === null)) return 'bbo level malformed';
  return { channel: 'bbo', coin: data.coin, exchMs: data.time, bid, ask };
}

/** One WsTrade → a trade print, or null when any field is missing or out of range. */
export function parseTrade(v: unknown, recvS: number): (TradePrint & { coin: string }) | null {
  if (!isObject(v)) return null;
  const { coin, side, tid, time } = v;
  if (typeof coin !== 'string' || (side !== 'B' && side !== 'A')) return null;
  if (typeof tid !== 'number' || !Number.isSafeInteger(tid) || tid < 0 || !isTime(time)) return null;
  const px = decimal(v.px);
  const sz = decimal(v.sz);
  if (!(px > 0) || !(sz > 0) || !Number.isFinite(px) || !Number.isFinite(sz)) return null;
  const aggressor: Side = side === 'B' ? 'buy' : 'sell';
  return { coin, exchMs: time, recvS, px, sz, side: aggressor, tid };
}

function parseTrades(data: unknown, recvS: number): ParsedTrades | string {
  if (!Array.isArray(data)) return 'trades data is not an array';
  const trades: ParsedTrades['trades'] = [];
  let rejected = 0;
  for (const item of data) {
    const trade = parseTrade(item, recvS);
    if (trade === null) rejected++;
    else trades.push(trade);
  }
  if (trades.length === 0 && rejected > 0) return 'every trade in the message is malformed';
  return { channel: 'trades', trades, rejected };
}

function parseBook(data: unknown): ParsedBook | string {
  if (!isObject(data)) return 'l2Book data is not an object';
  if (typeof data.coin !== 'string' || !isTime(data.time)) return 'l2Book without coin or time';
  const levels = data.levels;
  if (!Array.isArray(levels) || levels.length !== 2) return 'l2Book levels is not [bids, asks]';
  const bids = parseLevels(levels[0]);
  const asks = parseLevels(levels[1]);
  if (bids === null || asks === null) return 'l2Book level malformed';
  return { channel: 'l2Book', coin: data.coin, exchMs: data.time, bids, asks };
}

/** Parses an already-decoded frame. */
export function parseServerObject(frame: unknown, recvS: number): ParsedServerMessage {
  if (!isObject(frame) || typeof frame.channel !== 'string') {
    return { channel: 'malformed', reason: 'frame has no channel' };
  }
  const data = frame.data;
  let parsed: ParsedServerMessage | string;
  switch (frame.channel) {
    case 'bbo':
      parsed = parseBbo(data);
      break;
    case 'trades':
      parsed = parseTrades(data, recvS);
      break;
    case 'l2Book':
      parsed = parseBook(data);
      break;
    case 'pong':
      return { channel: 'pong' };
    case 'error':
      return { channel: 'error', message: typeof data === 'string' ? data : JSON.stringify(data) };
    case 'subscriptionResponse':
      if (!isObject(data) || typeof data.method !== 'string' || !isObject(data.subscription)) {
        parsed = 'subscriptionResponse without method or subscription';
      } else {
        parsed = {
          channel: 'subscriptionResponse',
          method: data.method,
          subscription: data.subscription as Subscription,
        };
      }
      break;
    case 'post':
      return { channel: 'post', data };
    default:
      return { channel: 'other', name: frame.channel, data };
  }
  return typeof parsed === 'string' ? { channel: 'malformed', reason: parsed } : parsed;
}

/**
 * Parses one text frame from the server. `recvS` (local receive time, Unix s) is stamped on trades so a
 * consumer never has to look at the clock again. Never throws.
 */
export function parseServerMessage(text: string, recvS: number): ParsedServerMessage {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return { channel: 'malformed', reason: 'not JSON' };
  }
  return parseServerObject(frame, recvS);
}

// ---------------------------------------------------------------- client → server

export type ClientRequest =
  | { method: 'subscribe' | 'unsubscribe'; subscription: Subscription }
  | { method: 'ping' }
  | { method: 'post'; id: number; request: { type: 'info' | 'action'; payload: unknown } };

export function subscribeFrame(subscription: Subscription): string {
  return JSON.stringify({ method: 'subscribe', subscription });
}

export function unsubscribeFrame(subscription: Subscription): string {
  return JSON.stringify({ method: 'unsubscribe', subscription });
}

export const PING_FRAME = '{"method":"ping"}';

/**
 * A canonical key for a subscription: its type and coin/user, e.g. "trades:BTC", "l2Book:BTC",
 * "orderUpdates:0xabc…". Two bodies with the same key are the same stream (the collector uses it to match
 * acks, the fake exchange to route pushes).
 */
export function subscriptionKey(subscription: Subscription): string {
  const s = subscription as Record<string, unknown>;
  let key = String(s.type);
  if (typeof s.coin === 'string') key += `:${s.coin}`;
  if (typeof s.user === 'string') key += `:${s.user.toLowerCase()}`;
  if (typeof s.interval === 'string') key += `:${s.interval}`;
  return key;
}

/** Server side: what a client sent, or a sentence saying why it is rejected. */
export function parseClientRequest(text: string): ClientRequest | { error: string } {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return { error: 'Invalid JSON' };
  }
  if (!isObject(frame) || typeof frame.method !== 'string') return { error: 'Missing method' };
  switch (frame.method) {
    case 'ping':
      return { method: 'ping' };
    case 'subscribe':
    case 'unsubscribe': {
      const sub = frame.subscription;
      if (!isObject(sub) || typeof sub.type !== 'string') return { error: 'Invalid subscription' };
      return { method: frame.method, subscription: sub as Subscription };
    }
    case 'post': {
      const req = frame.request;
      if (typeof frame.id !== 'number' || !isObject(req) || (req.type !== 'info' && req.type !== 'action')) {
        return { error: 'Invalid post request' };
      }
      return { method: 'post', id: frame.id, request: { type: req.type, payload: req.payload } };
    }
    default:
      return { error: `Unknown method: ${frame.method}` };
  }
}

// ---------------------------------------------------------------- server → client builders (fake exchange)

/**
 * Recently printed numbers: replayed prices and sizes repeat a lot, and printing a double (shortest
 * round-trip) costs about a microsecond, so the fake exchange's firehose caches them. Bounded: cleared when full.
 */
const printed = new Map<number, string>();

/** A number as Hyperliquid prints prices and sizes: a decimal string, integers with a trailing ".0". */
export function wireDecimal(value: number): string {
  const cached = printed.get(value);
  if (cached !== undefined) return cached;
  let text = String(value);
  // Exponent notation (1e-7) is not a decimal string: print the digits out instead.
  if (text.includes('e')) text = value.toFixed(12).replace(/\.?0+$/, '');
  if (!text.includes('.')) text += '.0';
  if (printed.size >= 4096) printed.clear();
  printed.set(value, text);
  return text;
}

export function channelFrame(channel: string, data: unknown): string {
  return JSON.stringify({ channel, data });
}
