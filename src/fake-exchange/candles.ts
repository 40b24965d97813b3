/**
 * Candles of the fake exchange, built from the replayed trades (the recordings hold no candles): one-minute
 * candles per coin are kept, the longer intervals are folded from them on request. Shapes as Hyperliquid's
 * candleSnapshot / WS `candle`: {t, T, s, i, o, c, h, l, v, n}, t = open ms, T = t + interval − 1, v in coins.
 */
import { wireDecimal } from '../exchange/hyperliquid/ws-messages.ts';

export const CANDLE_INTERVALS = [
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '2h',
  '4h',
  '8h',
  '12h',
  '1d',
  '3d',
  '1w',
  '1M',
] as const;
export type CandleInterval = (typeof CANDLE_INTERVALS)[number];

const MINUTE_MS = 60_000;
const INTERVAL_MS: Record<Exclude<CandleInterval, '1M'>, number> = {
  '1m': MINUTE_MS,
  '3m': 3 * MINUTE_MS,
  '5m': 5 * MINUTE_MS,
  '15m': 15 * MINUTE_MS,
  '30m': 30 * MINUTE_MS,
  '1h': 60 * MINUTE_MS,
  '2h': 120 * MINUTE_MS,
  '4h': 240 * MINUTE_MS,
  '8h': 480 * MINUTE_MS,
  '12h': 720 * MINUTE_MS,
  '1d': 1_440 * MINUTE_MS,
  '3d': 3 * 1_440 * MINUTE_MS,
  '1w': 7 * 1_440 * MINUTE_MS,
};
/** One-minute candles kept per coin: two weeks (the candleSnapshot history the fake can answer). */
const MAX_MINUTES_KEPT = 14 * 1_440;
/** candleSnapshot answers at most this many candles (Hyperliquid: the most recent 5000). */
const MAX_CANDLES_ANSWERED = 5_000;

export function isCandleInterval(s: unknown): s is CandleInterval {
  return typeof s === 'string' && (CANDLE_INTERVALS as readonly string[]).includes(s);
}

/** Open time (ms) of the candle of `interval` holding `timeMs`; months are UTC calendar months. */
export function candleOpenMs(timeMs: number, interval: CandleInterval): number {
  if (interval === '1M') {
    const d = new Date(timeMs);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  // Weeks open on Monday 00:00 UTC (the Unix epoch was a Thursday: shift by 4 days).
  if (interval === '1w') {
    const shift = 4 * 1_440 * MINUTE_MS;
    return Math.floor((timeMs - shift) / INTERVAL_MS['1w']) * INTERVAL_MS['1w'] + shift;
  }
  return Math.floor(timeMs / INTERVAL_MS[interval]) * INTERVAL_MS[interval];
}

function candleCloseMs(openMs: number, interval: CandleInterval): number {
  if (interval === '1M') {
    const d = new Date(openMs);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - 1;
  }
  return openMs + INTERVAL_MS[interval] - 1;
}

interface Bar {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  n: number;
}

export interface CandleWire {
  t: number;
  T: number;
  s: string;
  i: CandleInterval;
  o: string;
  c: string;
  h: string;
  l: string;
  v: string;
  n: number;
}

export class CandleBook {
  private readonly minutes = new Map<string, Bar[]>();

  /** Adds a trade (price USDC, size coins, exchange ms). Trades arrive in time order. */
  onTrade(coin: string, px: number, sz: number, timeMs: number): void {
    let bars = this.minutes.get(coin);
    if (bars === undefined) this.minutes.set(coin, (bars = []));
    const t = candleOpenMs(timeMs, '1m');
    const last = bars[bars.length - 1];
    if (last !== undefined && last.t === t) {
      last.h = Math.max(last.h, px);
      last.l = Math.min(last.l, px);
      last.c = px;
      last.v += sz;
      last.n++;
    } else if (last === undefined || t > last.t) {
      bars.push({ t, o: px, h: px, l: px, c: px, v: sz, n: 1 });
      if (bars.length > MAX_MINUTES_KEPT) bars.splice(0, bars.length - MAX_MINUTES_KEPT);
    }
  }

  /** Candles of `interval` overlapping [startMs, endMs], oldest first, the most recent 5000 at most. */
  snapshot(coin: string, interval: CandleInterval, startMs: number, endMs: number): CandleWire[] {
    const out: CandleWire[] = [];
    let current: Bar | null = null;
    for (const m of this.minutes.get(coin) ?? []) {
      const t = candleOpenMs(m.t, interval);
      if (candleCloseMs(t, interval) < startMs || t > endMs) continue;
      if (current !== null && current.t === t) {
        current.h = Math.max(current.h, m.h);
        current.l = Math.min(current.l, m.l);
        current.c = m.c;
        current.v += m.v;
        current.n += m.n;
      } else {
        if (current !== null) out.push(this.wire(coin, interval, current));
        current = { ...m, t };
      }
    }
    if (current !== null) out.push(this.wire(coin, interval, current));
    return out.slice(-MAX_CANDLES_ANSWERED);
  }

  /** The candle of `interval` holding `timeMs` (what the WS `candle` channel pushes), or null. */
  current(coin: string, interval: CandleInterval, timeMs: number): CandleWire | null {
    const t = candleOpenMs(timeMs, interval);
    const list = this.snapshot(coin, interval, t, t);
    return list.length > 0 ? list[list.length - 1] : null;
  }

  private wire(coin: string, interval: CandleInterval, b: Bar): CandleWire {
    return {
      t: b.t,
      T: candleCloseMs(b.t, interval),
      s: coin,
      i: interval,
      o: wireDecimal(b.o),
      c: wireDecimal(b.c),
      h: wireDecimal(b.h),
      l: wireDecimal(b.l),
      // Sizes add up in binary floating point: round to the 8 decimals sizes have on the wire.
      v: wireDecimal(Math.round(b.v * 1e8) / 1e8),
      n: b.n,
    };
  }
}
