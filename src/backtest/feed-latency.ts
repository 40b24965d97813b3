import type { MarketEvent } from '../core/market.ts';
import { MsHistogram } from '../sim/latency.ts';

/**
 * Feed latency of a backtest. ASSUMES the recorder's clock and the exchange's agree, so an event's local receive
 * time (the files' `timestamp`, `recvS`) minus its exchange time is the delay with which the bot would have seen
 * it. The venue matches each event at its exchange time; the strategy sees it at exchange time + that delay
 * (× `scale`). A receive time before the exchange time (clock skew) or missing counts as no delay, and is counted.
 *
 * `FeedDelayQueue` holds the events on their way to the strategy, ordered by delivery time, then by the order they
 * were matched. It is one ring kept sorted: a new event goes in after every queued event due at or before it, so
 * ties keep the order they were matched in, and the next event is always at the head (pop is O(1), no search over
 * lanes or heap). Delays mostly rise with time (one channel arrives in order), so a push lands at the tail or a few
 * slots before it: the synthetic day never walks back (~3.5 events queued), the bundled sample's recording 0.27
 * slots per push on average (4.5 with the latency ×5). Delivery times sit in a typed array, so finding the slot
 * never touches the event objects.
 */
export class FeedDelayQueue {
  /** Delay applied to each event, ms. */
  readonly delays = new MsHistogram();
  /** Events whose receive time was missing or before their exchange time (delivered without delay). */
  skewed = 0;
  private at = new Float64Array(64);
  private evs: (MarketEvent | undefined)[] = new Array(64).fill(undefined);
  private mask = 63;
  private head = 0;
  private n = 0;
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
    return this.n;
  }

  push(atMs: number, ev: MarketEvent): void {
    if (this.n > this.mask) this.grow();
    const at = this.at;
    const evs = this.evs;
    const mask = this.mask;
    let i = (this.head + this.n) & mask;
    let ahead = this.n;
    // Walk back over the events due strictly later: they move one slot towards the tail.
    while (ahead > 0) {
      const p = (i - 1) & mask;
      if ((at[p] as number) <= atMs) break;
      at[i] = at[p] as number;
      evs[i] = evs[p];
      i = p;
      ahead--;
    }
    at[i] = atMs;
    evs[i] = ev;
    this.n++;
    if (ahead === 0) this.nextMs = atMs;
  }

  /** Removes and returns the next event (call only when size > 0). */
  pop(): MarketEvent {
    const h = this.head;
    const ev = this.evs[h] as MarketEvent;
    this.evs[h] = undefined;
    this.head = (h + 1) & this.mask;
    this.n--;
    this.nextMs = this.n > 0 ? (this.at[this.head] as number) : Number.POSITIVE_INFINITY;
    return ev;
  }

  private grow(): void {
    const cap = (this.mask + 1) * 2;
    const at = new Float64Array(cap);
    const evs: (MarketEvent | undefined)[] = new Array(cap).fill(undefined);
    for (let k = 0; k < this.n; k++) {
      const j = (this.head + k) & this.mask;
      at[k] = this.at[j] as number;
      evs[k] = this.evs[j];
    }
    this.at = at;
    this.evs = evs;
    this.mask = cap - 1;
    this.head = 0;
  }
}
