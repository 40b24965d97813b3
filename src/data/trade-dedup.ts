/**
 * Exactly-once trades across reconnects. Hyperliquid answers every new `trades` subscription with a batch of
 * recent trades it already sent (the bundled sample holds such repeats), so after a reconnect the first batch
 * overlaps what is on disk. Trade ids (`tid`) are unique per trade but not ordered (they look random), so a
 * high-water mark cannot work: we remember the last `capacity` ids seen and drop any trade whose id is among
 * them. Memory is bounded: a Set plus a ring buffer of `capacity` numbers (~80 bytes per id, ~4 MB at 50,000).
 *
 * Assumption: a replayed trade is never older than the last `capacity` distinct trades of its coin. Hyperliquid
 * replays a few dozen at most, so the default window of 50,000 per coin leaves a wide margin.
 */
export class RecentTradeIds {
  private readonly seen = new Set<number>();
  private readonly ring: Float64Array;
  private next = 0;
  /** Trades dropped because their id was already seen. */
  duplicates = 0;

  constructor(readonly capacity = 50_000) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    this.ring = new Float64Array(capacity).fill(Number.NaN);
  }

  /** True the first time `tid` is offered (and remembers it); false, counting a duplicate, after that. */
  admit(tid: number): boolean {
    if (this.seen.has(tid)) {
      this.duplicates++;
      return false;
    }
    const evicted = this.ring[this.next];
    if (!Number.isNaN(evicted)) this.seen.delete(evicted);
    this.ring[this.next] = tid;
    this.next = (this.next + 1) % this.capacity;
    this.seen.add(tid);
    return true;
  }

  /**
   * Remembers ids already on disk (oldest first, e.g. the tail of the trades file at start-up) without counting
   * duplicates: after a process restart the first batch Hyperliquid re-sends is then recognised as seen.
   */
  seed(tids: readonly number[]): void {
    for (const tid of tids) {
      if (!this.seen.has(tid)) this.admit(tid);
    }
  }

  get size(): number {
    return this.seen.size;
  }
}
