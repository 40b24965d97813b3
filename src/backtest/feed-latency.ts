import type { MarketEvent } from '../core/market.ts';
import { MsHistogram } from '../sim/latency.ts';

/**
 * Feed latency of a backtest. ASSUMES the recorder's clock and the exchange's agree, so an event's local receive
 * time (the files' `timestamp`, `recvS`) minus its exchange time is the delay with which the bot would have seen
 * it. The venue matches each event at its exchange time; the strategy sees it at exchange time + that delay
 * (× `scale`). A receive time before the exchange time (clock skew) or missing counts as no delay, and is counted.
 *
 * `FeedDelayQueue` holds the events on their way to the strategy, ordered by delivery time, then by the order they
 * were matched (a sequence number). One channel's events usually arrive in order (a WebSocket subscription
 * delivers in order), so each kind of event (BBO, trade, book) has a FIFO lane that takes an event whose delivery
 * time is not before the lane's last one — O(1) in and out; an event that would go back in its lane waits in a
 * binary heap instead. Every lane and the heap are sorted by (delivery time, sequence), and `pop` takes the
 * smallest head of them, so the order is exactly that of one heap over all events.
 */
export class FeedDelayQueue {
  /** Delay applied to each event, ms. */
  readonly delays = new MsHistogram();
  /** Events whose receive time was missing or before their exchange time (delivered without delay). */
  skewed = 0;
  private readonly lanes = [new Lane(), new Lane(), new Lane()];
  private readonly atMs: number[] = [];
  private readonly seqs: number[] = [];
  private readonly evs: MarketEvent[] = [];
  private seq = 0;
  private count = 0;
  /** Where the next event waits: a lane index, 3 = the heap, −1 = empty. */
  private next = -1;
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
    return this.count;
  }

  push(atMs: number, ev: MarketEvent): void {
    const seq = this.seq++;
    this.count++;
    const k = ev.kind === 'bbo' ? 0 : ev.kind === 'trade' ? 1 : 2;
    const lane = this.lanes[k] as Lane;
    let at = 3;
    if (lane.n === 0 || atMs >= lane.lastAt) {
      lane.push(atMs, seq, ev);
      at = k;
    } else this.heapPush(atMs, seq, ev);
    // The newest event has the largest sequence: it goes first only when strictly earlier.
    if (atMs < this.nextMs) {
      this.nextMs = atMs;
      this.next = at;
    }
  }

  /** Removes and returns the next event (call only when size > 0). */
  pop(): MarketEvent {
    const from = this.next;
    const ev = from === 3 ? this.heapPop() : (this.lanes[from] as Lane).shift();
    this.count--;
    this.findNext();
    return ev;
  }

  private findNext(): void {
    let best = -1;
    let at = Number.POSITIVE_INFINITY;
    let sq = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 3; i++) {
      const l = this.lanes[i] as Lane;
      if (l.n === 0) continue;
      const a = l.headAt();
      if (a < at || (a === at && l.headSeq() < sq)) {
        best = i;
        at = a;
        sq = l.headSeq();
      }
    }
    const h = this.evs.length;
    if (h > 0) {
      const a = this.atMs[0] as number;
      if (a < at || (a === at && (this.seqs[0] as number) < sq)) {
        best = 3;
        at = a;
      }
    }
    this.next = best;
    this.nextMs = at;
  }

  private heapPush(atMs: number, seq: number, ev: MarketEvent): void {
    const a = this.atMs;
    const s = this.seqs;
    const e = this.evs;
    let i = e.length;
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
  }

  private heapPop(): MarketEvent {
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
    }
    return top;
  }
}

/** A FIFO ring of events in non-decreasing delivery time (then sequence), grown by doubling. */
class Lane {
  private at = new Float64Array(64);
  private sq = new Float64Array(64);
  private ev: (MarketEvent | undefined)[] = new Array(64).fill(undefined);
  private mask = 63;
  private head = 0;
  n = 0;
  /** Delivery time of the newest event in the lane. */
  lastAt = Number.NEGATIVE_INFINITY;

  headAt(): number {
    return this.at[this.head] as number;
  }

  headSeq(): number {
    return this.sq[this.head] as number;
  }

  push(atMs: number, seq: number, e: MarketEvent): void {
    if (this.n > this.mask) this.grow();
    const i = (this.head + this.n) & this.mask;
    this.at[i] = atMs;
    this.sq[i] = seq;
    this.ev[i] = e;
    this.n++;
    this.lastAt = atMs;
  }

  shift(): MarketEvent {
    const i = this.head;
    const e = this.ev[i] as MarketEvent;
    this.ev[i] = undefined;
    this.head = (i + 1) & this.mask;
    this.n--;
    return e;
  }

  private grow(): void {
    const cap = (this.mask + 1) * 2;
    const at = new Float64Array(cap);
    const sq = new Float64Array(cap);
    const ev: (MarketEvent | undefined)[] = new Array(cap).fill(undefined);
    for (let k = 0; k < this.n; k++) {
      const j = (this.head + k) & this.mask;
      at[k] = this.at[j] as number;
      sq[k] = this.sq[j] as number;
      ev[k] = this.ev[j];
    }
    this.at = at;
    this.sq = sq;
    this.ev = ev;
    this.mask = cap - 1;
    this.head = 0;
  }
}
