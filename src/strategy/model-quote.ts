/**
 * The quote pipeline both modes share: model prices, then what a trader adds on top, in this order —
 * 1. the model (A–S or GLFT) gives a centre (reservation price) and a half spread per side;
 * 2. the maker fee (feeRate × mid) is added to each side's distance;
 * 3. the minimum spread widens both sides around the centre;
 * 4. post-only safety: a bid at or above the best ask is pulled to one tick below it, an ask at or below the
 *    best bid to one tick above it (the most aggressive price that still rests);
 * 5. venue rounding away from the mid: bid down, ask up.
 * Returns null prices with a note when params or book are not usable — including a stale book (the one place
 * the stale-book rule lives; both modes call `unusableInputs`).
 */

import { priceAbove, priceBelow, roundPrice } from '../core/instrument.ts';
import type { Bbo } from '../core/market.ts';
import { midPrice } from '../core/market.ts';
import { asTotalSpread, reservationPrice } from '../model/avellaneda-stoikov.ts';
import { glftQuotes } from '../model/glft.ts';
import { horizonSeconds } from '../model/horizon.ts';
import type { ModelParams } from '../model/params.ts';
import { bpsToQuote } from '../model/units.ts';
import type { StrategyConfig } from './config.ts';
import type { QuoteExplain } from './types.ts';

export interface PricedQuotes {
  /** Venue-valid prices, or NaN when the side cannot be priced. */
  bidPx: number;
  askPx: number;
  explain: QuoteExplain;
}

const isPos = (x: number) => Number.isFinite(x) && x > 0;

const NO_PARAMS_NOTE =
  'no quote: a model parameter (sigma, A, k, gamma) is missing, non-finite or not positive';

/** Start of explain.note when the stale-book rule pulls the quotes (match on it with startsWith). */
export const STALE_BOOK_NOTE = 'stale book';

/**
 * The stale-book rule, one place for backtest, paper and live: a BBO older than `maxBookAgeMs` on the venue
 * clock (0 = rule off) gives no quotes, so the OrderManager cancels what rests. Quoting from an old touch would
 * re-price around a mid the market left long ago, and in a replay the trades that keep arriving would fill those
 * orders "through" a price nobody could see. Returns the note, or null when the book is fresh enough.
 */
export function staleBookNote(nowMs: number, bbo: Bbo, maxBookAgeMs: number): string | null {
  if (!(maxBookAgeMs > 0)) return null;
  const ageMs = nowMs - bbo.exchMs;
  if (!(ageMs > maxBookAgeMs)) return null; // NaN ages (no exchange time) are not judged
  return `${STALE_BOOK_NOTE}: last best bid/ask is ${Math.round(ageMs)} ms old (limit ${maxBookAgeMs} ms); quotes pulled`;
}

/** Why the inputs cannot be quoted, or null when they can. */
export function unusableInputs(
  config: Pick<StrategyConfig, 'maxBookAgeMs'>,
  nowMs: number,
  bbo: Bbo,
  params: ModelParams,
  qLots: number,
): string | null {
  if (!bbo || !isPos(bbo.bidPx) || !isPos(bbo.askPx))
    return 'no quote: best bid/ask missing or not a positive number';
  const stale = staleBookNote(nowMs, bbo, config.maxBookAgeMs);
  if (stale !== null) return stale;
  if (bbo.bidPx >= bbo.askPx) return 'no quote: book is crossed or locked (best bid ≥ best ask)';
  if (!params || !isPos(params.sigma) || !isPos(params.A) || !isPos(params.k) || !isPos(params.gamma))
    return NO_PARAMS_NOTE;
  if (!Number.isFinite(qLots)) return 'no quote: position is not a finite number';
  return null;
}

export function emptyExplain(
  bbo: Bbo | undefined,
  params: ModelParams | undefined,
  note: string,
): QuoteExplain {
  const mid = bbo && Number.isFinite(bbo.bidPx) && Number.isFinite(bbo.askPx) ? midPrice(bbo) : Number.NaN;
  const explain = noQuoteExplain(mid, params, note);
  // The reasons a user can act on (a setting or the data feed), as the engine reports them.
  if (note.startsWith(STALE_BOOK_NOTE)) explain.withheld = 'stale book';
  else if (note === NO_PARAMS_NOTE) explain.withheld = 'no-params';
  return explain;
}

