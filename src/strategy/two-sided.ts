/**
 * Two-sided market making: a bid and an ask of one lot each, priced by the shared pipeline (model-quote.ts),
 * with max-position and minimum-order-value checks. Stateless: quotes depend on the context only.
 */
import { type Instrument, meetsMinOrderValue, roundSize, sizeForNotional } from '../core/instrument.ts';
import type { StrategyConfig } from './config.ts';
import { type LadderConfig, ladderSide } from './ladder.ts';
import { addNote, emptyExplain, type PricedQuotes, priceQuotesInto, unusableInputs } from './model-quote.ts';
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
  const lot = lotOf(inst, config.orderSizeBase);
  if (!(lot > 0)) return Number.NaN;
  if (meetsMinOrderValue(inst, px, lot)) return lot;
  return sizeForNotional(inst, inst.minOrderValueQuote, px);
}

// The lot of the last (size decimals, order size) asked: the same two inputs on every call of a run, so the
// rounding (which reads nothing else of the instrument) runs once; other inputs round afresh.
let lotSzDecimals = Number.NaN;
let lotOrderSize = Number.NaN;
let lotRounded = Number.NaN;

function lotOf(inst: Instrument, orderSizeBase: number): number {
  if (inst.szDecimals !== lotSzDecimals || orderSizeBase !== lotOrderSize) {
    lotRounded = roundSize(inst, orderSizeBase, 'nearest');
    lotSzDecimals = inst.szDecimals;
    lotOrderSize = orderSizeBase;
  }
  return lotRounded;
}

/** Notes why a side is not quoted, with the short reason the engine reports. */
function withhold(explain: QuoteExplain, note: string, reason: string): void {
  addNote(explain, note);
  explain.withheld ??= reason;
}

export class TwoSidedStrategy implements Strategy {
  readonly name: string;
  readonly levels: number;
  /** The pipeline's prices, reused by every call (read at once; the explain in it is fresh each time). */
  private readonly priced: PricedQuotes = {
    bidPx: Number.NaN,
    askPx: Number.NaN,
    explain: null as unknown as QuoteExplain,
  };
  /** null when one level per side (today's two orders, no ladder code on the path). */
  private readonly ladder: LadderConfig | null;
  constructor(readonly config: StrategyConfig) {
    this.name = `${config.model}-two-sided`;
    this.levels = config.levels;
    this.ladder =
      config.levels > 1
        ? {
            levels: config.levels,
            spacingTicks: config.levelSpacingTicks,
            spacingHalfSpread: config.levelSpacingHalfSpread,
            sizeFactor: config.levelSizeFactor,
            // GLFT with a ladder quotes hftbacktest's grid: levels one rounded half spread apart.
            grid: config.model === 'glft',
          }
        : null;
  }

  quote(ctx: QuoteContext): DesiredQuotes {
    const c = this.config;
    const qLots = ctx.positionBase / c.orderSizeBase;
    const bad = unusableInputs(c, ctx.nowMs, ctx.bbo, ctx.params, qLots);
    if (bad) return { bid: null, ask: null, explain: emptyExplain(ctx.bbo, ctx.params, bad) };
    const priced = priceQuotesInto(this.priced, c, ctx.nowMs, ctx.bbo, ctx.params, qLots);
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
    if (this.ladder === null) return { bid, ask, explain };
    return this.expand(ctx.positionBase, bid, ask, explain);
  }

  /** The ladder around the level-0 quotes (a side withheld at level 0 stays withheld). */
  private expand(
    positionBase: number,
    bid: QuoteIntent | null,
    ask: QuoteIntent | null,
    explain: QuoteExplain,
  ): DesiredQuotes {
    const c = this.config;
    const lad = this.ladder as LadderConfig;
    const limits = { positionBase, lotBase: c.orderSizeBase, maxPositionLots: c.maxPositionLots };
    let bidLevels: QuoteIntent[] = [];
    let askLevels: QuoteIntent[] = [];
    if (bid !== null) {
      const b = ladderSide('buy', bid.px, explain.halfSpreadBid, lad, c.instrument, limits);
      if (b.cut !== null) addNote(explain, `bid ladder: ${b.cut}`);
      bidLevels = b.levels;
    }
    if (ask !== null) {
      const a = ladderSide('sell', ask.px, explain.halfSpreadAsk, lad, c.instrument, limits);
      if (a.cut !== null) addNote(explain, `ask ladder: ${a.cut}`);
      askLevels = a.levels;
    }
    return { bid: bidLevels[0] ?? null, ask: askLevels[0] ?? null, explain, bidLevels, askLevels };
  }

  onFill(_fill: OwnFill): void {
    // Position arrives in the context; nothing to remember.
  }
}
