/**
 * l2Book price aggregation as Hyperliquid documents it (info endpoint "L2 book snapshot" and the l2Book
 * subscription): `nSigFigs` 2, 3, 4 or 5 groups levels to that many significant figures of the price (null or
 * absent = full precision); `mantissa` (only with nSigFigs 5) is 1, 2 or 5, the bucket step in units of the
 * last significant figure. Bids are grouped down and asks up (a bucket never shows a better price than any
 * order in it); the sizes and order counts of a bucket add up.
 */
import type { WsLevel } from '../exchange/hyperliquid/ws-messages.ts';
import { wireDecimal } from '../exchange/hyperliquid/ws-messages.ts';

export interface BookAggregation {
  nSigFigs: 2 | 3 | 4 | 5;
  mantissa: 1 | 2 | 5;
}

/**
 * Reads `nSigFigs`/`mantissa` of a request: null = full precision, an aggregation, or an error sentence.
 * The error wording is ours (Hyperliquid's text for these was not found in its docs).
 */
export function parseBookAggregation(request: Record<string, unknown>): BookAggregation | null | string {
  const { nSigFigs, mantissa } = request;
  if (nSigFigs === undefined || nSigFigs === null) {
    if (mantissa !== undefined && mantissa !== null) return 'mantissa is only allowed with nSigFigs 5';
    return null;
  }
  if (nSigFigs !== 2 && nSigFigs !== 3 && nSigFigs !== 4 && nSigFigs !== 5) {
    return 'nSigFigs must be 2, 3, 4, 5 or null';
  }
  if (mantissa === undefined || mantissa === null) return { nSigFigs, mantissa: 1 };
  if (nSigFigs !== 5) return 'mantissa is only allowed with nSigFigs 5';
  if (mantissa !== 1 && mantissa !== 2 && mantissa !== 5) return 'mantissa must be 1, 2 or 5';
  return { nSigFigs, mantissa };
}

/**
 * The bucket price of `px`: the step is mantissa × 10^(digits before the point − nSigFigs), e.g. BTC at
 * 107 948 with nSigFigs 5 → step 10 (mantissa 2 → 20, 5 → 50); bids round down, asks up.
 */
export function bucketPrice(px: number, isBid: boolean, agg: BookAggregation): number {
  const exponent = Math.floor(Math.log10(px)) + 1 - agg.nSigFigs;
  // Integer arithmetic on the step's digits keeps 0.1-style steps exact.
  const scale = 10 ** Math.abs(exponent);
  const units = exponent >= 0 ? px / scale / agg.mantissa : (px * scale) / agg.mantissa;
  const nearest = Math.round(units);
  const onGrid = Math.abs(units - nearest) <= 1e-9 * Math.max(1, Math.abs(units));
  const k = onGrid ? nearest : isBid ? Math.floor(units) : Math.ceil(units);
  return exponent >= 0 ? k * agg.mantissa * scale : (k * agg.mantissa) / scale;
}

/** One side of a book (best first), grouped into buckets (best first); null aggregation = unchanged. */
export function aggregateLevels(
  levels: readonly WsLevel[],
  isBid: boolean,
  agg: BookAggregation | null,
): WsLevel[] {
  if (agg === null) return levels.slice();
  const out: { px: number; sz: number; n: number }[] = [];
  for (const level of levels) {
    const px = bucketPrice(Number(level.px), isBid, agg);
    const last = out.at(-1);
    if (last !== undefined && last.px === px) {
      last.sz += Number(level.sz);
      last.n += level.n;
    } else {
      out.push({ px, sz: Number(level.sz), n: level.n });
    }
  }
  return out.map((l) => ({ px: wireDecimal(l.px), sz: wireDecimal(Math.round(l.sz * 1e9) / 1e9), n: l.n }));
}
