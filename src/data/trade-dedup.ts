/**
 * Exactly-once trades across reconnects. Hyperliquid answers every new `trades` subscription with a batch of
 * recent trades it already sent (the bundled sample holds such repeats), so after a reconnect the first batch
 * overlaps what is on disk. Trade ids (`tid`) are unique per trade but not ordered (they look random), so a
 * high-water mark cannot work: we remember the last `capacity` ids seen and drop any trade whose id is among
 * them. Memory is bounded: a hash table of 2–4 × `capacity` slots plus a ring buffer of `capacity` numbers
 * (~26–44 bytes per id, ~1.6 MB at 50,000).
 *
 * Assumption: a replayed trade is never older than the last `capacity` distinct trades of its coin. Hyperliquid
 * replays a few dozen at most, so the default window of 50,000 per coin leaves a wide margin.
 */
export class RecentTradeIds {
  // The ids remembered, as an open-addressing hash set (linear probing, deletion by backward shift) over a
  // Float64Array: several times faster than a Set<number> of 100,000 numbers, and no garbage per trade — the
  // market stream offers it every trade of a recording. Table and ring start small and double as ids arrive
  // (an engine that sees a few fills allocates a few KB), up to a table of ≥ 2 × capacity slots.
  private keys: Float64Array;
  private used: Uint8Array;
  private mask: number;
  private ring: Float64Array;
  private next = 0;
  private count = 0;
  /** Trades dropped because their id was already seen. */
  duplicates = 0;

  constructor(readonly capacity = 50_000) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    this.ring = new Float64Array(Math.min(capacity, INITIAL_SLOTS));
    this.keys = new Float64Array(INITIAL_SLOTS);
    this.used = new Uint8Array(INITIAL_SLOTS);
    this.mask = INITIAL_SLOTS - 1;
  }

  /** True the first time `tid` is offered (and remembers it); false, counting a duplicate, after that. */
  admit(tid: number): boolean {
    const id = canonical(tid);
    if (this.find(id) >= 0) {
      this.duplicates++;
      return false;
    }
    if (this.count === this.capacity) {
      this.remove(this.ring[this.next] as number);
    } else {
      this.count++;
      if (2 * this.count > this.keys.length) this.rehash(this.keys.length * 2);
      if (this.next === this.ring.length) {
        // Not yet full: the ring holds ids [0, next) in order, so a longer copy keeps the order.
        const ring = new Float64Array(Math.min(this.capacity, this.ring.length * 2));
        ring.set(this.ring);
        this.ring = ring;
      }
    }
    this.insert(id);
    this.ring[this.next] = id;
    this.next = (this.next + 1) % this.capacity;
    return true;
  }

  /**
   * Remembers ids already on disk (oldest first, e.g. the tail of the trades file at start-up) without counting
   * duplicates: after a process restart the first batch Hyperliquid re-sends is then recognised as seen.
   */
  seed(tids: readonly number[]): void {
    const before = this.duplicates;
    for (const tid of tids) this.admit(tid);
    this.duplicates = before;
  }

  get size(): number {
    return this.count;
  }

  /** The slot holding `id`, or −1. */
  private find(id: number): number {
    const { keys, used, mask } = this;
    let i = slotOf(id, mask);
    while (used[i] === 1) {
      const k = keys[i] as number;
      if (k === id || (Number.isNaN(k) && Number.isNaN(id))) return i;
      i = (i + 1) & mask;
    }
    return -1;
  }

  private insert(id: number): void {
    const { keys, used, mask } = this;
    let i = slotOf(id, mask);
    while (used[i] === 1) i = (i + 1) & mask;
    keys[i] = id;
    used[i] = 1;
  }

  private rehash(slots: number): void {
    const { keys, used } = this;
    this.keys = new Float64Array(slots);
    this.used = new Uint8Array(slots);
    this.mask = slots - 1;
    for (let i = 0; i < keys.length; i++) if (used[i] === 1) this.insert(keys[i] as number);
  }

  /** Forgets `id` (present): empties its slot and shifts later members of its probe run back into the gap. */
  private remove(id: number): void {
    const { keys, used, mask } = this;
    let gap = this.find(id);
    let j = (gap + 1) & mask;
    while (used[j] === 1) {
      const home = slotOf(keys[j] as number, mask);
      // Move j into the gap unless its home lies cyclically in (gap, j]: then it must stay reachable from home.
      const stays = gap <= j ? home > gap && home <= j : home > gap || home <= j;
      if (!stays) {
        keys[gap] = keys[j] as number;
        gap = j;
      }
      j = (j + 1) & mask;
    }
    used[gap] = 0;
  }
}

const INITIAL_SLOTS = 64;

// −0 and 0 are one id (as a Set sees them); every NaN is the one canonical NaN.
function canonical(tid: number): number {
  return Number.isNaN(tid) ? Number.NaN : tid === 0 ? 0 : tid;
}

const scratch = new Float64Array(1);
const halves = new Uint32Array(scratch.buffer);

/** The id's home slot: its 64 bits mixed (trade ids are integers below 2^53, not spread in their low bits). */
function slotOf(id: number, mask: number): number {
  scratch[0] = id;
  const h = Math.imul((halves[0] as number) ^ Math.imul(halves[1] as number, 0x9e3779b1), 0x85ebca6b);
  return (h ^ (h >>> 15)) & mask;
}
