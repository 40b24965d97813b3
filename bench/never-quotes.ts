/**
 * A strategy that never quotes, for benchmarks only: it measures what the trading engine costs per event with the
 * quoting taken out (the feed, the clock, the feed-delay queue, the risk gate, the quoting loop, the paper venue,
 * the ledger and the markouts all run as usual; no order is ever sent). No backtest can run faster than this on
 * the same events, whatever its strategy: it is the floor the events/s targets are judged against.
 */
import { midPrice } from '../src/core/market.ts';
import { noQuoteExplain } from '../src/strategy/model-quote.ts';
import type { DesiredQuotes, QuoteContext, Strategy } from '../src/strategy/types.ts';

const NOTE = 'no quote: this benchmark strategy never quotes';

export function neverQuotes(): Strategy {
  return {
    name: 'never-quotes',
    levels: 1,
    // A fresh explain each call, as the real strategies give (the engine keeps the last answer).
    quote: (ctx: QuoteContext): DesiredQuotes => ({
      bid: null,
      ask: null,
      explain: noQuoteExplain(midPrice(ctx.bbo), ctx.params, NOTE),
    }),
    onFill: () => {},
  };
}