/** The explain of a "no quote" answer: the mid and the parameters in force, every model figure NaN. */
export function noQuoteExplain(
  mid: number,
  params: ModelParams | null | undefined,
  note: string,
): QuoteExplain {
  return {
    mid,
    reservationPrice: Number.NaN,
    halfSpreadBid: Number.NaN,
    halfSpreadAsk: Number.NaN,
    qLots: Number.NaN,
    tauS: Number.NaN,
    sigma: params?.sigma ?? Number.NaN,
    A: params?.A ?? Number.NaN,
    k: params?.k ?? Number.NaN,
    gamma: params?.gamma ?? Number.NaN,
    note,
  };
}

/** Model → fee → min spread → post-only clamp → rounding. Inputs must have passed `unusableInputs`. */
export function priceQuotes(
  config: StrategyConfig,
  nowMs: number,
  bbo: Bbo,
  params: ModelParams,
  qLots: number,
): PricedQuotes {
  return priceQuotesInto(
    { bidPx: Number.NaN, askPx: Number.NaN, explain: null as unknown as QuoteExplain },
    config,
    nowMs,
    bbo,
    params,
    qLots,
  );
}

/**
 * `priceQuotes` written into `out` (returned): a caller that reads the prices at once and keeps only the explain
 * (a fresh object each call) passes one reused `out`, so a strategy call allocates no wrapper.
 */
export function priceQuotesInto(
  out: PricedQuotes,
  config: StrategyConfig,
  nowMs: number,
  bbo: Bbo,
  params: ModelParams,
  qLots: number,
): PricedQuotes {
  const mid = midPrice(bbo);
  const { sigma, A, k, gamma } = params;
  let modelBid: number;
  let modelAsk: number;
  let r: number;
  let tauS = Number.NaN;
  // The model skews around the inventory target: its q is the distance from q*, not from 0.
  const qModel = qLots - (config.inventoryTargetLots ?? 0);
  if (config.model === 'as') {
    tauS = horizonSeconds(config.horizon, nowMs);
    // asQuotes' own terms, without its result object (the same operations, so the same doubles).
    r = reservationPrice(mid, qModel, gamma, sigma, tauS);
    const halfSpread = asTotalSpread(gamma, sigma, tauS, k) / 2;
    modelBid = r - halfSpread;
    modelAsk = r + halfSpread;
  } else {
    const model = glftQuotes(mid, qModel, gamma, sigma, A, k, config.glftXi);
    modelBid = model.bid;
    modelAsk = model.ask;
    r = model.reservationPrice;
  }
  const explain: QuoteExplain = {
    mid,
    reservationPrice: r,
    halfSpreadBid: r - modelBid,
    halfSpreadAsk: modelAsk - r,
    qLots,
    tauS,
    sigma,
    A,
    k,
    gamma,
  };
  out.explain = explain;
  if (qModel !== qLots) explain.inventoryTargetLots = config.inventoryTargetLots;
  // Three checks, not an array of three: this runs on every strategy call.
  if (!Number.isFinite(modelBid) || !Number.isFinite(modelAsk) || !Number.isFinite(r)) {
    explain.note = 'no quote: the model gave a non-finite price (check sigma, k, gamma and the horizon)';
    out.bidPx = Number.NaN;
    out.askPx = Number.NaN;
    return out;
  }
  const feeQuote = config.makerFeeRate * mid;
  let bid = modelBid - feeQuote;
  let ask = modelAsk + feeQuote;
  const minSpread = bpsToQuote(config.minSpreadBps, mid);
  if (ask - bid < minSpread) {
    const centre = (bid + ask) / 2;
    bid = centre - minSpread / 2;
    ask = centre + minSpread / 2;
  }
  const inst = config.instrument;
  let note: string | undefined;
  // Post-only: never at or through the opposite best price. A bid below the best ask stays below it after
  // rounding down (the best ask is on the grid), so the one-tick-inside price is only needed when it is not.
  if (bid >= bbo.askPx) {
    bid = priceBelow(inst, bbo.askPx);
    note = 'bid pulled behind the best ask (post-only)';
  }
  if (ask <= bbo.bidPx) {
    ask = priceAbove(inst, bbo.bidPx);
    note = note
      ? `${note}; ask pulled behind the best bid (post-only)`
      : 'ask pulled behind the best bid (post-only)';
  }
  const bidPx = roundPrice(inst, bid, 'down');
  const askPx = roundPrice(inst, ask, 'up');
  if (!(bidPx > 0))
    note = note
      ? `${note}; no bid: the model bid is at or below zero`
      : 'no bid: the model bid is at or below zero';
  if (note) explain.note = note;
  out.bidPx = bidPx;
  out.askPx = askPx;
  return out;
}

/** Appends a reason to explain.note (notes are joined with "; "). */
export function addNote(explain: QuoteExplain, note: string): void {
  explain.note = explain.note ? `${explain.note}; ${note}` : note;
}
