/**
 * The first `hours` of a synthetic market as in-memory events in exchange-time order (trades before the BBO at the
 * same ms, as the reader merges them). Generated for `hours` and one second more, not for the spec's whole days:
 * the events before the cut are exactly those of the whole-day market (test/data/synth-market.test.ts checks it;
 * orders arriving in the cut's last step are drawn one step later), at a fraction of the cost — a full-density
 * day is ≈ 6 M events.
 */
import type { MarketEvent } from '../../src/core/market.ts';
import { DEFAULT_SYNTH_START_MS, generateSynthMarket, type SynthMarketSpec } from '../../src/data/synth.ts';

export function synthEventsFor(spec: SynthMarketSpec, hours: number): MarketEvent[] {
  const bbos: MarketEvent[] = [];
  const trades: MarketEvent[] = [];
  generateSynthMarket(
    { ...spec, durationS: hours * 3600 + 1 },
    {
      writeBbo: (b) => bbos.push({ kind: 'bbo', ...b }),
      writeTrade: (t) => trades.push({ kind: 'trade', ...t }),
    },
  );
  const endMs = (spec.startMs ?? DEFAULT_SYNTH_START_MS) + hours * 3_600_000;
  const out: MarketEvent[] = [];
  let i = 0;
  let j = 0;
  while (i < bbos.length || j < trades.length) {
    const next =
      j < trades.length && (i >= bbos.length || trades[j].exchMs <= bbos[i].exchMs) ? trades[j++] : bbos[i++];
    if (next.exchMs >= endMs) break;
    out.push(next);
  }
  return out;
}
