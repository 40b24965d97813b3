/**
 * Long-only ping-pong, the original system's behaviour: one buy of a fixed stake (20 USDC) at the model's bid;
 * once bought, one sell of what we hold at the model's ask; then buy again. A working order keeps its price for
 * `repriceAfterMs` (15 s, the original's unfilled timeout) and is then re-priced from the model — earlier only
 * when a fill changes the phase or the kept price would now cross the book (post-only safety wins).
 *
 * q for the model is the position in stakes: holding one stake is q = 1 lot, so the ask is skewed down by one
 * lot's inventory term and exits faster, as A–S intends. This is the one stateful strategy: it remembers the
 * working order's price and when it was set (deterministic given the sequence of contexts and fills).
 */

import { meetsMinOrderValue, roundSize, sizeForNotional } from '../core/instrument.ts';
import { midPrice } from '../core/market.ts';
import type { StrategyConfig } from './config.ts';
import { addNote, emptyExplain, priceQuotes, unusableInputs } from './model-quote.ts';
import type { DesiredQuotes, OwnFill, QuoteContext, Strategy } from './types.ts';

type Phase = 'buy' | 'sell';

interface Working {
  phase: Phase;
  px: number;
  sinceMs: number;
}

export class LongOnlyStrategy implements Strategy {
  readonly name: string;
  private working: Working | null = null;

  constructor(readonly config: StrategyConfig) {
    this.name = `${config.model}-long-only`;
  }

  quote(ctx: QuoteContext): DesiredQuotes {
    const c = this.config;
    const bbo = ctx.bbo;
    const mid = bbo ? midPrice(bbo) : Number.NaN;
    const stakeBase = c.stakeQuote / mid;
    const qLots = ctx.positionBase / stakeBase;
    const bad = unusableInputs(c, ctx.nowMs, bbo, ctx.params, qLots);
    if (bad) {
      this.working = null;
      return { bid: null, ask: null, explain: emptyExplain(bbo, ctx.params, bad) };
    }
    const sellSz = roundSize(c.instrument, Math.max(0, ctx.positionBase), 'down');
    // Sell once what we hold is a valid order on its own (≥ min order value); otherwise (flat, or a small
    // partial buy) keep buying up to one stake.
    const phase: Phase = sellSz > 0 && meetsMinOrderValue(c.instrument, bbo.bidPx, sellSz) ? 'sell' : 'buy';
    const priced = priceQuotes(c, ctx.nowMs, bbo, ctx.params, qLots);
    const explain = priced.explain;

    let px = phase === 'buy' ? priced.bidPx : priced.askPx;
    const w = this.working;
    if (w && w.phase === phase && ctx.nowMs - w.sinceMs < c.repriceAfterMs) {
      // Keep the working price, unless it would now cross the book (post-only safety wins).
      const wouldCross = phase === 'buy' ? w.px >= bbo.askPx : w.px <= bbo.bidPx;
      if (!wouldCross) {
        px = w.px;
        addNote(explain, `keeping the working price until ${c.repriceAfterMs} ms have passed`);
      }
    }
    if (!(px > 0)) {
      this.working = null;
      addNote(explain, `no ${phase === 'buy' ? 'bid' : 'ask'}: no valid model price`);
      return { bid: null, ask: null, explain };
    }
    if (!w || w.phase !== phase || w.px !== px) this.working = { phase, px, sinceMs: ctx.nowMs };

    if (phase === 'sell') return { bid: null, ask: { side: 'sell', px, sz: sellSz }, explain };
    const heldBase = Math.max(0, ctx.positionBase);
    // The stake's size on the lot grid (nearest: 20 USDC at 99 963 → 0.0002 BTC), the part not yet bought.
    let sz = roundSize(c.instrument, Math.max(0, c.stakeQuote - heldBase * px) / px, 'nearest');
    if (!meetsMinOrderValue(c.instrument, px, sz))
      sz = sizeForNotional(c.instrument, c.instrument.minOrderValueQuote, px);
    if ((heldBase + sz) / stakeBase > c.maxPositionLots + 1e-9) {
      this.working = null;
      addNote(
        explain,
        `no bid: a fill would exceed max position ${c.maxPositionLots} lots (one lot = one stake)`,
      );
      explain.withheld ??= 'max position';
      return { bid: null, ask: null, explain };
    }
    return { bid: { side: 'buy', px, sz }, ask: null, explain };
  }

  onFill(_fill: OwnFill): void {
    // Nothing to do here: the position arrives in the next context, and a phase change (bought → sell, sold →
    // buy) prices afresh. A partial fill that leaves the phase unchanged keeps the working price and its timer.
  }
}
