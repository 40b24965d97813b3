/**
 * A fixed set of reused buffers, each holding one day of the event cache while calibration reads it and searches
 * γ on it. Why: a full-density day is ≈ 50 MB, and a fresh buffer per day is freed only when every thread that saw
 * it has run a full garbage collection (the backtest workers seldom do), and the allocator then keeps the freed
 * pages; the peak memory grew with the number of days read. With slots the days in memory are at most the slots'
 * count, and the memory is allocated once (again only when a bigger day comes).
 *
 * A day's slot is leased: whoever still needs the day (its reading, its γ search, the last usable day kept for
 * the published search) holds a reference, and the slot is reused once the last one is released. A lease asked
 * for while every slot is held waits for one to be released.
 */

/** One day's hold on a slot. `bytes` is valid until the last reference is released. */
export interface DayLease {
  readonly bytes: Uint8Array;
  retain(): void;
  release(): void;
}

interface Slot {
  memory: Uint8Array | null;
  holders: number;
  /** Leases handed out so far: a lease of an earlier day cannot touch the day now in the slot. */
  generation: number;
}

/** Room for a bigger day than the one that made a slot grow, so days of similar size do not regrow it. */
const GROWTH = 1.02;

export class DaySlots {
  private readonly slots: Slot[];
  private readonly waiting: { bytes: number; grant: (lease: DayLease) => void }[] = [];

  /**
   * `count` slots (at least 1); `allocate` makes a slot's memory: a SharedArrayBuffer when worker threads read
   * the days, an ArrayBuffer otherwise.
   */
  constructor(
    count: number,
    private readonly allocate: (bytes: number) => ArrayBufferLike,
  ) {
    this.slots = Array.from({ length: Math.max(1, count) }, () => ({
      memory: null,
      holders: 0,
      generation: 0,
    }));
  }

  /** Slots held now (tests). */
  get held(): number {
    return this.slots.filter((s) => s.holders > 0).length;
  }

  /** A slot of at least `bytes`, held once by the caller; waits while every slot is held. */
  acquire(bytes: number): Promise<DayLease> {
    const slot = this.slots.find((s) => s.holders === 0);
    if (slot !== undefined) return Promise.resolve(this.lease(slot, bytes));
    return new Promise((grant) => this.waiting.push({ bytes, grant }));
  }

  private lease(slot: Slot, bytes: number): DayLease {
    if (slot.memory === null || slot.memory.byteLength < bytes)
      slot.memory = new Uint8Array(this.allocate(Math.ceil((bytes * GROWTH) / 8) * 8));
    slot.holders = 1;
    const generation = ++slot.generation;
    const live = (what: string) => {
      if (slot.generation !== generation || slot.holders === 0)
        throw new Error(`DaySlots: ${what} of a day already released`);
    };
    return {
      bytes: slot.memory.subarray(0, bytes),
      retain: () => {
        live('retain');
        slot.holders++;
      },
      release: () => {
        live('release');
        if (--slot.holders === 0) this.freed(slot);
      },
    };
  }

  private freed(slot: Slot): void {
    const next = this.waiting.shift();
    if (next !== undefined) next.grant(this.lease(slot, next.bytes));
  }
}
