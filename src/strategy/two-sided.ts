/**
 * Two-sided market making: a bid and an ask of one lot each, priced by the shared pipeline (model-quote.ts),
 * with max-position and minimum-order-value checks. Stateless: quotes depend on the context only.
 */
import { meetsMinOrderValue, roundSize, sizeForNotional } from '../core/instrument.ts';
import type { StrategyConfig } from './config.ts';
import { addNote, emptyExplain, priceQuotes, unusableInputs } from './model-quote.ts';
import type { DesiredQuotes, OwnFill, QuoteContext, QuoteExplain, QuoteIntent, Strategy } from './types.ts';

// Tolerance on the lot count so that 0.003 / 0.001 = 2.9999999999999996 lots is not "over the limit".
const LOT_EPSILON = 1e-9;

/**
 * The order size for one side at `px`: one lot on the lot grid, sized UP to the venue minimum order value when
 * one lot is worth less (documented choice: keep quoting rather than go silent; the max-position check then uses
 * the bigger size). NaN when one lot rounds to zero size.
 */
export function sideSize(config: StrategyConfig, px: number): number {
  const inst = config.instrument;
  const lot = roundSize(inst, config.orderSizeBase, 'nearest');
  if (!(lot > 0)) return Number.NaN;
  if (meetsMinOrderValue(inst, px, lot)) return lot;
  return sizeForNotional(inst, inst.minOrderValueQuote, px);
}

/** Notes why a side is not quoted, with the short reason the engine reports. */
function withhold(explain: QuoteExplain, note: string, reason: string): void {
  addNote(explain, note);
  explain.withheld ??= reason;
}

export class TwoSidedStrategy implements Strategy {
  readonly name: string;
  constructor(readonly config: StrategyConfig) {
    this.name = `${config.model}-two-sided`;
  }

  quote(ctx: QuoteContext): DesiredQuotes {
    const c = this.config;
    const qLots = ctx.positionBase / c.orderSizeBase;
    const bad = unusableInputs(c, ctx.nowMs, ctx.bbo, ctx.params, qLots);
    if (bad) return { bid: null, ask: null, explain: emptyExplain(ctx.bbo, ctx.params, bad) };
    const priced = priceQuotes(c, ctx.nowMs, ctx.bbo, ctx.params, qLots);
    const explain = priced.explain;
    let bid: QuoteIntent | null = null;
    let ask: QuoteIntent | null = null;
    if (priced.bidPx > 0) {
      const sz = sideSize(c, priced.bidPx);
      if (!(sz > 0)) withhold(explain, 'no bid: order size rounds to zero on the lot grid', 'order size');
      else if ((ctx.positionBase + sz) / c.orderSizeBase > c.maxPositionLots + LOT_EPSILON)
        withhold(
          explain,
          `no bid: a fill would exceed max position ${c.maxPositionLots} lots`,
          'max position',
        );
      else bid = { side: 'buy', px: priced.bidPx, sz };
    }
    if (priced.askPx > 0) {
      const sz = sideSize(c, priced.askPx);
      if (!(sz > 0)) withhold(explain, 'no ask: order size rounds to zero on the lot grid', 'order size');
      else if ((ctx.positionBase - sz) / c.orderSizeBase < -c.maxPositionLots - LOT_EPSILON)
        withhold(
          explain,
          `no ask: a fill would exceed max position ${c.maxPositionLots} lots`,
          'max position',
        );
      else ask = { side: 'sell', px: priced.askPx, sz };
    }
    return { bid, ask, explain };
  }

  onFill(_fill: OwnFill): void {
    // Position arrives in the context; nothing to remember.
  }
}
