import type { MarketEvent } from '../core/market.ts';
import { MsHistogram } from '../sim/latency.ts';

/**
 * Feed latency of a backtest. ASSUMES the recorder's clock and the exchange's agree, so an event's local receive
 * time (the files' `timestamp`, `recvS`) minus its exchange time is the delay with which the bot would have seen
 * it. The venue matches each event at its exchange time; the strategy sees it at exchange time + that delay
 * (× `scale`). A receive time before the exchange time (clock skew) or missing counts as no delay, and is counted.
 *
 * `FeedDelayQueue` holds the events on their way to the strategy, ordered by delivery time (then by the order
 * they were matched): a binary heap, as events from different channels (trades, book) arrive with different delays.
 */
export class FeedDelayQueue {
  /** Delay applied to each event, ms. */
  readonly delays = new MsHistogram();
  /** Events whose receive time was missing or before their exchange time (delivered without delay). */
  skewed = 0;
  private readonly atMs: number[] = [];
  private readonly seqs: number[] = [];
  private readonly evs: MarketEvent[] = [];
  private seq = 0;
  /** Delivery time of the next event, +∞ when empty (a field, not a getter: read twice per event). */
  nextMs = Number.POSITIVE_INFINITY;

  constructor(readonly scale = 1) {}

  /** When the strategy sees `ev`, ms (and records the delay). */
  deliveryMs(ev: MarketEvent): number {
    const d = ev.recvS * 1000 - ev.exchMs;
    if (!(d >= 0)) {
      this.skewed++;
      this.delays.add(0);
      return ev.exchMs;
    }
    const delay = d * this.scale;
    this.delays.add(delay);
    return ev.exchMs + delay;
  }

  get size(): number {
    return this.evs.length;
  }

  push(atMs: number, ev: MarketEvent): void {
    const a = this.atMs;
    const s = this.seqs;
    const e = this.evs;
    let i = e.length;
    const seq = this.seq++;
    a.push(atMs);
    s.push(seq);
    e.push(ev);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p] < atMs || (a[p] === atMs && s[p] < seq)) break;
      a[i] = a[p];
      s[i] = s[p];
      e[i] = e[p];
      i = p;
    }
    a[i] = atMs;
    s[i] = seq;
    e[i] = ev;
    this.nextMs = a[0] as number;
  }

  /** Removes and returns the next event (call only when size > 0). */
  pop(): MarketEvent {
    const a = this.atMs;
    const s = this.seqs;
    const e = this.evs;
    const top = e[0];
    const lastA = a.pop() as number;
    const lastS = s.pop() as number;
    const lastE = e.pop() as MarketEvent;
    const n = e.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && (a[r] < a[l] || (a[r] === a[l] && s[r] < s[l])) ? r : l;
        if (a[c] > lastA || (a[c] === lastA && s[c] > lastS)) break;
        a[i] = a[c];
        s[i] = s[c];
        e[i] = e[c];
        i = c;
      }
      a[i] = lastA;
      s[i] = lastS;
      e[i] = lastE;
      this.nextMs = a[0] as number;
    } else this.nextMs = Number.POSITIVE_INFINITY;
    return top;
  }
}
