/**
 * Delay after a fill (Hummingbot's `filled_order_delay`): after a fill on a side, that side quotes nothing for
 * `filledOrderDelayMs` of bot time, so a market running through our price does not fill a fresh order at once
 * (a burst of one-directional flow is the adverse selection a market maker wants to step aside from).
 *
 * Timing is on the engine's clock: the delay starts at the first `quote` after the fill (`ctx.nowMs` — the engine
 * asks right after applying a fill, at the bot time it applied it), and the side comes back at the first quote at
 * or after that time + delay (the next market event or re-quote tick). While it waits the side is withheld
 * ("fill delay"): the remainder of a partly filled order is cancelled too, a conservative reading of "no new
 * order" that keeps the rule one line. The other side keeps quoting.
 */
import { addNote } from './model-quote.ts';
import type { DesiredQuotes, OwnFill, QuoteContext, Strategy } from './types.ts';

export class FillDelayStrategy implements Strategy {
  readonly name: string;
  private pendingBuy = false;
  private pendingSell = false;
  /** Bot ms until which a side stays withheld. */
  private buyUntilMs = Number.NEGATIVE_INFINITY;
  private sellUntilMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly inner: Strategy,
    readonly delayMs: number,
  ) {
    this.name = inner.name;
  }

  quote(ctx: QuoteContext): DesiredQuotes {
    const now = ctx.nowMs;
    if (this.pendingBuy) this.buyUntilMs = now + this.delayMs;
    if (this.pendingSell) this.sellUntilMs = now + this.delayMs;
    this.pendingBuy = false;
    this.pendingSell = false;
    const q = this.inner.quote(ctx);
    const bidWait = q.bid !== null && now < this.buyUntilMs;
    const askWait = q.ask !== null && now < this.sellUntilMs;
    if (!bidWait && !askWait) return q;
    const out: DesiredQuotes = {
      bid: bidWait ? null : q.bid,
      ask: askWait ? null : q.ask,
      explain: q.explain,
    };
    if (out.explain !== null) {
      out.explain = { ...out.explain };
      if (bidWait) addNote(out.explain, `no bid: fill delay until ${iso(this.buyUntilMs)}`);
      if (askWait) addNote(out.explain, `no ask: fill delay until ${iso(this.sellUntilMs)}`);
      out.explain.withheld ??= 'fill delay';
    }
    return out;
  }

  onFill(fill: OwnFill): void {
    this.inner.onFill(fill);
    if (fill.side === 'buy') this.pendingBuy = true;
    else this.pendingSell = true;
  }
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}
